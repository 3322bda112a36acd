// The registration pipeline: every identity mode accepted, and every refusal
// in the order Registrar::Check runs them, with its code, title and detail.
// One file so the order of the checks reads top to bottom as Check runs them.
#include "registration/registrar.h"

#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cose/cose_key.h"
#include "cose/labels.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"
#include "registration/identity_cache.h"
#include "support/test_pki.h"
#include "support/vectors.h"

namespace scitt::registration {
namespace {

using cbor::Entry;
using cbor::Value;
using namespace testing::pki;

constexpr char kUvmEku[] = "1.3.6.1.4.1.311.76.59.1.2";

std::string Fingerprint(const Certificate& cert) {
  return Base64UrlEncode(crypto::Sha256(cert.der()));
}

Value ChainValue(const std::vector<Certificate>& chain) {
  cbor::Array certs;
  for (const auto& cert : chain) certs.push_back(Value::ByteString(cert.der()));
  return Value::FromArray(std::move(certs));
}

Value X5t(const Certificate& cert) {
  return Value::FromArray({Value::Int(-16), Value::ByteString(crypto::Sha256(cert.der()))});
}

class RegistrarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = static_cast<int64_t>(std::time(nullptr));
    root_key_ = *PrivateKey::Generate(Algorithm::kES256);
    inter_key_ = *PrivateKey::Generate(Algorithm::kES384);
    leaf_key_ = *PrivateKey::Generate(Algorithm::kES256);
    other_key_ = *PrivateKey::Generate(Algorithm::kES256);
    issuer_key_ = *PrivateKey::Generate(Algorithm::kEdDSA);
    cnf_key_ = *PrivateKey::Generate(Algorithm::kES256);

    root_ = IssueCertificate(
        {{{"CN", "Test Root CA"}, {"O", "Example Org"}}, true, now_ - kDay, now_ + 3650 * kDay},
        root_key_, nullptr, root_key_);
    inter_ = IssueCertificate({{{"CN", "Test Intermediate CA"}, {"O", "Example Org"}},
                               true,
                               now_ - kDay,
                               now_ + 1000 * kDay},
                              inter_key_, &root_, root_key_);
    leaf_ = IssueCertificate(
        {{{"C", "US"}, {"O", "Example Org"}, {"CN", "Leaf Signer"}},
         false,
         now_ - 3600,
         now_ + 30 * kDay,
         std::string("codeSigning,") + kUvmEku,
         "DNS:signer.example,email:signer@example.com,URI:https://signer.example/id"},
        leaf_key_, &inter_, inter_key_);
    other_root_ =
        IssueCertificate({{{"CN", "Other Root CA"}}, true, now_ - kDay, now_ + 3650 * kDay},
                         other_key_, nullptr, other_key_);
    chain_ = {leaf_, inter_, root_};

    trust_.trust_anchors = {root_};
    trust_.issuer_keys.push_back({issuer_key_.public_key(), ToBytes("issuer-1"), std::nullopt});
  }

  Value Claims(const std::string& iss = "https://issuer.example",
               const std::string& sub = "pkg:npm/left-pad@1.3.0") const {
    return Value::FromMap(
        {Entry(cose::claim::kIss, Value::Text(iss)), Entry(cose::claim::kSub, Value::Text(sub))});
  }

  std::string Did(const std::string& predicates, const Certificate* ca = nullptr) const {
    return "did:x509:0:sha256:" + Fingerprint(ca != nullptr ? *ca : root_) + "::" + predicates;
  }

  Value X509Protected(const std::string& iss, const std::vector<Certificate>& chain,
                      int64_t alg = -7) const {
    return Value::FromMap({Entry(cose::header::kAlg, Value::Int(alg)),
                           Entry(cose::header::kContentType, Value::Text("application/spdx+json")),
                           Entry(cose::header::kX5Chain, ChainValue(chain)),
                           Entry(cose::header::kCwtClaims, Claims(iss))});
  }

  Value KidProtected(ByteView kid, int64_t alg = -8) const {
    return Value::FromMap({Entry(cose::header::kAlg, Value::Int(alg)),
                           Entry(cose::header::kKid, Value::ByteString(kid)),
                           Entry(cose::header::kCwtClaims, Claims())});
  }

  Value CnfClaims() const {
    return Value::FromMap(
        {Entry(cose::claim::kIss, Value::Text("https://self.example")),
         Entry(cose::claim::kSub, Value::Text("pkg:npm/self")),
         Entry(cose::claim::kCnf, Value::FromMap({Entry(cose::claim::kCnfCoseKey,
                                                        cose::ToCoseKey(cnf_key_.public_key()))}))});
  }

  Bytes Sign(Value protected_map, const PrivateKey& key, Value unprotected = Value::FromMap({}),
             std::string_view payload = "{\"spdxVersion\": \"SPDX-2.3\"}",
             bool detach = false) const {
    cose::Sign1Content content;
    content.protected_map = std::move(protected_map);
    content.unprotected = std::move(unprotected);
    content.payload = AsBytes(payload);
    content.detach_payload = detach;
    auto signed_bytes = cose::SignSign1(content, key);
    EXPECT_TRUE(signed_bytes.ok()) << signed_bytes.error().message;
    return signed_bytes.ok() ? *signed_bytes : Bytes();
  }

  // A COSE_Sign1 assembled from its parts with a junk signature, for the
  // checks that run before the signature.
  static Bytes Assemble(const Value& protected_map, const Value& payload,
                        const Value& unprotected = Value::FromMap({})) {
    return cbor::Encode(Value::Tagged(
        18, Value::FromArray({Value::ByteString(cbor::Encode(protected_map)), unprotected, payload,
                              Value::ByteString(Bytes(64, 1))})));
  }

  Registrar MakeRegistrar(std::shared_ptr<const policy::RegistrationPolicy> policy = nullptr,
                          size_t max_bytes = 1 << 20) const {
    return Registrar(trust_, policy ? policy : policy::RegistrationPolicy::Default(), max_bytes);
  }

  Accepted ExpectAccepted(const Registrar& registrar, ByteView statement) const {
    auto result = registrar.Check(Bytes(statement.begin(), statement.end()), now_);
    if (auto* refusal = std::get_if<Refusal>(&result)) {
      ADD_FAILURE() << refusal->title << ": " << refusal->detail;
      return {};
    }
    return std::get<Accepted>(result);
  }
  Accepted ExpectAccepted(ByteView statement) const {
    return ExpectAccepted(MakeRegistrar(), statement);
  }

