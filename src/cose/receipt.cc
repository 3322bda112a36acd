#include "cose/receipt.h"

#include <algorithm>
#include <cstring>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cose/labels.h"
#include "crypto/hash.h"
#include "merkle/proof.h"

namespace scitt::cose {
namespace {

Error Malformed(std::string message) {
  return MakeError(ErrorCode::kMalformed, "receipt: " + std::move(message));
}
Error Failed(std::string message) {
  return MakeError(ErrorCode::kVerificationFailed, "receipt: " + std::move(message));
}

cbor::Value PathValue(const std::vector<merkle::Hash>& path) {
  cbor::Array hashes;
  hashes.reserve(path.size());
  for (const auto& h : path) hashes.push_back(cbor::Value::ByteString(ByteView(h)));
  return cbor::Value::FromArray(std::move(hashes));
}

// Decodes [uint, uint, [* bstr(32)]], the shape shared by both proof types.
// RFC 9942's CDDL says [+ bstr], but a tree of size 1 has an empty path, so
// an empty array is accepted here and judged by the Merkle verifier.
Status DecodeProofTriple(ByteView encoded, const char* what, uint64_t* a, uint64_t* b,
                         std::vector<merkle::Hash>* path) {
  auto decoded = cbor::Decode(encoded);
  if (!decoded.ok()) return Malformed(std::string(what) + " is not valid CBOR: " + decoded.error().message);
  const cbor::Value& v = *decoded;
  if (!v.is_array() || v.array().size() != 3 || !v.array()[0].is_unsigned() ||
      !v.array()[1].is_unsigned() || !v.array()[2].is_array()) {
    return Malformed(std::string(what) + " must be [uint, uint, [hashes]]");
  }
  *a = v.array()[0].argument();
  *b = v.array()[1].argument();
  path->clear();
  for (const auto& h : v.array()[2].array()) {
    if (!h.is_bytes() || h.bytes().size() != 32) {
      return Malformed(std::string(what) + " path elements must be 32-byte byte strings");
    }
    merkle::Hash hash;
    std::memcpy(hash.data(), h.bytes().data(), 32);
    path->push_back(hash);
  }
  return Status::Ok();
}

Bytes BuildReceipt(const SignedTreeHead& head, int64_t proof_type, Bytes proof) {
  cbor::Value proofs = cbor::Value::FromArray({cbor::Value::ByteString(std::move(proof))});
  cbor::Value vdp = cbor::Value::FromMap({cbor::Entry(proof_type, std::move(proofs))});
  cbor::Value unprotected = cbor::Value::FromMap({cbor::Entry(header::kVdp, std::move(vdp))});
  cbor::Array items;
  items.push_back(cbor::Value::ByteString(head.protected_bytes));
  items.push_back(std::move(unprotected));
  items.push_back(cbor::Value::Null());
  items.push_back(cbor::Value::ByteString(head.signature));
  return cbor::Encode(cbor::Value::Tagged(kSign1Tag, cbor::Value::FromArray(std::move(items))));
}

// Checks the signature over the detached root and fills the claims.
Result<VerifiedReceipt> FinishVerification(const Receipt& receipt, const merkle::Hash& root,
                                           const crypto::PublicKey& key) {
  Sign1VerifyOptions options;
  options.detached_payload = ByteView(root);
  Status status = receipt.sign1.VerifySignature(key, options);
  if (!status.ok()) return Failed(status.message());
  VerifiedReceipt out;
  out.root = root;
  if (const auto& cwt = receipt.sign1.protected_headers().cwt) {
    out.issued_at = cwt->iat;
    out.issuer = cwt->iss;
  }
  return out;
}

}  // namespace

Bytes EncodeInclusionProof(const InclusionProof& proof) {
  return cbor::Encode(cbor::Value::FromArray({cbor::Value::Uint(proof.tree_size),
                                              cbor::Value::Uint(proof.leaf_index),
                                              PathValue(proof.path)}));
}

Result<InclusionProof> DecodeInclusionProof(ByteView encoded) {
  InclusionProof proof;
  SCITT_RETURN_IF_ERROR(
      DecodeProofTriple(encoded, "inclusion proof", &proof.tree_size, &proof.leaf_index, &proof.path));
  return proof;
}

Bytes EncodeConsistencyProof(const ConsistencyProof& proof) {
  return cbor::Encode(cbor::Value::FromArray({cbor::Value::Uint(proof.tree_size_1),
                                              cbor::Value::Uint(proof.tree_size_2),
                                              PathValue(proof.path)}));
}

Result<ConsistencyProof> DecodeConsistencyProof(ByteView encoded) {
  ConsistencyProof proof;
  SCITT_RETURN_IF_ERROR(DecodeProofTriple(encoded, "consistency proof", &proof.tree_size_1,
                                          &proof.tree_size_2, &proof.path));
  return proof;
}

Result<SignedTreeHead> SignTreeHead(const ReceiptSigner& signer, int64_t issued_at,
                                    uint64_t tree_size, const merkle::Hash& root) {
  if (signer.key == nullptr) return MakeError(ErrorCode::kInvalidArgument, "no receipt signing key");
  cbor::Value claims = cbor::Value::FromMap({
      cbor::Entry(claim::kIss, cbor::Value::Text(signer.issuer)),
      cbor::Entry(claim::kSub, cbor::Value::Text(signer.subject)),
      cbor::Entry(claim::kIat, cbor::Value::Int(issued_at)),
  });
  cbor::Value protected_map = cbor::Value::FromMap({
      cbor::Entry(header::kAlg, cbor::Value::Int(crypto::CoseId(signer.alg))),
      cbor::Entry(header::kKid, cbor::Value::ByteString(signer.kid)),
      cbor::Entry(header::kCwtClaims, std::move(claims)),
      cbor::Entry(header::kVds, cbor::Value::Int(vds::kRfc9162Sha256)),
  });
  SignedTreeHead head;
  head.tree_size = tree_size;
  head.root = root;
  head.protected_bytes = cbor::Encode(protected_map);
  Bytes tbs = BuildToBeSigned(head.protected_bytes, {}, ByteView(root));
  SCITT_ASSIGN_OR_RETURN(head.signature, signer.key->Sign(signer.alg, tbs));
  return head;
}

Bytes BuildInclusionReceipt(const SignedTreeHead& head, const InclusionProof& proof) {
  return BuildReceipt(head, vds::kInclusionProofs, EncodeInclusionProof(proof));
}

Bytes BuildConsistencyReceipt(const SignedTreeHead& head, const ConsistencyProof& proof) {
  return BuildReceipt(head, vds::kConsistencyProofs, EncodeConsistencyProof(proof));
}

Result<Receipt> Receipt::Parse(ByteView encoded) {
  Sign1ParseOptions options;
  options.require_tag = true;  // RFC 9942 §5.2 CDDL: #6.18
  auto sign1 = Sign1::Parse(encoded, options);
  if (!sign1.ok()) return Malformed(sign1.error().message);
  Receipt receipt{std::move(sign1).value()};
  const HeaderMap& prot = receipt.sign1.protected_headers();
  if (receipt.sign1.payload()) {
    return Malformed("payload must be nil (the root is detached, RFC 9942 §5.2)");
  }
  if (!prot.alg) return Malformed("protected header has no alg (1)");
  if (!prot.vds) return Malformed("protected header has no vds (395)");
  receipt.vds = *prot.vds;
  const cbor::Value* vdp = receipt.sign1.unprotected_headers().map.Find(header::kVdp);
  if (vdp == nullptr || !vdp->is_map()) {
    return Malformed("unprotected header has no vdp (396) map");
  }
  for (const auto& [key, value] : vdp->map()) {
    auto type = key.AsInt64();
    std::vector<Bytes>* target = nullptr;
    if (type == vds::kInclusionProofs) target = &receipt.inclusion_proofs;
    if (type == vds::kConsistencyProofs) target = &receipt.consistency_proofs;
    if (target == nullptr) continue;  // proof types of other profiles
    if (!value.is_array() || value.array().empty()) {
      return Malformed("vdp proofs must be a non-empty array of byte strings");
    }
    for (const auto& proof : value.array()) {
      if (!proof.is_bytes()) return Malformed("vdp proofs must be byte strings");
      target->push_back(proof.bytes());
    }
  }
  if (receipt.inclusion_proofs.empty() && receipt.consistency_proofs.empty()) {
    return Malformed("vdp (396) holds no inclusion (-1) or consistency (-2) proof");
  }
  return receipt;
}

Result<VerifiedReceipt> VerifyInclusionReceipt(const Receipt& receipt, ByteView entry,
                                               const crypto::PublicKey& key) {
  if (receipt.vds != vds::kRfc9162Sha256) {
    return Failed("vds " + std::to_string(receipt.vds) + " is not RFC9162_SHA256 (1)");
  }
  if (receipt.inclusion_proofs.empty()) return Failed("no inclusion proof (396/-1)");
  // Cheap hashing first, the signature last (RFC 9942 §5.2 verification).
  merkle::Hash leaf = merkle::HashLeaf(entry);
  std::optional<merkle::Hash> root;
  InclusionProof first;
  for (const Bytes& encoded : receipt.inclusion_proofs) {
    SCITT_ASSIGN_OR_RETURN(InclusionProof proof, DecodeInclusionProof(encoded));
    auto computed = merkle::RootFromInclusionProof(proof.leaf_index, proof.tree_size, leaf, proof.path);
    if (!computed.ok()) return Failed("inclusion proof is invalid: " + computed.error().message);
    if (root && *root != *computed) return Failed("inclusion proofs lead to different roots");
    if (!root) first = proof;
    root = *computed;
  }
  SCITT_ASSIGN_OR_RETURN(VerifiedReceipt out, FinishVerification(receipt, *root, key));
  out.tree_size = first.tree_size;
  out.leaf_index = first.leaf_index;
  return out;
}

Result<VerifiedReceipt> VerifyConsistencyReceipt(const Receipt& receipt, uint64_t old_size,
                                                 const merkle::Hash& old_root,
                                                 const crypto::PublicKey& key) {
  if (receipt.vds != vds::kRfc9162Sha256) {
    return Failed("vds " + std::to_string(receipt.vds) + " is not RFC9162_SHA256 (1)");
  }
  if (receipt.consistency_proofs.size() != 1) {
    return Failed("expected exactly one consistency proof (396/-2)");
  }
  SCITT_ASSIGN_OR_RETURN(ConsistencyProof proof, DecodeConsistencyProof(receipt.consistency_proofs[0]));
  if (proof.tree_size_1 != old_size) {
    return Failed("consistency proof starts at size " + std::to_string(proof.tree_size_1) +
                  ", expected " + std::to_string(old_size));
  }
  auto new_root = merkle::RootFromConsistencyProof(proof.tree_size_1, proof.tree_size_2, old_root, proof.path);
  if (!new_root.ok()) return Failed("consistency proof is invalid: " + new_root.error().message);
  SCITT_ASSIGN_OR_RETURN(VerifiedReceipt out, FinishVerification(receipt, *new_root, key));
  out.tree_size = proof.tree_size_2;
  return out;
}

Result<VerifiedReceipt> VerifyCcfReceipt(const Receipt& receipt, ByteView statement_digest,
                                         const crypto::PublicKey& key) {
  if (receipt.vds != vds::kCcfLedgerSha256) {
    return Failed("vds " + std::to_string(receipt.vds) + " is not CCF_LEDGER_SHA256 (2)");
  }
  if (receipt.inclusion_proofs.empty()) return Failed("no inclusion proof (396/-1)");
  std::optional<merkle::Hash> root;
  for (const Bytes& encoded : receipt.inclusion_proofs) {
    // bstr .cbor {1: [internal_txn_hash, internal_evidence, data_hash],
    //             2: [+ [left: bool, hash: bstr]]}
    auto decoded = cbor::Decode(encoded);
    if (!decoded.ok()) return Malformed("CCF proof is not valid CBOR: " + decoded.error().message);
    const cbor::Value* leaf = decoded->Find(1);
    const cbor::Value* path = decoded->Find(2);
    if (leaf == nullptr || !leaf->is_array() || leaf->array().size() != 3 ||
        !leaf->array()[0].is_bytes() || leaf->array()[0].bytes().size() != 32 ||
        !leaf->array()[1].is_text() || !leaf->array()[2].is_bytes() ||
        leaf->array()[2].bytes().size() != 32) {
      return Malformed("CCF proof leaf must be [bstr(32), tstr, bstr(32)]");
    }
    if (path == nullptr || !path->is_array()) return Malformed("CCF proof path must be an array");
    const Bytes& data_hash = leaf->array()[2].bytes();
    if (statement_digest.size() != data_hash.size() ||
        !std::equal(data_hash.begin(), data_hash.end(), statement_digest.begin())) {
      return Failed("CCF leaf data_hash does not match the statement");
    }
    auto evidence_digest = crypto::Sha256(AsBytes(leaf->array()[1].text()));
    Bytes leaf_input = leaf->array()[0].bytes();
    leaf_input.insert(leaf_input.end(), evidence_digest.begin(), evidence_digest.end());
    leaf_input.insert(leaf_input.end(), data_hash.begin(), data_hash.end());
    merkle::Hash acc = crypto::Sha256(leaf_input);
    for (const auto& step : path->array()) {
      if (!step.is_array() || step.array().size() != 2 || !step.array()[0].is_bool() ||
          !step.array()[1].is_bytes() || step.array()[1].bytes().size() != 32) {
        return Malformed("CCF proof path steps must be [bool, bstr(32)]");
      }
      const Bytes& sibling = step.array()[1].bytes();
      Bytes node;
      node.reserve(64);
      // The flag says the sibling is on the left.
      if (step.array()[0].bool_value()) {
        node.insert(node.end(), sibling.begin(), sibling.end());
        node.insert(node.end(), acc.begin(), acc.end());
      } else {
        node.insert(node.end(), acc.begin(), acc.end());
        node.insert(node.end(), sibling.begin(), sibling.end());
      }
      acc = crypto::Sha256(node);
    }
    if (root && *root != acc) return Failed("CCF proofs lead to different roots");
    root = acc;
  }
  return FinishVerification(receipt, *root, key);
}

}  // namespace scitt::cose
