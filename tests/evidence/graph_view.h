// A read-only view of one parsed document's graph for the tests: nodes by
// id, by the document's own identifiers (bom-ref, SPDXID, purl as written),
// and edges by kind.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "evidence/formats/graph.h"

namespace scitt::evidence {

class GraphView {
 public:
  explicit GraphView(const EvidenceDocument& document) : document_(document) {
    for (const Node& node : document.nodes) {
      by_id_[node.id] = &node;
      if (const auto it = node.attributes.find("local_id"); it != node.attributes.end()) {
        by_local_id_.emplace(it->second, node.id);
      }
      if (const auto it = node.attributes.find("purl"); it != node.attributes.end()) {
        by_purl_.emplace(it->second, node.id);
      }
    }
  }

  const Node* Find(const std::string& id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  // The node a document identifier names: a bom-ref or SPDXID, else a purl
  // as written, else a node id.
  std::optional<std::string> Resolve(const std::string& identifier) const {
    if (const auto it = by_local_id_.find(identifier); it != by_local_id_.end()) return it->second;
    if (const auto it = by_purl_.find(identifier); it != by_purl_.end()) return it->second;
    if (by_id_.contains(identifier)) return identifier;
    return std::nullopt;
  }

  std::vector<const Edge*> Edges(EdgeKind kind) const {
    std::vector<const Edge*> out;
    for (const Edge& edge : document_.edges) {
      if (edge.kind == kind) out.push_back(&edge);
    }
    return out;
  }

  const Edge* FindEdge(EdgeKind kind, const std::string& from, const std::string& to) const {
    for (const Edge& edge : document_.edges) {
      if (edge.kind == kind && edge.from == from && edge.to == to &&
          !edge.attributes.contains("product")) {
        return &edge;
      }
    }
    return nullptr;
  }

  // Which edges of a kind to follow, when not all (nullptr: all).
  using EdgeFilter = std::function<bool(const Edge&)>;

  std::set<std::string> Targets(EdgeKind kind, const std::string& from,
                                const EdgeFilter& keep = nullptr) const {
    std::set<std::string> out;
    for (const Edge* edge : Edges(kind)) {
      if (edge->from == from && (!keep || keep(*edge))) out.insert(edge->to);
    }
    return out;
  }

  std::set<std::string> Sources(EdgeKind kind, const std::string& to) const {
    std::set<std::string> out;
    for (const Edge* edge : Edges(kind)) {
      if (edge->to == to) out.insert(edge->from);
    }
    return out;
  }

  // Nodes reachable from `start` over `kind` edges in one or more steps,
  // `start` itself excluded even when a cycle leads back to it.
  std::set<std::string> Reachable(EdgeKind kind, const std::string& start,
                                  const EdgeFilter& keep = nullptr) const {
    std::set<std::string> seen;
    std::vector<std::string> pending{start};
    while (!pending.empty()) {
      const std::string at = pending.back();
      pending.pop_back();
      for (const std::string& next : Targets(kind, at, keep)) {
        if (seen.insert(next).second) pending.push_back(next);
      }
    }
    seen.erase(start);
    return seen;
  }

  std::string Attribute(const std::string& id, const std::string& key) const {
    const Node* node = Find(id);
    if (node == nullptr) return "<no node>";
    const auto it = node->attributes.find(key);
    return it == node->attributes.end() ? "<absent>" : it->second;
  }

  uint64_t Declared(const std::string& what) const {
    const auto it = document_.declared.find(what);
    return it == document_.declared.end() ? 0 : it->second;
  }

 private:
  const EvidenceDocument& document_;
  std::map<std::string, const Node*> by_id_;
  std::map<std::string, std::string> by_local_id_;  // first declaration wins
  std::map<std::string, std::string> by_purl_;
};

}  // namespace scitt::evidence
