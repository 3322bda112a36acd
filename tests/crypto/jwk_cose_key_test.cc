// COSE_Key, JWK, RFC 9679 thumbprints and key sets.
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "support/vectors.h"

namespace scitt::crypto {
namespace {

using cbor::Entry;
using cbor::Value;
using nlohmann::json;
using testing::Hex;

const char kRfc9679X[] = "65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d";
const char kRfc9679Y[] = "1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c";

PublicKey Rfc9679Key() {
  auto key = PublicKey::FromEc2(Curve::kP256, Hex(kRfc9679X), Hex(kRfc9679Y));
  EXPECT_TRUE(key.ok()) << key.error().message;
  return key.ok() ? *key : PublicKey();
}

const PrivateKey& Generated(Algorithm alg) {
  static std::map<Algorithm, PrivateKey> keys;
  auto it = keys.find(alg);
  if (it == keys.end()) it = keys.emplace(alg, *PrivateKey::Generate(alg)).first;
  return it->second;
}

std::string B64(const std::string& hex) { return Base64UrlEncode(Hex(hex)); }

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

TEST(ThumbprintTest, Rfc9679KnownAnswers) {
  PublicKey key = Rfc9679Key();
  EXPECT_EQ(HexEncode(cbor::Encode(key.ToCoseKey())),
            std::string("a401022001215820") + kRfc9679X + "225820" + kRfc9679Y);
  EXPECT_EQ(HexEncode(key.Thumbprint()),
            "496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec");
  // kid and alg are not part of the thumbprint input.
  Bytes kid = ToBytes("kid");
  auto with_kid = PublicKey::FromCoseKey(key.ToCoseKey(ByteView(kid), Algorithm::kES256));
  ASSERT_TRUE(with_kid.ok());
  EXPECT_EQ(with_kid->Thumbprint(), key.Thumbprint());

  auto ed1 = PublicKey::FromEd25519(
      Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  ASSERT_TRUE(ed1.ok());
  EXPECT_EQ(HexEncode(ed1->Thumbprint()),
            "866eefbd6718c8846cd7ddfe43fc74ab1daac4538ff8514ea2ec2d410a415743");
  auto ed2 = PublicKey::FromEd25519(
      Hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
  ASSERT_TRUE(ed2.ok());
  EXPECT_EQ(HexEncode(ed2->Thumbprint()),
            "5c840f7a40230170abdee5151a594efdf270f7a89825f5c310badf6b589c5c59");
  EXPECT_EQ(HexEncode(cbor::Encode(ed2->ToCoseKey())),
            "a3010120062158203d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
}

TEST(ThumbprintTest, RsaUsesMinimalIntegers) {
  PublicKey key = Generated(Algorithm::kPS256).public_key();
  Value cose = key.ToCoseKey();
  const Bytes& n = cose.Find(-1)->bytes();
  const Bytes& e = cose.Find(-2)->bytes();
  EXPECT_EQ(n.size(), 384u);
  EXPECT_NE(n[0], 0);
  EXPECT_EQ(e, (Bytes{0x01, 0x00, 0x01}));
  Value expected = Value::FromMap({Entry(1, Value::Int(3)), Entry(-1, Value::ByteString(n)),
                                   Entry(-2, Value::ByteString(e))});
  EXPECT_EQ(key.Thumbprint(), Sha256(cbor::Encode(expected)));
}

class CoseKeyRoundTripTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(CoseKeyRoundTripTest, CoseKeyAndJwk) {
  Algorithm alg = GetParam();
  PublicKey key = Generated(alg).public_key();
  Bytes kid = {1, 2, 3};

  Value cose = key.ToCoseKey(ByteView(kid), alg);
  EXPECT_EQ(*cose.Find(2), Value::ByteString(kid));
  EXPECT_EQ(*cose.Find(3), Value::Int(CoseId(alg)));
  Bytes encoded = cbor::Encode(cose);
  auto decoded = cbor::Decode(encoded);
  ASSERT_TRUE(decoded.ok());
  auto from_cose = PublicKey::FromCoseKey(*decoded);
  ASSERT_TRUE(from_cose.ok()) << from_cose.error().message;
  EXPECT_TRUE(*from_cose == key);
  EXPECT_EQ(from_cose->Thumbprint(), key.Thumbprint());

  json jwk = key.ToJwk("my-kid", alg);
  EXPECT_EQ(jwk["kid"], "my-kid");
  EXPECT_EQ(jwk["alg"], AlgorithmName(alg));
  auto from_jwk = PublicKey::FromJwk(jwk);
  ASSERT_TRUE(from_jwk.ok()) << from_jwk.error().message;
  EXPECT_TRUE(*from_jwk == key);
  EXPECT_FALSE(jwk.contains("d"));
  // Through text, as it travels.
  auto reparsed = PublicKey::FromJwk(json::parse(jwk.dump()));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_TRUE(*reparsed == key);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, CoseKeyRoundTripTest,
                         ::testing::Values(Algorithm::kES256, Algorithm::kES384,
                                           Algorithm::kES512, Algorithm::kEdDSA,
                                           Algorithm::kPS256),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(CoseKeyTest, JwkMembersAreExact) {
  json jwk = Rfc9679Key().ToJwk();
  EXPECT_EQ(jwk, (json{{"kty", "EC"}, {"crv", "P-256"}, {"x", B64(kRfc9679X)}, {"y", B64(kRfc9679Y)}}));
  json p521 = Generated(Algorithm::kES512).public_key().ToJwk();
  EXPECT_EQ(p521["crv"], "P-521");
  EXPECT_EQ(Base64UrlDecode(p521["x"].get<std::string>())->size(), 66u);
  EXPECT_EQ(Base64UrlDecode(p521["y"].get<std::string>())->size(), 66u);
  json ed = Generated(Algorithm::kEdDSA).public_key().ToJwk();
  EXPECT_EQ(ed["kty"], "OKP");
  EXPECT_EQ(ed["crv"], "Ed25519");
  EXPECT_EQ(ed.size(), 3u);
}

struct Malformed {
  const char* name;
  Value key;
};

TEST(CoseKeyTest, MalformedKeysAreRefused) {
  Bytes x = Hex(kRfc9679X), y = Hex(kRfc9679Y);
  Value good = Ec2Map(x, y);
  ASSERT_TRUE(PublicKey::FromCoseKey(good).ok());
  Bytes y_off = y;
  y_off.back() ^= 1;
  Bytes ed_x = Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Value okp = Value::FromMap({Entry(1, Value::Int(1)), Entry(-1, Value::Int(6)),
                              Entry(-2, Value::ByteString(ed_x))});
  ASSERT_TRUE(PublicKey::FromCoseKey(okp).ok());
  Value rsa = Generated(Algorithm::kPS256).public_key().ToCoseKey();
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
    auto key = PublicKey::FromCoseKey(c.key);
    EXPECT_FALSE(key.ok()) << c.name;
    if (!key.ok()) {
      EXPECT_FALSE(key.error().message.empty()) << c.name;
    }
  }
  EXPECT_EQ(PublicKey::FromCoseKey(With(okp, -1, Value::Int(7))).error().code,
            ErrorCode::kUnsupported);
  EXPECT_EQ(PublicKey::FromCoseKey(With(good, -3, Value::Bool(false))).error().code,
            ErrorCode::kUnsupported);
  // A private member is ignored, not refused.
  EXPECT_TRUE(PublicKey::FromCoseKey(With(good, -4, Value::ByteString(Bytes(32, 1)))).ok());
}

TEST(JwkTest, MalformedJwksAreRefused) {
  json good = {{"kty", "EC"}, {"crv", "P-256"}, {"x", B64(kRfc9679X)}, {"y", B64(kRfc9679Y)}};
  ASSERT_TRUE(PublicKey::FromJwk(good).ok());
  Bytes y_off = Hex(kRfc9679Y);
  y_off.back() ^= 1;
  auto with = [&](const char* member, json v) {
    json j = good;
    j[member] = std::move(v);
    return j;
  };
  auto without = [&](const char* member) {
    json j = good;
    j.erase(member);
    return j;
  };
  json rsa = Generated(Algorithm::kPS256).public_key().ToJwk();
  json rsa_padded = rsa;
  Bytes n = *Base64UrlDecode(rsa["n"].get<std::string>());
  n.insert(n.begin(), 0);
  rsa_padded["n"] = Base64UrlEncode(n);

  const std::pair<const char*, json> kCases[] = {
      {"array", json::array()},
      {"string", "EC"},
      {"no kty", without("kty")},
      {"oct kty", with("kty", "oct")},
      {"kty as number", with("kty", 2)},
      {"unknown crv", with("crv", "P-192")},
      {"no crv", without("crv")},
      {"missing y", without("y")},
      {"short x", with("x", Base64UrlEncode(Bytes(31, 1)))},
      {"x not base64url", with("x", "!!!")},
      {"x as number", with("x", 5)},
      {"not on curve", with("y", Base64UrlEncode(y_off))},
      {"Ed448", {{"kty", "OKP"}, {"crv", "Ed448"}, {"x", Base64UrlEncode(Bytes(57, 1))}}},
      {"OKP short x", {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(Bytes(31, 1))}}},
      {"RSA n with leading zero", rsa_padded},
      {"RSA without e", [&] { json j = rsa; j.erase("e"); return j; }()},
  };
  for (const auto& [name, jwk] : kCases) {
    auto key = PublicKey::FromJwk(jwk);
    EXPECT_FALSE(key.ok()) << name;
  }
  EXPECT_EQ(PublicKey::FromJwk(kCases[12].second).error().code, ErrorCode::kUnsupported);
}

TEST(JwkTest, PrivateJwks) {
  // The cose-wg Examples P-256 key ("11").
  json ec = {{"kty", "EC"},
             {"crv", "P-256"},
             {"x", "usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8"},
             {"y", "IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4"},
             {"d", "V8kgd2ZBRuh2dgyVINBUqpPDr7BOMGcF22CQMIUHtNM"}};
  auto ec_key = PrivateKey::FromJwk(ec);
  ASSERT_TRUE(ec_key.ok()) << ec_key.error().message;
  auto ec_pub = PublicKey::FromJwk(ec);  // ignores d
  ASSERT_TRUE(ec_pub.ok());
  EXPECT_TRUE(ec_key->public_key() == *ec_pub);

  json mismatched = ec;
  mismatched["x"] = Rfc9679Key().ToJwk()["x"];
  mismatched["y"] = Rfc9679Key().ToJwk()["y"];
  EXPECT_FALSE(PrivateKey::FromJwk(mismatched).ok());
  json no_d = ec;
  no_d.erase("d");
  EXPECT_FALSE(PrivateKey::FromJwk(no_d).ok());
  json short_d = ec;
  short_d["d"] = Base64UrlEncode(Bytes(31, 1));
  EXPECT_FALSE(PrivateKey::FromJwk(short_d).ok());

  json okp = {{"kty", "OKP"},
              {"crv", "Ed25519"},
              {"x", B64("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")},
              {"d", B64("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")}};
  auto ed = PrivateKey::FromJwk(okp);
  ASSERT_TRUE(ed.ok()) << ed.error().message;
  EXPECT_EQ(HexEncode(ed->public_key().Thumbprint()),
            "866eefbd6718c8846cd7ddfe43fc74ab1daac4538ff8514ea2ec2d410a415743");
  json okp_wrong_x = okp;
  okp_wrong_x["x"] = B64("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  EXPECT_FALSE(PrivateKey::FromJwk(okp_wrong_x).ok());
}

json RsaPrivateJwk(EVP_PKEY* pkey) {
  const std::pair<const char*, const char*> kMembers[] = {
      {"n", OSSL_PKEY_PARAM_RSA_N},
      {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  json jwk = {{"kty", "RSA"}};
  for (const auto& [member, param] : kMembers) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, param, &bn), 1) << member;
    Bytes bytes(BN_num_bytes(bn));
    BN_bn2bin(bn, bytes.data());
    BN_clear_free(bn);
    jwk[member] = Base64UrlEncode(bytes);
  }
  return jwk;
}

TEST(JwkTest, RsaPrivateJwk) {
  const PrivateKey& key = Generated(Algorithm::kPS256);
  json jwk = RsaPrivateJwk(key.evp());
  auto loaded = PrivateKey::FromJwk(jwk);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(loaded->public_key() == key.public_key());
  auto sig = loaded->Sign(Algorithm::kPS384, ToBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key.public_key().Verify(Algorithm::kPS384, ToBytes("m"), *sig).ok());

  json no_crt = jwk;
  no_crt.erase("qi");
  auto refused = PrivateKey::FromJwk(no_crt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnsupported);

  json inconsistent = jwk;
  inconsistent["d"] = RsaPrivateJwk(Generated(Algorithm::kPS384).evp())["d"];
  EXPECT_FALSE(PrivateKey::FromJwk(inconsistent).ok());
}

TEST(KeySetTest, PemBlocks) {
  PublicKey a = Generated(Algorithm::kES256).public_key();
  PublicKey b = Generated(Algorithm::kEdDSA).public_key();
  std::string pem = "comment line\n" + a.ToPem() + "\n" + b.ToPem();
  auto keys = ParseKeySet(AsBytes(pem));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_TRUE((*keys)[0].kid.empty());
  EXPECT_FALSE((*keys)[0].alg.has_value());

  auto with_private = ParseKeySet(AsBytes(a.ToPem() + Generated(Algorithm::kES256).ToPem()));
  ASSERT_FALSE(with_private.ok());
  EXPECT_NE(with_private.error().message.find("PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(ParseKeySet(AsBytes("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")).ok());
}

TEST(KeySetTest, JwksAndSingleJwk) {
  PublicKey a = Generated(Algorithm::kES384).public_key();
  PublicKey b = Generated(Algorithm::kPS256).public_key();
  json jwks = {{"keys", {a.ToJwk("key-a", Algorithm::kES384), b.ToJwk("key-b")}}};
  auto keys = ParseKeySet(AsBytes("  \n" + jwks.dump()));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_EQ((*keys)[0].kid, ToBytes("key-a"));
  EXPECT_EQ((*keys)[0].alg, Algorithm::kES384);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_EQ((*keys)[1].kid, ToBytes("key-b"));
  EXPECT_FALSE((*keys)[1].alg.has_value());

  auto single = ParseKeySet(AsBytes(a.ToJwk("only").dump()));
  ASSERT_TRUE(single.ok()) << single.error().message;
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].kid, ToBytes("only"));

  json bad_alg = a.ToJwk();
  bad_alg["alg"] = "ES999";
  EXPECT_EQ(ParseKeySet(AsBytes(bad_alg.dump())).error().code, ErrorCode::kUnsupported);
  json misfit = a.ToJwk("k", Algorithm::kES256);  // P-384 key labelled ES256
  EXPECT_FALSE(ParseKeySet(AsBytes(misfit.dump())).ok());
  EXPECT_FALSE(ParseKeySet(AsBytes(R"({"keys": []})")).ok());
  EXPECT_FALSE(ParseKeySet(AsBytes(R"({"keys": {}})")).ok());
  EXPECT_FALSE(ParseKeySet(AsBytes(R"({"keys": [1]})")).ok());
  EXPECT_FALSE(ParseKeySet(AsBytes(R"({"keys": [)")).ok());
  json numeric_kid = a.ToJwk();
  numeric_kid["kid"] = 7;
  EXPECT_FALSE(ParseKeySet(AsBytes(numeric_kid.dump())).ok());
}

TEST(KeySetTest, CoseKeySetAndSingleCoseKey) {
  PublicKey a = Generated(Algorithm::kES256).public_key();
  PublicKey b = Generated(Algorithm::kEdDSA).public_key();
  auto ta = a.Thumbprint();
  Value set = Value::FromArray({a.ToCoseKey(ByteView(ta), Algorithm::kES256), b.ToCoseKey()});
  auto keys = ParseKeySet(cbor::Encode(set));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_EQ((*keys)[0].kid, Bytes(ta.begin(), ta.end()));
  EXPECT_EQ((*keys)[0].alg, Algorithm::kES256);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_TRUE((*keys)[1].kid.empty());

  auto single = ParseKeySet(cbor::Encode(b.ToCoseKey(ByteView(ta))));
  ASSERT_TRUE(single.ok()) << single.error().message;
  ASSERT_EQ(single->size(), 1u);
  EXPECT_TRUE((*single)[0].key == b);

  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::FromArray({}))).ok());
  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::FromArray({Value::Int(1)}))).ok());
  EXPECT_FALSE(ParseKeySet(cbor::Encode(Value::Int(1))).ok());
  EXPECT_FALSE(ParseKeySet(Bytes{0xa1, 0x01}).ok());  // truncated CBOR
  EXPECT_FALSE(ParseKeySet({}).ok());
  Value bad_alg = With(a.ToCoseKey(), 3, Value::Int(-999));
  EXPECT_EQ(ParseKeySet(cbor::Encode(bad_alg)).error().code, ErrorCode::kUnsupported);
  Value misfit = With(a.ToCoseKey(), 3, Value::Int(CoseId(Algorithm::kES512)));
  EXPECT_FALSE(ParseKeySet(cbor::Encode(misfit)).ok());
}

}  // namespace
}  // namespace scitt::crypto
