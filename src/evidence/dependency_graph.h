// The structural part of the evidence graph (DEPENDS_ON, CONTAINS,
// DESCRIBES, BUILT_FROM, IDENTIFIES) held in memory, for walks: a blast radius reaches
// tens of thousands of nodes, and one store lookup per node (about 12 µs in
// SQLite at 10 M edges) made a popular package's answer take seconds
// (docs/performance.md). Here node ids are interned to integers and each
// (from, to, kind) is one link that keeps the first edge asserting it (the
// same dependency is asserted by every SBOM that holds it), so a walk
// compares integers and builds strings only for the nodes it returns.
//
// Derived from the EvidenceStore alone (EvidenceStore::ScanEdges), read
// from where it stopped before a walk needs it, so it never answers from
// a graph older than the store's. Walks see the links of entries below
// their tree size: a link's first edge has the smallest entry of all that
// assert it, so "some edge below the tree size asserts it" is "its first
// edge is below it".
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "evidence/evidence_store.h"

namespace scitt::evidence {

// Dependents go against the structural edges: from a package to what
// depends on it, contains it, describes it or was built from it (and from
// an image's digest to the purls that name it).
// Dependencies go along them.
enum class WalkDirection { kDependents, kDependencies };

struct WalkQuery {
  std::vector<std::string> starts;  // purls, digests, …: the walk's depth 0
  WalkDirection direction = WalkDirection::kDependents;
  int max_depth = 10;               // hops from the starts
  std::optional<uint64_t> as_of;    // default: everything indexed
  size_t max_nodes = 100'000;       // bounds the walk's memory and time
  // The nodes returned: `limit` of them after the first `skip`, in
  // breadth-first order (the same order for the same tree size, so a
  // client pages through one answer by pinning as_of).
  size_t skip = 0;
  size_t limit = SIZE_MAX;
};

// An edge as a walk returns it: views into the DependencyGraph that walked,
// valid while it lives (the names it holds never move). A walk of 100,000
// nodes spent three quarters of its time copying them into strings
// (docs/performance.md); its user copies only what it keeps.
struct EdgeView {
  uint64_t entry = 0;  // the first entry that asserted it
  std::optional<std::string_view> issuer;
  std::string_view kind, from, to, attributes;
};

// A node the walk reached, with the edge through which it first reached it
// (breadth first: a shortest path). Following `via` back node by node leads
// to a start; each step names the entry that asserted it (the first entry
// that did, when several did).
struct Reached {
  std::string_view node;  // as EdgeView
  int depth = 0;
  EdgeView via;
};

struct Walk {
  uint64_t tree_size = 0;        // the graph the walk saw: entries below it
  std::vector<Reached> nodes;    // the page asked for, in breadth-first order, starts excluded
  size_t reached = 0;            // nodes reached in all, at most max_nodes
  bool truncated = false;        // max_nodes reached: there may be more
  // The artifacts (digests: "sha256:…", "sha512:…") among all the nodes
  // reached, not only the page's, in breadth-first order (as EdgeView).
  std::vector<std::string_view> artifacts;
  // Walking dependencies: the other edges out of the page's nodes (and of
  // the starts, on the first page): VULNERABLE_TO, VEX_STATUS, ATTESTED_BY,
  // BUILT_BY.
  std::vector<FoundEdge> facts;
};

// Thread-safe: walks share the graph; reading new edges excludes them only
// while one page of edges is added. Calls may block on the store: never on
// an HTTP I/O thread.
class DependencyGraph {
 public:
  explicit DependencyGraph(const EvidenceStore& store) : store_(store) {}

  // Reads the edges the store indexed since the last call. The first call
  // reads them all (seconds for 10 M edges): the service makes it at start,
  // off the request path, and the indexer after each batch it adds.
  Status CatchUp();

  Result<Walk> WalkFrom(const WalkQuery& query);

  // What it holds, for the benchmark and `/metrics`-style reports.
  struct Size {
    uint64_t complete_below = 0;  // every edge of an entry below it is read
    size_t names = 0;  // node ids, issuers and attribute texts
    size_t links = 0;
    size_t edges_read = 0;  // structural edges, before they were merged into links
    size_t bytes = 0;       // about: the arrays' capacities and the names
  };
  Size Measure() const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  // 24 bytes: names are ids into names_, `entry` is the first edge's.
  struct Link {
    uint32_t from, to;
    uint32_t issuer;      // kNone: the statement had none
    uint32_t attributes;  // the first edge's JSON, interned (few distinct values)
    uint64_t entry : 56;
    uint64_t kind : 8;    // index into kStructuralKinds
  };

  // Ids of node names, issuers and attribute texts, in one pool; the names
  // are kept in blocks that never move, so the views stay valid.
  uint32_t Intern(std::string_view text);
  std::optional<uint32_t> Find(std::string_view text) const;
  void AddEdge(const FoundEdge& found);
  bool HasLink(uint32_t from, uint32_t to, uint8_t kind) const;
  EdgeView Describe(const Link& link) const;

  const EvidenceStore& store_;
  std::mutex catch_up_mu_;  // one reader of the store's new edges at a time

  mutable std::shared_mutex mu_;  // guards everything below
  uint64_t complete_below_ = 0;
  uint64_t last_position_ = 0;  // of the last edge read (EdgeScan::after)
  size_t edges_read_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0, block_size_ = 0;
  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, uint32_t> ids_;
  std::vector<Link> links_;
  // Per node id, its links in entry order, each with the node at the other
  // end: a walk reads these in sequence and touches links_ (82 MB at 10 M
  // edges, so a cache miss per link) only for the nodes it returns, and for
  // the entry when pinned below the last link read.
  struct Adjacent {
    uint32_t node;
    uint32_t link;
  };
  std::vector<std::vector<Adjacent>> incoming_, outgoing_;
  uint64_t last_entry_ = 0;  // of the last link added
  // For nodes with many outgoing links, (to << 8 | kind) of each, so that
  // merging an edge into its link stays O(1) for an SBOM's root of a
  // million components.
  std::unordered_map<uint32_t, std::unordered_set<uint64_t>> wide_;
  // Per node id: some fact (VULNERABLE_TO, VEX_STATUS, …) goes out of it.
  // The facts themselves stay in the store; a walk reads them for these only.
  std::vector<bool> has_facts_;
};

}  // namespace scitt::evidence
