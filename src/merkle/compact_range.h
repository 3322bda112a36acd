// The right edge of an append-only RFC 9162 tree: the roots of the perfect subtrees that
// cover leaves [0, size), enough to append and to compute the root in O(log n) state.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/result.h"
#include "merkle/hash.h"

namespace scitt::merkle {

// Receives a complete subtree node: the node at `level` and `index` covers the leaves
// [index << level, (index + 1) << level). Level 0 nodes are the leaf hashes themselves.
using NodeVisitor = std::function<void(uint8_t level, uint64_t index, const Hash& hash)>;

class CompactRange {
 public:
  // The range of the empty tree.
  CompactRange() = default;

  // Restores a range persisted as (size(), roots()). Fails unless there is exactly one
  // root per set bit of `size`; the hashes themselves cannot be checked here.
  static Result<CompactRange> Restore(uint64_t size, std::vector<Hash> roots);
  // Restores the range of a stored tree of `size` leaves by reading its right
  // edge: the node (level, index) of every perfect subtree, largest first.
  static Result<CompactRange> Load(
      uint64_t size, const std::function<Result<Hash>(uint8_t level, uint64_t index)>& node);

  // Number of leaves appended so far.
  uint64_t size() const { return size_; }

  // The perfect-subtree roots, left to right (largest subtree first), one per set bit of
  // size(); the subtree of 2^h leaves covers the range just after the ones before it.
  const std::vector<Hash>& roots() const { return roots_; }

  // MTH(D[0:size()]) by RFC 9162 §2.1.1; EmptyRoot() for the empty range.
  Hash Root() const;

  // Appends one leaf hash in O(1) amortized hashing (O(log n) worst case). When `visit`
  // is set it is called, in bottom-up order, for every node that becomes complete: the
  // leaf itself at level 0, then each parent merged on the right edge.
  void Append(const Hash& leaf_hash, const NodeVisitor& visit = nullptr);

 private:
  CompactRange(uint64_t size, std::vector<Hash> roots);

  uint64_t size_ = 0;
  std::vector<Hash> roots_;  // invariant: roots_.size() == popcount(size_)
};

}  // namespace scitt::merkle
