// Crypto-level checks against the independent vectors in shared/vectors:
// the SCITT ES256 verify-only KAT and the cose-wg Examples COSE_Sign1 files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "crypto/key.h"
#include "support/vectors.h"

namespace scitt::crypto {
namespace {

using nlohmann::json;
using testing::Hex;
using testing::ReadJsonVector;

struct Sign1Parts {
  Bytes protected_bytes;
  Bytes payload;
  Bytes signature;
};

// Just enough COSE_Sign1 (RFC 9052 §4.2) to reach the signed bytes; the
// COSE layer does the real checks.
Sign1Parts ParseSign1(const Bytes& encoded) {
  auto decoded = cbor::Decode(encoded);
  EXPECT_TRUE(decoded.ok()) << decoded.error().message;
  if (!decoded.ok()) return {};
  const cbor::Value& message = decoded->is_tag() ? decoded->tag_content() : *decoded;
  EXPECT_TRUE(message.is_array() && message.array().size() == 4);
  const cbor::Array& items = message.array();
  return {items[0].bytes(), items[2].bytes(), items[3].bytes()};
}

// Sig_structure for COSE_Sign1 (RFC 9052 §4.4).
Bytes ToBeSigned(const Sign1Parts& parts, const Bytes& external_aad = {}) {
  return cbor::Encode(cbor::Value::FromArray({
      cbor::Value::Text("Signature1"),
      cbor::Value::ByteString(parts.protected_bytes),
      cbor::Value::ByteString(external_aad),
      cbor::Value::ByteString(parts.payload),
  }));
}

TEST(Es256KatTest, AllKeyFormsAgree) {
  json kat = ReadJsonVector("scitt-kat/es256-signed-statement-verify-only.json");
  const json& k = kat["key"];
  auto from_xy = PublicKey::FromEc2(Curve::kP256, Hex(k["x"]), Hex(k["y"]));
  ASSERT_TRUE(from_xy.ok()) << from_xy.error().message;
  auto from_jwk = PublicKey::FromJwk(k["public_jwk"]);
  ASSERT_TRUE(from_jwk.ok()) << from_jwk.error().message;
  auto from_pem = PublicKey::FromPem(k["public_spki_pem"].get<std::string>());
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().message;
  auto from_d = PrivateKey::FromEcPrivate(Curve::kP256, Hex(k["d_test_only"]));
  ASSERT_TRUE(from_d.ok()) << from_d.error().message;

  const std::string kid = k["kid"];
  // The COSE_Key forms are checked in tests/cose/cose_key_test.cc.
  for (const PublicKey& key : {*from_xy, *from_jwk, *from_pem, from_d->public_key()}) {
    EXPECT_TRUE(key == *from_xy);
    EXPECT_EQ(HexEncode(key.Thumbprint()), kid);
    EXPECT_EQ(key.curve(), Curve::kP256);
  }
  Bytes kid_bytes = Hex(kid);
  EXPECT_EQ(from_xy->ToJwk(k["public_jwk"]["kid"].get<std::string>(), Algorithm::kES256),
            k["public_jwk"]);
  EXPECT_EQ(from_xy->ToPem(), k["public_spki_pem"].get<std::string>());

  // A JWK kid is text; its bytes are the UTF-8 (here the base64url of the thumbprint).
  auto jwk_set = ParseJwkSet(AsBytes(k["public_jwk"].dump()));
  ASSERT_TRUE(jwk_set.ok()) << jwk_set.error().message;
  EXPECT_EQ(ToString((*jwk_set)[0].kid), k["public_jwk"]["kid"].get<std::string>());
  EXPECT_EQ(*Base64UrlDecode(ToString((*jwk_set)[0].kid)), kid_bytes);
}

TEST(Es256KatTest, Cases) {
  json kat = ReadJsonVector("scitt-kat/es256-signed-statement-verify-only.json");
  auto key = PublicKey::FromJwk(kat["key"]["public_jwk"]);
  ASSERT_TRUE(key.ok());

  Bytes statement_tbs = Hex(kat["statement"]["to_be_signed"]);
  Status statement = key->Verify(Algorithm::kES256, statement_tbs,
                                 Hex(kat["statement"]["signature_r_s"]));
  EXPECT_TRUE(statement.ok()) << statement.message();

  ASSERT_EQ(kat["cases"].size(), 8u);
  for (const json& c : kat["cases"]) {
    const std::string name = c["name"];
    Sign1Parts parts = ParseSign1(Hex(c["cose_sign1"]));
    Bytes tbs = ToBeSigned(parts);
    if (name == "valid") {
      EXPECT_EQ(tbs, statement_tbs);
    }
    Status status = key->Verify(Algorithm::kES256, tbs, parts.signature);
    // "untagged" is a COSE-level policy question; its signature is intact.
    bool want_valid = c["expect"] == "valid" || name == "untagged";
    EXPECT_EQ(status.ok(), want_valid) << name << ": " << (status.ok() ? "" : status.message());
    if (!status.ok()) {
      EXPECT_EQ(status.error().code, ErrorCode::kVerificationFailed) << name;
    }
  }
}

// cose-wg Examples keys are JWK-like, sometimes with x_hex/d_hex instead of
// the base64url members; FromJwk takes only standard JWK.
json StandardJwk(const json& example) {
  json jwk = example;
  for (const char* member : {"x", "y", "d"}) {
    std::string hex_member = std::string(member) + "_hex";
    if (example.contains(hex_member)) {
      jwk[member] = Base64UrlEncode(Hex(example[hex_member]));
      jwk.erase(hex_member);
    }
  }
  return jwk;
}

struct CoseExample {
  json file;
  json jwk;
  Algorithm alg;
  Bytes to_be_signed;
  Sign1Parts parts;
};

CoseExample LoadExample(const std::string& relative) {
  CoseExample ex;
  ex.file = ReadJsonVector(relative);
  const json& sign0 = ex.file["input"]["sign0"];
  ex.jwk = StandardJwk(sign0["key"]);
  ex.alg = *AlgorithmFromName(sign0["alg"].get<std::string>());
  ex.to_be_signed = Hex(ex.file["intermediates"]["ToBeSign_hex"]);
  ex.parts = ParseSign1(Hex(ex.file["output"]["cbor"]));
  return ex;
}

TEST(CoseExamplesTest, SignaturesVerifyOverToBeSigned) {
  const char* kFiles[] = {
      "cose/ecdsa-examples/ecdsa-sig-01.json", "cose/ecdsa-examples/ecdsa-sig-02.json",
      "cose/ecdsa-examples/ecdsa-sig-03.json", "cose/eddsa-examples/eddsa-sig-01.json",
      "cose/sign1-tests/sign-pass-01.json",    "cose/sign1-tests/sign-pass-02.json",
      "cose/sign1-tests/sign-pass-03.json",    "cose/sign1-tests/sign-fail-01.json",
      "cose/sign1-tests/sign-fail-02.json",    "cose/sign1-tests/sign-fail-03.json",
      "cose/sign1-tests/sign-fail-04.json",    "cose/sign1-tests/sign-fail-06.json",
      "cose/sign1-tests/sign-fail-07.json",
  };
  for (const char* file : kFiles) {
    SCOPED_TRACE(file);
    CoseExample ex = LoadExample(file);
    auto pub = PublicKey::FromJwk(ex.jwk);
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    // The sign-fail files fail at the COSE level (tag, header, alg); their
    // signatures over the intended ToBeSign bytes are sound.
    Status status = pub->Verify(ex.alg, ex.to_be_signed, ex.parts.signature);
    EXPECT_TRUE(status.ok()) << status.message();

    auto priv = PrivateKey::FromJwk(ex.jwk);
    ASSERT_TRUE(priv.ok()) << priv.error().message;
    EXPECT_TRUE(priv->public_key() == *pub);
    auto resigned = priv->Sign(ex.alg, ex.to_be_signed);
    ASSERT_TRUE(resigned.ok());
    EXPECT_TRUE(pub->Verify(ex.alg, ex.to_be_signed, *resigned).ok());
    if (ex.alg == Algorithm::kEdDSA) {
      EXPECT_EQ(*resigned, ex.parts.signature);
    }
  }
}

TEST(CoseExamplesTest, SignedBytesRebuiltFromTheWire) {
  // sign-pass-02 uses external AAD.
  CoseExample pass02 = LoadExample("cose/sign1-tests/sign-pass-02.json");
  Bytes aad = Hex(pass02.file["input"]["sign0"]["external"]);
  EXPECT_EQ(ToBeSigned(pass02.parts, aad), pass02.to_be_signed);
  EXPECT_TRUE(PublicKey::FromJwk(pass02.jwk)->Verify(pass02.alg, ToBeSigned(pass02.parts, aad),
                                                      pass02.parts.signature).ok());
  EXPECT_FALSE(PublicKey::FromJwk(pass02.jwk)->Verify(pass02.alg, ToBeSigned(pass02.parts),
                                                       pass02.parts.signature).ok());
  // sign-fail-02: the payload on the wire was changed after signing.
  CoseExample fail02 = LoadExample("cose/sign1-tests/sign-fail-02.json");
  EXPECT_FALSE(PublicKey::FromJwk(fail02.jwk)->Verify(fail02.alg, ToBeSigned(fail02.parts),
                                                       fail02.parts.signature).ok());
  // sign-pass-01 is mislabelled upstream (cose-wg/Examples#107): signed over
  // an empty protected bstr but sent with h'A0'.
  CoseExample pass01 = LoadExample("cose/sign1-tests/sign-pass-01.json");
  EXPECT_FALSE(PublicKey::FromJwk(pass01.jwk)->Verify(pass01.alg, ToBeSigned(pass01.parts),
                                                       pass01.parts.signature).ok());
}

TEST(CoseExamplesTest, P256WithEs512IsRefused) {
  // ecdsa-sig-04 signs with a P-256 key and SHA-512. RFC 9053 §2.1 allows
  // that; we require the curve to match the algorithm and refuse it.
  CoseExample ex = LoadExample("cose/ecdsa-examples/ecdsa-sig-04.json");
  ASSERT_EQ(ex.alg, Algorithm::kES512);
  auto pub = PublicKey::FromJwk(ex.jwk);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->curve(), Curve::kP256);
  EXPECT_FALSE(pub->Fits(Algorithm::kES512));
  ASSERT_EQ(ex.parts.signature.size(), 64u);
  Status status = pub->Verify(Algorithm::kES512, ex.to_be_signed, ex.parts.signature);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kVerificationFailed);
  EXPECT_NE(status.message().find("curve must match"), std::string::npos) << status.message();
  // Nor does it pass as ES256, whose hash differs.
  EXPECT_FALSE(pub->Verify(Algorithm::kES256, ex.to_be_signed, ex.parts.signature).ok());
}

TEST(CoseExamplesTest, Ed448IsUnsupported) {
  CoseExample ex = LoadExample("cose/eddsa-examples/eddsa-sig-02.json");
  ASSERT_EQ(ex.jwk["crv"], "Ed448");
  auto pub = PublicKey::FromJwk(ex.jwk);
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(pub.error().message.find("Ed448"), std::string::npos);
  auto priv = PrivateKey::FromJwk(ex.jwk);
  ASSERT_FALSE(priv.ok());
  EXPECT_EQ(priv.error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace scitt::crypto
