// Walks of the evidence graph over an EvidenceStore, each pinned to one
// tree size so that every hop sees the same graph (and an earlier size
// answers what the log held then).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evidence/evidence_store.h"

namespace scitt::evidence {

struct DependentsQuery {
  std::string node;                 // a purl, a digest, …
  int max_depth = 10;               // hops from `node`
  std::optional<uint64_t> as_of;    // default: everything indexed
  size_t max_nodes = 100'000;       // bounds the walk's memory and time
};

// A node that reaches the queried node, with the edge through which the
// walk first reached it (breadth first: a shortest path). Following `via.to`
// from node to node leads back to the queried node; each step names the
// entry that asserted it.
struct Dependent {
  std::string node;
  int depth = 0;
  FoundEdge via;  // from `node`
};

struct Dependents {
  uint64_t tree_size = 0;  // the graph the walk saw: entries below it
  std::vector<Dependent> nodes;  // in breadth-first order
  bool truncated = false;  // max_nodes reached: more may depend on it
};

// Everything that depends on, contains, describes or was built from
// `query.node`, directly or through others: the blast radius of a package.
// The artifacts among them are the nodes that are digests ("sha256:…").
Result<Dependents> FindDependents(const EvidenceStore& store, const DependentsQuery& query);

}  // namespace scitt::evidence