  Refusal ExpectRefused(const Registrar& registrar, ByteView statement, const std::string& title,
                        const std::string& detail_part, const std::string& reason,
                        RefusalCode code = RefusalCode::kInvalid) const {
    auto result = registrar.Check(Bytes(statement.begin(), statement.end()), now_);
    if (!std::holds_alternative<Refusal>(result)) {
      ADD_FAILURE() << "accepted, expected " << title << " (" << detail_part << ")";
      return {};
    }
    Refusal refusal = std::get<Refusal>(result);
    EXPECT_EQ(refusal.code, code);
    EXPECT_EQ(refusal.title, title) << refusal.detail;
    EXPECT_NE(refusal.detail.find(detail_part), std::string::npos) << refusal.detail;
    EXPECT_EQ(refusal.reason, reason) << refusal.detail;
    return refusal;
  }
  Refusal ExpectRefused(ByteView statement, const std::string& title,
                        const std::string& detail_part, const std::string& reason,
                        RefusalCode code = RefusalCode::kInvalid) const {
    return ExpectRefused(MakeRegistrar(), statement, title, detail_part, reason, code);
  }

  int64_t now_ = 0;
  PrivateKey root_key_, inter_key_, leaf_key_, other_key_, issuer_key_, cnf_key_;
  Certificate root_, inter_, leaf_, other_root_;
  std::vector<Certificate> chain_;
  TrustConfig trust_;
};

// ---- accepted ----------------------------------------------------------

TEST_F(RegistrarTest, AcceptsX509WithDidX509Issuer) {
  std::string did = Did(std::string("eku:") + kUvmEku);
  Bytes statement = Sign(X509Protected(did, chain_), leaf_key_);
  Accepted accepted = ExpectAccepted(statement);
  EXPECT_EQ(accepted.identity, "x509");
  EXPECT_EQ(accepted.issuer, did);
  EXPECT_EQ(accepted.subject, "pkg:npm/left-pad@1.3.0");
  EXPECT_EQ(accepted.registered_statement, statement);  // unprotected was already {}
  EXPECT_EQ(accepted.entry_hash, crypto::Sha256(statement));
  EXPECT_TRUE(accepted.collateral.empty());
}

TEST_F(RegistrarTest, AcceptsX509WithPlainIssuer) {
  Accepted accepted =
      ExpectAccepted(Sign(X509Protected("https://issuer.example", chain_), leaf_key_));
  EXPECT_EQ(accepted.identity, "x509");
  EXPECT_EQ(accepted.issuer, "https://issuer.example");
}

// A chain sent without its root still pins the root: the anchor it validated
// to completes the path did:x509 is checked against.
TEST_F(RegistrarTest, AcceptsDidPinnedToAnAnchorTheChainOmits) {
  std::string did = Did("subject:CN:Leaf%20Signer:O:Example%20Org");
  ExpectAccepted(Sign(X509Protected(did, {leaf_, inter_}), leaf_key_));
  ExpectAccepted(
      Sign(X509Protected(Did("eku:1.3.6.1.5.5.7.3.3", &inter_), {leaf_, inter_}), leaf_key_));
}

TEST_F(RegistrarTest, AcceptsIssuerKeyByExactKid) {
  Accepted accepted = ExpectAccepted(Sign(KidProtected(AsBytes("issuer-1")), issuer_key_));
  EXPECT_EQ(accepted.identity, "issuer-key");
  EXPECT_EQ(accepted.issuer, "https://issuer.example");
}

TEST_F(RegistrarTest, AcceptsIssuerKeyByThumbprintKid) {
  auto thumbprint = issuer_key_.public_key().Thumbprint();
  Accepted accepted = ExpectAccepted(Sign(KidProtected(thumbprint), issuer_key_));
  EXPECT_EQ(accepted.identity, "issuer-key");
}

TEST_F(RegistrarTest, AcceptsSelfAssertedCnfWhenAllowed) {
  trust_.allow_self_asserted = true;
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-7)), Entry(cose::header::kCwtClaims, CnfClaims())});
  Accepted accepted = ExpectAccepted(Sign(prot, cnf_key_));
  EXPECT_EQ(accepted.identity, "self-asserted");
  EXPECT_EQ(accepted.issuer, "https://self.example");
  // A kid that is the cnf key's thumbprint names that key (CCF attested services).
  auto thumbprint = cnf_key_.public_key().Thumbprint();
  Value with_kid = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                                   Entry(cose::header::kKid, Value::ByteString(thumbprint)),
                                   Entry(cose::header::kCwtClaims, CnfClaims())});
  EXPECT_EQ(ExpectAccepted(Sign(with_kid, cnf_key_)).identity, "self-asserted");
}

TEST_F(RegistrarTest, UnprotectedChainPinnedByProtectedX5tIsCollateral) {
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-7)), Entry(cose::header::kX5t, X5t(leaf_)),
       Entry(cose::header::kCwtClaims, Claims(Did("san:dns:signer.example")))});
  Value unprot = Value::FromMap({Entry(cose::header::kX5Chain, ChainValue(chain_))});
  Bytes statement = Sign(prot, leaf_key_, unprot);
  Accepted accepted = ExpectAccepted(statement);
  EXPECT_EQ(accepted.identity, "x509");
  auto parsed = cose::Sign1::Parse(statement);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(accepted.registered_statement, parsed->RegisteredForm());
  EXPECT_NE(accepted.registered_statement, statement);
  EXPECT_EQ(accepted.entry_hash, cose::LogEntry(*parsed));
  auto collateral = cbor::Decode(accepted.collateral);
  ASSERT_TRUE(collateral.ok());
  EXPECT_EQ(*collateral, Value::FromMap({Entry("x5chain", ChainValue(chain_))}));
  EXPECT_EQ(accepted.collateral, cbor::Encode(*collateral));  // deterministic encoding
}

TEST_F(RegistrarTest, ProtectedX5tAlonePinsATrustAnchor) {
  // A leaf configured as an anchor, named only by its thumbprint.
  trust_.trust_anchors.push_back(leaf_);
  Value prot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                               Entry(cose::header::kX5t, X5t(leaf_)),
                               Entry(cose::header::kCwtClaims, Claims())});
  EXPECT_EQ(ExpectAccepted(Sign(prot, leaf_key_)).identity, "x509");
  trust_.trust_anchors = {root_};
  ExpectRefused(Sign(prot, leaf_key_), "Unknown Issuer Certificate",
                "neither carried in an x5chain (33) nor a configured trust anchor",
                "unknown_certificate");
}

