#include "merkle/proof.h"

#include <bit>
#include <cassert>
#include <string>

namespace scitt::merkle {
namespace {

Error ProofError(std::string message) {
  return MakeError(ErrorCode::kVerificationFailed, std::move(message));
}

// k, the largest power of two strictly less than n (k < n <= 2k); requires n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// RFC 9162 §2.1.4.1 SUBPROOF(m, D[0:n], b), appended to `out`.
void SubProof(uint64_t m, std::span<const Hash> leaves, bool complete_subtree,
              std::vector<Hash>& out) {
  const uint64_t n = leaves.size();
  if (m == n) {
    if (!complete_subtree) out.push_back(RootOf(leaves));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, leaves.first(k), complete_subtree, out);
    out.push_back(RootOf(leaves.subspan(k)));
  } else {
    SubProof(m - k, leaves.subspan(k), false, out);
    out.push_back(RootOf(leaves.first(k)));
  }
}

}  // namespace

// RFC 9162 §2.1.3.2, step by step; the caller compares the result with the expected root.
Result<Hash> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size,
                                    const Hash& leaf_hash, std::span<const Hash> proof) {
  // Step 1.
  if (leaf_index >= tree_size) {
    return ProofError("inclusion proof: leaf index " + std::to_string(leaf_index) +
                      " is not below tree size " + std::to_string(tree_size));
  }
  // Step 2.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  // Step 3.
  for (const Hash& p : proof) {
    if (sn == 0) return ProofError("inclusion proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = HashChildren(p, r);
      // We were a right-edge node: climb past the levels where it has no sibling.
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 4: sn == 0 means the path reached the root.
  if (sn != 0) return ProofError("inclusion proof has too few hashes");
  return r;
}

Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  SCITT_ASSIGN_OR_RETURN(Hash computed,
                         RootFromInclusionProof(leaf_index, tree_size, leaf_hash, proof));
  if (computed != root) return ProofError("inclusion proof does not lead to the tree root");
  return Status::Ok();
}

// RFC 9162 §2.1.4.2, step by step, returning sr for the caller to compare with second_hash.
// Two cases the RFC leaves open follow transparency-dev/merkle: size1 == 0 is rejected
// (a consistency proof from the empty tree is meaningless), and size1 == size2 is proven by
// an empty proof.
Result<Hash> RootFromConsistencyProof(uint64_t size1, uint64_t size2, const Hash& root1,
                                      std::span<const Hash> proof) {
  if (size1 == 0) return ProofError("consistency proof: the first tree size is 0");
  if (size1 > size2) {
    return ProofError("consistency proof: first tree size " + std::to_string(size1) +
                      " exceeds second tree size " + std::to_string(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) return ProofError("consistency proof between equal sizes is not empty");
    return root1;
  }
  // Step 1.
  if (proof.empty()) return ProofError("consistency proof is empty");
  // Step 2, without copying: when size1 is a power of two, root1 is the implied first value.
  const bool prepend_root1 = std::has_single_bit(size1);
  const Hash& seed = prepend_root1 ? root1 : proof[0];
  std::span<const Hash> rest = prepend_root1 ? proof : proof.subspan(1);
  // Step 3.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  // Step 4.
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  Hash fr = seed;
  Hash sr = seed;
  // Step 6.
  for (const Hash& c : rest) {
    if (sn == 0) return ProofError("consistency proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7 (the comparison with second_hash is the caller's).
  if (sn != 0) return ProofError("consistency proof has too few hashes");
  if (fr != root1) return ProofError("consistency proof does not lead to the first root");
  return sr;
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         std::span<const Hash> proof) {
  SCITT_ASSIGN_OR_RETURN(Hash computed, RootFromConsistencyProof(size1, size2, root1, proof));
  if (computed != root2) {
    return ProofError("consistency proof does not lead to the second root");
  }
  return Status::Ok();
}

// RFC 9162 §2.1.1 MTH.
Hash RootOf(std::span<const Hash> leaf_hashes) {
  const uint64_t n = leaf_hashes.size();
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaf_hashes[0];
  const uint64_t k = SplitPoint(n);
  return HashChildren(RootOf(leaf_hashes.first(k)), RootOf(leaf_hashes.subspan(k)));
}

// RFC 9162 §2.1.3.1 PATH(m, D[n]).
std::vector<Hash> InclusionPath(uint64_t index, std::span<const Hash> leaf_hashes) {
  const uint64_t n = leaf_hashes.size();
  assert(index < n);
  if (n <= 1) return {};
  const uint64_t k = SplitPoint(n);
  std::vector<Hash> path;
  if (index < k) {
    path = InclusionPath(index, leaf_hashes.first(k));
    path.push_back(RootOf(leaf_hashes.subspan(k)));
  } else {
    path = InclusionPath(index - k, leaf_hashes.subspan(k));
    path.push_back(RootOf(leaf_hashes.first(k)));
  }
  return path;
}

// RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
std::vector<Hash> ConsistencyPath(uint64_t size1, std::span<const Hash> leaf_hashes) {
  assert(size1 > 0 && size1 <= leaf_hashes.size());
  std::vector<Hash> proof;
  SubProof(size1, leaf_hashes, true, proof);
  return proof;
}

}  // namespace scitt::merkle
