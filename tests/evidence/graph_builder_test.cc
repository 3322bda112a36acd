// The graph builder's bounds and the flat tables it keeps without nodes
// (evidence/formats/formats_internal.h).
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

// kMaxNodes distinct ids are taken, the next one is refused, and an id seen
// before is still taken: with nodes and without (where only hashes are kept).
TEST(GraphBuilder, RefusesTheNodePastTheBoundWithAndWithoutNodes) {
  for (const GraphParts parts : {GraphParts::kNodesAndEdges, GraphParts::kEdges}) {
    GraphBuilder graph(DocumentFormat::kCycloneDx, "1.5", parts);
    for (size_t i = 0; i < kMaxNodes; ++i) {
      ASSERT_TRUE(graph.AddNode(NodeKind::kPackage, "pkg:npm/p@" + std::to_string(i)).ok()) << i;
    }
    EXPECT_TRUE(graph.AddNode(NodeKind::kPackage, "pkg:npm/p@0").ok());
    const Status past = graph.AddNode(NodeKind::kPackage, "pkg:npm/one-too-many@1");
    ASSERT_FALSE(past.ok());
    EXPECT_EQ(past.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(past.error().message, "CycloneDX: more than 1000000 graph nodes");
    EXPECT_EQ(std::move(graph).Finish().nodes.size(), parts.nodes ? kMaxNodes : 0);
  }
}

// Without nodes, an edge repeated later (even after its batch was handed
// over) is dropped, as with nodes; "product" and "path" tell edges apart.
TEST(GraphBuilder, DropsRepeatedEdgesAcrossBatches) {
  CollectingEdgeSink sink;
  GraphParts parts = GraphParts::kEdges;
  parts.edge_sink = &sink;
  parts.edges_per_batch = 2;
  GraphBuilder graph(DocumentFormat::kOpenVex, "v0.2.0", parts);
  auto edge = [](std::string to, std::string product) {
    Edge e{EdgeKind::kVexStatus, "pkg:npm/a@1", std::move(to), {}};
    if (!product.empty()) e.attributes["product"] = std::move(product);
    return e;
  };
  for (const Edge& e : {edge("CVE-1", ""), edge("CVE-2", ""), edge("CVE-1", ""), edge("CVE-1", "pkg:oci/x"),
                        edge("CVE-2", ""), edge("CVE-3", "")}) {
    ASSERT_TRUE(graph.AddEdge(e).ok());
  }
  std::vector<Edge> all = sink.taken;
  for (Edge& e : std::move(graph).Finish().edges) all.push_back(std::move(e));
  EXPECT_EQ(all, (std::vector<Edge>{edge("CVE-1", ""), edge("CVE-2", ""), edge("CVE-1", "pkg:oci/x"),
                                    edge("CVE-3", "")}));
  EXPECT_EQ(sink.taken.size(), 4u);  // two full batches, nothing left over
}

// A sink's error ends the parse with it.
TEST(GraphBuilder, ASinkErrorEndsTheParse) {
  struct Failing final : EdgeSink {
    Status Take(std::deque<Edge>&) override { return MakeError(ErrorCode::kUnavailable, "store is down"); }
  } sink;
  GraphParts parts = GraphParts::kEdges;
  parts.edge_sink = &sink;
  parts.edges_per_batch = 1;
  const std::string bom =
      R"({"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"app","purl":"pkg:npm/app@1"}}})";
  const auto parsed = Parse(kCycloneDxJson, AsBytes(bom), parts);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "store is down");
}

TEST(CompactStringMap, KeepsTheFirstValueOfEachKey) {
  CompactStringMap map;
  EXPECT_EQ(map.Find("a"), std::nullopt);
  map.Emplace("a", "pkg:npm/a@1");
  map.Emplace("a", "pkg:npm/other@2");
  map.Emplace("", "empty key");
  map.Emplace("b", "");
  EXPECT_EQ(map.Find("a"), "pkg:npm/a@1");
  EXPECT_EQ(map.Find(""), "empty key");
  EXPECT_EQ(map.Find("b"), "");
  EXPECT_EQ(map.Find("c"), std::nullopt);
  // Keys with the same bytes split differently are different keys.
  map.Emplace(std::string("x\0y", 3), "one");
  EXPECT_EQ(map.Find("x"), std::nullopt);
  EXPECT_EQ(map.Find(std::string("x\0y", 3)), "one");
}

TEST(CompactStringMap, HoldsManyValuesAndOnesLargerThanAChunk) {
  CompactStringMap map;
  const std::string large(3 << 20, 'v');
  for (int i = 0; i < 200'000; ++i) {
    map.Emplace("ref-" + std::to_string(i), "pkg:npm/p@" + std::to_string(i));
    if (i == 1000) map.Emplace("large", large);
  }
  for (int i = 0; i < 200'000; i += 997) EXPECT_EQ(map.Find("ref-" + std::to_string(i)), "pkg:npm/p@" + std::to_string(i));
  EXPECT_EQ(map.Find("large"), large);
  EXPECT_EQ(map.Find("ref-200000"), std::nullopt);
}

TEST(FlatKeySet, InsertsOnceAndGrows) {
  FlatKeySet<2> set;
  for (uint64_t i = 1; i <= 100'000; ++i) ASSERT_TRUE(set.Insert({i * 0x9e3779b97f4a7c15, i}));
  for (uint64_t i = 1; i <= 100'000; i += 7) EXPECT_FALSE(set.Insert({i * 0x9e3779b97f4a7c15, i}));
  EXPECT_TRUE(set.Insert({1 * 0x9e3779b97f4a7c15, 2}));  // the second word counts too
  EXPECT_EQ(set.size(), 100'001u);
}

}  // namespace
}  // namespace scitt::evidence::internal