TEST_F(RegistrarTest, TransparentStatementIsStillAStatement) {
  Value unprot = Value::FromMap(
      {Entry(cose::header::kReceipts, Value::FromArray({Value::ByteString(Bytes{0xd2, 0x84})}))});
  Bytes statement = Sign(X509Protected("https://issuer.example", chain_), leaf_key_, unprot);
  Accepted accepted = ExpectAccepted(statement);
  EXPECT_EQ(accepted.registered_statement.front(), 0xd2);
  EXPECT_TRUE(accepted.collateral.empty());
  auto parsed = cose::Sign1::Parse(accepted.registered_statement);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->unprotected_headers().map.map().empty());
}

// ---- the refusals, in order --------------------------------------------

TEST_F(RegistrarTest, RefusesTooLarge) {
  Bytes statement = Sign(KidProtected(AsBytes("issuer-1")), issuer_key_);
  Registrar small = MakeRegistrar(nullptr, statement.size() - 1);
  ExpectRefused(small, statement, "Payload Too Large",
                "the statement is " + std::to_string(statement.size()) +
                    " bytes; this service accepts at most " + std::to_string(statement.size() - 1),
                "too_large", RefusalCode::kTooLarge);
  ExpectAccepted(MakeRegistrar(nullptr, statement.size()), statement);
  // Size is checked before anything else.
  ExpectRefused(MakeRegistrar(nullptr, 2), Bytes(3, 0xff), "Payload Too Large", "3 bytes",
                "too_large", RefusalCode::kTooLarge);
}

TEST_F(RegistrarTest, RefusesUntaggedStatement) {
  Bytes statement = Sign(KidProtected(AsBytes("issuer-1")), issuer_key_);
  Bytes untagged(statement.begin() + 1, statement.end());  // drop d2
  ExpectRefused(untagged, "Malformed request", "tag 18", "malformed");
  ExpectRefused(untagged, "Malformed request", "RFC 9943 requires CBOR tag 18", "malformed");
}

TEST_F(RegistrarTest, RefusesTrailingBytesAndGarbage) {
  Bytes statement = Sign(KidProtected(AsBytes("issuer-1")), issuer_key_);
  statement.push_back(0x00);
  ExpectRefused(statement, "Malformed request", "trailing", "malformed");
  ExpectRefused(Bytes{}, "Malformed request", "", "malformed");
  ExpectRefused(AsBytes("not cbor at all"), "Malformed request", "", "malformed");
  ExpectRefused(cbor::Encode(Value::Tagged(17, Value::FromArray({}))), "Malformed request",
                "tag 17", "malformed");
}

TEST_F(RegistrarTest, RefusesMissingAlg) {
  Value prot = Value::FromMap({Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
                               Entry(cose::header::kCwtClaims, Claims())});
  ExpectRefused(Assemble(prot, Value::ByteString(AsBytes("x"))), "Malformed request",
                "the protected header has no alg (label 1)", "missing_alg");
  Value unprot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8))});
  ExpectRefused(Assemble(prot, Value::ByteString(AsBytes("x")), unprot), "Malformed request",
                "alg (label 1) must be in the protected header", "missing_alg");
}

TEST_F(RegistrarTest, RefusesMissingCwtClaims) {
  Value prot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)),
                               Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1")))});
  Refusal r = ExpectRefused(Sign(prot, issuer_key_), "Malformed request",
                            "no CWT claims (label 15)", "missing_cwt_claims");
  EXPECT_EQ(r.detail.find("391"), std::string::npos);
  Value in_unprotected = Value::FromMap({Entry(cose::header::kCwtClaims, Claims())});
  ExpectRefused(Sign(prot, issuer_key_, in_unprotected), "Malformed request",
                "CWT claims (label 15) must be in the protected header", "missing_cwt_claims");
}

// pyscitt without --uses-cwt signs the pre-RFC issuer (391) and feed (392).
TEST_F(RegistrarTest, RefusesPreRfcIssuerAndFeedNamingLabel15) {
  Value prot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                               Entry(cose::header::kContentType, Value::Text("text/plain")),
                               Entry(cose::header::kX5Chain, ChainValue(chain_)),
                               Entry(391, Value::Text(Did("eku:1.3.6.1.5.5.7.3.3"))),
                               Entry(392, Value::Text("feed"))});
  Refusal r =
      ExpectRefused(Sign(prot, leaf_key_), "Malformed request", "label 15", "missing_cwt_claims");
  EXPECT_NE(r.detail.find("issuer (391) and feed (392)"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("--uses-cwt"), std::string::npos) << r.detail;
}

TEST_F(RegistrarTest, RefusesMissingIssAndSub) {
  auto with_claims = [&](Value claims) {
    return Sign(Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)),
                                Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
                                Entry(cose::header::kCwtClaims, std::move(claims))}),
                issuer_key_);
  };
  ExpectRefused(with_claims(Value::FromMap({Entry(cose::claim::kSub, Value::Text("s"))})),
                "Malformed request", "have no iss (claim 1)", "missing_iss");
  ExpectRefused(with_claims(Value::FromMap({Entry(cose::claim::kIss, Value::Text("")),
                                            Entry(cose::claim::kSub, Value::Text("s"))})),
                "Malformed request", "iss (1) is empty", "missing_iss");
  ExpectRefused(with_claims(Value::FromMap({Entry(cose::claim::kIss, Value::Text("i"))})),
                "Malformed request", "have no sub (claim 2)", "missing_sub");
  ExpectRefused(with_claims(Value::FromMap({Entry(cose::claim::kIss, Value::Text("i")),
                                            Entry(cose::claim::kSub, Value::Text(""))})),
                "Malformed request", "sub (2) is empty", "missing_sub");
  ExpectRefused(
      with_claims(Value::FromMap({Entry(cose::claim::kIss, Value::Text(std::string(8193, 'a'))),
                                  Entry(cose::claim::kSub, Value::Text("s"))})),
      "Malformed request", "at most 8192", "bad_iss");
}

