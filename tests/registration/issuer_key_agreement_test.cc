// Registration (the service and the auditor, which replays through it) and
// `scitt verify` (cose::VerifyStatement) resolve a statement's kid against
// configured issuer keys by one rule (cose/issuer_keys.h, docs/policy.md
// "Issuer identity"), so they accept and refuse exactly the same statements.
#include <gtest/gtest.h>

#include <ctime>

#include "cbor/value.h"
#include "cose/issuer_keys.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/verifier.h"
#include "registration/registrar.h"
#include "support/test_pki.h"

namespace scitt::registration {
namespace {

using cbor::Entry;
using cbor::Value;
using crypto::Algorithm;
using crypto::KeyWithId;
using crypto::PrivateKey;

struct Case {
  const char* name;
  std::vector<KeyWithId> keys;   // the configured issuer keys
  std::optional<Bytes> kid;      // the statement's protected kid
  const PrivateKey* signer;
  bool accepted;
};

class IssuerKeyAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = *PrivateKey::Generate(Algorithm::kES256);
    b_ = *PrivateKey::Generate(Algorithm::kES256);
  }

  Bytes Statement(const std::optional<Bytes>& kid, const PrivateKey& signer) const {
    cbor::Map prot = {Entry(cose::header::kAlg, Value::Int(-7)),
                      Entry(cose::header::kCwtClaims,
                            Value::FromMap({Entry(cose::claim::kIss, Value::Text("https://issuer.example")),
                                            Entry(cose::claim::kSub, Value::Text("pkg:a"))}))};
    if (kid) prot.push_back(Entry(cose::header::kKid, Value::ByteString(*kid)));
    cose::Sign1Content content;
    content.protected_map = Value::FromMap(std::move(prot));
    content.payload = AsBytes("payload");
    return *cose::SignSign1(content, signer);
  }

  static Bytes Thumbprint(const PrivateKey& key) {
    auto t = key.public_key().Thumbprint();
    return Bytes(t.begin(), t.end());
  }

  void ExpectAgreement(const Case& c) {
    SCOPED_TRACE(c.name);
    Bytes statement = Statement(c.kid, *c.signer);

    TrustConfig trust;
    trust.issuer_keys = c.keys;
    Registrar registrar(trust, policy::RegistrationPolicy::Default());
    auto registered = registrar.Check(statement, static_cast<int64_t>(std::time(nullptr)));
    bool service_accepts = std::holds_alternative<Accepted>(registered);

    cose::VerifyRequest request;
    request.statement = statement;
    request.issuer_keys = c.keys;
    auto report = cose::VerifyStatement(request);
    ASSERT_TRUE(report.ok()) << report.error().message;
    bool verify_accepts = report->ok();

    std::string why = std::holds_alternative<Refusal>(registered)
                          ? std::get<Refusal>(registered).title + ": " + std::get<Refusal>(registered).detail
                          : "accepted";
    EXPECT_EQ(service_accepts, c.accepted) << "registration: " << why;
    EXPECT_EQ(verify_accepts, c.accepted) << "verify: " << report->checks[0].detail;
  }

  PrivateKey a_, b_;
};

TEST_F(IssuerKeyAgreementTest, Matrix) {
  const Bytes ta = Thumbprint(a_), tb = Thumbprint(b_);
  const KeyWithId a_named{a_.public_key(), ToBytes("key-a"), std::nullopt};
  const KeyWithId a_bare{a_.public_key(), {}, std::nullopt};
  const KeyWithId b_bare{b_.public_key(), {}, std::nullopt};
  // A key whose stated kid is the thumbprint of another key: exact kids win.
  const KeyWithId b_named_like_a{b_.public_key(), ta, std::nullopt};
  const KeyWithId a_es384_only{a_.public_key(), ToBytes("key-a"), Algorithm::kES384};

  const Case cases[] = {
      {"kid exact", {b_bare, a_named}, ToBytes("key-a"), &a_, true},
      {"kid exact, wrong signer", {a_named}, ToBytes("key-a"), &b_, false},
      {"kid = thumbprint", {b_bare, a_bare}, ta, &a_, true},
      {"kid = thumbprint of a named key", {a_named}, ta, &a_, true},
      {"exact kid wins over a thumbprint", {a_bare, b_named_like_a}, ta, &b_, true},
      {"exact kid wins over a thumbprint, signed by the thumbprint's key", {a_bare, b_named_like_a}, ta, &a_, false},
      {"no kid, one key", {a_bare}, std::nullopt, &a_, false},
      {"no kid, one named key", {a_named}, std::nullopt, &a_, false},
      {"no kid, two keys", {a_bare, b_bare}, std::nullopt, &a_, false},
      {"unknown kid", {a_named}, ToBytes("key-x"), &a_, false},
      {"unknown kid, one bare key", {a_bare}, ToBytes("key-x"), &a_, false},
      {"kid names the other key", {a_bare, b_bare}, tb, &a_, false},
      {"the key is for another alg", {a_es384_only}, ToBytes("key-a"), &a_, false},
  };
  for (const Case& c : cases) ExpectAgreement(c);
}

// The x5chain rules are shared too: a signing certificate whose keyUsage
// lacks digitalSignature (RFC 5280 §4.2.1.3) is refused by both.
TEST(SigningCertificateAgreementTest, KeyUsage) {
  using namespace testing::pki;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  PrivateKey ca_key = *PrivateKey::Generate(Algorithm::kES256);
  PrivateKey leaf_key = *PrivateKey::Generate(Algorithm::kES256);
  Certificate ca = IssueCertificate({{{"CN", "CA"}}, true, now - kDay, now + kDay}, ca_key, nullptr, ca_key);
  Certificate leaf =
      IssueCertificate({{{"CN", "Leaf"}}, false, now - kDay, now + kDay}, leaf_key, &ca, ca_key);

  auto statement = [](const std::vector<Certificate>& chain, const PrivateKey& key) {
    cbor::Array certs;
    for (const auto& c : chain) certs.push_back(Value::ByteString(c.der()));
    cose::Sign1Content content;
    content.protected_map = Value::FromMap(
        {Entry(cose::header::kAlg, Value::Int(-7)),
         Entry(cose::header::kX5Chain, Value::FromArray(std::move(certs))),
         Entry(cose::header::kCwtClaims,
               Value::FromMap({Entry(cose::claim::kIss, Value::Text("https://issuer.example")),
                               Entry(cose::claim::kSub, Value::Text("pkg:a"))}))});
    content.payload = AsBytes("payload");
    return *cose::SignSign1(content, key);
  };
  TrustConfig trust;
  trust.trust_anchors = {ca};
  Registrar registrar(trust, policy::RegistrationPolicy::Default());
  for (const auto& [name, bytes, accepted] :
       {std::make_tuple("leaf", statement({leaf, ca}, leaf_key), true),
        std::make_tuple("the CA as its own leaf", statement({ca}, ca_key), false)}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(std::holds_alternative<Accepted>(registrar.Check(bytes, now)), accepted);
    cose::VerifyRequest request;
    request.statement = bytes;
    request.trust_anchors = {ca};
    auto report = cose::VerifyStatement(request);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->ok(), accepted) << report->checks[0].detail;
  }
}

}  // namespace
}  // namespace scitt::registration
