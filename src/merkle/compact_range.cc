#include "merkle/compact_range.h"

#include <bit>
#include <string>

namespace scitt::merkle {

CompactRange::CompactRange(uint64_t size, std::vector<Hash> roots)
    : size_(size), roots_(std::move(roots)) {}

Result<CompactRange> CompactRange::Restore(uint64_t size, std::vector<Hash> roots) {
  // Refuse a state whose shape does not match its size: appending to it would silently
  // produce a tree that no honest log of this size can have.
  if (roots.size() != static_cast<size_t>(std::popcount(size))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "compact range of size " + std::to_string(size) + " needs " +
                         std::to_string(std::popcount(size)) + " subtree roots, got " +
                         std::to_string(roots.size()));
  }
  return CompactRange(size, std::move(roots));
}

Result<CompactRange> CompactRange::Load(
    uint64_t size, const std::function<Result<Hash>(uint8_t level, uint64_t index)>& node) {
  std::vector<Hash> roots;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    if ((size >> level & 1) == 0) continue;
    SCITT_ASSIGN_OR_RETURN(Hash root, node(static_cast<uint8_t>(level), begin >> level));
    roots.push_back(root);
    begin += uint64_t{1} << level;
  }
  return Restore(size, std::move(roots));
}

// RFC 9162 §2.1.1: MTH splits at the largest power of two, so the root is the right fold of
// the perfect subtrees, smallest (rightmost) first.
Hash CompactRange::Root() const {
  if (roots_.empty()) return EmptyRoot();
  Hash root = roots_.back();
  for (size_t i = roots_.size() - 1; i-- > 0;) root = HashChildren(roots_[i], root);
  return root;
}

void CompactRange::Append(const Hash& leaf_hash, const NodeVisitor& visit) {
  uint64_t index = size_;
  Hash node = leaf_hash;
  uint8_t level = 0;
  if (visit) visit(level, index, node);
  // Each trailing one bit of the old size is a perfect subtree of the same height as the
  // node being carried: merge them, exactly like a binary increment.
  for (uint64_t carry = size_; (carry & 1) == 1; carry >>= 1) {
    node = HashChildren(roots_.back(), node);
    roots_.pop_back();
    ++level;
    index >>= 1;
    if (visit) visit(level, index, node);
  }
  roots_.push_back(node);
  ++size_;
}

}  // namespace scitt::merkle