TEST_F(RegistrarTest, RefusesStatementWithoutIdentity) {
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-8)), Entry(cose::header::kCwtClaims, Claims())});
  ExpectRefused(Sign(prot, issuer_key_), "Confirmation Missing",
                "needs kid (4), x5t (34), x5chain (33) or a CWT cnf (8) COSE_Key",
                "missing_identity");
  Value unprot_kid =
      Value::FromMap({Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1")))});
  ExpectRefused(Sign(prot, issuer_key_, unprot_kid), "Confirmation Missing",
                "an unprotected kid is not covered by the signature", "missing_identity");
  Value unprot_chain = Value::FromMap({Entry(cose::header::kX5Chain, ChainValue(chain_))});
  ExpectRefused(Sign(prot, issuer_key_, unprot_chain), "Confirmation Missing",
                "an unprotected x5chain counts only when a protected x5t (34) pins its leaf",
                "missing_identity");
}

TEST_F(RegistrarTest, RefusesUnknownCriticalHeader) {
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-8)),
       Entry(cose::header::kCrit, Value::FromArray({Value::Int(4), Value::Int(999)})),
       Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
       Entry(cose::header::kCwtClaims, Claims()), Entry(999, Value::Text("must be understood"))});
  ExpectRefused(Sign(prot, issuer_key_), "Unsupported Critical Header",
                "crit lists header 999, which this service does not understand", "unknown_crit");
  // Understood critical labels pass.
  Value ok =
      Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)),
                      Entry(cose::header::kCrit, Value::FromArray({Value::Int(4), Value::Int(15)})),
                      Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
                      Entry(cose::header::kCwtClaims, Claims())});
  ExpectAccepted(Sign(ok, issuer_key_));
}

TEST_F(RegistrarTest, RefusesUnsupportedAlgorithm) {
  Value prot = KidProtected(AsBytes("issuer-1"), -47);  // ES256K
  ExpectRefused(Assemble(prot, Value::ByteString(AsBytes("x"))), "Bad Signature Algorithm",
                "signature algorithm -47 is not supported (supported: ES256, ES384, ES512, EdDSA",
                "unsupported_alg");
}

TEST_F(RegistrarTest, RefusesAlgorithmTheRegistrationPolicyDisallows) {
  auto policy = policy::RegistrationPolicy::FromJson(R"({"allowed_algorithms": ["ES256"]})");
  ASSERT_TRUE(policy.ok());
  Registrar registrar = MakeRegistrar(*policy);
  ExpectRefused(
      registrar, Sign(KidProtected(AsBytes("issuer-1")), issuer_key_), "Bad Signature Algorithm",
      "signature algorithm EdDSA is not allowed by the registration policy", "alg_not_allowed");
  ExpectAccepted(registrar, Sign(X509Protected("https://issuer.example", chain_), leaf_key_));
}

TEST_F(RegistrarTest, RefusesDetachedPayload) {
  Bytes statement =
      Sign(KidProtected(AsBytes("issuer-1")), issuer_key_, Value::FromMap({}), "payload",
           /*detach=*/true);
  ExpectRefused(statement, "Payload Missing",
                "detached payloads are not supported: the service cannot verify what it does not "
                "see; use a hash envelope (RFC 9995)",
                "payload_missing");
}

TEST_F(RegistrarTest, HashEnvelopePayloadMustBeTheDigest) {
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-8)),
       Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
       Entry(cose::header::kCwtClaims, Claims()),
       Entry(cose::header::kPayloadHashAlg, Value::Int(-16)),
       Entry(cose::header::kPreimageContentType, Value::Text("application/spdx+json"))});
  ExpectRefused(
      Sign(prot, issuer_key_, Value::FromMap({}), "not a digest"), "Malformed request",
      "payload is the 32-byte SHA-256 digest named by payload-hash-alg (258); this one is 12 bytes",
      "bad_hash_envelope");
  auto digest = crypto::Sha256(AsBytes("the SBOM"));
  Accepted accepted = ExpectAccepted(
      Sign(prot, issuer_key_, Value::FromMap({}),
           std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())));
  EXPECT_EQ(accepted.identity, "issuer-key");
}

// Issue 10 #12: an unknown payload-hash-alg skipped the digest check and was
// registered. Only SHA-256, SHA-384 and SHA-512 are known (docs/profile.md).
TEST_F(RegistrarTest, HashEnvelopeNeedsAKnownHashAlgorithm) {
  auto statement = [&](int64_t hash_alg, size_t payload_size) {
    Value prot = Value::FromMap(
        {Entry(cose::header::kAlg, Value::Int(-8)),
         Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
         Entry(cose::header::kCwtClaims, Claims()),
         Entry(cose::header::kPayloadHashAlg, Value::Int(hash_alg)),
         Entry(cose::header::kPreimageContentType, Value::Text("application/spdx+json"))});
    return Sign(prot, issuer_key_, Value::FromMap({}), std::string(payload_size, 'd'));
  };
  for (int64_t unknown : {9999, -17 /* SHA-512/256 */, -15 /* SHA-256/64 */, -18 /* SHAKE128 */}) {
    ExpectRefused(statement(unknown, 32), "Malformed request",
                  "payload-hash-alg (258) " + std::to_string(unknown) +
                      " is not a hash algorithm this service supports",
                  "unsupported_payload_hash_alg");
  }
  EXPECT_EQ(ExpectAccepted(statement(-43, 48)).identity, "issuer-key");
  EXPECT_EQ(ExpectAccepted(statement(-44, 64)).identity, "issuer-key");
  ExpectRefused(statement(-44, 32), "Malformed request", "64-byte SHA-512 digest", "bad_hash_envelope");
}

// Issue 10 #12: the CA itself as the x5chain leaf (keyUsage keyCertSign,
// cRLSign only) signed statements. RFC 5280 §4.2.1.3 requires digitalSignature
// when keyUsage is present.
TEST_F(RegistrarTest, SigningCertificateNeedsDigitalSignature) {
  ExpectRefused(Sign(X509Protected("https://issuer.example", {root_}), root_key_),
                "Untrusted Certificate Chain",
                "\"O=Example Org,CN=Test Root CA\" has keyUsage keyCertSign, cRLSign without "
                "digitalSignature",
                "leaf_key_usage");
  ExpectRefused(Sign(X509Protected("https://issuer.example", {inter_, root_}, -35), inter_key_),
                "Untrusted Certificate Chain", "without digitalSignature", "leaf_key_usage");
  // Pinned by x5t alone: the same rule.
  Value pinned = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                                 Entry(cose::header::kX5t, X5t(root_)),
                                 Entry(cose::header::kCwtClaims, Claims())});
  ExpectRefused(Sign(pinned, root_key_), "Untrusted Certificate Chain", "without digitalSignature",
                "leaf_key_usage");
  // Without a keyUsage extension a leaf is not restricted.
  CertSpec spec({{"CN", "No Key Usage"}}, false, now_ - 3600, now_ + kDay, "codeSigning");
  spec.key_usage = "";
  Certificate bare = IssueCertificate(spec, leaf_key_, &inter_, inter_key_);
  EXPECT_EQ(ExpectAccepted(Sign(X509Protected("https://issuer.example", {bare, inter_}), leaf_key_)).identity,
            "x509");
}

