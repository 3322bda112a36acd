// Merkle hot paths: hashing, appends, and proofs in a 1,000,000-leaf tree.
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "merkle/compact_range.h"
#include "merkle/hash.h"
#include "merkle/proof.h"
#include "merkle/tree.h"

namespace scitt::merkle {
namespace {

constexpr uint64_t kBigTree = 1'000'000;
constexpr size_t kSamples = 4096;  // precomputed queries, cycled through

Hash LeafHashOf(uint64_t i) {
  return HashLeaf(ByteView(reinterpret_cast<const uint8_t*>(&i), sizeof(i)));
}

// The 1M-leaf tree, built once for every proof benchmark.
const InMemoryTree& BigTree() {
  static const InMemoryTree tree = [] {
    InMemoryTree t;
    for (uint64_t i = 0; i < kBigTree; ++i) t.Append(LeafHashOf(i));
    return t;
  }();
  return tree;
}

void BM_HashLeaf(benchmark::State& state) {
  uint8_t entry[64] = {};
  for (auto _ : state) {
    Hash h = HashLeaf(entry);
    entry[0] = h[0];
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashLeaf);

void BM_HashChildren(benchmark::State& state) {
  Hash left = LeafHashOf(1);
  const Hash right = LeafHashOf(2);
  for (auto _ : state) {
    left = HashChildren(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashChildren);

// Appending precomputed leaf hashes: the sequencer's cost once entries are hashed.
void BM_InMemoryTreeAppend(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(LeafHashOf(i));
  for (auto _ : state) {
    InMemoryTree tree;
    for (const Hash& leaf : leaves) tree.Append(leaf);
    benchmark::DoNotOptimize(tree.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_InMemoryTreeAppend)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_CompactRangeAppend(benchmark::State& state) {
  CompactRange range;
  const Hash leaf = LeafHashOf(0);
  for (auto _ : state) range.Append(leaf);
  benchmark::DoNotOptimize(range.Root());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompactRangeAppend);

void BM_InclusionProof(benchmark::State& state) {
  const InMemoryTree& tree = BigTree();
  std::mt19937_64 rng(1);
  std::vector<uint64_t> indices(kSamples);
  for (auto& index : indices) index = rng() % kBigTree;
  size_t i = 0;
  for (auto _ : state) {
    auto proof = tree.InclusionProof(indices[i++ % kSamples], kBigTree);
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProof);

void BM_VerifyInclusion(benchmark::State& state) {
  const InMemoryTree& tree = BigTree();
  const Hash root = tree.Root();
  std::mt19937_64 rng(2);
  struct Query {
    uint64_t index;
    Hash leaf_hash;
    std::vector<Hash> proof;
  };
  std::vector<Query> queries;
  for (size_t q = 0; q < kSamples; ++q) {
    const uint64_t index = rng() % kBigTree;
    queries.push_back({index, LeafHashOf(index), *tree.InclusionProof(index, kBigTree)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ % kSamples];
    Status status = VerifyInclusion(q.index, kBigTree, q.leaf_hash, q.proof, root);
    if (!status.ok()) state.SkipWithError(status.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusion);

void BM_ConsistencyProof(benchmark::State& state) {
  const InMemoryTree& tree = BigTree();
  std::mt19937_64 rng(3);
  std::vector<uint64_t> sizes(kSamples);
  for (auto& size : sizes) size = 1 + rng() % kBigTree;
  size_t i = 0;
  for (auto _ : state) {
    auto proof = tree.ConsistencyProof(sizes[i++ % kSamples], kBigTree);
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConsistencyProof);

void BM_VerifyConsistency(benchmark::State& state) {
  const InMemoryTree& tree = BigTree();
  const Hash root2 = tree.Root();
  std::mt19937_64 rng(4);
  struct Query {
    uint64_t size1;
    Hash root1;
    std::vector<Hash> proof;
  };
  std::vector<Query> queries;
  for (size_t q = 0; q < kSamples; ++q) {
    const uint64_t size1 = 1 + rng() % (kBigTree - 1);
    queries.push_back({size1, *tree.RootAt(size1), *tree.ConsistencyProof(size1, kBigTree)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ % kSamples];
    Status status = VerifyConsistency(q.size1, kBigTree, q.root1, root2, q.proof);
    if (!status.ok()) state.SkipWithError(status.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyConsistency);

}  // namespace
}  // namespace scitt::merkle

BENCHMARK_MAIN();
