// private to evidence/formats: what an SPDX document says, in the plain
// shape the SPDX 2 tag-value reader fills, and the graph writer both SPDX 2
// readers use (spdx.cc), so that the two serialisations of one document give
// one graph; the JSON reader hands it each element as it reads it, without
// the model. The relationship table is shared with the SPDX 3 reader, whose
// relationship types mean the same where they agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
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

struct SpdxDocument2 {
  std::string spec_version;  // "SPDX-2.3"
  std::string document_id = "SPDXRef-DOCUMENT";
  std::vector<std::string> creators;                                // "Person: …", "Tool: …"
  std::unordered_map<std::string, std::string> external_documents;  // DocumentRef-x -> URI
  std::vector<SpdxElement> packages;
  std::vector<SpdxElement> files;
  uint64_t snippets = 0;
  std::vector<SpdxRelationship> has_files;  // package → file ("hasFiles")
  std::vector<SpdxRelationship> describes;  // the document → subject ("documentDescribes")
  std::vector<SpdxRelationship> relationships;
};

// OK for "SPDX-2.2" and "SPDX-2.3"; kUnsupported for any other version.
Status CheckSpdx2Version(const std::string& version);

// The graph of an SPDX 2 document: packages (id: the normalised purl, else
// "ref:<SPDXID>") and files ("ref:<SPDXID>") as nodes, each LICENSED_UNDER
// its concluded and declared licences, people and
// organisations among the creators as issuers; then hasFiles, the
// documentDescribes subjects and the relationships as edges, each with the
// type it was asserted as ("relationship"). An element the document names
// without listing it (syft lists files only in hasFiles) becomes a package
// node of its own, one of an external document "<namespace URI>#<SPDXID>".
Result<EvidenceDocument> SpdxGraph(const SpdxDocument2& document, GraphParts parts);

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

}  // namespace scitt::evidence::internal
