// What one evidence document (an SBOM, a VEX, an attestation) says about the
// software supply chain, as graph nodes and edges. The indexer stores these
// next to the log entry that carried the document, so every edge can be
// traced back to the statement that justifies it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace scitt::evidence {

enum class DocumentFormat {
  kCycloneDx,  // CycloneDX JSON 1.2-1.6 (SBOM and VEX)
  kSpdx,       // SPDX 2.2 / 2.3 JSON and tag-value, SPDX 3.0 JSON-LD
  kOpenVex,    // OpenVEX 0.0.1 and 0.2.0
  kInToto,     // in-toto Statement v0.1 / v1, bare or in DSSE or a Sigstore bundle
  kSarif,      // SARIF 2.1.0 (scan results)
  kSwid,       // SWID tags, ISO/IEC 19770-2:2015 XML
  kCoSwid,     // CoSWID, RFC 9393 CBOR
  kEar,        // EAT Attestation Results (RATS EAR): JSON, JWT, CBOR, CWT
};

enum class NodeKind {
  kArtifact,          // id: a digest, "sha256:<hex>" when the document gives one;
                      // else the URI or product id as written
  kPackage,           // id: the purl (see NormalizePurl), a CycloneDX BOM-Link
                      // (urn:cdx:…), else a document-local "ref:<id>"
  kFile,              // id: a document-local "ref:<SPDXID>" or "ref:<uri>" (SARIF)
  kVulnerability,     // id: as written (CVE-…, GHSA-…, OSV or vendor id); for
                      // SARIF the CVE a rule id starts with, else the rule id
  kBuilder,           // id: the builder id URI
  kSourceRepository,  // id: the URI as written (git+https://…@ref)
  kIssuer,            // id: who wrote the document, as it names itself
  kLicense,           // id: "license:" and an SPDX license expression in
                      // canonical form (license_expression.h), else the
                      // licence's name as written
};

// Edges read "from <kind> to": a package DEPENDS_ON a package, an artifact
// is BUILT_BY a builder, a package is VULNERABLE_TO a vulnerability.
enum class EdgeKind {
  kDescribes,     // the document (kThisDocument) describes its subject
  kContains,      // parent contains child (nesting, files, subcomponents)
  kDependsOn,     // attribute "direct" = "true" when the document says so;
                  // SPDX: "link" (static, dynamic) for linking, "scope"
                  // (build, development, test, runtime) for scoped ones
  kBuiltFrom,     // artifact built from a source or material; "role":
                  // config_source, material or resolved_dependency (SPDX:
                  // "generated from", no role)
  kBuiltBy,       // artifact built by a builder
  kVulnerableTo,  // a finding: "severity" (critical, high, medium, low, info,
                  // none), "scanner" when the document names them; SARIF
                  // adds "rule", "level", "security_severity", "suppressed"
                  // and "path" (each result is its own edge)
  kVexStatus,     // "status" (not_affected, affected, fixed, under_investigation),
                  // "justification", "timestamp" (OpenVEX); "product" when
                  // the edge starts at a subcomponent of that product
  kAttestedBy,    // an attested thing (artifact, submodule) appraised by a
                  // verifier: "status" (none, affirming, warning,
                  // contraindicated), "submod", "policy" (comma separated),
                  // "trust.<claim>" (the trustworthiness vector), "iat",
                  // "verifier_build"
  kLinksTo,       // a SWID / CoSWID link whose relation no kind above
                  // expresses: "rel" (parent, patches, supersedes, see-also,
                  // installationmedia, …) and "href" as written
  kLicensedUnder,  // a package or file under a licence: "expression" (the
                   // canonical SPDX expression) or "name" (a licence named
                   // in words); "source" = "concluded" or "declared" when
                   // the document says which (SPDX concluded and declared
                   // licences, CycloneDX 1.6 "acknowledgement")
  kIdentifies,    // a package id names an artifact: pkg:oci/…@sha256:… to
                  // sha256:… (its version is the image's digest). Not from a
                  // parser: the indexer adds it for every such purl a
                  // document names (statement_indexer.h), so that an image
                  // listed in another's SBOM joins its own graph
};

std::string_view NodeKindName(NodeKind kind);  // "artifact", "package", …
std::string_view EdgeKindName(EdgeKind kind);  // "DESCRIBES", "CONTAINS", …
std::string_view DocumentFormatName(DocumentFormat format);  // "CycloneDX", …