TEST_F(RegistrarTest, RefusesUntrustedChain) {
  trust_.trust_anchors = {other_root_};
  ExpectRefused(Sign(X509Protected("https://issuer.example", chain_), leaf_key_),
                "Untrusted Certificate Chain", "does not validate to a configured trust anchor",
                "untrusted_chain");
  trust_.trust_anchors.clear();
  ExpectRefused(Sign(X509Protected("https://issuer.example", chain_), leaf_key_),
                "Untrusted Certificate Chain", "no trust anchors configured", "untrusted_chain");
}

TEST_F(RegistrarTest, RefusesExpiredChain) {
  Bytes statement = Sign(X509Protected("https://issuer.example", chain_), leaf_key_);
  Registrar registrar = MakeRegistrar();
  auto result = registrar.Check(statement, now_ + 31 * kDay);
  ASSERT_TRUE(std::holds_alternative<Refusal>(result));
  const Refusal& refusal = std::get<Refusal>(result);
  EXPECT_EQ(refusal.title, "Untrusted Certificate Chain");
  EXPECT_NE(refusal.detail.find("certificate has expired"), std::string::npos) << refusal.detail;
  EXPECT_EQ(refusal.reason, "untrusted_chain");
  // Not yet valid either.
  result = registrar.Check(statement, now_ - 2 * 3600);
  ASSERT_TRUE(std::holds_alternative<Refusal>(result));
  EXPECT_NE(std::get<Refusal>(result).detail.find("not yet valid"), std::string::npos);
}

// The chain cache (chain_cache.h) never turns a refusal into an
// acceptance: after a valid chain from the same issuer was seen and kept,
// an expired, a not yet valid, an untrusted chain, another did:x509 issuer
// and a leaf x5t does not pin are refused as without it.
TEST_F(RegistrarTest, IdentityCacheKeepsOnlyWhatStillValidates) {
  Registrar registrar = MakeRegistrar();
  const std::string did = Did(std::string("eku:") + kUvmEku);
  Bytes statement = Sign(X509Protected(did, chain_), leaf_key_);
  ExpectAccepted(registrar, statement);
  EXPECT_EQ(registrar.chain_cache().stats().misses, 1u);
  ExpectAccepted(registrar, Sign(X509Protected(did, chain_), leaf_key_));  // another statement, the same chain
  EXPECT_EQ(registrar.chain_cache().stats().hits, 1u);
  EXPECT_EQ(registrar.chain_cache().stats().entries, 1u);

  // Out of the chain's window: validated again, and refused.
  for (const auto& [at, why] : {std::pair{now_ + 31 * kDay, "certificate has expired"},
                                std::pair{now_ - 2 * 3600, "not yet valid"}}) {
    auto result = registrar.Check(statement, at);
    ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << why;
    EXPECT_NE(std::get<Refusal>(result).detail.find(why), std::string::npos) << std::get<Refusal>(result).detail;
  }
  ExpectAccepted(registrar, statement);  // and in it again: validated and kept anew
  // The same leaf under another root the service does not trust.
  const Certificate stranger_inter = IssueCertificate({{{"CN", "Test Intermediate CA"}, {"O", "Example Org"}},
                                                       true, now_ - kDay, now_ + 1000 * kDay},
                                                      inter_key_, &other_root_, other_key_);
  ExpectRefused(registrar, Sign(X509Protected("https://issuer.example", {leaf_, stranger_inter, other_root_}), leaf_key_),
                "Untrusted Certificate Chain", "does not validate to a configured trust anchor", "untrusted_chain");
  // The kept chain, for an issuer its did:x509 does not name.
  ExpectRefused(registrar, Sign(X509Protected(Did("subject:CN:Someone Else"), chain_), leaf_key_),
                "Issuer Mismatch", "does not match the x5chain", "did_x509_mismatch");
  // The kept chain with a protected x5t that pins another certificate.
  Value prot = X509Protected(did, chain_);
  prot.map().push_back(Entry(cose::header::kX5t, X5t(inter_)));
  ExpectRefused(registrar, Sign(prot, leaf_key_), "Inconsistent Identity", "x5t (34) does not match", "x5t_mismatch");
  // Signed by another key than the kept chain's leaf.
  ExpectRefused(registrar, Sign(X509Protected(did, chain_), other_key_), "Bad Signature", "x5chain leaf",
                "bad_signature");
  const IdentityCache::Stats stats = registrar.chain_cache().stats();
  EXPECT_EQ(stats.hits, 3u);  // the second statement, the x5t and the other key
  EXPECT_LE(stats.entries, 3u);
  EXPECT_GT(stats.bytes, 0u);
}

// Parsed cnf keys are kept too; what a statement's alg and signature say
// is checked every time.
TEST_F(RegistrarTest, CnfKeyCacheKeepsTheKeyNotTheVerdict) {
  trust_.allow_self_asserted = true;
  Registrar registrar = MakeRegistrar();
  Value prot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)), Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectAccepted(registrar, Sign(prot, cnf_key_));
  ExpectAccepted(registrar, Sign(prot, cnf_key_, Value::FromMap({}), "another payload"));
  EXPECT_EQ(registrar.cnf_key_cache().stats().hits, 1u);
  ExpectRefused(registrar, Sign(prot, other_key_), "Bad Signature", "CWT cnf key", "bad_signature");
  // The kept key, claimed for another algorithm than it is.
  Value eddsa = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)), Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectRefused(registrar, Sign(eddsa, issuer_key_), "Bad Signature", "CWT cnf key", "bad_signature");
  EXPECT_EQ(registrar.cnf_key_cache().stats().entries, 1u);
}

TEST(IdentityCache, BoundedInEntriesLeastRecentlyUsedFirstOut) {
  IdentityCache cache(/*max_entries=*/2);
  Identity identity{"x509", {}, "x5chain leaf \"CN=a\"", {}};
  const auto key = [](int i) { return IdentityCache::KeyOf({Bytes{static_cast<uint8_t>(i)}}, "iss"); };
  cache.Insert(key(1), identity, 0, 100);
  cache.Insert(key(2), identity, 0, 100);
  EXPECT_TRUE(cache.Find(key(1), 50));  // now the most recently used
  cache.Insert(key(3), identity, 0, 100);
  EXPECT_TRUE(cache.Find(key(1), 50));
  EXPECT_FALSE(cache.Find(key(2), 50));
  EXPECT_FALSE(cache.Find(key(3), 101));  // past its window: dropped
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_NE(IdentityCache::KeyOf({Bytes{1, 2}}, "a"), IdentityCache::KeyOf({Bytes{1}, Bytes{2}}, "a"));
  EXPECT_NE(IdentityCache::KeyOf({Bytes{1}}, "a"), IdentityCache::KeyOf({Bytes{1}}, "b"));
}

