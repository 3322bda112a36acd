#include "merkle/tree.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

namespace scitt::merkle {
namespace {

Error InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// MTH(D[begin:end]) for a subtree that RFC 9162 §2.1.1 splitting produces: either a complete
// node, or a right-edge ("ephemeral") subtree whose `begin` is a multiple of a power of two
// at least end - begin. Such a range is covered by one perfect subtree per set bit of its
// width, largest first, and its MTH is their right fold. Requires begin < end.
Result<Hash> SubtreeRoot(uint64_t begin, uint64_t end, const NodeSource& nodes) {
  std::array<Hash, 64> parts;
  size_t count = 0;
  for (uint64_t width = end - begin; width != 0; ++count) {
    const uint8_t level = static_cast<uint8_t>(std::bit_width(width) - 1);
    SCITT_ASSIGN_OR_RETURN(Hash part, nodes.Node(level, begin >> level));
    parts[count] = part;
    begin += uint64_t{1} << level;
    width -= uint64_t{1} << level;
  }
  Hash root = parts[count - 1];
  for (size_t i = count - 1; i-- > 0;) root = HashChildren(parts[i], root);
  return root;
}

// k, the largest power of two strictly less than n (k < n <= 2k); requires n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace

Result<Hash> RootAt(uint64_t size, const NodeSource& nodes) {
  if (size == 0) return EmptyRoot();
  return SubtreeRoot(0, size, nodes);
}

// RFC 9162 §2.1.3.1 PATH(m, D[n]), unrolled from the root down: at each split the sibling
// subtree is one proof element; all of them but possibly one right-edge subtree are stored
// nodes, so the proof costs O(log n) reads.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes) {
  if (index >= size) {
    return InvalidArgument("inclusion proof: leaf index " + std::to_string(index) +
                           " is not below tree size " + std::to_string(size));
  }
  std::vector<Hash> path;
  path.reserve(std::bit_width(size - 1));
  uint64_t begin = 0;  // the current subtree is D[begin:begin+n], the leaf is its m-th
  uint64_t n = size;
  uint64_t m = index;
  while (n > 1) {
    const uint64_t k = SplitPoint(n);
    if (m < k) {
      SCITT_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(begin + k, begin + n, nodes));
      path.push_back(right);
      n = k;
    } else {
      SCITT_ASSIGN_OR_RETURN(Hash left, SubtreeRoot(begin, begin + k, nodes));
      path.push_back(left);
      begin += k;
      m -= k;
      n -= k;
    }
  }
  // PATH appends on the way back up the recursion: bottom-up order.
  std::reverse(path.begin(), path.end());
  return path;
}

// RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), unrolled from the root down.
Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                           const NodeSource& nodes) {
  if (size1 == 0 || size1 > size2) {
    return InvalidArgument("consistency proof needs 0 < size1 <= size2, got " +
                           std::to_string(size1) + " and " + std::to_string(size2));
  }
  std::vector<Hash> proof;
  proof.reserve(std::bit_width(size2) + 1);
  uint64_t begin = 0;  // the current subtree is D[begin:begin+n]; m of its leaves are old
  uint64_t n = size2;
  uint64_t m = size1;
  bool complete_subtree = true;  // SUBPROOF's b: D[begin:begin+m] is a root the verifier has
  while (m != n) {
    const uint64_t k = SplitPoint(n);
    if (m <= k) {
      SCITT_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(begin + k, begin + n, nodes));
      proof.push_back(right);
      n = k;
    } else {
      SCITT_ASSIGN_OR_RETURN(Hash left, SubtreeRoot(begin, begin + k, nodes));
      proof.push_back(left);
      begin += k;
      m -= k;
      n -= k;
      complete_subtree = false;
    }
  }
  // SUBPROOF(m, D[m], false) = [MTH(D[m])]: the old subtree the verifier cannot derive.
  if (!complete_subtree) {
    SCITT_ASSIGN_OR_RETURN(Hash old_subtree, SubtreeRoot(begin, begin + n, nodes));
    proof.push_back(old_subtree);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

void InMemoryTree::Append(const Hash& leaf_hash) {
  range_.Append(leaf_hash, [this](uint8_t level, uint64_t index, const Hash& hash) {
    if (levels_.size() <= level) levels_.resize(level + 1);
    levels_[level].push_back(hash);  // nodes of a level complete in index order
  });
}

Result<Hash> InMemoryTree::Node(uint8_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return MakeError(ErrorCode::kNotFound, "merkle node (" + std::to_string(level) + ", " +
                                               std::to_string(index) + ") is not complete");
  }
  return levels_[level][index];
}

Status InMemoryTree::CheckSize(uint64_t size) const {
  if (size > range_.size()) {
    return InvalidArgument("tree size " + std::to_string(size) + " is beyond the current size " +
                           std::to_string(range_.size()));
  }
  return Status::Ok();
}

Result<Hash> InMemoryTree::RootAt(uint64_t size) const {
  SCITT_RETURN_IF_ERROR(CheckSize(size));
  return merkle::RootAt(size, *this);
}

Result<std::vector<Hash>> InMemoryTree::InclusionProof(uint64_t index, uint64_t size) const {
  SCITT_RETURN_IF_ERROR(CheckSize(size));
  return merkle::InclusionProof(index, size, *this);
}

Result<std::vector<Hash>> InMemoryTree::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  SCITT_RETURN_IF_ERROR(CheckSize(size2));
  return merkle::ConsistencyProof(size1, size2, *this);
}

}  // namespace scitt::merkle
