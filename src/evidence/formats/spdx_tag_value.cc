// SPDX 2.2 / 2.3 tag-value (spec clauses 6-13, one "Tag: value" a line)
// handed to the SPDX 2 graph writer (spdx_model.h), so that it gives the
// graph the JSON serialisation of the same document gives. A value may span
// lines between <text> and </text>; lines starting with '#' are comments.
//
// Two passes over the text, which is in memory: the first writes each
// package and file when its section ends, the second the relationships,
// which may name an element listed after them. Only one element is held at
// a time.
//
// Position carries meaning here (SPDX 2.2 §3, Package Information): "In
// tag:value format, the order in which package and files occur is
// syntactically significant. A new Package Information section is denoted
// by the Package Name field. […] All files contained in a package must
// immediately follow the applicable Package Information." So a file listed
// after a package is that package's (the JSON's hasFiles), and a file
// listed before any package is nobody's.
#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_set>

#include "base/text.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"
#include "evidence/formats/spdx_model.h"

namespace scitt::evidence::internal {
namespace {

// Longer lines are refused: no tag or identifier comes near this, and a
// <text> value longer than a line spans lines.
constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Every tag of SPDX 2.2 and 2.3 (and the 2.0 review and 1.x artifact tags
// 2.2 still lists); others are refused rather than silently misread.
const std::unordered_set<std::string_view>& KnownTags() {
  static const std::unordered_set<std::string_view> tags = {
      // Document creation (clause 6)
      "SPDXVersion", "DataLicense", "SPDXID", "DocumentName", "DocumentNamespace",
      "ExternalDocumentRef", "LicenseListVersion", "Creator", "Created", "CreatorComment",
      "DocumentComment",
      // Package (clause 7)
      "PackageName", "PackageVersion", "PackageFileName", "PackageSupplier", "PackageOriginator",
      "PackageDownloadLocation", "FilesAnalyzed", "PackageVerificationCode", "PackageChecksum",
      "PackageHomePage", "PackageSourceInfo", "PackageLicenseConcluded",
      "PackageLicenseInfoFromFiles", "PackageLicenseDeclared", "PackageLicenseComments",
      "PackageCopyrightText", "PackageSummary", "PackageDescription", "PackageComment",
      "ExternalRef", "ExternalRefComment", "PackageAttributionText", "PrimaryPackagePurpose",
      "ReleaseDate", "BuiltDate", "ValidUntilDate",
      // File (clause 8)
      "FileName", "FileType", "FileChecksum", "LicenseConcluded", "LicenseInfoInFile",
      "LicenseComments", "FileCopyrightText", "ArtifactOfProjectName", "ArtifactOfProjectHomePage",
      "ArtifactOfProjectURI", "FileComment", "FileNotice", "FileContributor", "FileAttributionText",
      "FileDependency",
      // Snippet (clause 9)
      "SnippetSPDXID", "SnippetFromFileSPDXID", "SnippetByteRange", "SnippetLineRange",
      "SnippetLicenseConcluded", "LicenseInfoInSnippet", "SnippetLicenseComments",
      "SnippetCopyrightText", "SnippetComment", "SnippetName", "SnippetAttributionText",
      // Other licensing information (clause 10)
      "LicenseID", "ExtractedText", "LicenseName", "LicenseCrossReference", "LicenseComment",
      // Relationships (clause 11), annotations (clause 12), reviews (clause 13)
      "Relationship", "RelationshipComment", "Annotator", "AnnotationDate", "AnnotationType",
      "SPDXREF", "AnnotationComment", "Reviewer", "ReviewDate", "ReviewComment"};
  return tags;
}

constexpr std::string_view kBlank = " \t\r";

// The words of a value separated by blanks.
std::vector<std::string> Words(std::string_view value) {
  std::vector<std::string> words;
  size_t at = 0;
  while ((at = value.find_first_not_of(kBlank, at)) != std::string_view::npos) {
    const size_t end = std::min(value.find_first_of(kBlank, at), value.size());
    words.emplace_back(value.substr(at, end - at));
    at = end;
  }
  return words;
}

class TagValueReader {
 public:
  TagValueReader(std::string_view text, SpdxGraphWriter& writer) : text_(text), writer_(writer) {}

  Status Read() {
    SCITT_RETURN_IF_ERROR(ReadLines(Pass::kElements));
    SCITT_RETURN_IF_ERROR(CloseSection());
    if (spec_version_.empty()) return Invalid("SPDX tag-value: SPDXVersion is missing");
    writer_.SetDocument(std::move(spec_version_), std::move(document_id_));
    SCITT_RETURN_IF_ERROR(writer_.AddHasFiles());
    return ReadLines(Pass::kRelationships);
  }

 private:
  enum class Section { kDocument, kPackage, kFile, kOther };
  enum class Pass { kElements, kRelationships };

  Status ReadLines(Pass pass) {
    at_ = 0;
    line_ = 0;
    while (at_ < text_.size()) {
      const size_t end = std::min(text_.find('\n', at_), text_.size());
      std::string_view line = text_.substr(at_, end - at_);
      ++line_;
      if (line.size() > kMaxLineBytes) {
        return Malformed("is longer than " + std::to_string(kMaxLineBytes) + " bytes");
      }
      at_ = end + 1;
      line = TrimBlanks(line);
      if (line.empty() || line.front() == '#') continue;
      const size_t colon = line.find(':');
      const std::string_view tag =
          colon == std::string_view::npos ? line : TrimBlanks(line.substr(0, colon));
      if (colon == std::string_view::npos || tag.empty() ||
          !std::all_of(tag.begin(), tag.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
        return Malformed("is not a \"Tag: value\" line");
      }
      SCITT_ASSIGN_OR_RETURN(std::string value, Value(TrimBlanks(line.substr(colon + 1)), end));
      if (pass == Pass::kElements) {
        SCITT_RETURN_IF_ERROR(Apply(tag, std::move(value)));
      } else if (tag == "Relationship") {
        SCITT_RETURN_IF_ERROR(AddRelationship(value));
      }
    }
    return Status::Ok();
  }

  Error Malformed(const std::string& what) const {
    return MakeError(ErrorCode::kMalformed,
                     "SPDX tag-value: line " + std::to_string(line_) + " " + what);
  }
  Error InvalidHere(const std::string& what) const {
    return Invalid("SPDX tag-value: line " + std::to_string(line_) + ": " + what);
  }

  // The value as written, or for "<text>…</text>" what lies between, which
  // may run over the following lines (`line_end` is where this line ends).
  Result<std::string> Value(std::string_view value, size_t line_end) {
    constexpr std::string_view kOpen = "<text>", kClose = "</text>";
    if (!value.starts_with(kOpen)) return std::string(value);
    // `value` lies in text_: the text begins right after its "<text>".
    const size_t start = static_cast<size_t>(value.data() - text_.data()) + kOpen.size();
    const size_t close = text_.find(kClose, start);
    if (close == std::string_view::npos) return Malformed("opens a <text> that is never closed");
    const size_t after = close + kClose.size();
    const size_t rest_end = std::min(text_.find('\n', after), text_.size());
    if (!TrimBlanks(text_.substr(after, rest_end - after)).empty()) {
      return Malformed("has more after </text>");
    }
    if (close >= line_end) {
      line_ +=
          static_cast<size_t>(std::count(text_.begin() + line_end, text_.begin() + close, '\n'));
      at_ = rest_end + 1;
    }
    return std::string(text_.substr(start, close - start));
  }

  // A package or file section ends at the next element's first tag: the
  // element is written then.
  Status CloseSection() {
    if (section_ != Section::kPackage && section_ != Section::kFile) return Status::Ok();
    const bool file = section_ == Section::kFile;
    section_ = Section::kOther;
    if (element_.spdx_id.empty()) {
      return Invalid("SPDX tag-value: " + element_.path + " (\"" + element_.name->substr(0, 100) +
                     "\") has no SPDXID");
    }
    if (file) {
      if (package_) writer_.AddHasFile(*package_, element_.spdx_id);
      return writer_.AddElement(NodeKind::kFile, element_);
    }
    package_ = element_.spdx_id;  // files from here on are this package's
    return writer_.AddElement(NodeKind::kPackage, element_);
  }

  Status Open(Section section) {
    SCITT_RETURN_IF_ERROR(CloseSection());
    section_ = section;
    return Status::Ok();
  }

  // A package or file named `name`, listed as the next of its list.
  Status OpenElement(Section section, std::string name) {
    SCITT_RETURN_IF_ERROR(Open(section));
    uint64_t& listed = section == Section::kPackage ? packages_ : files_;
    element_ = SpdxElement();
    element_.path = std::string(section == Section::kPackage ? "packages" : "files") + "[" +
                    std::to_string(listed++) + "]";
    element_.name = std::move(name);
    return Status::Ok();
  }

  Result<SpdxElement*> Current(Section section, std::string_view tag) {
    if (section_ != section) {
      return InvalidHere(std::string(tag) + " outside a " +
                         (section == Section::kPackage ? "package" : "file") + " section");
    }
    return &element_;
  }

  // "<element> <type> <related>" (§11.1).
  Result<SpdxRelationship> ReadRelationship(const std::string& value) const {
    std::vector<std::string> words = Words(value);
    if (words.size() != 3) return InvalidHere("Relationship is not \"element TYPE related\"");
    return SpdxRelationship{std::move(words[0]), std::move(words[1]), std::move(words[2])};
  }

  Status AddRelationship(const std::string& value) {
    SCITT_ASSIGN_OR_RETURN(SpdxRelationship relationship, ReadRelationship(value));
    return writer_.AddListedRelationship(relationship);
  }

  // "SHA1: d6a7…" (§7.10, §8.4).
  Status AddChecksum(Section section, std::string_view tag, const std::string& value) {
    SCITT_ASSIGN_OR_RETURN(SpdxElement * element, Current(section, tag));
    const size_t colon = value.find(':');
    const std::string algorithm(TrimBlanks(std::string_view(value).substr(0, colon)));
    if (colon == std::string::npos || algorithm.empty()) {
      return InvalidHere(std::string(tag) + " is not \"ALGORITHM: value\"");
    }
    element->checksums.emplace_back(algorithm, TrimBlanks(std::string_view(value).substr(colon + 1)));
    return Status::Ok();
  }

  Status Apply(std::string_view tag, std::string value) {
    if (!KnownTags().contains(tag)) {
      return InvalidHere("unknown tag \"" + std::string(tag.substr(0, 100)) + "\"");
    }
    if (tag == "SPDXVersion") {
      SCITT_RETURN_IF_ERROR(CheckSpdx2Version(value));
      spec_version_ = std::move(value);
    } else if (tag == "SPDXID") {
      if (section_ == Section::kDocument) {
        document_id_ = std::move(value);
      } else if (section_ == Section::kOther) {
        return InvalidHere("SPDXID outside a document, package or file section");
      } else {
        SCITT_ASSIGN_OR_RETURN(SpdxElement * element, Current(section_, tag));
        if (!element->spdx_id.empty()) return InvalidHere("a second SPDXID for " + element->path);
        element->spdx_id = std::move(value);
      }
    } else if (tag == "ExternalDocumentRef") {
      // "DocumentRef-<id> <document URI> <checksum>" (§6.6).
      const std::vector<std::string> words = Words(value);
      if (words.size() < 2) return InvalidHere("ExternalDocumentRef names no document URI");
      writer_.AddExternalDocument(words[0], words[1]);
    } else if (tag == "Creator") {
      return writer_.AddCreator(value);
    } else if (tag == "PackageName") {
      return OpenElement(Section::kPackage, std::move(value));
    } else if (tag == "PackageVersion") {
      SCITT_ASSIGN_OR_RETURN(SpdxElement * package, Current(Section::kPackage, tag));
      package->version = std::move(value);
    } else if (tag == "PackageLicenseConcluded" || tag == "PackageLicenseDeclared") {
      SCITT_ASSIGN_OR_RETURN(SpdxElement * package, Current(Section::kPackage, tag));
      (tag == "PackageLicenseConcluded" ? package->license_concluded : package->license_declared) = std::move(value);
    } else if (tag == "LicenseConcluded" && section_ == Section::kFile) {
      // A file's licence (§8.5); out of a file section it is ignored, as
      // every licensing tag was before licences were read.
      element_.license_concluded = std::move(value);
    } else if (tag == "PackageChecksum") {
      return AddChecksum(Section::kPackage, tag, value);
    } else if (tag == "ExternalRef") {
      // "<category> <type> <locator>" (§7.21): PACKAGE-MANAGER purl pkg:…
      SCITT_ASSIGN_OR_RETURN(SpdxElement * package, Current(Section::kPackage, tag));
      const std::vector<std::string> words = Words(value);
      if (words.size() != 3) return InvalidHere("ExternalRef is not \"category type locator\"");
      if (words[1] == "purl" && !package->purl) package->purl = words[2];
    } else if (tag == "FileName") {
      return OpenElement(Section::kFile, std::move(value));
    } else if (tag == "FileChecksum") {
      return AddChecksum(Section::kFile, tag, value);
    } else if (tag == "SnippetSPDXID") {
      SCITT_RETURN_IF_ERROR(Open(Section::kOther));
      writer_.AddSnippet();
    } else if (tag == "LicenseID") {
      SCITT_RETURN_IF_ERROR(Open(Section::kOther));
    } else if (tag == "Relationship") {
      // Checked now, written in the second pass.
      SCITT_RETURN_IF_ERROR(ReadRelationship(value));
    }
    return Status::Ok();
  }

  const std::string_view text_;
  SpdxGraphWriter& writer_;
  size_t at_ = 0;    // where the next line starts
  size_t line_ = 0;  // the number of the line being read, from 1
  std::string spec_version_;
  std::string document_id_ = "SPDXRef-DOCUMENT";
  Section section_ = Section::kDocument;
  SpdxElement element_;                 // of the open package or file section
  uint64_t packages_ = 0, files_ = 0;   // listed so far
  std::optional<std::string> package_;  // the last package's SPDXID: files are its
};

}  // namespace

Result<EvidenceDocument> ParseSpdxTagValue(ByteView document, GraphParts parts) {
  if (document.size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kMalformed,
                     "SPDX tag-value: larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  }
  SpdxGraphWriter writer("", "SPDXRef-DOCUMENT", parts);
  TagValueReader reader(
      std::string_view(reinterpret_cast<const char*>(document.data()), document.size()), writer);
  SCITT_RETURN_IF_ERROR(reader.Read());
  return std::move(writer).Finish();
}

}  // namespace scitt::evidence::internal
