#include "merkle/compact_range.h"

#include <bit>
#include <map>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "merkle/proof.h"
#include "test_hashes.h"

namespace scitt::merkle {
namespace {

constexpr size_t kLeaves = 1000;

TEST(CompactRangeTest, EmptyRangeHasTheEmptyRoot) {
  CompactRange range;
  EXPECT_EQ(range.size(), 0u);
  EXPECT_TRUE(range.roots().empty());
  EXPECT_EQ(range.Root(), EmptyRoot());
}

TEST(CompactRangeTest, RootEqualsTheReferenceAtEverySize) {
  const auto leaves = testing::RandomLeafHashes(kLeaves, 7);
  CompactRange range;
  for (size_t size = 1; size <= kLeaves; ++size) {
    range.Append(leaves[size - 1]);
    ASSERT_EQ(range.size(), size);
    ASSERT_EQ(range.roots().size(), static_cast<size_t>(std::popcount(size)));
    ASSERT_EQ(range.Root(), RootOf(std::span(leaves).first(size))) << size;
  }
}

// The roots are the perfect subtrees covering [0, size), largest first.
TEST(CompactRangeTest, RootsAreThePerfectSubtreesLeftToRight) {
  const auto leaves = testing::RandomLeafHashes(13, 8);  // 13 = 8 + 4 + 1
  CompactRange range;
  for (const Hash& leaf : leaves) range.Append(leaf);
  const std::span<const Hash> all(leaves);
  EXPECT_EQ(range.roots(), (std::vector<Hash>{RootOf(all.first(8)), RootOf(all.subspan(8, 4)),
                                              leaves[12]}));
}

// Every complete node is reported exactly once, bottom-up, with its correct hash.
TEST(CompactRangeTest, AppendReportsEveryNewCompleteNode) {
  const auto leaves = testing::RandomLeafHashes(kLeaves, 9);
  CompactRange range;
  std::map<std::pair<uint8_t, uint64_t>, Hash> seen;
  for (size_t i = 0; i < kLeaves; ++i) {
    int last_level = -1;
    range.Append(leaves[i], [&](uint8_t level, uint64_t index, const Hash& hash) {
      EXPECT_EQ(level, last_level + 1);
      last_level = level;
      EXPECT_EQ((index + 1) << level, i + 1) << "a new node ends at the new leaf";
      EXPECT_TRUE(seen.emplace(std::pair(level, index), hash).second);
      EXPECT_EQ(hash, RootOf(std::span(leaves).subspan(index << level, size_t{1} << level)));
    });
    EXPECT_EQ(last_level, std::countr_one(i)) << "leaf plus one merge per trailing one bit";
  }
  EXPECT_EQ(seen.size(), 2 * kLeaves - std::popcount(kLeaves));
}

TEST(CompactRangeTest, RestoredRangeContinuesLikeTheOriginal) {
  const auto leaves = testing::RandomLeafHashes(300, 10);
  for (size_t cut : {0, 1, 2, 3, 7, 8, 64, 100, 255, 256}) {
    CompactRange original;
    for (size_t i = 0; i < cut; ++i) original.Append(leaves[i]);
    auto restored = CompactRange::Restore(original.size(), original.roots());
    ASSERT_TRUE(restored.ok()) << cut;
    EXPECT_EQ(restored->Root(), original.Root());
    for (size_t i = cut; i < leaves.size(); ++i) restored->Append(leaves[i]);
    EXPECT_EQ(restored->Root(), RootOf(leaves)) << cut;
    EXPECT_EQ(restored->size(), leaves.size());
  }
}

TEST(CompactRangeTest, LoadReadsTheRightEdgeOfStoredNodes) {
  const auto leaves = testing::RandomLeafHashes(300, 12);
  std::map<std::pair<uint8_t, uint64_t>, Hash> stored;
  CompactRange original;
  for (size_t i = 0; i < leaves.size(); ++i) {
    original.Append(leaves[i], [&](uint8_t level, uint64_t index, const Hash& hash) {
      stored.emplace(std::pair(level, index), hash);
    });
    auto loaded = CompactRange::Load(original.size(), [&](uint8_t level, uint64_t index) -> Result<Hash> {
      auto it = stored.find({level, index});
      if (it == stored.end()) return MakeError(ErrorCode::kNotFound, "not stored");
      return it->second;
    });
    ASSERT_TRUE(loaded.ok()) << i;
    EXPECT_EQ(loaded->roots(), original.roots()) << i;
  }
  auto failed = CompactRange::Load(5, [](uint8_t, uint64_t) -> Result<Hash> {
    return MakeError(ErrorCode::kIo, "unreadable");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
}

TEST(CompactRangeTest, RestoreRejectsAShapeThatDoesNotMatchTheSize) {
  const auto hashes = testing::RandomLeafHashes(4, 11);
  const std::vector<std::tuple<uint64_t, size_t>> bad = {
      {0, 1}, {1, 0}, {1, 2}, {5, 1}, {5, 3}, {6, 1}, {~uint64_t{0}, 4}};
  for (const auto& [size, count] : bad) {
    auto restored =
        CompactRange::Restore(size, std::vector<Hash>(hashes.begin(), hashes.begin() + count));
    ASSERT_FALSE(restored.ok()) << size << " with " << count;
    EXPECT_EQ(restored.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(CompactRange::Restore(0, {}).ok());
  EXPECT_TRUE(CompactRange::Restore(5, {hashes[0], hashes[1]}).ok());
}

}  // namespace
}  // namespace scitt::merkle
