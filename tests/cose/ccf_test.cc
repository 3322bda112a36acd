// A real transparent statement from Microsoft's service (CCF receipt, vds 2)
// checked against its trust store, and the other upstream payloads parsed.
#include <filesystem>

#include <gtest/gtest.h>

#include "cose/receipt.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "cose/verifier.h"
#include "crypto/x509.h"
#include "support/vectors.h"

namespace scitt::cose {
namespace {

using testing::Hex;

class CcfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    statement_ = testing::ReadVector("ccf/transparent_statements/uvm_0.2.10.cose");
    auto keys = ParseServiceKeys(testing::ReadVector("ccf/transparent_statements/esrp-cts-db.json"));
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    keys_ = *keys;
    expected_ = testing::ReadJsonVector("ccf/uvm_0.2.10.verification.json");
  }
  Bytes statement_;
  std::vector<ServiceKey> keys_;
  nlohmann::json expected_;
};

TEST_F(CcfTest, IntermediateValuesMatch) {
  auto parsed = Sign1::Parse(statement_);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(HexEncode(LogEntry(*parsed)), expected_["signed_statement_sha256"]);
  ASSERT_EQ(parsed->unprotected_headers().receipts.size(), 1u);
  auto receipt = Receipt::Parse(parsed->unprotected_headers().receipts[0]);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->vds, 2);
  EXPECT_EQ(HexEncode(receipt->sign1.protected_bytes()), expected_["receipt"]["protected_header_hex"]);
  const ServiceKey* key = FindServiceKey(keys_, *receipt->sign1.protected_headers().kid);
  ASSERT_NE(key, nullptr);
  auto verified = VerifyCcfReceipt(*receipt, LogEntry(*parsed), key->key);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(HexEncode(verified->root), expected_["receipt"]["root"]);
}

TEST_F(CcfTest, TransparentStatementVerifiesWithTrustStore) {
  auto parsed = Sign1::Parse(statement_);
  ASSERT_TRUE(parsed.ok());
  // The issuer chain's own root is the trust anchor here; validity is
  // judged at the receipt's iat (the certificates have since expired).
  const auto& chain = parsed->protected_headers().x5chain;
  ASSERT_GE(chain.size(), 2u);
  auto anchor = crypto::Certificate::FromDer(chain.back());
  ASSERT_TRUE(anchor.ok());
  VerifyRequest request;
  request.statement = statement_;
  request.service_keys = keys_;
  request.trust_anchors.push_back(*anchor);
  auto report = VerifyStatement(request);
  ASSERT_TRUE(report.ok()) << report.error().message;
  for (const auto& c : report->checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
  EXPECT_TRUE(report->ok());
}

TEST_F(CcfTest, TamperedStatementFails) {
  Bytes tampered = statement_;
  tampered[tampered.size() - 1] ^= 1;  // last signature byte of the issuer
  VerifyRequest request;
  request.statement = tampered;
  request.service_keys = keys_;
  auto report = VerifyStatement(request);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());  // the data_hash no longer matches
}

TEST_F(CcfTest, UnknownServiceKeyFails) {
  VerifyRequest request;
  request.statement = statement_;
  auto other = crypto::PrivateKey::Generate(crypto::Algorithm::kES384);
  ASSERT_TRUE(other.ok());
  request.service_keys.push_back(ServiceKey{other->public_key(), {}});
  auto report = VerifyStatement(request);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

// Upstream registration inputs: all parse; the legacy pre-RFC receipt in
// cts-hashv-cwtclaims-b64url is not a COSE receipt and is refused.
TEST(CcfPayloads, ParseAndRefuseLegacyReceipt) {
  int parsed_count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::VectorPath("ccf/payloads"))) {
    Bytes data = testing::ReadVector("ccf/payloads/" + entry.path().filename().string());
    auto msg = Sign1::Parse(data);
    ASSERT_TRUE(msg.ok()) << entry.path() << ": " << msg.error().message;
    EXPECT_TRUE(msg->tagged());
    for (const Bytes& r : msg->unprotected_headers().receipts) {
      EXPECT_FALSE(Receipt::Parse(r).ok()) << entry.path();
    }
    ++parsed_count;
  }
  EXPECT_EQ(parsed_count, 7);
}

}  // namespace
}  // namespace scitt::cose
