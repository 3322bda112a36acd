// RFC 9942 receipts: the cose-wg examples, and receipts we build and verify.
#include <gtest/gtest.h>

#include "cose/receipt.h"
#include "cose/sign1.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "merkle/hash.h"
#include "merkle/proof.h"
#include "support/vectors.h"

namespace scitt::cose {
namespace {

using testing::Hex;

std::vector<merkle::Hash> StatementLeaves(int n) {
  std::vector<merkle::Hash> leaves;
  for (int i = 0; i < n; ++i) {
    auto entry = crypto::Sha256(AsBytes("statement-" + std::to_string(i)));
    leaves.push_back(merkle::HashLeaf(entry));
  }
  return leaves;
}

TEST(CoseWgReceipts, InclusionExampleParsesAndProves) {
  auto derived = testing::ReadJsonVector("receipts/cose-wg/derived-values.json");
  auto receipt = Receipt::Parse(testing::ReadVector("receipts/cose-wg/inclusion-receipt.cbor"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->vds, 1);
  EXPECT_EQ(receipt->sign1.protected_headers().cwt->iss, "https://transparency-service.example.com");
  ASSERT_EQ(receipt->inclusion_proofs.size(), 1u);
  auto proof = DecodeInclusionProof(receipt->inclusion_proofs[0]);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->tree_size, 5u);
  EXPECT_EQ(proof->leaf_index, 3u);
  auto entry = crypto::Sha256(AsBytes("statement-3"));
  auto root = merkle::RootFromInclusionProof(3, 5, merkle::HashLeaf(entry), proof->path);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(HexEncode(*root), "895731b5a570ea1967dd7804b5f43146175f9ac87d1565985de3ecf09c98589c");
  // Re-encoding the proof gives the bytes in the example.
  EXPECT_EQ(EncodeInclusionProof(*proof), receipt->inclusion_proofs[0]);
  (void)derived;
}

TEST(CoseWgReceipts, ConsistencyExampleParsesAndProves) {
  auto receipt = Receipt::Parse(testing::ReadVector("receipts/cose-wg/consistency-receipt.cbor"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  ASSERT_EQ(receipt->consistency_proofs.size(), 1u);
  auto proof = DecodeConsistencyProof(receipt->consistency_proofs[0]);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->tree_size_1, 3u);
  EXPECT_EQ(proof->tree_size_2, 5u);
  merkle::Hash root3;
  Bytes r3 = Hex("688928db5e565af2fb9b29db5cce83de0e0352a0f0c671b450b9dc86bed2de3c");
  std::copy(r3.begin(), r3.end(), root3.begin());
  auto root5 = merkle::RootFromConsistencyProof(3, 5, root3, proof->path);
  ASSERT_TRUE(root5.ok());
  EXPECT_EQ(HexEncode(*root5), "895731b5a570ea1967dd7804b5f43146175f9ac87d1565985de3ecf09c98589c");
}

class ReceiptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
    ASSERT_TRUE(key.ok());
    key_ = *key;
    auto thumbprint = key_.public_key().Thumbprint();
    kid_ = Bytes(thumbprint.begin(), thumbprint.end());
    signer_ = ReceiptSigner{&key_, crypto::Algorithm::kES256, kid_, "https://ts.example", "ts.example/log"};
    leaves_ = StatementLeaves(13);
  }
  crypto::PrivateKey key_;
  Bytes kid_;
  ReceiptSigner signer_;
  std::vector<merkle::Hash> leaves_;
};

TEST_F(ReceiptTest, OneSignatureServesEveryEntry) {
  auto head = SignTreeHead(signer_, 1700000000, leaves_.size(), merkle::RootOf(leaves_));
  ASSERT_TRUE(head.ok());
  for (uint64_t i = 0; i < leaves_.size(); ++i) {
    Bytes encoded = BuildInclusionReceipt(*head, {leaves_.size(), i, merkle::InclusionPath(i, leaves_)});
    auto receipt = Receipt::Parse(encoded);
    ASSERT_TRUE(receipt.ok()) << receipt.error().message;
    auto entry = crypto::Sha256(AsBytes("statement-" + std::to_string(i)));
    auto verified = VerifyInclusionReceipt(*receipt, entry, key_.public_key());
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->root, head->root);
    EXPECT_EQ(verified->issued_at, 1700000000);
    // The wrong entry fails.
    auto other = crypto::Sha256(AsBytes("statement-x"));
    EXPECT_FALSE(VerifyInclusionReceipt(*receipt, other, key_.public_key()).ok());
  }
}

TEST_F(ReceiptTest, SizeOneTreeHasEmptyPath) {
  std::vector<merkle::Hash> one(leaves_.begin(), leaves_.begin() + 1);
  auto head = SignTreeHead(signer_, 1, 1, merkle::RootOf(one));
  ASSERT_TRUE(head.ok());
  auto receipt = Receipt::Parse(BuildInclusionReceipt(*head, {1, 0, {}}));
  ASSERT_TRUE(receipt.ok());
  auto entry = crypto::Sha256(AsBytes("statement-0"));
  EXPECT_TRUE(VerifyInclusionReceipt(*receipt, entry, key_.public_key()).ok());
}

TEST_F(ReceiptTest, ConsistencyReceiptVerifies) {
  std::vector<merkle::Hash> old_leaves(leaves_.begin(), leaves_.begin() + 6);
  auto head = SignTreeHead(signer_, 2, leaves_.size(), merkle::RootOf(leaves_));
  ASSERT_TRUE(head.ok());
  ConsistencyProof proof{6, leaves_.size(), merkle::ConsistencyPath(6, leaves_)};
  auto receipt = Receipt::Parse(BuildConsistencyReceipt(*head, proof));
  ASSERT_TRUE(receipt.ok());
  auto verified = VerifyConsistencyReceipt(*receipt, 6, merkle::RootOf(old_leaves), key_.public_key());
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->root, head->root);
  EXPECT_FALSE(VerifyConsistencyReceipt(*receipt, 5, merkle::RootOf(old_leaves), key_.public_key()).ok());
  merkle::Hash wrong = merkle::RootOf(old_leaves);
  wrong[0] ^= 1;
  EXPECT_FALSE(VerifyConsistencyReceipt(*receipt, 6, wrong, key_.public_key()).ok());
}

TEST_F(ReceiptTest, MalformedReceiptsAreRefused) {
  auto head = SignTreeHead(signer_, 1, leaves_.size(), merkle::RootOf(leaves_));
  ASSERT_TRUE(head.ok());
  Bytes good = BuildInclusionReceipt(*head, {leaves_.size(), 2, merkle::InclusionPath(2, leaves_)});
  ASSERT_TRUE(Receipt::Parse(good).ok());
  Bytes untagged(good.begin() + 1, good.end());
  EXPECT_FALSE(Receipt::Parse(untagged).ok());
  // leaf_index == tree_size must fail even though popular libraries accept it.
  Bytes bad_index = BuildInclusionReceipt(*head, {leaves_.size(), leaves_.size(), merkle::InclusionPath(2, leaves_)});
  auto receipt = Receipt::Parse(bad_index);
  ASSERT_TRUE(receipt.ok());
  auto entry = crypto::Sha256(AsBytes("statement-2"));
  EXPECT_FALSE(VerifyInclusionReceipt(*receipt, entry, key_.public_key()).ok());
  // Every single-byte truncation of a good receipt is an error, not a crash.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(Receipt::Parse(ByteView(good.data(), n)).ok());
  }
}

}  // namespace
}  // namespace scitt::cose
