// The graph walks (evidence/dependency_graph.h, evidence/graph_queries.h)
// over the embedded store: the blast radius of a package and of a version
// range, dependencies with their facts, a path between two nodes, VEX
// applied per issuer, each pinned to an earlier tree size; and the
// in-memory graph following the store as it grows.
#include "evidence/graph_queries.h"

#include <gtest/gtest.h>

#include "evidence/statement_indexer.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::evidence {
namespace {

IndexedStatement Sbom(uint64_t entry, std::string issuer, std::vector<IndexedEdge> edges) {
  IndexedStatement s;
  s.entry = entry;
  s.issuer = std::move(issuer);
  s.registered_at = 1700000000 + static_cast<int64_t>(entry);
  s.edges = std::move(edges);
  return s;
}

class GraphQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenEvidenceStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    // Two images share left-pad through different paths; a third has
    // another version; a scanner finds a CVE in 1.3.0; two issuers say
    // different things about it.
    ASSERT_TRUE(store_
                    ->Add(std::vector{
                              Sbom(0, "supplier",
                                   {{"DESCRIBES", "sha256:aa", "pkg:npm/app@1", "{}"},
                                    {"DEPENDS_ON", "pkg:npm/app@1", "pkg:npm/util@2", "{}"},
                                    {"DEPENDS_ON", "pkg:npm/util@2", "pkg:npm/left-pad@1.3.0", "{}"}}),
                              Sbom(1, "supplier",
                                   {{"DESCRIBES", "sha256:bb", "pkg:npm/web@5", "{}"},
                                    {"CONTAINS", "pkg:npm/web@5", "pkg:npm/left-pad@1.3.0", "{}"}}),
                              Sbom(2, "supplier",
                                   {{"DESCRIBES", "sha256:cc", "pkg:npm/old@1", "{}"},
                                    {"DEPENDS_ON", "pkg:npm/old@1", "pkg:npm/left-pad@1.10.0", "{}"}}),
                              Sbom(3, "scanner",
                                   {{"VULNERABLE_TO", "pkg:npm/left-pad@1.3.0", "CVE-2026-0001",
                                     R"({"severity":"high"})"}}),
                              Sbom(4, "supplier",
                                   {{"VEX_STATUS", "pkg:npm/left-pad@1.3.0", "CVE-2026-0001",
                                     R"({"status":"under_investigation"})"}}),
                              Sbom(5, "stranger",
                                   {{"VEX_STATUS", "pkg:npm/left-pad@1.3.0", "CVE-2026-0001",
                                     R"({"status":"not_affected"})"}}),
                              Sbom(6, "supplier",
                                   {{"VEX_STATUS", "pkg:npm/left-pad@1.3.0", "CVE-2026-0001",
                                     R"({"status":"fixed"})"}}),
                          },
                          7)
                    .ok());
    graph_ = std::make_unique<DependencyGraph>(*store_);
  }
  std::vector<std::string> Artifacts(WalkQuery query) {
    auto walk = graph_->WalkFrom(query);
    EXPECT_TRUE(walk.ok()) << walk.error().message;
    std::vector<std::string> out;
    if (!walk.ok()) return out;
    for (const Reached& node : walk->nodes) {
      if (node.node.starts_with("sha256:")) out.emplace_back(node.node);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;  // removed after the store and graph that use it
  std::unique_ptr<EvidenceStore> store_;
  std::unique_ptr<DependencyGraph> graph_;
};

using Ids = std::vector<std::string>;

TEST_F(GraphQueriesTest, DependentsReachEveryArtifactWithThePathBack) {
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}}), (Ids{"sha256:aa", "sha256:bb"}));
  auto walk = graph_->WalkFrom({.starts = {"pkg:npm/left-pad@1.3.0"}});
  ASSERT_TRUE(walk.ok());
  // sha256:aa is three hops away, each step with the entry that asserted it.
  std::map<std::string, const Reached*, std::less<>> by_node;
  for (const Reached& node : walk->nodes) by_node.emplace(node.node, &node);
  ASSERT_TRUE(by_node.contains("sha256:aa"));
  EXPECT_EQ(by_node["sha256:aa"]->depth, 3);
  EXPECT_EQ(by_node["sha256:aa"]->via.to, "pkg:npm/app@1");
  EXPECT_EQ(by_node["sha256:aa"]->via.entry, 0u);
  EXPECT_EQ(by_node["sha256:aa"]->via.issuer, "supplier");
  // A depth bound stops the walk.
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}, .max_depth = 2}), (Ids{"sha256:bb"}));
  // As of tree size 1 only the first SBOM was in the log.
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}, .as_of = 1}), (Ids{"sha256:aa"}));
  auto bounded = graph_->WalkFrom({.starts = {"pkg:npm/left-pad@1.3.0"}, .max_nodes = 1});
  ASSERT_TRUE(bounded.ok());
  EXPECT_TRUE(bounded->truncated);
  EXPECT_EQ(bounded->nodes.size(), 1u);
}

