// X.509 parsing and path validation, against certificates minted in-test
// (support/test_pki.h), relative to the current time, so nothing expires.
#include "crypto/x509.h"

#include <ctime>

#include <gtest/gtest.h>

#include "support/test_pki.h"

namespace scitt::crypto {
namespace {

using testing::IssueCertificate;
using testing::kDay;

constexpr char kCodeSigning[] = "1.3.6.1.5.5.7.3.3";
constexpr char kServerAuth[] = "1.3.6.1.5.5.7.3.1";

class X509Test : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = static_cast<int64_t>(std::time(nullptr));
    root_key_ = *PrivateKey::Generate(Algorithm::kES256);
    intermediate_key_ = *PrivateKey::Generate(Algorithm::kES384);
    leaf_key_ = *PrivateKey::Generate(Algorithm::kEdDSA);
    other_root_key_ = *PrivateKey::Generate(Algorithm::kES256);

    root_ = IssueCertificate(
        {{{"CN", "Test Root CA"}, {"O", "Example Org"}}, true, now_ - kDay, now_ + 3650 * kDay},
        root_key_, nullptr, root_key_);
    intermediate_ = IssueCertificate({{{"CN", "Test Intermediate CA"}, {"O", "Example Org"}},
                                      true,
                                      now_ - kDay,
                                      now_ + 1000 * kDay},
                                     intermediate_key_, &root_, root_key_);
    leaf_ = IssueCertificate(
        {{{"C", "US"}, {"O", "Example Org"}, {"CN", "Leaf Signer"}},
         false,
         now_ - 3600,
         now_ + 30 * kDay,
         "codeSigning",
         "DNS:signer.example,email:signer@example.com,URI:https://signer.example/id,"
         "IP:192.0.2.7,IP:2001:db8::7"},
        leaf_key_, &intermediate_, intermediate_key_);
    other_root_ =
        IssueCertificate({{{"CN", "Other Root CA"}}, true, now_ - kDay, now_ + 3650 * kDay},
                         other_root_key_, nullptr, other_root_key_);
  }

  int64_t now_ = 0;
  PrivateKey root_key_, intermediate_key_, leaf_key_, other_root_key_;
  Certificate root_, intermediate_, leaf_, other_root_;
};

TEST_F(X509Test, Accessors) {
  EXPECT_EQ(leaf_.subject(), "CN=Leaf Signer,O=Example Org,C=US");
  EXPECT_EQ(leaf_.issuer(), "O=Example Org,CN=Test Intermediate CA");
  EXPECT_EQ(leaf_.SubjectValues("CN"), std::vector<std::string>{"Leaf Signer"});
  EXPECT_EQ(leaf_.SubjectValues("O"), std::vector<std::string>{"Example Org"});
  EXPECT_TRUE(leaf_.SubjectValues("OU").empty());
  EXPECT_TRUE(leaf_.SubjectValues("no-such-attribute").empty());
  EXPECT_EQ(leaf_.ExtendedKeyUsages(), std::vector<std::string>{kCodeSigning});
  EXPECT_TRUE(root_.ExtendedKeyUsages().empty());
  std::vector<std::pair<std::string, std::string>> sans = {
      {"dns", "signer.example"},
      {"email", "signer@example.com"},
      {"uri", "https://signer.example/id"},
      {"ip", "192.0.2.7"},
      {"ip", "2001:db8::7"},
  };
  EXPECT_EQ(leaf_.SubjectAltNames(), sans);
  EXPECT_TRUE(root_.SubjectAltNames().empty());
  EXPECT_EQ(leaf_.not_before(), now_ - 3600);
  EXPECT_EQ(leaf_.not_after(), now_ + 30 * kDay);
  EXPECT_TRUE(leaf_.public_key() == leaf_key_.public_key());
  EXPECT_EQ(leaf_.public_key().curve(), Curve::kEd25519);
  EXPECT_TRUE(intermediate_.public_key() == intermediate_key_.public_key());
}

