// Queries of the evidence graph over an EvidenceStore, each pinned to one
// tree size so that every hop sees the same graph (and an earlier size
// answers what the log held then): package versions in a range, a path
// between two nodes, VEX applied per issuer. Dependents and dependencies
// walk the graph in memory (dependency_graph.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"

namespace scitt::evidence {

// A version range, in the comparators of the purl "vers" scheme
// (github.com/package-url/purl-spec VERSION-RANGE-SPEC): constraints joined
// by "|", each "=", "!=", "<", "<=", ">", ">=" and a version, or "*".
// "vers:npm/>=1.0.0|<2.0.0" and ">=1.0.0|<2.0.0" are both accepted. As the
// spec says for a list of constraints, the versions in the range are those
// between each ">"/">=" and the "<"/"<=" that follows it, plus each "="
// version, minus each "!=" version. Versions compare segment by segment,
// numbers as numbers (1.10 > 1.9), a pre-release suffix before its release
// (1.0.0-rc1 < 1.0.0).
class VersionRange {
 public:
  static Result<VersionRange> Parse(std::string_view text);
  bool Contains(std::string_view version) const;

 private:
  struct Constraint {
    std::string op;
    std::string version;
  };
  std::vector<Constraint> constraints_;  // sorted by version
  bool any_ = false;
};

int CompareVersions(std::string_view a, std::string_view b);

// The versions of a package in the graph: the ids "<purl without
// version>@<version>" (qualifiers and subpath ignored for the match), those
// whose version `range` contains (every version without one). Bounded by
// `limit` ids; `truncated` says more matched.
struct PackageVersions {
  uint64_t tree_size = 0;
  std::vector<std::string> nodes;
  bool truncated = false;
};
Result<PackageVersions> FindPackageVersions(const EvidenceStore& store, std::string_view purl,
                                            const std::optional<VersionRange>& range,
                                            std::optional<uint64_t> as_of, size_t limit = 10'000);

// A shortest chain of edges (of any kind, in their direction) from `from`
// to `to`, at most `max_depth` long; empty when there is none.
struct PathQuery {
  std::string from;
  std::string to;
  int max_depth = 10;
  std::optional<uint64_t> as_of;
  size_t max_nodes = 100'000;
};
struct Path {
  uint64_t tree_size = 0;
  std::vector<FoundEdge> edges;  // edges[0].from == from, edges.back().to == to
  bool truncated = false;        // not found within max_nodes: there may be one
};
Result<Path> FindPath(const EvidenceStore& store, const PathQuery& query);

// The vulnerabilities found in an artifact or any node under it (a Walk's
// facts), each with what every issuer's VEX says about it.
struct VexAssessment {
  std::string node;  // the product or component the VEX is about
  uint64_t entry = 0;
  std::optional<std::string> issuer;
  std::string status;  // not_affected, affected, fixed, under_investigation
  std::string attributes;  // the edge's JSON (justification, timestamp, …)
};
struct Vulnerability {
  std::string id;
  std::vector<FoundEdge> findings;  // VULNERABLE_TO edges to it
  std::vector<VexAssessment> vex;   // in entry order
  // Each issuer's latest VEX status for it (by entry: a later statement
  // from the same issuer overrides an earlier one).
  std::map<std::string, std::string> status_by_issuer;
  // Whether it still applies: no VEX from a trusted issuer says
  // not_affected or fixed as that issuer's latest word.
  bool open = true;
};
// `trusted_vex_issuers`: whose VEX may close a finding; empty trusts every
// issuer (the answer still shows who said what).
std::vector<Vulnerability> ApplyVex(const std::vector<FoundEdge>& facts,
                                    const std::vector<std::string>& trusted_vex_issuers);

}  // namespace scitt::evidence
