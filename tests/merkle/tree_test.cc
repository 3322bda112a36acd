// Property tests: proofs generated from stored nodes equal the RFC 9162 reference recursion
// and verify, and mutated proofs, roots, indices and sizes fail, except in the one case
// RFC 9162 cannot detect (see "Tree sizes" below).
#include "merkle/tree.h"

#include <bit>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "merkle/compact_range.h"
#include "merkle/proof.h"
#include "test_hashes.h"

namespace scitt::merkle {
namespace {

constexpr size_t kLeaves = 5000;         // random samples use sizes up to this
constexpr uint64_t kExhaustive = 300;    // every pair of sizes <= this is compared and verified
constexpr uint64_t kMutateAll = 128;     // every pair of sizes <= this is also mutated
constexpr uint64_t kEveryBitUpTo = 32;   // up to this size every bit of every hash is flipped
constexpr int kRandomBitsPerHash = 3;    // beyond it, this many random bits per hash
constexpr int kRandomSamples = 300;      // random pairs of sizes up to kLeaves, per proof kind

// One random tree shared by the tests, with its root at every size from a CompactRange.
struct SharedTree {
  std::vector<Hash> leaves;
  InMemoryTree tree;
  std::vector<Hash> roots;  // roots[s] = MTH(D[0:s])
};

const SharedTree& Shared() {
  static const SharedTree shared = [] {
    SharedTree s;
    s.leaves = testing::RandomLeafHashes(kLeaves, 0x5c177);
    CompactRange range;
    s.roots.push_back(range.Root());
    for (const Hash& leaf : s.leaves) {
      s.tree.Append(leaf);
      range.Append(leaf);
      s.roots.push_back(range.Root());
    }
    return s;
  }();
  return shared;
}

// Tree sizes. A proof does not commit to the tree size by itself: RFC 9162 §2.1.3.2 hashes
// the path in an order that depends on the size only through `inner` (how many levels the
// leaf's path and the right edge differ, where index bits pick the side) and `border` (how
// many right-edge levels follow, proof element always on the left). The §2.1.4.2 walk
// likewise depends on (size1, size2) only through the shape below. So a mutated size
// verifies exactly when its shape equals the true one, e.g. leaf 3 for sizes 5..8, and
// then the root it vouches for is not the tree's real root at the mutated size; a verifier
// is safe as long as it takes the root for that size from a signed tree head. These shapes
// are transparency-dev/merkle's decomposition, independent of our RFC-style walk.
struct InclusionShape {
  int inner;
  int border;
  bool operator==(const InclusionShape&) const = default;
};

InclusionShape InclusionShapeOf(uint64_t index, uint64_t size) {
  const int inner = std::bit_width(index ^ (size - 1));
  return {inner, inner == 64 ? 0 : std::popcount(index >> inner)};
}

// For size1 < size2: whether root1 seeds the walk, then the levels above the first perfect
// subtree with the old tree's path bits over them, then the right-edge levels.
struct ConsistencyShape {
  bool seed_is_root1;
  int inner;
  uint64_t path_bits;
  int border;
  bool operator==(const ConsistencyShape&) const = default;
};

ConsistencyShape ConsistencyShapeOf(uint64_t size1, uint64_t size2) {
  const int inner = std::bit_width((size1 - 1) ^ (size2 - 1));
  const int shift = std::countr_zero(size1);
  const int levels = inner - shift;  // > 0 because size1 < size2
  const uint64_t low_mask = levels >= 64 ? ~uint64_t{0} : (uint64_t{1} << levels) - 1;
  const uint64_t path_bits = ((size1 - 1) >> shift) & low_mask;
  return {std::has_single_bit(size1), levels, path_bits,
          inner == 64 ? 0 : std::popcount((size1 - 1) >> inner)};
}

// Nearby and far-off values: ±1 (wrapping at 0) and single-bit flips.
std::vector<uint64_t> MutationsOf(uint64_t value) {
  std::set<uint64_t> out = {value - 1, value + 1, value ^ (uint64_t{1} << 63)};
  for (int bit = 0; bit < 14; ++bit) out.insert(value ^ (uint64_t{1} << bit));
  out.erase(value);
  return {out.begin(), out.end()};
}

// Single-bit variants of `hash`: every bit for small trees, else a few random ones.
std::vector<Hash> BitFlipsOf(const Hash& hash, bool every_bit, std::mt19937_64& rng) {
  std::vector<Hash> out;
  auto flip = [&](unsigned bit) {
    Hash h = hash;
    h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    out.push_back(h);
  };
  if (every_bit) {
    for (unsigned bit = 0; bit < 256; ++bit) flip(bit);
  } else {
    for (int i = 0; i < kRandomBitsPerHash; ++i) flip(static_cast<unsigned>(rng() % 256));
  }
  return out;
}

// Proofs with one element more or fewer.
std::vector<std::vector<Hash>> ResizedProofsOf(const std::vector<Hash>& proof, const Hash& extra) {
  std::vector<std::vector<Hash>> out;
  if (!proof.empty()) {
    out.emplace_back(proof.begin() + 1, proof.end());
    out.emplace_back(proof.begin(), proof.end() - 1);
  }
  auto longer = proof;
  longer.push_back(extra);
  out.push_back(longer);
  longer = proof;
  longer.insert(longer.begin(), extra);
  out.push_back(longer);
  return out;
}

void CheckInclusion(uint64_t index, uint64_t size, bool mutate, std::mt19937_64& rng) {
  SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
  const SharedTree& s = Shared();
  const Hash& leaf = s.leaves[index];
  const Hash& root = s.roots[size];
  auto proof = s.tree.InclusionProof(index, size);
  ASSERT_TRUE(proof.ok()) << proof.error().message;
  ASSERT_EQ(*proof, InclusionPath(index, std::span(s.leaves).first(size)));
  ASSERT_TRUE(VerifyInclusion(index, size, leaf, *proof, root).ok());
  if (!mutate) return;

  const bool every_bit = size <= kEveryBitUpTo;
  for (size_t i = 0; i < proof->size(); ++i) {
    for (const Hash& flipped : BitFlipsOf((*proof)[i], every_bit, rng)) {
      auto bad = *proof;
      bad[i] = flipped;
      EXPECT_FALSE(VerifyInclusion(index, size, leaf, bad, root).ok()) << "element " << i;
    }
  }
  for (const auto& bad : ResizedProofsOf(*proof, leaf)) {
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, bad, root).ok()) << bad.size() << " hashes";
  }
  for (const Hash& bad_root : BitFlipsOf(root, every_bit, rng)) {
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, *proof, bad_root).ok());
  }
  for (const Hash& bad_leaf : BitFlipsOf(leaf, every_bit, rng)) {
    EXPECT_FALSE(VerifyInclusion(index, size, bad_leaf, *proof, root).ok());
  }
  // One proof never places the leaf at two positions of the same tree.
  for (uint64_t bad_index : MutationsOf(index)) {
    EXPECT_FALSE(VerifyInclusion(bad_index, size, leaf, *proof, root).ok()) << bad_index;
  }
  // See "Tree sizes" above.
  for (uint64_t bad_size : MutationsOf(size)) {
    const bool same_shape =
        index < bad_size && InclusionShapeOf(index, bad_size) == InclusionShapeOf(index, size);
    EXPECT_EQ(VerifyInclusion(index, bad_size, leaf, *proof, root).ok(), same_shape) << bad_size;
    if (same_shape && bad_size < s.roots.size()) {
      EXPECT_NE(s.roots[bad_size], root);
    }
  }
}

