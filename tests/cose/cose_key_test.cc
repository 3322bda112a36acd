// COSE_Key and COSE_KeySet (cose/cose_key.h): conversion of public keys to
// and from their CBOR form, RFC 9679 thumbprints against that form, and key
// sets in every format (the PEM and JWK details are tested in tests/crypto).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cose/cose_key.h"
#include "crypto/hash.h"
#include "support/test_keys.h"
#include "support/vectors.h"

namespace scitt::cose {
namespace {

using cbor::Entry;
using cbor::Value;
using crypto::Algorithm;
using crypto::PrivateKey;
using crypto::PublicKey;
using nlohmann::json;
using testing::Hex;

using testing::Generated;
using testing::kRfc9679X;
using testing::kRfc9679Y;
using testing::Rfc9679Key;

Value Ec2Map(const Bytes& x, const Bytes& y) {
  return Value::FromMap({Entry(1, Value::Int(2)), Entry(-1, Value::Int(1)),
                         Entry(-2, Value::ByteString(x)), Entry(-3, Value::ByteString(y))});
}

// Replaces (or adds) `label` in a COSE_Key map.
Value With(Value map, int64_t label, Value v) {
  for (auto& [k, old] : map.map()) {
    if (k.AsInt64() == label) {
      old = std::move(v);
      return map;
    }
  }
  map.map().push_back(Entry(label, std::move(v)));
  return map;
}

Value Without(Value map, int64_t label) {
  auto& entries = map.map();
  std::erase_if(entries, [&](const cbor::MapEntry& e) { return e.first.AsInt64() == label; });
  return map;
}

TEST(CoseKeyThumbprint, Rfc9679KnownAnswers) {
  PublicKey key = Rfc9679Key();
  EXPECT_EQ(HexEncode(cbor::Encode(ToCoseKey(key))),
            std::string("a401022001215820") + kRfc9679X + "225820" + kRfc9679Y);
  EXPECT_EQ(HexEncode(key.Thumbprint()),
            "496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec");
  // kid and alg are not part of the thumbprint input.
  Bytes kid = ToBytes("kid");
  auto with_kid = PublicKeyFromCoseKey(ToCoseKey(key, ByteView(kid), Algorithm::kES256));
  ASSERT_TRUE(with_kid.ok());
  EXPECT_EQ(with_kid->Thumbprint(), key.Thumbprint());

  auto ed2 = PublicKey::FromEd25519(
      Hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
  ASSERT_TRUE(ed2.ok());
  EXPECT_EQ(HexEncode(cbor::Encode(ToCoseKey(*ed2))),
            "a3010120062158203d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
}

// crypto writes the RFC 9679 thumbprint input itself (it knows no CBOR
// library); it must be the deterministic encoding of exactly this COSE_Key.
TEST(CoseKeyThumbprint, CryptoThumbprintIsTheHashOfTheCoseKey) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
                        Algorithm::kEdDSA, Algorithm::kPS256, Algorithm::kPS512}) {
    PublicKey key = Generated(alg).public_key();
    EXPECT_EQ(key.Thumbprint(), crypto::Sha256(cbor::Encode(ToCoseKey(key)))) << AlgorithmName(alg);
  }
  // The heads the thumbprint writer needs: 0x58 (32..132-byte coordinates),
  // 0x59 (a 384-byte RSA modulus) and a one-byte-head exponent (43 01 00 01).
}

TEST(CoseKeyThumbprint, RsaUsesMinimalIntegers) {
  PublicKey key = Generated(Algorithm::kPS256).public_key();
  Value cose = ToCoseKey(key);
  const Bytes& n = cose.Find(-1)->bytes();
  const Bytes& e = cose.Find(-2)->bytes();
  EXPECT_EQ(n.size(), 384u);
  EXPECT_NE(n[0], 0);
  EXPECT_EQ(e, (Bytes{0x01, 0x00, 0x01}));
  Value expected = Value::FromMap({Entry(1, Value::Int(3)), Entry(-1, Value::ByteString(n)),
                                   Entry(-2, Value::ByteString(e))});
  EXPECT_EQ(key.Thumbprint(), crypto::Sha256(cbor::Encode(expected)));
}

TEST(CoseKeyThumbprint, EmptyKey) {
  EXPECT_TRUE(ToCoseKey(PublicKey()).map().empty());
}

class CoseKeyRoundTripTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(CoseKeyRoundTripTest, CoseKey) {
  Algorithm alg = GetParam();
  PublicKey key = Generated(alg).public_key();
  Bytes kid = {1, 2, 3};