// String attributes as the document writes them. Keys used by the parsers:
// "local_id" (bom-ref or SPDXID, for nodes the document can refer to),
// "path" (where the document lists the element: "components[2]",
// "packages[0]"; absent for elements only referred to), "purl" (as
// written), "name", "version", "digest.<alg>", "uri", "aliases" (comma
// separated), "vsa.*" (a SLSA verification summary of an artifact), plus the
// edge attributes listed at EdgeKind.
using Attributes = std::map<std::string, std::string>;

struct Node {
  NodeKind kind = NodeKind::kPackage;
  std::string id;
  Attributes attributes;
};

// `from` and `to` are node ids. Ids starting with "ref:" are local to the
// document; the indexer qualifies them with the log entry before joining
// graphs of different documents.
struct Edge {
  EdgeKind kind = EdgeKind::kContains;
  std::string from;
  std::string to;
  Attributes attributes;
  bool operator==(const Edge&) const = default;
};

// The `from` of an edge that starts at the document itself (DESCRIBES, and
// SPDX relationships whose element is the document's own SPDXID), or at the
// artifact the statement is about when the document does not name it (a
// SARIF result without a location).
inline constexpr std::string_view kThisDocument = "";

// Takes a large document's edges while it is parsed (GraphParts::edge_sink),
// so that they need not all be held at once.
class EdgeSink {
 public:
  virtual ~EdgeSink() = default;
  // `edges` (GraphParts::edges_per_batch of them, in the order first seen)
  // are final: no later element of the document changes them. The sink
  // takes them all (leaves the deque empty); an error ends the parse with it.
  virtual Status Take(std::deque<Edge>& edges) = 0;
};

// What a caller keeps of a document's graph. The indexer stores edges only:
// without nodes, the nodes' attributes are dropped as they are made (most of
// a 100 MB SBOM's graph in memory is its components' attributes) and the
// result has no nodes; the edges, the counts and the refusals are the same.
struct GraphParts {
  static const GraphParts kNodesAndEdges;
  static const GraphParts kEdges;

  bool nodes = true;
  // Without nodes: the parsers of the formats whose documents run to many
  // megabytes (CycloneDX JSON and XML, SPDX 2 JSON and tag-value) hand
  // their edges to it in batches as they are made. The result holds the
  // edges not handed over yet, which follow every batch. A parse that fails
  // may have handed some over first.
  EdgeSink* edge_sink = nullptr;
  size_t edges_per_batch = 8192;  // at least 1
};
inline constexpr GraphParts GraphParts::kNodesAndEdges{true};
inline constexpr GraphParts GraphParts::kEdges{false};

// An EdgeSink that keeps every batch, in order (tests, the fuzzer).
class CollectingEdgeSink final : public EdgeSink {
 public:
  Status Take(std::deque<Edge>& edges) override {
    for (; !edges.empty(); edges.pop_front()) taken.push_back(std::move(edges.front()));
    return Status::Ok();
  }
  std::vector<Edge> taken;
};

struct EvidenceDocument {
  DocumentFormat format = DocumentFormat::kCycloneDx;
  // As the document declares it: "1.5", "SPDX-2.3", "v0.2.0",
  // "https://in-toto.io/Statement/v1".
  std::string spec_version;
  // For in-toto: "dsse", "sigstore-bundle" or "bare-statement". For CoSWID
  // and EAR: "cose-sign1" or "jws" when the document came signed (the
  // signature is not verified: the statement's is the one that counts),
  // else empty.
  std::string container;
  // For in-toto: the predicateType as written.
  std::string predicate_type;
  std::vector<Node> nodes;  // distinct ids, in the order first seen (none: GraphParts::nodes false)
  // Distinct by (kind, from, to) and the "product" and "path" attributes,
  // in the order first seen. A deque: it grows without copying or doubling,
  // and a reader can free the edges it has taken (pop_front) as it goes.
  std::deque<Edge> edges;
  // How many elements of each kind the document lists, before equal ids
  // merge into one node: "components", "services", "dependency_entries",
  // "vulnerabilities", "vulnerability_affects" (CycloneDX); "packages",
  // "files", "snippets", "relationships" (SPDX; SPDX 3 also
  // "vulnerabilities"); "statements" (OpenVEX); "subjects", "materials"
  // (in-toto); "runs", "rules", "results" (SARIF).
  std::map<std::string, uint64_t> declared;
};

}  // namespace scitt::evidence
