// The graph walks (evidence/graph_queries.h) over the embedded store: the
// blast radius of a package and of a version range, dependencies with their
// facts, a path between two nodes, VEX applied per issuer, and each pinned
// to an earlier tree size.
#include "evidence/graph_queries.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/store.h"

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
    dir_ = std::filesystem::temp_directory_path() /
           ("graph_queries_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::OpenEvidenceStore(dir_.string());
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
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> Artifacts(WalkQuery query) {
    auto walk = WalkGraph(*store_, query);
    EXPECT_TRUE(walk.ok()) << walk.error().message;
    std::vector<std::string> out;
    if (!walk.ok()) return out;
    for (const Reached& node : walk->nodes) {
      if (node.node.starts_with("sha256:")) out.push_back(node.node);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<EvidenceStore> store_;
};

using Ids = std::vector<std::string>;

TEST_F(GraphQueriesTest, DependentsReachEveryArtifactWithThePathBack) {
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}}), (Ids{"sha256:aa", "sha256:bb"}));
  auto walk = WalkGraph(*store_, {.starts = {"pkg:npm/left-pad@1.3.0"}});
  ASSERT_TRUE(walk.ok());
  // sha256:aa is three hops away, each step with the entry that asserted it.
  std::map<std::string, const Reached*> by_node;
  for (const Reached& node : walk->nodes) by_node[node.node] = &node;
  ASSERT_TRUE(by_node.contains("sha256:aa"));
  EXPECT_EQ(by_node["sha256:aa"]->depth, 3);
  EXPECT_EQ(by_node["sha256:aa"]->via.edge.to, "pkg:npm/app@1");
  EXPECT_EQ(by_node["sha256:aa"]->via.entry, 0u);
  EXPECT_EQ(by_node["sha256:aa"]->via.issuer, "supplier");
  // A depth bound stops the walk.
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}, .max_depth = 2}), (Ids{"sha256:bb"}));
  // As of tree size 1 only the first SBOM was in the log.
  EXPECT_EQ(Artifacts({.starts = {"pkg:npm/left-pad@1.3.0"}, .as_of = 1}), (Ids{"sha256:aa"}));
  auto bounded = WalkGraph(*store_, {.starts = {"pkg:npm/left-pad@1.3.0"}, .max_nodes = 1});
  ASSERT_TRUE(bounded.ok());
  EXPECT_TRUE(bounded->truncated);
  EXPECT_EQ(bounded->nodes.size(), 1u);
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
  auto walk = WalkGraph(*store_, {.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies});
  ASSERT_TRUE(walk.ok());
  Ids reached;
  for (const Reached& node : walk->nodes) reached.push_back(node.node);
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
  auto earlier = WalkGraph(*store_, {.starts = {"sha256:aa"}, .direction = WalkDirection::kDependencies, .as_of = 5});
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

}  // namespace
}  // namespace scitt::evidence