  Value cose = ToCoseKey(key, ByteView(kid), alg);
  EXPECT_EQ(*cose.Find(2), Value::ByteString(kid));
  EXPECT_EQ(*cose.Find(3), Value::Int(CoseId(alg)));
  Bytes encoded = cbor::Encode(cose);
  auto decoded = cbor::Decode(encoded);
  ASSERT_TRUE(decoded.ok());
  auto from_cose = PublicKeyFromCoseKey(*decoded);
  ASSERT_TRUE(from_cose.ok()) << from_cose.error().message;
  EXPECT_TRUE(*from_cose == key);
  EXPECT_EQ(from_cose->Thumbprint(), key.Thumbprint());
  auto with_id = KeyWithIdFromCoseKey(*decoded);
  ASSERT_TRUE(with_id.ok()) << with_id.error().message;
  EXPECT_EQ(with_id->kid, kid);
  EXPECT_EQ(with_id->alg, alg);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, CoseKeyRoundTripTest,
                         ::testing::Values(Algorithm::kES256, Algorithm::kES384,
                                           Algorithm::kES512, Algorithm::kEdDSA,
                                           Algorithm::kPS256),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

struct Malformed {
  const char* name;
  Value key;
};

TEST(CoseKeyTest, MalformedKeysAreRefused) {
  Bytes x = Hex(kRfc9679X), y = Hex(kRfc9679Y);
  Value good = Ec2Map(x, y);
  ASSERT_TRUE(PublicKeyFromCoseKey(good).ok());
  Bytes y_off = y;
  y_off.back() ^= 1;
  Bytes ed_x = Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Value okp = Value::FromMap({Entry(1, Value::Int(1)), Entry(-1, Value::Int(6)),
                              Entry(-2, Value::ByteString(ed_x))});
  ASSERT_TRUE(PublicKeyFromCoseKey(okp).ok());
  Value rsa = ToCoseKey(Generated(Algorithm::kPS256).public_key());
  Bytes n_padded = rsa.Find(-1)->bytes();
  n_padded.insert(n_padded.begin(), 0);
  Bytes n_even = rsa.Find(-1)->bytes();
  n_even.back() &= 0xfe;

  const Malformed kCases[] = {
      {"not a map", Value::FromArray({})},
      {"no kty", Without(good, 1)},
      {"text kty", With(good, 1, Value::Text("EC2"))},
      {"symmetric kty", With(good, 1, Value::Int(4))},
      {"kty EC2 with OKP members", With(okp, 1, Value::Int(2))},
      {"kty OKP with EC2 members", With(good, 1, Value::Int(1))},
      {"no crv", Without(good, -1)},
      {"unknown crv", With(good, -1, Value::Int(8))},
      {"crv as text", With(good, -1, Value::Text("P-256"))},
      {"missing x", Without(good, -2)},
      {"missing y", Without(good, -3)},
      {"compressed y", With(good, -3, Value::Bool(true))},
      {"y as text", With(good, -3, Value::Text("y"))},
      {"short x", With(good, -2, Value::ByteString(Bytes(x.begin() + 1, x.end())))},
      {"long y", With(good, -3, Value::ByteString(Bytes(33, 1)))},
      {"P-384 crv with P-256 coordinates", With(good, -1, Value::Int(2))},
      {"point not on curve", With(good, -3, Value::ByteString(y_off))},
      {"kid as text", With(good, 2, Value::Text("kid"))},
      {"alg as bytes", With(good, 3, Value::ByteString(Bytes{1}))},
      {"Ed448", With(okp, -1, Value::Int(7))},
      {"X25519", With(okp, -1, Value::Int(4))},
      {"short OKP x", With(okp, -2, Value::ByteString(Bytes(31, 1)))},
      {"RSA n with leading zero", With(rsa, -1, Value::ByteString(n_padded))},
      {"RSA even n", With(rsa, -1, Value::ByteString(n_even))},
      {"RSA e = 1", With(rsa, -2, Value::ByteString(Bytes{1}))},
      {"RSA empty e", With(rsa, -2, Value::ByteString(Bytes{}))},
      {"RSA missing e", Without(rsa, -2)},
  };
  for (const Malformed& c : kCases) {
    auto key = PublicKeyFromCoseKey(c.key);
    EXPECT_FALSE(key.ok()) << c.name;
    if (!key.ok()) {
      EXPECT_FALSE(key.error().message.empty()) << c.name;
    }
  }
  EXPECT_EQ(PublicKeyFromCoseKey(With(okp, -1, Value::Int(7))).error().code,
            ErrorCode::kUnsupported);
  EXPECT_EQ(PublicKeyFromCoseKey(With(good, -3, Value::Bool(false))).error().code,
            ErrorCode::kUnsupported);
  EXPECT_NE(PublicKeyFromCoseKey(With(rsa, -1, Value::ByteString(n_padded))).error().message.find(
                "COSE_Key RSA n"),
            std::string::npos);
  // A private member is ignored, not refused.
  EXPECT_TRUE(PublicKeyFromCoseKey(With(good, -4, Value::ByteString(Bytes(32, 1)))).ok());
}

// The SCITT ES256 KAT's key in its COSE_Key forms.
TEST(CoseKeyTest, Es256KatKeyForms) {
  json kat = testing::ReadJsonVector("scitt-kat/es256-signed-statement-verify-only.json");
  const json& k = kat["key"];
  auto from_xy = PublicKey::FromEc2(crypto::Curve::kP256, Hex(k["x"]), Hex(k["y"]));
  ASSERT_TRUE(from_xy.ok()) << from_xy.error().message;
  Bytes cose_bytes = Hex(k["public_cose_key"]);
  auto cose_value = cbor::Decode(cose_bytes);
  ASSERT_TRUE(cose_value.ok()) << cose_value.error().message;
  auto from_cose = PublicKeyFromCoseKey(*cose_value);
  ASSERT_TRUE(from_cose.ok()) << from_cose.error().message;
  EXPECT_TRUE(*from_cose == *from_xy);
  const std::string kid = k["kid"];
  EXPECT_EQ(HexEncode(from_cose->Thumbprint()), kid);
  EXPECT_EQ(HexEncode(cbor::Encode(ToCoseKey(*from_xy))), k["thumbprint_input_cose_key"]);
  Bytes kid_bytes = Hex(kid);
  EXPECT_EQ(HexEncode(cbor::Encode(ToCoseKey(*from_xy, ByteView(kid_bytes), Algorithm::kES256))),
            k["public_cose_key"]);

  auto cose_set = ParseKeySet(cose_bytes);
  ASSERT_TRUE(cose_set.ok()) << cose_set.error().message;
  ASSERT_EQ(cose_set->size(), 1u);
  EXPECT_EQ(HexEncode((*cose_set)[0].kid), kid);
  EXPECT_EQ((*cose_set)[0].alg, Algorithm::kES256);
}

TEST(KeySetTest, DetectsEachFormat) {
  PublicKey a = Generated(Algorithm::kES256).public_key();
  PublicKey b = Generated(Algorithm::kEdDSA).public_key();
  auto pem = ParseKeySet(AsBytes("comment line\n" + a.ToPem() + "\n" + b.ToPem()));
  ASSERT_TRUE(pem.ok()) << pem.error().message;
  ASSERT_EQ(pem->size(), 2u);
  EXPECT_TRUE((*pem)[1].key == b);
  json jwks = {{"keys", {a.ToJwk("key-a", Algorithm::kES256)}}};
  auto from_json = ParseKeySet(AsBytes("  \n" + jwks.dump()));
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  EXPECT_EQ((*from_json)[0].kid, ToBytes("key-a"));
  auto single_jwk = ParseKeySet(AsBytes(b.ToJwk("only").dump()));
  ASSERT_TRUE(single_jwk.ok());
  EXPECT_TRUE((*single_jwk)[0].key == b);
  // A CBOR map head is never taken for PEM text, even with "-----BEGIN" inside.
  Bytes cose = cbor::Encode(ToCoseKey(a, AsBytes("-----BEGIN")));
  auto from_cbor = ParseKeySet(cose);
  ASSERT_TRUE(from_cbor.ok()) << from_cbor.error().message;
  EXPECT_EQ((*from_cbor)[0].kid, ToBytes("-----BEGIN"));
  EXPECT_FALSE(ParseKeySet(AsBytes(" \n\t")).ok());
  EXPECT_FALSE(ParseKeySet(AsBytes(R"({"keys": []})")).ok());
  EXPECT_EQ(ParseKeySet(AsBytes(a.ToPem() + Generated(Algorithm::kES256).ToPem())).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(KeySetTest, CoseKeySetAndSingleCoseKey) {
  PublicKey a = Generated(Algorithm::kES256).public_key();
  PublicKey b = Generated(Algorithm::kEdDSA).public_key();
  auto ta = a.Thumbprint();
  Value set = Value::FromArray({ToCoseKey(a, ByteView(ta), Algorithm::kES256), ToCoseKey(b)});
  auto keys = ParseKeySet(cbor::Encode(set));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_EQ((*keys)[0].kid, Bytes(ta.begin(), ta.end()));
  EXPECT_EQ((*keys)[0].alg, Algorithm::kES256);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_TRUE((*keys)[1].kid.empty());

  auto single = ParseKeySet(cbor::Encode(ToCoseKey(b, ByteView(ta))));
  ASSERT_TRUE(single.ok()) << single.error().message;
  ASSERT_EQ(single->size(), 1u);
  EXPECT_TRUE((*single)[0].key == b);

  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::FromArray({}))).ok());
  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::FromArray({Value::Int(1)}))).ok());
  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::Int(1))).ok());
  EXPECT_FALSE(ParseKeySet(Bytes{0xa1, 0x01}).ok());  // truncated CBOR
  EXPECT_FALSE(ParseKeySet({}).ok());
  Value bad_alg = With(ToCoseKey(a), 3, Value::Int(-999));
  EXPECT_EQ(ParseKeySet(cbor::Encode(bad_alg)).error().code, ErrorCode::kUnsupported);
  Value misfit = With(ToCoseKey(a), 3, Value::Int(CoseId(Algorithm::kES512)));
  EXPECT_FALSE(ParseKeySet(cbor::Encode(misfit)).ok());
  auto second_bad = ParseKeySet(cbor::Encode(Value::FromArray({ToCoseKey(a), misfit})));
  ASSERT_FALSE(second_bad.ok());
  EXPECT_NE(second_bad.error().message.find("COSE_KeySet key 1"), std::string::npos);
}

}  // namespace
}  // namespace scitt::cose
