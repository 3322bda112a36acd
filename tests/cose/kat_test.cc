// The end-to-end known-answer test in shared/vectors/scitt-kat: Ed25519 is
// deterministic, so signing with the given keys must give the same bytes.
#include <gtest/gtest.h>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/receipt.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "cose/verifier.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "merkle/hash.h"
#include "merkle/proof.h"
#include "support/vectors.h"

namespace scitt::cose {
namespace {

using testing::Hex;

class KatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kat_ = testing::ReadJsonVector("scitt-kat/ed25519-transparent-statement.json");
    auto issuer = crypto::PrivateKey::FromEd25519Seed(Hex(kat_["keys"]["issuer"]["secret_key"]));
    auto service = crypto::PrivateKey::FromEd25519Seed(Hex(kat_["keys"]["transparency_service"]["secret_key"]));
    ASSERT_TRUE(issuer.ok() && service.ok());
    issuer_ = *issuer;
    service_ = *service;
  }

  Bytes SignStatement() {
    Bytes kid = Hex(kat_["keys"]["issuer"]["kid"]);
    cbor::Value claims = cbor::Value::FromMap({
        cbor::Entry(claim::kIss, cbor::Value::Text("https://issuer.example")),
        cbor::Entry(claim::kSub, cbor::Value::Text("pkg:example/a@1.0")),
        cbor::Entry(claim::kIat, cbor::Value::Int(1700000000)),
    });
    Sign1Content content;
    content.protected_map = cbor::Value::FromMap({
        cbor::Entry(header::kAlg, cbor::Value::Int(-8)),
        cbor::Entry(header::kKid, cbor::Value::ByteString(kid)),
        cbor::Entry(header::kCwtClaims, claims),
        cbor::Entry(header::kTyp, cbor::Value::Text("application/example+cose")),
        cbor::Entry(header::kPayloadHashAlg, cbor::Value::Int(-16)),
        cbor::Entry(header::kPreimageContentType, cbor::Value::Text("application/json")),
        cbor::Entry(header::kPayloadLocation, cbor::Value::Text("https://artifacts.example/a.json")),
    });
    Bytes payload = Hex(kat_["signed_statement"]["payload"]);
    content.payload = payload;
    auto signed_statement = SignSign1(content, issuer_);
    EXPECT_TRUE(signed_statement.ok());
    return signed_statement.ok() ? *signed_statement : Bytes{};
  }

  nlohmann::json kat_;
  crypto::PrivateKey issuer_;
  crypto::PrivateKey service_;
};

TEST_F(KatTest, KidsAreThumbprints) {
  EXPECT_EQ(HexEncode(issuer_.public_key().Thumbprint()), kat_["keys"]["issuer"]["kid"]);
  EXPECT_EQ(HexEncode(service_.public_key().Thumbprint()), kat_["keys"]["transparency_service"]["kid"]);
}

TEST_F(KatTest, ReproducesEveryByte) {
  Bytes statement = SignStatement();
  EXPECT_EQ(HexEncode(statement), kat_["signed_statement"]["cose_sign1_tagged"]);

  auto parsed = Sign1::Parse(statement);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(HexEncode(parsed->ToBeSigned()), kat_["signed_statement"]["to_be_signed"]);
  auto entry = LogEntry(*parsed);
  EXPECT_EQ(HexEncode(entry), kat_["log"]["entry"]);
  EXPECT_EQ(HexEncode(merkle::HashLeaf(entry)), kat_["log"]["leaf_hash"]);

  std::vector<merkle::Hash> leaves;
  for (const auto& e : kat_["log"]["entries"]) leaves.push_back(merkle::HashLeaf(Hex(e)));
  merkle::Hash root = merkle::RootOf(leaves);
  EXPECT_EQ(HexEncode(root), kat_["log"]["root"]);
  InclusionProof proof{5, 3, merkle::InclusionPath(3, leaves)};
  EXPECT_EQ(HexEncode(EncodeInclusionProof(proof)), kat_["receipt"]["inclusion_proof"]);

  ReceiptSigner signer;
  signer.key = &service_;
  signer.alg = crypto::Algorithm::kEdDSA;
  signer.kid = Hex(kat_["keys"]["transparency_service"]["kid"]);
  signer.issuer = "https://ts.example";
  signer.subject = "pkg:example/a@1.0";
  auto head = SignTreeHead(signer, 1700000100, 5, root);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(HexEncode(head->protected_bytes), kat_["receipt"]["protected_header"]);
  EXPECT_EQ(HexEncode(head->signature), kat_["receipt"]["signature"]);
  Bytes receipt = BuildInclusionReceipt(*head, proof);
  EXPECT_EQ(HexEncode(receipt), kat_["receipt"]["cose_sign1_tagged"]);

  Bytes transparent = AttachReceipts(*parsed, {receipt});
  EXPECT_EQ(HexEncode(transparent), kat_["transparent_statement"]["cose_sign1_tagged"]);
}

