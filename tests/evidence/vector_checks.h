// What the format tests share when they hold a parsed document against the
// facts.json of its folder in ../shared/vectors/evidence: reading a vector,
// a count of the facts, the node a document identifier names, and the
// checks every graph must pass.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cbor/encoder.h"
#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"

namespace scitt::evidence {

// Parsed as the indexer parses (GraphParts::kEdges): no nodes, and the
// same outcome, edges and counts as `full`; and again with the edges handed
// to a sink three at a time, as the indexer takes a large document's.
inline void ExpectSameEdgesOnly(std::string_view content_type, ByteView bytes,
                                const Result<EvidenceDocument>& full) {
  const auto edges_only = Parse(content_type, bytes, GraphParts::kEdges);
  CollectingEdgeSink sink;
  GraphParts in_batches = GraphParts::kEdges;
  in_batches.edge_sink = &sink;
  in_batches.edges_per_batch = 3;
  auto batched = Parse(content_type, bytes, in_batches);
  ASSERT_EQ(edges_only.ok(), full.ok());
  ASSERT_EQ(batched.ok(), full.ok());
  if (!full.ok()) {
    EXPECT_EQ(edges_only.error().message, full.error().message);
    EXPECT_EQ(batched.error().message, full.error().message);
    return;
  }
  EXPECT_TRUE(edges_only->nodes.empty());
  EXPECT_TRUE(batched->nodes.empty());
  const std::vector<Edge> all(full->edges.begin(), full->edges.end());
  EXPECT_EQ(std::vector<Edge>(edges_only->edges.begin(), edges_only->edges.end()), all);
  std::vector<Edge> streamed = std::move(sink.taken);
  streamed.insert(streamed.end(), batched->edges.begin(), batched->edges.end());
  EXPECT_EQ(streamed, all);
  EXPECT_EQ(edges_only->declared, full->declared);
  EXPECT_EQ(batched->declared, full->declared);
}

// A vector parsed with every part, after checking that the indexer's parse
// of it agrees.
inline Result<EvidenceDocument> ParseVector(const std::string& folder, const std::string& file,
                                            std::string_view content_type) {
  const Bytes bytes = testing::ReadVector("evidence/" + folder + "/" + file);
  auto parsed = Parse(content_type, bytes);
  ExpectSameEdgesOnly(content_type, bytes, parsed);
  return parsed;
}

inline uint64_t Count(const nlohmann::json& counts, const char* key) {
  EXPECT_TRUE(counts.contains(key)) << key;
  return counts.value(key, uint64_t{0});
}

// The node a document identifier names; fails the test when there is none.
inline std::string Id(const GraphView& graph, const nlohmann::json& identifier) {
  if (!identifier.is_string()) {
    ADD_FAILURE() << "no identifier: " << identifier.dump();
    return "<none>";
  }
  const auto id = graph.Resolve(identifier.get<std::string>());
  if (!id) {
    ADD_FAILURE() << "no node for " << identifier.get<std::string>();
    return "<none>";
  }
  return *id;
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

// Generic JSON must be recognised by shape as the same format, with the same graph.
inline void ExpectSameByShape(const std::string& folder, const std::string& file,
                              const EvidenceDocument& typed) {
  auto generic = ParseVector(folder, file, kGenericJson);
  ASSERT_TRUE(generic.ok()) << generic.error().message;
  EXPECT_EQ(generic->format, typed.format);
  EXPECT_EQ(generic->nodes.size(), typed.nodes.size());
  EXPECT_EQ(generic->edges.size(), typed.edges.size());
}

// An edge filter: edges asserted (attribute "relationship") as one of `types`.
inline GraphView::EdgeFilter AssertedAs(std::initializer_list<std::string_view> types) {
  std::vector<std::string> kept(types.begin(), types.end());
  return [kept](const Edge& edge) {
    const auto it = edge.attributes.find("relationship");
    return it != edge.attributes.end() &&
           std::find(kept.begin(), kept.end(), it->second) != kept.end();
  };
}

inline size_t CountEdges(const GraphView& graph, EdgeKind kind, const GraphView::EdgeFilter& keep) {
  size_t n = 0;
  for (const Edge* edge : graph.Edges(kind)) n += keep(*edge) ? 1 : 0;
  return n;
}

// Hand-made CBOR for the tests of the CBOR formats: an item head (RFC 8949
// §3), and pieces put together.
inline Bytes Head(uint8_t major, uint64_t argument) {
  Bytes out;
  cbor::EncodeHead(major, argument, &out);
  return out;
}
inline Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace scitt::evidence