// RFC 5280 §4.2.1.3: only a key whose keyUsage (when present) asserts
// digitalSignature may sign statements (issue 10 #12: a CA's keyCertSign-only
// certificate was accepted as the signer).
TEST_F(X509Test, KeyUsageAndSigning) {
  EXPECT_EQ(leaf_.KeyUsages(), std::vector<std::string>{"digitalSignature"});
  EXPECT_TRUE(leaf_.AllowsDigitalSignature());
  EXPECT_TRUE(CheckSigningCertificate(leaf_).ok());
  EXPECT_EQ(root_.KeyUsages(), (std::vector<std::string>{"keyCertSign", "cRLSign"}));
  EXPECT_FALSE(root_.AllowsDigitalSignature());
  Status ca = CheckSigningCertificate(root_);
  ASSERT_FALSE(ca.ok());
  EXPECT_EQ(ca.error().code, ErrorCode::kVerificationFailed);
  EXPECT_NE(ca.message().find("has keyUsage keyCertSign, cRLSign without digitalSignature"),
            std::string::npos)
      << ca.message();

  auto issue = [&](std::string key_usage) {
    testing::CertSpec spec({{"CN", "KU"}}, false, now_ - kDay, now_ + kDay);
    spec.key_usage = std::move(key_usage);
    return IssueCertificate(spec, leaf_key_, &intermediate_, intermediate_key_);
  };
  Certificate none = issue("");  // no keyUsage extension: no restriction
  EXPECT_EQ(none.KeyUsages(), std::nullopt);
  EXPECT_TRUE(CheckSigningCertificate(none).ok());
  EXPECT_FALSE(CheckSigningCertificate(issue("critical,keyAgreement")).ok());
  EXPECT_FALSE(CheckSigningCertificate(issue("nonRepudiation")).ok());
  EXPECT_TRUE(CheckSigningCertificate(issue("digitalSignature,keyCertSign")).ok());
}

TEST_F(X509Test, Utf8SubjectIsNotEscaped) {
  Certificate cert =
      IssueCertificate({{{"CN", "Zoë, \"Ltd\""}, {"O", "Ünïcode+Co"}}, false, now_, now_ + kDay},
                       leaf_key_, &root_, root_key_);
  EXPECT_EQ(cert.subject(), "O=Ünïcode\\+Co,CN=Zoë\\, \\\"Ltd\\\"");
  EXPECT_EQ(cert.SubjectValues("CN"), std::vector<std::string>{"Zoë, \"Ltd\""});
}

TEST_F(X509Test, PemBundle) {
  std::string pem = "leaf:\n" + leaf_.ToPem() + leaf_key_.ToPem() + "intermediate:\n" +
                    intermediate_.ToPem() + root_.ToPem();
  auto certs = Certificate::ParsePemBundle(pem);
  ASSERT_TRUE(certs.ok()) << certs.error().message;
  ASSERT_EQ(certs->size(), 3u);
  EXPECT_EQ((*certs)[0].der(), leaf_.der());
  EXPECT_EQ((*certs)[1].der(), intermediate_.der());
  EXPECT_EQ((*certs)[2].der(), root_.der());

  EXPECT_FALSE(Certificate::ParsePemBundle("").ok());
  EXPECT_FALSE(Certificate::ParsePemBundle(leaf_key_.ToPem()).ok());
  EXPECT_FALSE(Certificate::ParsePemBundle(
                   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                   .ok());
  Bytes der = leaf_.der();
  der.push_back(0);
  EXPECT_FALSE(Certificate::FromDer(der).ok());
  EXPECT_FALSE(Certificate::FromDer(Bytes(der.begin(), der.end() - 10)).ok());
  EXPECT_FALSE(Certificate::FromDer({}).ok());
}

TEST_F(X509Test, KeySetFromCertificates) {
  auto keys = ParsePemKeySet(AsBytes(leaf_.ToPem() + intermediate_key_.public_key().ToPem()));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == leaf_key_.public_key());
  EXPECT_TRUE((*keys)[1].key == intermediate_key_.public_key());
}

