#include "gates/decision_cache.h"

#include <gtest/gtest.h>

namespace scitt::gates {
namespace {

appraisal::Verdict VerdictAt(uint64_t tree_size, std::vector<std::string> considered, bool allow = true) {
  appraisal::Verdict verdict{.subject = considered.front(), .policy = "p", .tree_size = tree_size, .allow = allow};
  verdict.considered = std::move(considered);
  return verdict;
}

TEST(DecisionCache, KeepsAVerdictPerDigestAndPolicy) {
  DecisionCache cache;
  cache.Insert("sha256:a", 7, VerdictAt(10, {"sha256:a", "pkg:npm/x@1"}), 1000);
  auto found = cache.Find("sha256:a", 7, 1001);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->verdict.tree_size, 10u);
  EXPECT_EQ(found->appraised_at, 1000);
  EXPECT_FALSE(cache.Find("sha256:a", 8, 1001).has_value());  // another policy
  EXPECT_FALSE(cache.Find("sha256:b", 7, 1001).has_value());
}

TEST(DecisionCache, NewEvidenceAboutAConsideredNodeDropsIt) {
  DecisionCache cache;
  cache.Insert("sha256:a", 7, VerdictAt(10, {"sha256:a", "pkg:npm/x@1"}), 1000);
  cache.Insert("sha256:b", 7, VerdictAt(10, {"sha256:b", "pkg:npm/y@1"}), 1000);
  cache.Invalidate({"pkg:npm/unrelated@2", "CVE-1"}, 11);
  EXPECT_EQ(cache.size(), 2u);
  cache.Invalidate({"pkg:npm/x@1", "CVE-2"}, 12);  // a finding about a dependency of a
  EXPECT_FALSE(cache.Find("sha256:a", 7, 1001).has_value());
  EXPECT_TRUE(cache.Find("sha256:b", 7, 1001).has_value());
}

TEST(DecisionCache, RefusesAVerdictThatMissedEvidenceIndexedMeanwhile) {
  DecisionCache cache;
  // Evidence about x indexed up to size 12 while a verdict at size 10 was computed.
  cache.Invalidate({"pkg:npm/x@1"}, 12);
  cache.Insert("sha256:a", 7, VerdictAt(10, {"sha256:a", "pkg:npm/x@1"}), 1000);
  EXPECT_FALSE(cache.Find("sha256:a", 7, 1001).has_value());
  // One that saw it is kept.
  cache.Insert("sha256:a", 7, VerdictAt(12, {"sha256:a", "pkg:npm/x@1"}), 1000);
  EXPECT_TRUE(cache.Find("sha256:a", 7, 1001).has_value());
}

TEST(DecisionCache, ForgettingHistoryRefusesOlderVerdicts) {
  DecisionCache cache({.max_verdicts = 10, .ttl_s = 60, .max_nodes_per_verdict = 100, .recent_batches = 2});
  for (uint64_t size : {11, 12, 13}) cache.Invalidate({"pkg:npm/other@" + std::to_string(size)}, size);
  cache.Insert("sha256:a", 7, VerdictAt(10, {"sha256:a"}), 1000);  // batch 11 is forgotten
  EXPECT_FALSE(cache.Find("sha256:a", 7, 1001).has_value());
  cache.Insert("sha256:a", 7, VerdictAt(11, {"sha256:a"}), 1000);
  EXPECT_TRUE(cache.Find("sha256:a", 7, 1001).has_value());
}

TEST(DecisionCache, LivesAtMostItsTtlAndItsBound) {
  DecisionCache cache({.max_verdicts = 2, .ttl_s = 60, .max_nodes_per_verdict = 2, .recent_batches = 16});
  cache.Insert("sha256:a", 1, VerdictAt(10, {"sha256:a"}), 1000);
  EXPECT_TRUE(cache.Find("sha256:a", 1, 1059).has_value());
  EXPECT_FALSE(cache.Find("sha256:a", 1, 1060).has_value());
  for (const char* digest : {"sha256:b", "sha256:c", "sha256:d"}) cache.Insert(digest, 1, VerdictAt(10, {digest}), 1000);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Find("sha256:b", 1, 1001).has_value());  // the oldest went
  cache.Insert("sha256:e", 1, VerdictAt(10, {"sha256:e", "a", "b"}), 1000);  // read too many nodes
  EXPECT_FALSE(cache.Find("sha256:e", 1, 1001).has_value());
  appraisal::Verdict truncated = VerdictAt(10, {"sha256:f"});
  truncated.complete = false;
  cache.Insert("sha256:f", 1, truncated, 1000);
  EXPECT_FALSE(cache.Find("sha256:f", 1, 1001).has_value());
}

}  // namespace
}  // namespace scitt::gates
