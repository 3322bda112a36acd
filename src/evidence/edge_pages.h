// Reading an EvidenceStore page by page, for the walks (graph_queries.h,
// dependency_graph.h).
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "evidence/evidence_store.h"

namespace scitt::evidence {

// The graph a query sees: everything indexed, or the entries below `as_of`
// when that is smaller.
inline Result<uint64_t> PinnedSize(const EvidenceStore& store, std::optional<uint64_t> as_of) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, store.IndexedSize());
  return as_of ? std::min(indexed, *as_of) : indexed;
}

// Calls `visit` for every edge at `node` (to it with `incoming`) in the
// graph below `tree_size`, page by page, until it returns false.
template <typename Visit>
Status ForEachEdge(const EvidenceStore& store, const std::string& node, bool incoming, uint64_t tree_size,
                   Visit&& visit) {
  EdgeQuery hop{.node = node, .incoming = incoming, .kind = std::nullopt, .after = std::nullopt, .limit = 1000,
                .as_of = tree_size};
  while (true) {
    SCITT_ASSIGN_OR_RETURN(EdgePage page, store.FindEdges(hop));
    for (FoundEdge& found : page.edges) {
      if (!visit(found)) return Status::Ok();
    }
    if (!page.next) return Status::Ok();
    hop.after = page.next;
  }
}

}  // namespace scitt::evidence
