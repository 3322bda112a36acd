// private to evidence/formats: the graph writer both SPDX 2 readers
// (spdx.cc, spdx_tag_value.cc) hand each element as they read it, so that
// the two serialisations of one document give one graph without a model of
// the whole document. The relationship table is shared with the SPDX 3
// reader, whose relationship types mean the same where they agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/text.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/graph.h"

namespace scitt::evidence::internal {

// A package or a file of an SPDX 2 document.
struct SpdxElement {
  std::string spdx_id;
  std::string path;                    // where it is listed: "packages[2]", "files[0]"
  std::optional<std::string> name;     // PackageName / FileName
  std::optional<std::string> version;  // PackageVersion
  std::optional<std::string> purl;     // the first purl external reference, as written
  std::vector<std::pair<std::string, std::string>> checksums;  // algorithm as written, value
  // SPDX license expressions as written (packages: §7.13, §7.15; files:
  // §8.5 "LicenseConcluded" only).
  std::optional<std::string> license_concluded, license_declared;
};

// "element type related", as written; `type` is also "hasFiles" for a
// package's files and "documentDescribes" for the JSON field of that name.
struct SpdxRelationship {
  std::string element;
  std::string type;
  std::string related;
};

// OK for "SPDX-2.2" and "SPDX-2.3"; kUnsupported for any other version.
Status CheckSpdx2Version(const std::string& version);

// What a relationship type stands for in the graph: `kind` from the
// element to the related one (or back, when `reversed`), with
// `attribute` = `value` on the edge when `attribute` is not empty.
struct SpdxEdgeMeaning {
  EdgeKind kind;
  bool reversed = false;
  std::string_view attribute = {};
  std::string_view value = {};
};

// The meaning of an SPDX 2 relationship type ("DEPENDENCY_OF") or an SPDX 3
// one ("dependsOn"); nullopt for types the graph has no edge kind for
// (licences, annotations, tools, copies, …).
std::optional<SpdxEdgeMeaning> SpdxRelationshipMeaning(std::string_view type);

// Writes the graph of an SPDX 2 document as the elements arrive, for both
// serialisations, so that they give one graph: packages (id: the
// normalised purl, else "ref:<SPDXID>") and files ("ref:<SPDXID>") as nodes,
// each LICENSED_UNDER its concluded and declared licences, people and
// organisations among the creators as issuers; then hasFiles, the
// documentDescribes subjects and the relationships as edges, each with the
// type it was asserted as ("relationship"). An element the document names
// without listing it (syft lists files only in hasFiles) becomes a package
// node of its own, one of an external document "<namespace URI>#<SPDXID>".
//
// The readers keep one order: creators, elements, then the edges (hasFiles,
// documentDescribes, relationships). Edges come after every element is declared, so that they
// name the element's node whatever the order of the document. Nothing of an
// element is kept but its SPDXID's node id (CompactStringMap): a document
// of hundreds of megabytes is not held twice.
class SpdxGraphWriter {
 public:
  SpdxGraphWriter(std::string spec_version, std::string document_id, GraphParts parts)
      : document_id_(std::move(document_id)), graph_(DocumentFormat::kSpdx, std::move(spec_version), parts) {}

  // The version and the document's SPDXID, when the reader learns them
  // after the writer is made (tag-value): before the first edge.
  void SetDocument(std::string spec_version, std::string document_id) {
    graph_.document().spec_version = std::move(spec_version);
    document_id_ = std::move(document_id);
  }

  void AddExternalDocument(std::string id, std::string uri) { external_documents_.emplace(std::move(id), std::move(uri)); }

  // creationInfo.creators: "Person: …", "Organization: …" or "Tool: …"
  // (§6.8); people and organisations are the document's issuers.
  Status AddCreator(const std::string& creator) {
    if (creator.starts_with("Person:") || creator.starts_with("Organization:")) {
      return graph_.AddNode(NodeKind::kIssuer, creator);
    }
    return Status::Ok();
  }

