#include "evidence/graph_queries.h"

#include <deque>
#include <unordered_set>

namespace scitt::evidence {
namespace {

// The edges a dependent reaches its dependency through (graph.h).
bool LeadsToDependent(const std::string& kind) {
  return kind == "DEPENDS_ON" || kind == "CONTAINS" || kind == "DESCRIBES" || kind == "BUILT_FROM";
}

constexpr size_t kEdgesPerPage = 1000;

}  // namespace

Result<Dependents> FindDependents(const EvidenceStore& store, const DependentsQuery& query) {
  Dependents out;
  SCITT_ASSIGN_OR_RETURN(uint64_t indexed, store.IndexedSize());
  out.tree_size = query.as_of ? std::min(indexed, *query.as_of) : indexed;
  std::unordered_set<std::string> seen{query.node};
  std::deque<std::pair<std::string, int>> frontier{{query.node, 0}};
  while (!frontier.empty()) {
    auto [node, depth] = std::move(frontier.front());
    frontier.pop_front();
    if (depth >= query.max_depth) continue;
    EdgeQuery hop{.node = node, .incoming = true, .limit = kEdgesPerPage, .as_of = out.tree_size};
    while (true) {
      SCITT_ASSIGN_OR_RETURN(EdgePage page, store.FindEdges(hop));
      for (FoundEdge& found : page.edges) {
        if (!LeadsToDependent(found.edge.kind) || !seen.insert(found.edge.from).second) continue;
        if (out.nodes.size() == query.max_nodes) {
          out.truncated = true;
          return out;
        }
        frontier.emplace_back(found.edge.from, depth + 1);
        out.nodes.push_back(Dependent{found.edge.from, depth + 1, std::move(found)});
      }
      if (!page.next) break;
      hop.after = page.next;
    }
  }
  return out;
}

}  // namespace scitt::evidence
