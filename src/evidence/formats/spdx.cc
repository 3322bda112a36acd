// SPDX 2.2 / 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/) read into the
// SPDX 2 graph writer (spdx_model.h): packages and files become nodes,
// relationships edges. Reversed relationship types
// are turned around (spec §11.1: "A DEPENDENCY_OF B" is "B DEPENDS_ON A",
// "A CONTAINED_BY B" is "B CONTAINS A", "A DESCRIBED_BY B" is "B DESCRIBES
// A"), and a package's hasFiles is containment (§7.22 "Files contained").
// The top-level arrays are read an element at a time (OrderedMemberReader).
#include <unordered_map>

#include "base/text.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"
#include "evidence/formats/spdx_model.h"

namespace scitt::evidence::internal {
namespace {

struct NamedMeaning {
  std::string_view type;
  SpdxEdgeMeaning meaning;
};

constexpr NamedMeaning kRelationshipMeanings[] = {
    // SPDX 2.3 §11.1, plus the JSON fields that are relationships.
    {"DESCRIBES", {EdgeKind::kDescribes}},
    {"DESCRIBED_BY", {EdgeKind::kDescribes, true}},
    {"documentDescribes", {EdgeKind::kDescribes}},
    {"CONTAINS", {EdgeKind::kContains}},
    {"CONTAINED_BY", {EdgeKind::kContains, true}},
    {"hasFiles", {EdgeKind::kContains}},
    {"DEPENDS_ON", {EdgeKind::kDependsOn}},
    {"DEPENDENCY_OF", {EdgeKind::kDependsOn, true}},
    // "A BUILD_DEPENDENCY_OF B": A is a build dependency of B. SPDX 3 writes
    // these as a LifecycleScopedRelationship dependsOn with that scope, and
    // names the scopes the same way.
    {"BUILD_DEPENDENCY_OF", {EdgeKind::kDependsOn, true, "scope", "build"}},
    {"DEV_DEPENDENCY_OF", {EdgeKind::kDependsOn, true, "scope", "development"}},
    {"TEST_DEPENDENCY_OF", {EdgeKind::kDependsOn, true, "scope", "test"}},
    {"RUNTIME_DEPENDENCY_OF", {EdgeKind::kDependsOn, true, "scope", "runtime"}},
    // "Is to be used when SPDXRef-A statically links to SPDXRef-B."
    {"STATIC_LINK", {EdgeKind::kDependsOn, false, "link", "static"}},
    {"DYNAMIC_LINK", {EdgeKind::kDependsOn, false, "link", "dynamic"}},
    // "SPDXRef-A was generated from SPDXRef-B" / "SPDXRef-A generates SPDXRef-B".
    {"GENERATED_FROM", {EdgeKind::kBuiltFrom}},
    {"GENERATES", {EdgeKind::kBuiltFrom, true}},
    // SPDX 3.0 Core RelationshipType: "The from Element <verb> each to Element".
    {"describes", {EdgeKind::kDescribes}},
    {"contains", {EdgeKind::kContains}},
    {"dependsOn", {EdgeKind::kDependsOn}},
    {"hasStaticLink", {EdgeKind::kDependsOn, false, "link", "static"}},
    {"hasDynamicLink", {EdgeKind::kDependsOn, false, "link", "dynamic"}},
    {"generates", {EdgeKind::kBuiltFrom, true}},
};

// Reads the JSON serialisation into the writer as it goes, checking each
// field's type.
class SpdxJsonReader {
 public:
  explicit SpdxJsonReader(SpdxGraphWriter& writer) : writer_(writer) {}

  Status Read(ByteView document, const JsonOutline& outline) {
    const auto where = [](std::string_view member, size_t index) {
      return std::string(member) + "[" + std::to_string(index) + "]";
    };
    OrderedMemberReader members(
        "SPDX",
        {{"externalDocumentRefs",
          [&](size_t i, const Json& ref) {
            return ReadExternalDocumentRef(ref, "SPDX: " + where("externalDocumentRefs", i));
          }},
         {"creationInfo", nullptr, [&](const Json& top) { return ReadCreators(top); }},
         {"packages",
          [&](size_t i, const Json& package) { return ReadPackage(package, where("packages", i)); }},
         {"files", [&](size_t i, const Json& file) { return ReadFile(file, where("files", i)); }},
         {"snippets",
          [&](size_t, const Json&) {
            writer_.AddSnippet();
            return Status::Ok();
          }},
         // Not a member: the packages' hasFiles, once every file is declared.
         {"hasFiles", nullptr, [&](const Json&) { return writer_.AddHasFiles(); }},
         {"documentDescribes",
          [&](size_t i, const Json& described) -> Status {
            SCITT_ASSIGN_OR_RETURN(std::string element,
                                   ExpectString(described, "SPDX: " + where("documentDescribes", i)));
            return writer_.AddDescribed(std::move(element));
          }},
         {"relationships", [&](size_t i, const Json& relationship) {
            return ReadRelationship(relationship, "SPDX: " + where("relationships", i));
          }}});
    return members.Read(document, outline);
  }

 private:
  Status ReadExternalDocumentRef(const Json& ref, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(std::string id, RequiredString(ref, "externalDocumentId", where));
    SCITT_ASSIGN_OR_RETURN(std::string uri, RequiredString(ref, "spdxDocument", where));
    writer_.AddExternalDocument(std::move(id), std::move(uri));
    return Status::Ok();
  }