TEST_F(RegistrarTest, RefusesMalformedCertificate) {
  Value prot =
      Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                      Entry(cose::header::kX5Chain, Value::ByteString(Bytes{0x30, 0x03, 1, 2, 3})),
                      Entry(cose::header::kCwtClaims, Claims())});
  ExpectRefused(Sign(prot, leaf_key_), "Malformed request", "x5chain (33) certificate 0",
                "bad_certificate");
}

TEST_F(RegistrarTest, RefusesDidX509Mismatch) {
  struct Case {
    std::string did;
    std::string detail;
  } cases[] = {
      {"did:x509:0:sha256:" + Fingerprint(other_root_) + "::eku:" + kUvmEku,
       "no CA certificate in the chain has the sha256 fingerprint"},
      {"did:x509:0:sha256:" + Fingerprint(leaf_) + "::eku:" + kUvmEku,
       "no CA certificate in the chain"},  // the leaf is not a CA
      {Did("eku:1.3.6.1.5.5.7.3.1"), "lacks extended key usage 1.3.6.1.5.5.7.3.1"},
      {Did("subject:CN:Someone%20Else"), "subject CN is \"Leaf Signer\", not \"Someone Else\""},
      {Did("subject:CN:Leaf%20Signer:OU:Builds"), "subject has no OU"},
      {Did("san:email:other%40example.com"),
       "no email subject alternative name \"other@example.com\""},
      {Did("san:dns:other.example"), "no dns subject alternative name"},
      {Did("eku:1.2::bogus:x"), "unknown predicate \"bogus\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.did);
    ExpectRefused(Sign(X509Protected(c.did, chain_), leaf_key_), "Issuer Mismatch", c.detail,
                  "did_x509_mismatch");
  }
}

TEST_F(RegistrarTest, RefusesDidX509IssuerWithoutChain) {
  Value prot =
      Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)),
                      Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
                      Entry(cose::header::kCwtClaims, Claims(Did(std::string("eku:") + kUvmEku)))});
  ExpectRefused(Sign(prot, issuer_key_), "Issuer Mismatch",
                "is a did:x509 identifier, which is verified against an x5chain (33)",
                "did_x509_without_chain");
}

TEST_F(RegistrarTest, RefusesUnknownKid) {
  Refusal r = ExpectRefused(
      Sign(KidProtected(AsBytes("nobody")), issuer_key_), "Unknown Issuer Key",
      "kid 6e6f626f6479 (\"nobody\") matches no configured issuer key", "unknown_kid");
  Bytes binary{0x00, 0xff, 0x10};
  r = ExpectRefused(Sign(KidProtected(binary), issuer_key_), "Unknown Issuer Key",
                    "kid 00ff10 matches", "unknown_kid");
  EXPECT_EQ(r.detail.find("(\""), std::string::npos);
}

TEST_F(RegistrarTest, RefusesSelfAssertedKeyUnlessAllowed) {
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-7)), Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectRefused(Sign(prot, cnf_key_), "Self-Asserted Key Not Allowed",
                "identified only by the key in its CWT cnf (8) claim", "self_asserted_not_allowed");
}

TEST_F(RegistrarTest, RefusesMalformedCnfKey) {
  trust_.allow_self_asserted = true;
  Value claims = Value::FromMap(
      {Entry(cose::claim::kIss, Value::Text("i")), Entry(cose::claim::kSub, Value::Text("s")),
       Entry(cose::claim::kCnf,
             Value::FromMap(
                 {Entry(cose::claim::kCnfCoseKey, Value::FromMap({Entry(1, Value::Int(2))}))}))});
  Value prot = Value::FromMap(
      {Entry(cose::header::kAlg, Value::Int(-7)), Entry(cose::header::kCwtClaims, claims)});
  ExpectRefused(Sign(prot, cnf_key_), "Malformed request", "CWT cnf (8) COSE_Key", "bad_cnf_key");
}

TEST_F(RegistrarTest, RefusesBadSignature) {
  // The kid names the configured key; another key signed.
  Bytes statement =
      Sign(KidProtected(AsBytes("issuer-1"), -8), *PrivateKey::Generate(Algorithm::kEdDSA));
  ExpectRefused(statement, "Bad Signature", "signature does not verify", "bad_signature");
  ExpectRefused(statement, "Bad Signature", "key: the issuer key with kid", "bad_signature");
  // A chain whose leaf did not sign.
  ExpectRefused(Sign(X509Protected("https://issuer.example", chain_), other_key_), "Bad Signature",
                "x5chain leaf \"CN=Leaf Signer,O=Example Org,C=US\"", "bad_signature");
  // One flipped signature byte.
  Bytes good = Sign(KidProtected(AsBytes("issuer-1")), issuer_key_);
  good[good.size() - 1] ^= 1;
  ExpectRefused(good, "Bad Signature", "signature does not verify", "bad_signature");
}

