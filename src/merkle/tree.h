// Proofs and roots from stored complete-subtree nodes, in O(log n) node reads, for a tree
// of any past size; and InMemoryTree, a NodeSource that keeps every node in memory.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"

namespace scitt::merkle {

// Read access to the complete (perfect, aligned) subtree nodes of one append-only tree.
class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // The hash of the complete node at `level` and `index`, covering the leaves
  // [index << level, (index + 1) << level); level 0 is the leaf hashes. kNotFound when that
  // node is not complete yet; other errors are the store's own.
  virtual Result<Hash> Node(uint8_t level, uint64_t index) const = 0;
};

// MTH(D[0:size]) (RFC 9162 §2.1.1): one stored node per set bit of `size`. Every node it
// reads must be complete at `size`.
Result<Hash> RootAt(uint64_t size, const NodeSource& nodes);

// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), ordered from the leaf level upward. Fails
// with kInvalidArgument when index >= size.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes);

// PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1); empty when size1 == size2. Fails with
// kInvalidArgument unless 0 < size1 <= size2.
Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                           const NodeSource& nodes);

// A tree held entirely in memory: about 64 bytes per leaf (every complete node at every
// level). Not thread-safe; for tests, tools and small logs.
class InMemoryTree final : public NodeSource {
 public:
  // Appends the next leaf hash.
  void Append(const Hash& leaf_hash);

  // Number of leaves.
  uint64_t size() const { return range_.size(); }

  // The current root, MTH(D[0:size()]).
  Hash Root() const { return range_.Root(); }

  // The complete node (level, index) as of now; kNotFound when it is not complete yet.
  Result<Hash> Node(uint8_t level, uint64_t index) const override;

  // The root at a past (or the current) size; fails with kInvalidArgument beyond size().
  Result<Hash> RootAt(uint64_t size) const;

  // PATH(index, D[0:size]) for size <= size(); see the free function.
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) const;

  // PROOF(size1, D[0:size2]) for size2 <= size(); see the free function.
  Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

 private:
  Status CheckSize(uint64_t size) const;

  CompactRange range_;                     // right edge, for the current root
  std::vector<std::vector<Hash>> levels_;  // levels_[h][i] = complete node (h, i)
};

}  // namespace scitt::merkle