void CheckConsistency(uint64_t size1, uint64_t size2, bool mutate, std::mt19937_64& rng) {
  SCOPED_TRACE(std::to_string(size1) + " to " + std::to_string(size2));
  const SharedTree& s = Shared();
  const Hash& root1 = s.roots[size1];
  const Hash& root2 = s.roots[size2];
  auto proof = s.tree.ConsistencyProof(size1, size2);
  ASSERT_TRUE(proof.ok()) << proof.error().message;
  ASSERT_EQ(*proof, ConsistencyPath(size1, std::span(s.leaves).first(size2)));
  ASSERT_TRUE(VerifyConsistency(size1, size2, root1, root2, *proof).ok());
  if (!mutate) return;

  const bool every_bit = size2 <= kEveryBitUpTo;
  for (size_t i = 0; i < proof->size(); ++i) {
    for (const Hash& flipped : BitFlipsOf((*proof)[i], every_bit, rng)) {
      auto bad = *proof;
      bad[i] = flipped;
      EXPECT_FALSE(VerifyConsistency(size1, size2, root1, root2, bad).ok()) << "element " << i;
    }
  }
  for (const auto& bad : ResizedProofsOf(*proof, root1)) {
    EXPECT_FALSE(VerifyConsistency(size1, size2, root1, root2, bad).ok()) << bad.size();
  }
  for (const Hash& bad_root : BitFlipsOf(root1, every_bit, rng)) {
    EXPECT_FALSE(VerifyConsistency(size1, size2, bad_root, root2, *proof).ok());
  }
  for (const Hash& bad_root : BitFlipsOf(root2, every_bit, rng)) {
    EXPECT_FALSE(VerifyConsistency(size1, size2, root1, bad_root, *proof).ok());
  }
  // See "Tree sizes" above; equal sizes have an empty proof that proves no other pair.
  auto same_shape = [&](uint64_t bad1, uint64_t bad2) {
    return size1 < size2 && 0 < bad1 && bad1 < bad2 &&
           ConsistencyShapeOf(bad1, bad2) == ConsistencyShapeOf(size1, size2);
  };
  for (uint64_t bad1 : MutationsOf(size1)) {
    const bool passes = same_shape(bad1, size2);
    EXPECT_EQ(VerifyConsistency(bad1, size2, root1, root2, *proof).ok(), passes) << bad1;
    if (passes && bad1 < s.roots.size()) {
      EXPECT_NE(s.roots[bad1], root1);
    }
  }
  for (uint64_t bad2 : MutationsOf(size2)) {
    const bool passes = same_shape(size1, bad2);
    EXPECT_EQ(VerifyConsistency(size1, bad2, root1, root2, *proof).ok(), passes) << bad2;
    if (passes && bad2 < s.roots.size()) {
      EXPECT_NE(s.roots[bad2], root2);
    }
  }
}