  Status ReadCreators(const Json& document) {
    SCITT_ASSIGN_OR_RETURN(const Json* info, OptionalObject(document, "creationInfo", "SPDX"));
    if (info == nullptr) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(const Json* creators,
                           OptionalArray(*info, "creators", "SPDX: creationInfo"));
    if (creators == nullptr) return Status::Ok();
    for (size_t i = 0; i < creators->size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string creator,
          ExpectString((*creators)[i], "SPDX: creationInfo.creators[" + std::to_string(i) + "]"));
      SCITT_RETURN_IF_ERROR(writer_.AddCreator(creator));
    }
    return Status::Ok();
  }

  // The fields packages and files share: SPDXID, licenseConcluded, checksums.
  Result<SpdxElement> ReadElement(const Json& element, const std::string& path) {
    const std::string where = "SPDX: " + path;
    SCITT_RETURN_IF_ERROR(ExpectObject(element, where));
    SpdxElement read;
    read.path = path;
    SCITT_ASSIGN_OR_RETURN(read.spdx_id, RequiredString(element, "SPDXID", where));
    SCITT_ASSIGN_OR_RETURN(read.license_concluded, OptionalString(element, "licenseConcluded", where));
    SCITT_ASSIGN_OR_RETURN(const Json* checksums, OptionalArray(element, "checksums", where));
    if (checksums != nullptr) {
      for (size_t i = 0; i < checksums->size(); ++i) {
        const std::string here = where + ".checksums[" + std::to_string(i) + "]";
        SCITT_ASSIGN_OR_RETURN(std::string algorithm,
                               RequiredString((*checksums)[i], "algorithm", here));
        SCITT_ASSIGN_OR_RETURN(std::string value,
                               RequiredString((*checksums)[i], "checksumValue", here));
        read.checksums.emplace_back(std::move(algorithm), std::move(value));
      }
    }
    return read;
  }

  Status ReadPackage(const Json& package, const std::string& path) {
    const std::string where = "SPDX: " + path;
    SCITT_ASSIGN_OR_RETURN(SpdxElement read, ReadElement(package, path));
    SCITT_ASSIGN_OR_RETURN(read.name, OptionalString(package, "name", where));
    SCITT_ASSIGN_OR_RETURN(read.version, OptionalString(package, "versionInfo", where));
    SCITT_ASSIGN_OR_RETURN(read.license_declared, OptionalString(package, "licenseDeclared", where));
    SCITT_ASSIGN_OR_RETURN(const Json* refs, OptionalArray(package, "externalRefs", where));
    if (refs != nullptr) {
      for (size_t i = 0; i < refs->size(); ++i) {
        const std::string here = where + ".externalRefs[" + std::to_string(i) + "]";
        SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString((*refs)[i], "referenceType", here));
        SCITT_ASSIGN_OR_RETURN(std::string locator,
                               RequiredString((*refs)[i], "referenceLocator", here));
        // The first purl names the package; SPDX allows several.
        if (type == "purl" && !read.purl) read.purl = std::move(locator);
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* has_files, OptionalArray(package, "hasFiles", where));
    if (has_files != nullptr) {
      for (size_t i = 0; i < has_files->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(
            std::string file,
            ExpectString((*has_files)[i], where + ".hasFiles[" + std::to_string(i) + "]"));
        writer_.AddHasFile(read.spdx_id, std::move(file));
      }
    }
    return writer_.AddElement(NodeKind::kPackage, read);
  }

  Status ReadFile(const Json& file, const std::string& path) {
    SCITT_ASSIGN_OR_RETURN(SpdxElement read, ReadElement(file, path));
    SCITT_ASSIGN_OR_RETURN(read.name, OptionalString(file, "fileName", "SPDX: " + path));
    return writer_.AddElement(NodeKind::kFile, read);
  }

  Status ReadRelationship(const Json& relationship, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(relationship, where));
    SCITT_ASSIGN_OR_RETURN(std::string element,
                           RequiredString(relationship, "spdxElementId", where));
    SCITT_ASSIGN_OR_RETURN(std::string type,
                           RequiredString(relationship, "relationshipType", where));
    SCITT_ASSIGN_OR_RETURN(std::string related,
                           RequiredString(relationship, "relatedSpdxElement", where));
    return writer_.AddListedRelationship({std::move(element), std::move(type), std::move(related)});
  }

  SpdxGraphWriter& writer_;
};

}  // namespace

std::optional<SpdxEdgeMeaning> SpdxRelationshipMeaning(std::string_view type) {
  for (const NamedMeaning& named : kRelationshipMeanings) {
    if (named.type == type) return named.meaning;
  }
  return std::nullopt;
}

Status CheckSpdx2Version(const std::string& version) {
  if (version == "SPDX-2.2" || version == "SPDX-2.3") return Status::Ok();
  return MakeError(ErrorCode::kUnsupported, "SPDX: spdxVersion \"" + version.substr(0, 100) +
                                                "\" is not read (SPDX-2.2 and SPDX-2.3 are)");
}

Result<EvidenceDocument> ParseSpdx(ByteView document, const JsonOutline& outline, GraphParts parts) {
  SCITT_RETURN_IF_ERROR(ExpectObject(outline.value, "SPDX: the document"));
  SCITT_ASSIGN_OR_RETURN(std::string spec_version, RequiredString(outline.value, "spdxVersion", "SPDX"));
  SCITT_RETURN_IF_ERROR(CheckSpdx2Version(spec_version));
  SCITT_ASSIGN_OR_RETURN(auto document_id, OptionalString(outline.value, "SPDXID", "SPDX"));
  SpdxGraphWriter writer(std::move(spec_version), document_id.value_or("SPDXRef-DOCUMENT"), parts);
  SCITT_RETURN_IF_ERROR(SpdxJsonReader(writer).Read(document, outline));
  return std::move(writer).Finish();
}

}  // namespace scitt::evidence::internal