TEST_F(RegistrarTest, RefusesWhatThePolicyRejects) {
  auto policy = policy::RegistrationPolicy::FromJson(
      R"({"subjects": ["pkg:oci/*"], "script": "function apply() { return true; }"})");
  ASSERT_TRUE(policy.ok());
  ExpectRefused(
      MakeRegistrar(*policy), Sign(KidProtected(AsBytes("issuer-1")), issuer_key_), "Rejected",
      "subject \"pkg:npm/left-pad@1.3.0\" matches none of the subject patterns", "policy");
  auto scripted = policy::RegistrationPolicy::FromJson(
      nlohmann::json{{"script",
                      "function apply(phdr, uhdr, payload, details) {"
                      "  return details.identity === 'x509' && phdr.cty === 'application/spdx+json'"
                      "    && phdr.x5chain.length === 3 ? true : 'x509 SBOMs only'; }"}}
          .dump());
  ASSERT_TRUE(scripted.ok()) << scripted.error().message;
  ExpectRefused(MakeRegistrar(*scripted), Sign(KidProtected(AsBytes("issuer-1")), issuer_key_),
                "Rejected", "x509 SBOMs only", "policy");
  ExpectAccepted(MakeRegistrar(*scripted),
                 Sign(X509Protected("https://issuer.example", chain_), leaf_key_));
}

// ---- several identifiers -------------------------------------------------

TEST_F(RegistrarTest, KidNextToX5chainMustNotNameAnotherKnownKey) {
  auto with_kid = [&](ByteView kid) {
    Value prot = X509Protected("https://issuer.example", chain_);
    prot.map().push_back(Entry(cose::header::kKid, Value::ByteString(kid)));
    return Sign(prot, leaf_key_);
  };
  // Unknown to the service: ignored (signers put many things in kid).
  EXPECT_EQ(ExpectAccepted(with_kid(AsBytes("some-cert-id"))).identity, "x509");
  // The leaf's own thumbprint: consistent.
  EXPECT_EQ(ExpectAccepted(with_kid(leaf_key_.public_key().Thumbprint())).identity, "x509");
  // A configured key that is the leaf key: consistent.
  trust_.issuer_keys.push_back({leaf_key_.public_key(), ToBytes("leaf"), std::nullopt});
  EXPECT_EQ(ExpectAccepted(with_kid(AsBytes("leaf"))).identity, "x509");
  // A configured key that is not: refused.
  ExpectRefused(with_kid(AsBytes("issuer-1")), "Inconsistent Identity",
                "kid 6973737565722d31 (\"issuer-1\") names a configured issuer key that is not the "
                "x5chain leaf",
                "inconsistent_identity");
}

TEST_F(RegistrarTest, X5tMustMatchTheChainLeaf) {
  Value prot = X509Protected("https://issuer.example", chain_);
  prot.map().push_back(Entry(cose::header::kX5t, X5t(inter_)));
  ExpectRefused(Sign(prot, leaf_key_), "Inconsistent Identity",
                "x5t (34) does not match the leaf of the protected x5chain", "x5t_mismatch");
  Value pin_other = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                                    Entry(cose::header::kX5t, X5t(root_)),
                                    Entry(cose::header::kCwtClaims, Claims())});
  Value unprot = Value::FromMap({Entry(cose::header::kX5Chain, ChainValue(chain_))});
  ExpectRefused(Sign(pin_other, leaf_key_, unprot), "Inconsistent Identity",
                "leaf of the unprotected x5chain", "x5t_mismatch");
  Value sha512 = X509Protected("https://issuer.example", chain_);
  sha512.map().push_back(Entry(
      cose::header::kX5t,
      Value::FromArray({Value::Int(-44), Value::ByteString(crypto::Digest(
                                             crypto::HashAlgorithm::kSha512, leaf_.der()))})));
  ExpectAccepted(Sign(sha512, leaf_key_));
  Value unknown_hash = X509Protected("https://issuer.example", chain_);
  unknown_hash.map().push_back(Entry(
      cose::header::kX5t, Value::FromArray({Value::Int(-15), Value::ByteString(Bytes(8, 0))})));
  ExpectRefused(Sign(unknown_hash, leaf_key_), "Malformed request", "hash algorithm -15",
                "unsupported_x5t_hash");
}

TEST_F(RegistrarTest, CnfKeyMustBeTheSigningKey) {
  // cnf next to a configured kid: the cnf key must be that key.
  Value prot = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-8)),
                               Entry(cose::header::kKid, Value::ByteString(AsBytes("issuer-1"))),
                               Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectRefused(Sign(prot, issuer_key_), "Inconsistent Identity",
                "the CWT cnf (8) key is not the issuer key with kid", "inconsistent_identity");
  // cnf next to an x5chain.
  Value x509 = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                               Entry(cose::header::kX5Chain, ChainValue(chain_)),
                               Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectRefused(Sign(x509, leaf_key_), "Inconsistent Identity", "is not the x5chain leaf",
                "inconsistent_identity");
  // A cnf key equal to the leaf key is consistent.
  Value claims = Value::FromMap(
      {Entry(cose::claim::kIss, Value::Text("https://issuer.example")),
       Entry(cose::claim::kSub, Value::Text("s")),
       Entry(cose::claim::kCnf, Value::FromMap({Entry(cose::claim::kCnfCoseKey,
                                                      cose::ToCoseKey(leaf_key_.public_key()))}))});
  Value same = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                               Entry(cose::header::kX5Chain, ChainValue(chain_)),
                               Entry(cose::header::kCwtClaims, claims)});
  EXPECT_EQ(ExpectAccepted(Sign(same, leaf_key_)).identity, "x509");
  // A kid that is neither configured nor the cnf thumbprint.
  trust_.allow_self_asserted = true;
  Value stray = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                                Entry(cose::header::kKid, Value::ByteString(AsBytes("stray"))),
                                Entry(cose::header::kCwtClaims, CnfClaims())});
  ExpectRefused(Sign(stray, cnf_key_), "Unknown Issuer Key", "\"stray\"", "unknown_kid");
}

TEST_F(RegistrarTest, IssuerKeyAlgorithmRestriction) {
  PrivateKey p256 = *PrivateKey::Generate(Algorithm::kES256);
  trust_.issuer_keys.push_back({p256.public_key(), ToBytes("es256-only"), Algorithm::kES256});
  ExpectAccepted(Sign(KidProtected(AsBytes("es256-only"), -7), p256));
  PrivateKey p384 = *PrivateKey::Generate(Algorithm::kES384);
  trust_.issuer_keys.push_back({p384.public_key(), ToBytes("es256-for-p384"), Algorithm::kES256});
  ExpectRefused(Sign(KidProtected(AsBytes("es256-for-p384"), -35), p384), "Bad Signature Algorithm",
                "is configured for ES256 only; the statement uses ES384", "alg_key_mismatch");
}

// Issue 10 #11: RFC 9052 §7.1, a COSE_Key's alg restricts the key to that
// algorithm; a self-asserted cnf key is held to it as configured keys are.
TEST_F(RegistrarTest, CnfKeyAlgorithmRestriction) {
  trust_.allow_self_asserted = true;
  auto statement = [&](Value cose_key, const PrivateKey& signer, int64_t alg = -7) {
    Value claims = Value::FromMap(
        {Entry(cose::claim::kIss, Value::Text("https://self.example")),
         Entry(cose::claim::kSub, Value::Text("pkg:npm/self")),
         Entry(cose::claim::kCnf, Value::FromMap({Entry(cose::claim::kCnfCoseKey, std::move(cose_key))}))});
    return Sign(Value::FromMap({Entry(cose::header::kAlg, Value::Int(alg)),
                                Entry(cose::header::kCwtClaims, claims)}),
                signer);
  };
  const crypto::PublicKey cnf = cnf_key_.public_key();
  ExpectAccepted(statement(cose::ToCoseKey(cnf, std::nullopt, Algorithm::kES256), cnf_key_));
  // A P-256 key that says EdDSA, used for ES256.
  Value eddsa = cose::ToCoseKey(cnf);
  eddsa.map().push_back(Entry(cose::key_param::kAlg, Value::Int(-8)));
  ExpectRefused(statement(eddsa, cnf_key_), "Bad Signature Algorithm",
                "restricted by its alg (3) to EdDSA (-8); the statement uses ES256", "alg_key_mismatch");
  // An alg we cannot honour restricts the key to something else too.
  Value unknown = cose::ToCoseKey(cnf);
  unknown.map().push_back(Entry(cose::key_param::kAlg, Value::Int(-999)));
  ExpectRefused(statement(unknown, cnf_key_), "Bad Signature Algorithm", "to -999", "alg_key_mismatch");
  Value text = cose::ToCoseKey(cnf);
  text.map().push_back(Entry(cose::key_param::kAlg, Value::Text("ES256")));
  ExpectRefused(statement(text, cnf_key_), "Bad Signature Algorithm", "to \"ES256\"", "alg_key_mismatch");
  // The same cnf key beside an x5chain whose leaf it is: still restricted.
  Value leaf_eddsa = cose::ToCoseKey(leaf_key_.public_key());
  leaf_eddsa.map().push_back(Entry(cose::key_param::kAlg, Value::Int(-8)));
  Value claims = Value::FromMap(
      {Entry(cose::claim::kIss, Value::Text("https://issuer.example")), Entry(cose::claim::kSub, Value::Text("s")),
       Entry(cose::claim::kCnf, Value::FromMap({Entry(cose::claim::kCnfCoseKey, leaf_eddsa)}))});
  ExpectRefused(Sign(Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7)),
                                     Entry(cose::header::kX5Chain, ChainValue(chain_)),
                                     Entry(cose::header::kCwtClaims, claims)}),
                     leaf_key_),
                "Bad Signature Algorithm", "restricted by its alg (3) to EdDSA", "alg_key_mismatch");
}

TEST_F(RegistrarTest, ConcurrentChecks) {
  auto policy = policy::RegistrationPolicy::FromJson(
      R"({"script": "function apply(p, u, pl, d) { return d.identity === 'issuer-key' || 'no'; }"})");
  ASSERT_TRUE(policy.ok());
  Registrar registrar = MakeRegistrar(*policy);
  Bytes good = Sign(KidProtected(AsBytes("issuer-1")), issuer_key_);
  Bytes x509 = Sign(X509Protected("https://issuer.example", chain_), leaf_key_);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!std::holds_alternative<Accepted>(registrar.Check(good, now_))) ++wrong;
        auto refused = registrar.Check(x509, now_);
        if (!std::holds_alternative<Refusal>(refused) || std::get<Refusal>(refused).detail != "no")
          ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- real statements ---------------------------------------------------

Certificate ChainElement(const Bytes& statement, size_t index) {
  auto parsed = cose::Sign1::Parse(statement);
  EXPECT_TRUE(parsed.ok());
  auto cert = Certificate::FromDer(parsed->protected_headers().x5chain.at(index));
  EXPECT_TRUE(cert.ok());
  return *cert;
}

// Microsoft's production statement (PS384, pyscitt-style chain ending with its
// root, did:x509 with an EKU predicate, hash envelope, a CCF receipt in 394).
TEST(RealStatementTest, MicrosoftUvmStatementIsAccepted) {
  Bytes statement = testing::ReadVector("ccf/transparent_statements/uvm_0.2.10.cose");
  TrustConfig trust;
  trust.trust_anchors = {ChainElement(statement, 2)};
  Registrar registrar(trust, policy::RegistrationPolicy::Default());
  auto result = registrar.Check(statement, 1766437887);  // its iat
  ASSERT_TRUE(std::holds_alternative<Accepted>(result)) << std::get<Refusal>(result).detail;
  const Accepted& accepted = std::get<Accepted>(result);
  EXPECT_EQ(accepted.identity, "x509");
  EXPECT_EQ(accepted.issuer,
            "did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.76."
            "59.1.2");
  EXPECT_EQ(accepted.subject, "ContainerPlat-AMD-UVM");
  nlohmann::json verification = testing::ReadJsonVector("ccf/uvm_0.2.10.verification.json");
  EXPECT_EQ(HexEncode(accepted.entry_hash),
            verification["signed_statement_sha256"].get<std::string>());
  EXPECT_EQ(crypto::Sha256(accepted.registered_statement), accepted.entry_hash);

  // Outside the leaf's validity, or without its root, it is refused.
  auto expired = registrar.Check(statement, 1778871424);
  ASSERT_TRUE(std::holds_alternative<Refusal>(expired));
  EXPECT_EQ(std::get<Refusal>(expired).reason, "untrusted_chain");
  Registrar no_anchor(TrustConfig{}, policy::RegistrationPolicy::Default());
  EXPECT_EQ(std::get<Refusal>(no_anchor.Check(statement, 1766437887)).reason, "untrusted_chain");
}

// The upstream registration inputs that carry did:x509 issuers.
TEST(RealStatementTest, CcfPayloadsWithDidX509Issuers) {
  struct Case {
    const char* file;
    size_t root_index;
    int64_t now;  // each statement's iat, inside its leaf's validity
  } cases[] = {
      {"ccf/payloads/cosesign1tool-scitt-a3be7e5.cose", 1, 1763991918},
      {"ccf/payloads/cts-hashv-cwtclaims-b64url.cose", 2, 1724186280},
      {"ccf/payloads/manifest.spdx.json.sha384.digest.cose", 2, 1741023399},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    Bytes statement = testing::ReadVector(c.file);
    TrustConfig trust;
    trust.trust_anchors = {ChainElement(statement, c.root_index)};
    Registrar registrar(trust, policy::RegistrationPolicy::Default());
    auto result = registrar.Check(statement, c.now);
    ASSERT_TRUE(std::holds_alternative<Accepted>(result)) << std::get<Refusal>(result).detail;
    EXPECT_EQ(std::get<Accepted>(result).identity, "x509");
    EXPECT_EQ(std::get<Accepted>(result).issuer.rfind("did:x509:0:sha256:", 0), 0u);
  }
}

// CCF's attested-service statements mark a private text label critical.
TEST(RealStatementTest, AttestedServiceStatementNamesItsCriticalLabel) {
  Bytes statement = testing::ReadVector("ccf/payloads/css-attested-cosesign1-20250617.cose");
  Registrar registrar(TrustConfig{}, policy::RegistrationPolicy::Default());
  auto result = registrar.Check(statement, 1750268850);
  ASSERT_TRUE(std::holds_alternative<Refusal>(result));
  const Refusal& refusal = std::get<Refusal>(result);
  EXPECT_EQ(refusal.title, "Unsupported Critical Header");
  EXPECT_NE(refusal.detail.find("\"msft-css-dev\""), std::string::npos) << refusal.detail;
}

}  // namespace
}  // namespace scitt::registration