TEST(TreePropertyTest, RootAtEverySizeMatchesTheReference) {
  const SharedTree& s = Shared();
  for (uint64_t size = 0; size <= kLeaves; ++size) {
    auto root = s.tree.RootAt(size);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, s.roots[size]) << size;
    if (size <= kExhaustive) {
      ASSERT_EQ(*root, RootOf(std::span(s.leaves).first(size))) << size;
    }
  }
  EXPECT_EQ(s.tree.Root(), s.roots[kLeaves]);
  EXPECT_EQ(s.tree.size(), kLeaves);
}

TEST(TreePropertyTest, InclusionProofsForAllSmallTrees) {
  std::mt19937_64 rng(1);
  for (uint64_t size = 1; size <= kExhaustive; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      CheckInclusion(index, size, size <= kMutateAll, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(TreePropertyTest, InclusionProofsForRandomLargeTrees) {
  std::mt19937_64 rng(2);
  for (int i = 0; i < kRandomSamples; ++i) {
    const uint64_t size = 1 + rng() % kLeaves;
    CheckInclusion(rng() % size, size, true, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(TreePropertyTest, ConsistencyProofsForAllSmallTrees) {
  std::mt19937_64 rng(3);
  for (uint64_t size2 = 1; size2 <= kExhaustive; ++size2) {
    for (uint64_t size1 = 1; size1 <= size2; ++size1) {
      CheckConsistency(size1, size2, size2 <= kMutateAll, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(TreePropertyTest, ConsistencyProofsForRandomLargeTrees) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < kRandomSamples; ++i) {
    const uint64_t size2 = 1 + rng() % kLeaves;
    CheckConsistency(1 + rng() % size2, size2, true, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// The "Tree sizes" rule in action on the RFC 9942 example shape: leaf 3 of 5..8.
TEST(TreePropertyTest, SizeIsBoundOnlyThroughTheRoot) {
  const SharedTree& s = Shared();
  auto proof = s.tree.InclusionProof(3, 5);
  ASSERT_TRUE(proof.ok());
  for (uint64_t size = 5; size <= 8; ++size) {
    EXPECT_TRUE(VerifyInclusion(3, size, s.leaves[3], *proof, s.roots[5]).ok()) << size;
  }
  EXPECT_FALSE(VerifyInclusion(3, 4, s.leaves[3], *proof, s.roots[5]).ok());
  EXPECT_FALSE(VerifyInclusion(3, 9, s.leaves[3], *proof, s.roots[5]).ok());
}

TEST(InMemoryTreeTest, RejectsImpossibleRequests) {
  const InMemoryTree& tree = Shared().tree;
  EXPECT_EQ(tree.InclusionProof(5, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree.InclusionProof(0, kLeaves + 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(0, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(6, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(5, kLeaves + 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree.RootAt(kLeaves + 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(tree.ConsistencyProof(7, 7)->empty());
  EXPECT_TRUE(tree.InclusionProof(0, 1)->empty());
}

TEST(InMemoryTreeTest, NodesAreTheCompleteSubtrees) {
  const SharedTree& s = Shared();
  for (uint8_t level = 0; level <= 12; ++level) {
    const uint64_t complete = kLeaves >> level;
    for (uint64_t index : {uint64_t{0}, complete / 2, complete - 1}) {
      auto node = s.tree.Node(level, index);
      ASSERT_TRUE(node.ok());
      EXPECT_EQ(*node, RootOf(std::span(s.leaves).subspan(index << level, uint64_t{1} << level)));
    }
    EXPECT_EQ(s.tree.Node(level, complete).error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(s.tree.Node(13, 0).error().code, ErrorCode::kNotFound);
}

// A NodeSource that lacks nodes makes the free functions fail rather than invent hashes.
TEST(InMemoryTreeTest, MissingNodesPropagateAsErrors) {
  const InMemoryTree& tree = Shared().tree;
  EXPECT_EQ(InclusionProof(0, kLeaves + 1, tree).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ConsistencyProof(1, kLeaves + 1, tree).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RootAt(kLeaves + 1, tree).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace scitt::merkle
