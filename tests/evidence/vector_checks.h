// Checks the format tests share: a vector parsed as a content type, and the
// invariant every parsed graph keeps (edges join its own nodes).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"

namespace scitt::evidence {

// shared/vectors/evidence/<folder>/<file>, parsed as `content_type`.
inline Result<EvidenceDocument> ParseVector(const std::string& folder, const std::string& file,
                                            std::string_view content_type) {
  const Bytes bytes = testing::ReadVector("evidence/" + folder + "/" + file);
  return Parse(content_type, bytes);
}

// Every edge joins nodes of the graph (or starts at the document itself).
inline void ExpectEdgesJoinNodes(const EvidenceDocument& document) {
  const GraphView graph(document);
  for (const Edge& edge : document.edges) {
    if (edge.from != kThisDocument) {
      EXPECT_NE(graph.Find(edge.from), nullptr) << "edge from unknown node " << edge.from;
    }
    EXPECT_NE(graph.Find(edge.to), nullptr) << "edge to unknown node " << edge.to;
  }
}

}  // namespace scitt::evidence