// Every SBOM holding a dependency asserts it again: the walk keeps one link
// per (from, to, kind), the first entry's, and so answers as of any tree
// size exactly as the edges would.
TEST_F(GraphQueriesTest, AnEdgeAssertedAgainKeepsItsFirstEntry) {
  ASSERT_TRUE(store_
                  ->Add(std::vector{Sbom(7, "other", {{"DESCRIBES", "sha256:dd", "pkg:npm/util@2", "{}"},
                                                      {"DEPENDS_ON", "pkg:npm/util@2", "pkg:npm/left-pad@1.3.0",
                                                       R"({"direct":"true"})"}}),
                                    Sbom(8, "late", {{"DEPENDS_ON", "pkg:npm/web@5", "pkg:npm/left-pad@1.3.0", "{}"}})},
                        9)
                  .ok());
  auto walk = graph_->WalkFrom({.starts = {"pkg:npm/left-pad@1.3.0"}, .max_depth = 1});
  ASSERT_TRUE(walk.ok()) << walk.error().message;
  EXPECT_EQ(walk->tree_size, 9u);
  std::map<std::string, const Reached*, std::less<>> by_node;
  for (const Reached& node : walk->nodes) by_node.emplace(node.node, &node);
  ASSERT_EQ(by_node.size(), 2u);
  EXPECT_EQ(by_node["pkg:npm/util@2"]->via.entry, 0u);  // not entry 7's assertion
  EXPECT_EQ(by_node["pkg:npm/util@2"]->via.issuer, "supplier");
  const EdgeView& via = by_node["pkg:npm/util@2"]->via;
  EXPECT_EQ((IndexedEdge{std::string(via.kind), std::string(via.from), std::string(via.to), std::string(via.attributes)}),
            (IndexedEdge{"DEPENDS_ON", "pkg:npm/util@2", "pkg:npm/left-pad@1.3.0", "{}"}));
  // web@5 reaches left-pad by CONTAINS (entry 1) and DEPENDS_ON (entry 8): the first wins.
  EXPECT_EQ(by_node["pkg:npm/web@5"]->via.kind, "CONTAINS");
  // The new artifact is found through the link entry 0 made.
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}}), (Ids{"sha256:aa", "sha256:bb", "sha256:dd"}));
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}, .as_of = 7}), (Ids{"sha256:aa", "sha256:bb"}));
  const DependencyGraph::Size size = graph_->Measure();
  EXPECT_EQ(size.complete_below, 9u);
  EXPECT_EQ(size.edges_read, 10u);  // the structural ones
  EXPECT_EQ(size.links, 9u);        // util@2 → left-pad once
}

// The graph reads what the store indexed since its last walk, before
// answering: a walk never sees less than the store holds.
TEST_F(GraphQueriesTest, TheGraphFollowsTheStore) {
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.10.0"}}), (Ids{"sha256:cc"}));
  ASSERT_TRUE(store_->Add(std::vector{Sbom(9, "supplier", {{"DESCRIBES", "sha256:ee", "pkg:npm/old@1", "{}"}})}, 10)
                  .ok());
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.10.0"}}), (Ids{"sha256:cc", "sha256:ee"}));
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.10.0"}, .as_of = 9}), (Ids{"sha256:cc"}));
  ASSERT_TRUE(graph_->CatchUp().ok());  // nothing new: changes nothing
  EXPECT_EQ(graph_->Measure().complete_below, 10u);
  EXPECT_EQ(graph_->Measure().links, 8u);
}

// A node with many links (an SBOM's root of many components): each edge
// asserted again still merges into its link.
TEST_F(GraphQueriesTest, AWideNodeMergesItsLinks) {
  std::vector<IndexedEdge> edges;
  for (int i = 0; i < 100; ++i) {
    edges.push_back({"DEPENDS_ON", "pkg:npm/root@1", "pkg:npm/c" + std::to_string(i) + "@1", "{}"});
  }
  ASSERT_TRUE(store_->Add(std::vector{Sbom(7, "a", edges), Sbom(8, "b", edges)}, 9).ok());
  auto walk = graph_->WalkFrom({.starts = {"pkg:npm/root@1"}, .direction = WalkDirection::kDependencies});
  ASSERT_TRUE(walk.ok());
  ASSERT_EQ(walk->nodes.size(), 100u);
  for (const Reached& node : walk->nodes) EXPECT_EQ(node.via.issuer, "a");
  EXPECT_EQ(graph_->Measure().links, 7u + 100u);
  EXPECT_EQ(graph_->Measure().edges_read, 7u + 200u);
  auto bounded = graph_->WalkFrom({.starts = {"pkg:npm/root@1"}, .direction = WalkDirection::kDependencies,
                                   .max_nodes = 10});
  ASSERT_TRUE(bounded.ok());
  EXPECT_TRUE(bounded->truncated);
  EXPECT_EQ(bounded->nodes.size(), 10u);
}

