// COSE Receipts (RFC 9942) for the RFC9162_SHA256 verifiable data structure
// (vds = 1), and the CCF profile (vds = 2) for verification only.
//
// DESIGN.md §3: one signature per tree head. SignTreeHead() signs the root
// once; BuildInclusionReceipt() then makes any number of receipts from that
// signature plus each entry's own proof, without signing again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/sign1.h"
#include "crypto/key.h"
#include "merkle/hash.h"

namespace scitt::cose {

// RFC 9942 §5.2: bstr .cbor [tree_size, leaf_index, inclusion_path].
struct InclusionProof {
  uint64_t tree_size = 0;
  uint64_t leaf_index = 0;
  std::vector<merkle::Hash> path;  // leaf's sibling first (RFC 9162 order)
};

// RFC 9942 §5.3: bstr .cbor [tree_size_1, tree_size_2, consistency_path].
struct ConsistencyProof {
  uint64_t tree_size_1 = 0;
  uint64_t tree_size_2 = 0;
  std::vector<merkle::Hash> path;
};

Bytes EncodeInclusionProof(const InclusionProof& proof);
Result<InclusionProof> DecodeInclusionProof(ByteView encoded);
Bytes EncodeConsistencyProof(const ConsistencyProof& proof);
Result<ConsistencyProof> DecodeConsistencyProof(ByteView encoded);

// Who signs receipts, and the claims every receipt of this log carries.
struct ReceiptSigner {
  const crypto::PrivateKey* key = nullptr;  // must outlive the call
  crypto::Algorithm alg = crypto::Algorithm::kES256;
  Bytes kid;            // RFC 9679 thumbprint of the service key
  std::string issuer;   // CWT iss: the service's identity
  std::string subject;  // CWT sub: the log's origin
};

// A tree head signed in receipt form: the receipt protected header
// {1: alg, 4: kid, 15: {1: iss, 2: sub, 6: iat}, 395: 1} and the signature
// over the detached root at `tree_size`.
struct SignedTreeHead {
  uint64_t tree_size = 0;
  merkle::Hash root{};
  Bytes protected_bytes;
  Bytes signature;
};

Result<SignedTreeHead> SignTreeHead(const ReceiptSigner& signer, int64_t issued_at,
                                    uint64_t tree_size, const merkle::Hash& root);

// Tagged receipt {396: {-1: [proof]}} with a nil (detached) payload. The
// proof's tree_size must equal the head's.
Bytes BuildInclusionReceipt(const SignedTreeHead& head, const InclusionProof& proof);
// Tagged receipt {396: {-2: [proof]}}; the detached payload is the newer
// root (head.tree_size == proof.tree_size_2).
Bytes BuildConsistencyReceipt(const SignedTreeHead& head, const ConsistencyProof& proof);

// A parsed receipt of any vds. Tag 18 and a nil payload are required.
struct Receipt {
  Sign1 sign1;
  int64_t vds = 0;
  std::vector<Bytes> inclusion_proofs;    // raw bstr contents of 396/-1
  std::vector<Bytes> consistency_proofs;  // raw bstr contents of 396/-2

  static Result<Receipt> Parse(ByteView encoded);
};

// What a verified receipt proves. Only `root` (the signed payload) is
// authenticated; tree_size and leaf_index come from the unprotected header
// and are NOT covered by the signature (RFC 9942 §5.2): never rely on them.
struct VerifiedReceipt {
  merkle::Hash root{};
  uint64_t tree_size = 0;
  uint64_t leaf_index = 0;
  std::optional<int64_t> issued_at;
  std::optional<std::string> issuer;
};

// vds 1: leaf = SHA-256(0x00 || entry); every inclusion proof must lead to
// the same root, and the signature must verify over it with `key`.
Result<VerifiedReceipt> VerifyInclusionReceipt(const Receipt& receipt, ByteView entry,
                                               const crypto::PublicKey& key);

// vds 1 consistency receipt from (old_size, old_root); returns the newer
// root, authenticated by the signature.
Result<VerifiedReceipt> VerifyConsistencyReceipt(const Receipt& receipt, uint64_t old_size,
                                                 const merkle::Hash& old_root,
                                                 const crypto::PublicKey& key);

// vds 2 (CCF profile, draft-ietf-scitt-receipts-ccf-profile): the leaf's
// data_hash must equal `statement_digest` (SHA-256 of the registered
// statement); the path is walked without RFC 9162 domain prefixes.
Result<VerifiedReceipt> VerifyCcfReceipt(const Receipt& receipt, ByteView statement_digest,
                                         const crypto::PublicKey& key);

}  // namespace scitt::cose
