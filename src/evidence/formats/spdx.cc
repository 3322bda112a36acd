// SPDX 2.2 / 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): packages and
// files become nodes, relationships edges. Reversed relationship types are
// turned around (spec §11.1: "A DEPENDENCY_OF B" is "B DEPENDS_ON A",
// "A CONTAINED_BY B" is "B CONTAINS A", "A DESCRIBED_BY B" is "B DESCRIBES
// A"), and a package's hasFiles is containment (§7.22 "Files contained").
#include <cctype>
#include <unordered_map>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

class SpdxReader {
 public:
  SpdxReader(std::string spec_version, std::string document_id)
      : graph_(DocumentFormat::kSpdx, std::move(spec_version)),
        document_id_(std::move(document_id)) {}

  Status Read(const Json& document) {
    SCITT_RETURN_IF_ERROR(ReadExternalDocumentRefs(document));
    SCITT_RETURN_IF_ERROR(ReadCreators(document));
    SCITT_ASSIGN_OR_RETURN(const Json* packages, OptionalArray(document, "packages", "SPDX"));
    if (packages != nullptr) {
      for (size_t i = 0; i < packages->size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadPackage((*packages)[i], "SPDX: packages[" + std::to_string(i) + "]"));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* files, OptionalArray(document, "files", "SPDX"));
    if (files != nullptr) {
      for (size_t i = 0; i < files->size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadFile((*files)[i], "SPDX: files[" + std::to_string(i) + "]"));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* snippets, OptionalArray(document, "snippets", "SPDX"));
    if (snippets != nullptr) graph_.Declare("snippets", snippets->size());
    // Edges come after every element is declared, so that they name the
    // element's node whatever the order of the document.
    if (packages != nullptr) {
      for (size_t i = 0; i < packages->size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadHasFiles((*packages)[i], "SPDX: packages[" + std::to_string(i) + "]"));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* describes,
                           OptionalArray(document, "documentDescribes", "SPDX"));
    if (describes != nullptr) {
      for (size_t i = 0; i < describes->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(
            std::string element,
            ExpectString((*describes)[i], "SPDX: documentDescribes[" + std::to_string(i) + "]"));
        SCITT_RETURN_IF_ERROR(AddRelationship(EdgeKind::kDescribes, "documentDescribes",
                                              document_id_, element));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* relationships,
                           OptionalArray(document, "relationships", "SPDX"));
    if (relationships != nullptr) {
      for (size_t i = 0; i < relationships->size(); ++i) {
        SCITT_RETURN_IF_ERROR(
            ReadRelationship((*relationships)[i], "SPDX: relationships[" + std::to_string(i) + "]"));
      }
    }
    return Status::Ok();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  Status ReadExternalDocumentRefs(const Json& document) {
    SCITT_ASSIGN_OR_RETURN(const Json* refs, OptionalArray(document, "externalDocumentRefs", "SPDX"));
    if (refs == nullptr) return Status::Ok();
    for (size_t i = 0; i < refs->size(); ++i) {
      const std::string where = "SPDX: externalDocumentRefs[" + std::to_string(i) + "]";
      SCITT_ASSIGN_OR_RETURN(std::string id, RequiredString((*refs)[i], "externalDocumentId", where));
      SCITT_ASSIGN_OR_RETURN(std::string uri, RequiredString((*refs)[i], "spdxDocument", where));
      external_documents_.emplace(std::move(id), std::move(uri));
    }
    return Status::Ok();
  }

  // creationInfo.creators: "Person: …", "Organization: …" or "Tool: …"
  // (§6.8); people and organisations are the document's issuers.
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
      if (creator.starts_with("Person:") || creator.starts_with("Organization:")) {
        SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kIssuer, creator));
      }
    }
    return Status::Ok();
  }

  Status ReadPackage(const Json& package, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(package, where));
    graph_.Declare("packages");
    SCITT_ASSIGN_OR_RETURN(std::string spdx_id, RequiredString(package, "SPDXID", where));
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(package, "name", where));
    SCITT_ASSIGN_OR_RETURN(auto version, OptionalString(package, "versionInfo", where));
    Attributes attributes{{"local_id", spdx_id}, {"path", where.substr(where.find(' ') + 1)}};
    if (name) attributes["name"] = *name;
    if (version) attributes["version"] = *version;
    SCITT_ASSIGN_OR_RETURN(const Json* refs, OptionalArray(package, "externalRefs", where));
    if (refs != nullptr) {
      for (size_t i = 0; i < refs->size(); ++i) {
        const std::string here = where + ".externalRefs[" + std::to_string(i) + "]";
        SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString((*refs)[i], "referenceType", here));
        SCITT_ASSIGN_OR_RETURN(std::string locator,
                               RequiredString((*refs)[i], "referenceLocator", here));
        // The first purl names the package; SPDX allows several.
        if (type == "purl" && !attributes.contains("purl")) attributes["purl"] = locator;
      }
    }
    const std::string id =
        attributes.contains("purl") ? NormalizePurl(attributes["purl"]) : "ref:" + spdx_id;
    node_by_spdx_id_.emplace(spdx_id, id);
    return graph_.AddNode(NodeKind::kPackage, id, std::move(attributes));
  }

  Status ReadFile(const Json& file, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(file, where));
    graph_.Declare("files");
    SCITT_ASSIGN_OR_RETURN(std::string spdx_id, RequiredString(file, "SPDXID", where));
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(file, "fileName", where));
    Attributes attributes{{"local_id", spdx_id}, {"path", where.substr(where.find(' ') + 1)}};
    if (name) attributes["name"] = *name;
    SCITT_ASSIGN_OR_RETURN(const Json* checksums, OptionalArray(file, "checksums", where));
    if (checksums != nullptr) {
      for (size_t i = 0; i < checksums->size(); ++i) {
        const std::string here = where + ".checksums[" + std::to_string(i) + "]";
        SCITT_ASSIGN_OR_RETURN(std::string algorithm,
                               RequiredString((*checksums)[i], "algorithm", here));
        SCITT_ASSIGN_OR_RETURN(std::string value,
                               RequiredString((*checksums)[i], "checksumValue", here));
        for (char& c : algorithm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        attributes["digest." + algorithm] = value;
      }
    }
    const std::string id = "ref:" + spdx_id;
    node_by_spdx_id_.emplace(spdx_id, id);
    return graph_.AddNode(NodeKind::kFile, id, std::move(attributes));
  }

  Status ReadHasFiles(const Json& package, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const Json* has_files, OptionalArray(package, "hasFiles", where));
    if (has_files == nullptr) return Status::Ok();
    const std::string spdx_id = package["SPDXID"].get<std::string>();  // checked by ReadPackage
    for (size_t i = 0; i < has_files->size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string file, ExpectString((*has_files)[i], where + ".hasFiles[" + std::to_string(i) + "]"));
      SCITT_RETURN_IF_ERROR(AddRelationship(EdgeKind::kContains, "hasFiles", spdx_id, file));
    }
    return Status::Ok();
  }

  Status ReadRelationship(const Json& relationship, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(relationship, where));
    graph_.Declare("relationships");
    SCITT_ASSIGN_OR_RETURN(std::string element, RequiredString(relationship, "spdxElementId", where));
    SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString(relationship, "relationshipType", where));
    SCITT_ASSIGN_OR_RETURN(std::string related,
                           RequiredString(relationship, "relatedSpdxElement", where));
    if (type == "DEPENDS_ON") return AddRelationship(EdgeKind::kDependsOn, type, element, related);
    if (type == "DEPENDENCY_OF") return AddRelationship(EdgeKind::kDependsOn, type, related, element);
    if (type == "CONTAINS") return AddRelationship(EdgeKind::kContains, type, element, related);
    if (type == "CONTAINED_BY") return AddRelationship(EdgeKind::kContains, type, related, element);
    if (type == "DESCRIBES") return AddRelationship(EdgeKind::kDescribes, type, element, related);
    if (type == "DESCRIBED_BY") return AddRelationship(EdgeKind::kDescribes, type, related, element);
    // Other types (STATIC_LINK, TEST_DEPENDENCY_OF, GENERATED_FROM, …) have
    // no edge kind in this graph yet.
    return Status::Ok();
  }

  // NOASSERTION and NONE (§11.1) say that nothing is known or that there is
  // nothing: no edge.
  static bool IsNoElement(const std::string& id) { return id == "NOASSERTION" || id == "NONE"; }

  // The node an SPDX element id names: this document, a declared element,
  // an element of an external document (by its namespace URI), or an
  // undeclared element of this document.
  Result<std::string> NodeFor(const std::string& spdx_id) {
    if (spdx_id == document_id_) return std::string(kThisDocument);
    if (const auto it = node_by_spdx_id_.find(spdx_id); it != node_by_spdx_id_.end()) {
      return it->second;
    }
    std::string id = "ref:" + spdx_id;
    if (const size_t colon = spdx_id.find(':'); colon != std::string::npos) {
      const auto document = external_documents_.find(spdx_id.substr(0, colon));
      if (document != external_documents_.end()) {
        id = document->second + "#" + spdx_id.substr(colon + 1);
      }
    }
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, id, {{"local_id", spdx_id}}));
    node_by_spdx_id_.emplace(spdx_id, id);
    return id;
  }

  Status AddRelationship(EdgeKind kind, const std::string& asserted_as, const std::string& from,
                         const std::string& to) {
    if (IsNoElement(from) || IsNoElement(to)) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(std::string from_node, NodeFor(from));
    SCITT_ASSIGN_OR_RETURN(std::string to_node, NodeFor(to));
    return graph_.AddEdge(Edge{kind, from_node, to_node, {{"relationship", asserted_as}}});
  }

  GraphBuilder graph_;
  const std::string document_id_;  // the document's own SPDXID
  std::unordered_map<std::string, std::string> node_by_spdx_id_;     // SPDXID -> node id
  std::unordered_map<std::string, std::string> external_documents_;  // DocumentRef-x -> URI
};

}  // namespace

Result<EvidenceDocument> ParseSpdx(const Json& document) {
  SCITT_RETURN_IF_ERROR(ExpectObject(document, "SPDX: the document"));
  SCITT_ASSIGN_OR_RETURN(std::string version, RequiredString(document, "spdxVersion", "SPDX"));
  if (version != "SPDX-2.2" && version != "SPDX-2.3") {
    return MakeError(ErrorCode::kUnsupported,
                     "SPDX: spdxVersion \"" + version.substr(0, 100) +
                         "\" is not read (SPDX-2.2 and SPDX-2.3 are)");
  }
  SCITT_ASSIGN_OR_RETURN(auto document_id, OptionalString(document, "SPDXID", "SPDX"));
  SpdxReader reader(std::move(version), document_id.value_or("SPDXRef-DOCUMENT"));
  SCITT_RETURN_IF_ERROR(reader.Read(document));
  return std::move(reader).Finish();
}

}  // namespace scitt::evidence::internal