  Status AddElement(NodeKind kind, const SpdxElement& element) {
    graph_.Declare(kind == NodeKind::kFile ? "files" : "packages");
    Attributes attributes{{"local_id", element.spdx_id}, {"path", element.path}};
    if (element.name) attributes["name"] = *element.name;
    if (element.version) attributes["version"] = *element.version;
    if (element.purl) attributes["purl"] = *element.purl;
    for (const auto& [algorithm, value] : element.checksums) {
      attributes.emplace("digest." + AsciiLower(algorithm), value);
    }
    const std::string id = element.purl ? NormalizePurl(*element.purl) : "ref:" + element.spdx_id;
    node_by_spdx_id_.Emplace(element.spdx_id, id);
    SCITT_RETURN_IF_ERROR(graph_.AddNode(kind, id, std::move(attributes)));
    using enum GraphBuilder::LicenseText;
    if (element.license_concluded) {
      SCITT_RETURN_IF_ERROR(graph_.AddLicense(id, *element.license_concluded, kExpression, "concluded"));
    }
    if (element.license_declared) {
      SCITT_RETURN_IF_ERROR(graph_.AddLicense(id, *element.license_declared, kExpression, "declared"));
    }
    return Status::Ok();
  }

  void AddSnippet() { graph_.Declare("snippets"); }

  // A package's hasFiles waits for the files (AddHasFiles).
  void AddHasFile(const std::string& package, std::string file) { has_files_.emplace_back(package, std::move(file)); }
  Status AddHasFiles() {
    for (auto& [package, file] : std::exchange(has_files_, {})) {
      SCITT_RETURN_IF_ERROR(AddRelationship({std::move(package), "hasFiles", std::move(file)}));
    }
    return Status::Ok();
  }

  Status AddDescribed(std::string element) {
    return AddRelationship({document_id_, "documentDescribes", std::move(element)});
  }

  // One of the document's relationships (counted as such).
  Status AddListedRelationship(const SpdxRelationship& relationship) {
    graph_.Declare("relationships");
    return AddRelationship(relationship);
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  // NOASSERTION and NONE (§11.1) say that nothing is known or that there is
  // nothing: no edge.
  static bool IsNoElement(const std::string& id) { return id == "NOASSERTION" || id == "NONE"; }

  // The node an SPDX element id names: this document, a declared element,
  // an element of an external document (by its namespace URI), or an
  // undeclared element of this document.
  Result<std::string> NodeFor(const std::string& spdx_id) {
    if (spdx_id == document_id_) return std::string(kThisDocument);
    if (std::optional<std::string> known = node_by_spdx_id_.Find(spdx_id)) return std::move(*known);
    std::string id = "ref:" + spdx_id;
    if (const size_t colon = spdx_id.find(':'); colon != std::string::npos) {
      const auto external = external_documents_.find(spdx_id.substr(0, colon));
      if (external != external_documents_.end()) {
        id = external->second + "#" + spdx_id.substr(colon + 1);
      }
    }
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, id, {{"local_id", spdx_id}}));
    node_by_spdx_id_.Emplace(spdx_id, id);
    return id;
  }

  Status AddRelationship(const SpdxRelationship& relationship) {
    const auto meaning = SpdxRelationshipMeaning(relationship.type);
    if (!meaning || IsNoElement(relationship.element) || IsNoElement(relationship.related)) {
      return Status::Ok();
    }
    SCITT_ASSIGN_OR_RETURN(std::string from, NodeFor(relationship.element));
    SCITT_ASSIGN_OR_RETURN(std::string to, NodeFor(relationship.related));
    if (meaning->reversed) std::swap(from, to);
    // Edges start at the document but never end there: it is no node.
    if (to == kThisDocument) return Status::Ok();
    Attributes attributes{{"relationship", relationship.type}};
    if (!meaning->attribute.empty()) {
      attributes.emplace(std::string(meaning->attribute), std::string(meaning->value));
    }
    return graph_.AddEdge(
        Edge{meaning->kind, std::move(from), std::move(to), std::move(attributes)});
  }

  std::string document_id_;
  GraphBuilder graph_;
  std::unordered_map<std::string, std::string> external_documents_;  // DocumentRef-x -> URI
  CompactStringMap node_by_spdx_id_;                                  // SPDXID -> node id
  std::vector<std::pair<std::string, std::string>> has_files_;       // package SPDXID, file SPDXID
};


}  // namespace scitt::evidence::internal