// A client pages through one walk: the same breadth-first order every
// time, each page with the count of all nodes and every artifact reached.
TEST_F(GraphQueriesTest, AWalkIsReadInPages) {
  auto all = graph_->WalkFrom({.starts = {"pkg:npm/left-pad@1.3.0"}});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->nodes.size(), 5u);  // util@2, web@5, app@1, sha256:bb, sha256:aa
  Ids order, pages;
  for (const Reached& node : all->nodes) order.emplace_back(node.node);
  for (size_t skip = 0; skip < 7; skip += 2) {
    auto page = graph_->WalkFrom({.starts = {"pkg:npm/left-pad@1.3.0"}, .skip = skip, .limit = 2});
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->reached, 5u);
    EXPECT_EQ(page->nodes.size(), skip < 5 ? std::min<size_t>(2, 5 - skip) : 0u);
    EXPECT_EQ(page->artifacts, (std::vector<std::string_view>{"sha256:bb", "sha256:aa"}));
    for (const Reached& node : page->nodes) pages.emplace_back(node.node);
  }
  EXPECT_EQ(pages, order);
  // Facts come with the page's nodes (and the starts' on the first page).
  auto deep = graph_->WalkFrom({.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies, .skip = 2});
  ASSERT_TRUE(deep.ok());
  ASSERT_EQ(deep->nodes.size(), 1u);
  EXPECT_EQ(deep->nodes[0].node, "pkg:npm/left-pad@1.3.0");
  EXPECT_EQ(deep->facts.size(), 4u);
  auto shallow = graph_->WalkFrom({.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies, .limit = 2});
  ASSERT_TRUE(shallow.ok());
  EXPECT_TRUE(shallow->facts.empty());
}

TEST_F(GraphQueriesTest, AVersionRangePicksThePackagesVersions) {
  auto versions = [&](std::string purl, std::optional<std::string> range) {
    std::optional<VersionRange> parsed;
    if (range) {
      auto result = VersionRange::Parse(*range);
      EXPECT_TRUE(result.ok()) << result.error().message;
      parsed = *result;
    }
    auto found = FindPackageVersions(*store_, purl, parsed, std::nullopt);
    EXPECT_TRUE(found.ok());
    return found.ok() ? found->nodes : Ids{};
  };
  EXPECT_EQ(versions("pkg:npm/left-pad", std::nullopt), (Ids{"pkg:npm/left-pad@1.10.0", "pkg:npm/left-pad@1.3.0"}));
  EXPECT_EQ(versions("pkg:npm/left-pad", "<1.4.0"), (Ids{"pkg:npm/left-pad@1.3.0"}));
  EXPECT_EQ(versions("pkg:npm/left-pad@9", "vers:npm/>=1.4.0|<2"), (Ids{"pkg:npm/left-pad@1.10.0"}));
  EXPECT_EQ(versions("pkg:NPM/left-pad?arch=x", ">=2.0.0"), Ids{});
  auto found = FindPackageVersions(*store_, "pkg:npm/left-pad", std::nullopt, std::nullopt);
  EXPECT_EQ(Artifacts({.starts = found->nodes}), (Ids{"sha256:aa", "sha256:bb", "sha256:cc"}));
}

TEST_F(GraphQueriesTest, VersionsCompareAsVersions) {
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_LT(CompareVersions("1.0.0-rc1", "1.0.0"), 0);
  EXPECT_GT(CompareVersions("1.0.0.1", "1.0.0"), 0);
  EXPECT_EQ(CompareVersions("1.01", "1.1"), 0);
  EXPECT_LT(CompareVersions("1.0a", "1.0b"), 0);
  auto range = VersionRange::Parse("vers:pypi/>=1.0|<2.0|!=1.5|>=3.0");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->Contains("1.0"));
  EXPECT_TRUE(range->Contains("1.9.9"));
  EXPECT_FALSE(range->Contains("1.5"));
  EXPECT_FALSE(range->Contains("2.0"));
  EXPECT_FALSE(range->Contains("0.9"));
  EXPECT_TRUE(range->Contains("3.0"));
  EXPECT_TRUE(range->Contains("10.0"));
  EXPECT_TRUE(VersionRange::Parse("1.2.3")->Contains("1.2.3"));
  EXPECT_FALSE(VersionRange::Parse("1.2.3")->Contains("1.2.4"));
  EXPECT_TRUE(VersionRange::Parse("!=1.2.3")->Contains("1.2.4"));
  EXPECT_TRUE(VersionRange::Parse("*")->Contains("0"));
  for (const char* bad : {"", "<", "vers:npm", "~>1.0", "<=|>="}) EXPECT_FALSE(VersionRange::Parse(bad).ok()) << bad;
}

