// RFC 9162 inclusion and consistency proofs: verification as pure functions of hashes and
// indices (§2.1.3.2, §2.1.4.2), plus the recursive reference definitions (§2.1.1, §2.1.3.1,
// §2.1.4.1) over an in-memory list of leaf hashes, for tests and small trees.
//
// Every verification failure is ErrorCode::kVerificationFailed: the inputs normally come
// from an untrusted receipt, and no failure says more than "this proof does not hold".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "merkle/hash.h"

namespace scitt::merkle {

// The root of the tree of `tree_size` leaves implied by `proof`, an audit path ordered from
// the leaf level upward, for the leaf at `leaf_index` with hash `leaf_hash`. Fails when
// leaf_index >= tree_size or the proof has the wrong length for (leaf_index, tree_size).
// The result is the detached payload of an RFC 9942 inclusion receipt.
Result<Hash> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size,
                                    const Hash& leaf_hash, std::span<const Hash> proof);

// Ok when `proof` proves that `leaf_hash` is leaf `leaf_index` of the tree of `tree_size`
// leaves whose root is `root`.
Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// The root of the tree of `size2` leaves implied by `proof` and the root `root1` of its
// first `size1` leaves. Fails when size1 == 0 (even if size2 == 0), size1 > size2, the
// proof has the wrong length, or it does not reproduce root1. When size1 == size2 the
// proof must be empty and the result is root1.
Result<Hash> RootFromConsistencyProof(uint64_t size1, uint64_t size2, const Hash& root1,
                                      std::span<const Hash> proof);

// Ok when `proof` proves that the tree of `size2` leaves with root `root2` extends the tree
// of `size1` leaves with root `root1`.
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         std::span<const Hash> proof);

// MTH(D[0:n]) computed from all n leaf hashes; EmptyRoot() when there are none.
Hash RootOf(std::span<const Hash> leaf_hashes);

// PATH(index, D[0:n]), ordered from the leaf level upward. Requires index < n.
std::vector<Hash> InclusionPath(uint64_t index, std::span<const Hash> leaf_hashes);

// PROOF(size1, D[0:n]). Requires 0 < size1 <= n; empty when size1 == n.
std::vector<Hash> ConsistencyPath(uint64_t size1, std::span<const Hash> leaf_hashes);

}  // namespace scitt::merkle