TEST_F(X509Test, ValidChains) {
  auto index = ValidateChain({leaf_, intermediate_}, {root_});
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(*index, 0u);

  // The chain may end with the anchor itself.
  index = ValidateChain({leaf_, intermediate_, root_}, {other_root_, root_});
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(*index, 1u);

  // A pinned intermediate is a trust anchor too.
  index = ValidateChain({leaf_}, {other_root_, intermediate_});
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(*index, 1u);

  index = ValidateChain({leaf_, intermediate_}, {root_, root_});
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(*index, 0u);

  ChainValidationOptions at_time;
  at_time.at_time = now_ + 29 * kDay;
  EXPECT_TRUE(ValidateChain({leaf_, intermediate_}, {root_}, at_time).ok());
}

TEST_F(X509Test, WrongAnchorFails) {
  auto result = ValidateChain({leaf_, intermediate_}, {other_root_});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
  EXPECT_NE(result.error().message.find("unable to get local issuer certificate"),
            std::string::npos)
      << result.error().message;

  // Sending the real root along does not make it trusted.
  result = ValidateChain({leaf_, intermediate_, root_}, {other_root_});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("self-signed certificate in certificate chain"),
            std::string::npos)
      << result.error().message;

  // Missing intermediate.
  result = ValidateChain({leaf_}, {root_});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("unable to get local issuer certificate"),
            std::string::npos)
      << result.error().message;
}

TEST_F(X509Test, ValidityPeriodIsChecked) {
  ChainValidationOptions options;
  options.at_time = leaf_.not_after() + 1;
  auto result = ValidateChain({leaf_, intermediate_}, {root_}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("certificate has expired"), std::string::npos)
      << result.error().message;

  options.at_time = leaf_.not_before() - 1;
  result = ValidateChain({leaf_, intermediate_}, {root_}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("certificate is not yet valid"), std::string::npos)
      << result.error().message;

  // Expired now (no at_time given).
  Certificate expired =
      IssueCertificate({{{"CN", "Expired"}}, false, now_ - 10 * kDay, now_ - 3600}, leaf_key_,
                       &intermediate_, intermediate_key_);
  result = ValidateChain({expired, intermediate_}, {root_});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("certificate has expired"), std::string::npos);
  options.at_time = now_ - 7200;
  EXPECT_TRUE(ValidateChain({expired, intermediate_}, {root_}, options).ok());
}

TEST_F(X509Test, RequiredEkuAndSubject) {
  ChainValidationOptions options;
  options.required_eku = kCodeSigning;
  EXPECT_TRUE(ValidateChain({leaf_, intermediate_}, {root_}, options).ok());
  options.required_eku = kServerAuth;
  auto result = ValidateChain({leaf_, intermediate_}, {root_}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
  EXPECT_NE(result.error().message.find(kServerAuth), std::string::npos);
  // The intermediate has no EKU at all.
  options.required_eku = kCodeSigning;
  EXPECT_FALSE(ValidateChain({intermediate_}, {root_}, options).ok());

  options = {};
  options.required_subject = "CN=Leaf Signer,O=Example Org,C=US";
  EXPECT_TRUE(ValidateChain({leaf_, intermediate_}, {root_}, options).ok());
  options.required_subject = "CN=Someone Else,O=Example Org,C=US";
  result = ValidateChain({leaf_, intermediate_}, {root_}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("Leaf Signer"), std::string::npos);
}

TEST_F(X509Test, BrokenChainsFail) {
  // An "intermediate" that is not a CA cannot issue.
  Certificate not_ca = IssueCertificate({{{"CN", "Not a CA"}}, false, now_ - kDay, now_ + kDay},
                                        intermediate_key_, &root_, root_key_);
  Certificate under_not_ca =
      IssueCertificate({{{"CN", "Under not-CA"}}, false, now_ - kDay, now_ + kDay}, leaf_key_,
                       &not_ca, intermediate_key_);
  auto result = ValidateChain({under_not_ca, not_ca}, {root_});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("invalid CA certificate"), std::string::npos)
      << result.error().message;

  // Right issuer name, wrong signing key.
  Certificate forged = IssueCertificate({{{"CN", "Forged"}}, false, now_ - kDay, now_ + kDay},
                                        leaf_key_, &intermediate_, other_root_key_);
  result = ValidateChain({forged, intermediate_}, {root_});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);

  EXPECT_EQ(ValidateChain({}, {root_}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ValidateChain({leaf_}, {}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace scitt::crypto