TEST_F(GraphQueriesTest, DependenciesCarryTheFactsAndVexIsAppliedPerIssuer) {
  auto walk = graph_->WalkFrom({.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies});
  ASSERT_TRUE(walk.ok());
  Ids reached;
  for (const Reached& node : walk->nodes) reached.emplace_back(node.node);
  EXPECT_EQ(reached, (Ids{"pkg:npm/app@1", "pkg:npm/util@2", "pkg:npm/left-pad@1.3.0"}));
  ASSERT_EQ(walk->facts.size(), 4u);  // one finding, three VEX statements

  auto everyone = ApplyVex(walk->facts, {});
  ASSERT_EQ(everyone.size(), 1u);
  EXPECT_EQ(everyone[0].id, "CVE-2026-0001");
  EXPECT_EQ(everyone[0].findings.size(), 1u);
  // The supplier's later "fixed" overrides its "under_investigation".
  EXPECT_EQ(everyone[0].status_by_issuer,
            (std::map<std::string, std::string>{{"stranger", "not_affected"}, {"supplier", "fixed"}}));
  EXPECT_FALSE(everyone[0].open);
  EXPECT_FALSE(ApplyVex(walk->facts, {"supplier"})[0].open);
  EXPECT_TRUE(ApplyVex(walk->facts, {"scanner"})[0].open);  // no VEX from it

  // As of tree size 5 the supplier had only said under_investigation.
  auto earlier = graph_->WalkFrom({.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies, .as_of = 5});
  ASSERT_TRUE(earlier.ok());
  auto then = ApplyVex(earlier->facts, {"supplier"});
  ASSERT_EQ(then.size(), 1u);
  EXPECT_TRUE(then[0].open);
  EXPECT_EQ(then[0].status_by_issuer.at("supplier"), "under_investigation");
}

TEST_F(GraphQueriesTest, APathFollowsTheEdgesWithTheirEntries) {
  auto path = FindPath(*store_, {.from = "sha256:aa", .to = "CVE-2026-0001"});
  ASSERT_TRUE(path.ok());
  std::vector<std::pair<std::string, uint64_t>> steps;
  for (const FoundEdge& edge : path->edges) steps.emplace_back(edge.edge.to, edge.entry);
  EXPECT_EQ(steps, (std::vector<std::pair<std::string, uint64_t>>{
                       {"pkg:npm/app@1", 0}, {"pkg:npm/util@2", 0}, {"pkg:npm/left-pad@1.3.0", 0},
                       {"CVE-2026-0001", 3}}));
  EXPECT_TRUE(FindPath(*store_, {.from = "sha256:aa", .to = "CVE-2026-0001", .max_depth = 3})->edges.empty());
  EXPECT_TRUE(FindPath(*store_, {.from = "sha256:aa", .to = "CVE-2026-0001", .as_of = 3})->edges.empty());
  EXPECT_TRUE(FindPath(*store_, {.from = "CVE-2026-0001", .to = "sha256:aa"})->edges.empty());  // edges have a direction
}

// A decision cache hears of a batch before the index shows it: told
// after, it answered from a verdict the new evidence contradicts to anyone
// who had seen the new indexed size (with 200 ms between the two,
// security_vendor fails so every time).
TEST(StatementIndexerTest, TellsItsObserverBeforeReadersSeeTheBatch) {
  testing::TempDir dir;
  auto store = storage::OpenEvidenceStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  StatementIndexer indexer(**store);
  std::vector<std::pair<uint64_t, uint64_t>> told;  // (indexed_size told, size readers saw then)
  indexer.SetObserver([&](const std::vector<IndexedStatement>&, uint64_t indexed_size) {
    told.emplace_back(indexed_size, *(*store)->IndexedSize());
  });
  ASSERT_TRUE(indexer.SaveCursor(3).ok());
  ASSERT_TRUE(indexer.SaveCursor(7).ok());
  EXPECT_EQ(told, (std::vector<std::pair<uint64_t, uint64_t>>{{3, 0}, {7, 3}}));
  EXPECT_EQ(*(*store)->IndexedSize(), 7u);
}

}  // namespace
}  // namespace scitt::evidence
