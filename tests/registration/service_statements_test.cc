// The service's own statements: registered once per version, read back by
// the auditor with the same format.
#include "registration/service_statements.h"

#include <gtest/gtest.h>


#include "cose/sign1.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::registration {
namespace {

class ServiceStatementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
    const auto thumbprint = key_.public_key().Thumbprint();
    kid_ = Bytes(thumbprint.begin(), thumbprint.end());
    Open();
  }
  void TearDown() override { log_.reset(); }
  void Open() {
    log_.reset();
    auto store = storage::OpenStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    log::LogKeys keys{key_, crypto::Algorithm::kES256, kid_,
                      *crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA)};
    log::LogOptions options;
    options.origin = "example.com/svc";
    options.issuer = "https://example.com";
    options.max_batch_delay = std::chrono::microseconds(100);
    auto log = log::TransparencyLog::Open(std::move(store).value(), keys, options);
    ASSERT_TRUE(log.ok()) << log.error().message;
    log_ = std::move(log).value();
  }
  ServiceSigner Signer() const { return ServiceSigner{&key_, crypto::Algorithm::kES256, kid_, "https://example.com"}; }

  testing::TempDir dir_;
  crypto::PrivateKey key_;
  Bytes kid_;
  std::unique_ptr<log::TransparencyLog> log_;
};

TEST_F(ServiceStatementsTest, RegistersEachVersionOnce) {
  auto first = RegisterIfChanged(*log_, Signer(), kTrustConfiguration, "{\"a\":1}", 0, 1000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto same = RegisterIfChanged(*log_, Signer(), kTrustConfiguration, "{\"a\":1}", 0, 1001);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *first);
  EXPECT_EQ(log_->size(), 1u);
  auto changed = RegisterIfChanged(*log_, Signer(), kTrustConfiguration, "{\"a\":2}", 0, 1002);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, 1u);

  auto entry = log_->Entry(1);
  ASSERT_TRUE(entry.ok());
  auto statement = cose::Sign1::Parse(entry->statement);
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(*statement->protected_headers().cwt->sub, kTrustConfiguration.subject);
  EXPECT_EQ(*statement->protected_headers().cwt->iss, "https://example.com");
  EXPECT_TRUE(statement->VerifySignature(key_.public_key()).ok());
}

// Issue 9 #6: the stored index was parsed with a throwing conversion; a
// damaged meta value must be a clear error, not an uncaught exception.
TEST_F(ServiceStatementsTest, ADamagedMetaIndexIsAnErrorNotACrash) {
  ASSERT_TRUE(RegisterIfChanged(*log_, Signer(), kRegistrationPolicy, "{}", 0, 1000).ok());
  ASSERT_TRUE(log_->PutMeta("policy.index", "not a number").ok());
  auto again = RegisterIfChanged(*log_, Signer(), kRegistrationPolicy, "{}", 0, 1001);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("policy.index"), std::string::npos) << again.error().message;
}

TEST(TrustConfigFormat, TheAuditorReadsBackWhatTheServiceWrites) {
  TrustConfig trust;
  trust.allow_self_asserted = true;
  auto key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  trust.issuer_keys.push_back(crypto::KeyWithId{key.public_key(), ToBytes("issuer-1"), crypto::Algorithm::kES256});
  auto parsed = ParseTrustConfig(AsBytes(trust.CanonicalJson()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->CanonicalJson(), trust.CanonicalJson());
  EXPECT_FALSE(ParseTrustConfig(AsBytes("[]")).ok());
  EXPECT_FALSE(ParseTrustConfig(AsBytes("{\"trust_anchors\":[\"not base64!\"]}")).ok());
  EXPECT_FALSE(ParseTrustConfig(AsBytes("{\"allow_self_asserted\":\"yes\"}")).ok());
}

}  // namespace
}  // namespace scitt::registration