VerifyRequest KatRequest(const nlohmann::json& kat, const Bytes& statement) {
  VerifyRequest request;
  request.statement = statement;
  auto service = crypto::PublicKey::FromEd25519(Hex(kat["keys"]["transparency_service"]["public_key"]));
  auto issuer = crypto::PublicKey::FromEd25519(Hex(kat["keys"]["issuer"]["public_key"]));
  EXPECT_TRUE(service.ok() && issuer.ok());
  request.service_keys.push_back(ServiceKey{*service, {}});
  request.issuer_keys.push_back(crypto::KeyWithId{*issuer, {}, std::nullopt});
  return request;
}

TEST_F(KatTest, TransparentStatementVerifies) {
  Bytes ts = Hex(kat_["transparent_statement"]["cose_sign1_tagged"]);
  auto report = VerifyStatement(KatRequest(kat_, ts));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->checks.size(), 2u);
}

TEST_F(KatTest, NegativeCasesAreRejected) {
  ASSERT_EQ(kat_["negative_cases"].size(), 7u);
  for (const auto& c : kat_["negative_cases"]) {
    Bytes ts = Hex(c["transparent_statement"]);
    auto report = VerifyStatement(KatRequest(kat_, ts));
    bool rejected = !report.ok() || !report->ok();
    EXPECT_TRUE(rejected) << c["name"];
  }
}

// tree_size is not covered by the receipt signature: these verify, as the
// vector file explains, and the verifier must not treat them as authenticated.
TEST_F(KatTest, UnauthenticatedTreeSizeStillVerifies) {
  for (const auto& c : kat_["unauthenticated_field_cases"]) {
    Bytes ts = Hex(c["transparent_statement"]);
    auto report = VerifyStatement(KatRequest(kat_, ts));
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok()) << c["name"];
  }
}

TEST_F(KatTest, WrongServiceKeyFails) {
  Bytes ts = Hex(kat_["transparent_statement"]["cose_sign1_tagged"]);
  VerifyRequest request = KatRequest(kat_, ts);
  request.service_keys[0].key = issuer_.public_key();
  auto report = VerifyStatement(request);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

TEST(Es256Vectors, EveryCaseGivesTheExpectedResult) {
  auto v = testing::ReadJsonVector("scitt-kat/es256-signed-statement-verify-only.json");
  auto key = crypto::PublicKey::FromEc2(crypto::Curve::kP256, Hex(v["key"]["x"]), Hex(v["key"]["y"]));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->Thumbprint()), v["key"]["kid"]);
  for (const auto& c : v["cases"]) {
    std::string name = c["name"];
    auto parsed = Sign1::Parse(Hex(c["cose_sign1"]), Sign1ParseOptions{/*require_tag=*/false});
    bool valid = parsed.ok() && parsed->VerifySignature(*key).ok();
    if (name == "untagged") {
      // Policy decision (docs/profile.md): the library accepts untagged
      // input; registration requires the tag.
      EXPECT_TRUE(valid);
      EXPECT_FALSE(Sign1::Parse(Hex(c["cose_sign1"]), Sign1ParseOptions{true}).ok());
      continue;
    }
    EXPECT_EQ(valid, c["expect"] == "valid") << name;
  }
}

}  // namespace
}  // namespace scitt::cose
