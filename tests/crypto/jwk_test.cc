// JWK, RFC 9679 thumbprints and the PEM and JWKS key sets. COSE_Key and
// COSE_KeySet are tested in tests/cose/cose_key_test.cc.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "support/test_keys.h"
#include "support/vectors.h"

namespace scitt::crypto {
namespace {

using nlohmann::json;
using testing::Hex;

using testing::Generated;
using testing::kRfc9679X;
using testing::kRfc9679Y;
using testing::Rfc9679Key;

std::string B64(const std::string& hex) { return Base64UrlEncode(Hex(hex)); }

TEST(ThumbprintTest, Rfc9679KnownAnswers) {
  PublicKey key = Rfc9679Key();
  EXPECT_EQ(HexEncode(key.Thumbprint()),
            "496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec");

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
}

TEST(ThumbprintTest, Components) {
  PublicComponents ec = Rfc9679Key().Components();
  EXPECT_EQ(ec.type, KeyType::kEc2);
  EXPECT_EQ(ec.curve, Curve::kP256);
  EXPECT_EQ(HexEncode(ec.x), kRfc9679X);
  EXPECT_EQ(HexEncode(ec.y), kRfc9679Y);
  PublicComponents p521 = Generated(Algorithm::kES512).public_key().Components();
  EXPECT_EQ(p521.x.size(), 66u);
  EXPECT_EQ(p521.y.size(), 66u);
  PublicComponents ed = Generated(Algorithm::kEdDSA).public_key().Components();
  EXPECT_EQ(ed.type, KeyType::kOkp);
  EXPECT_EQ(ed.curve, Curve::kEd25519);
  EXPECT_EQ(ed.x.size(), 32u);
  EXPECT_TRUE(ed.y.empty());
}

TEST(ThumbprintTest, RsaUsesMinimalIntegers) {
  PublicKey key = Generated(Algorithm::kPS256).public_key();
  PublicComponents c = key.Components();
  EXPECT_EQ(c.type, KeyType::kRsa);
  EXPECT_EQ(c.n.size(), 384u);
  EXPECT_NE(c.n[0], 0);
  EXPECT_EQ(c.e, (Bytes{0x01, 0x00, 0x01}));
  // {1: 3, -1: n, -2: e} in deterministic CBOR, written out by hand.
  Bytes expected = {0xa3, 0x01, 0x03, 0x20, 0x59, 0x01, 0x80};
  expected.insert(expected.end(), c.n.begin(), c.n.end());
  expected.insert(expected.end(), {0x21, 0x43, 0x01, 0x00, 0x01});
  EXPECT_EQ(key.Thumbprint(), Sha256(expected));
  auto back = PublicKey::FromRsa(c.n, c.e);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == key);
  Bytes padded = c.n;
  padded.insert(padded.begin(), 0);
  EXPECT_EQ(PublicKey::FromRsa(padded, c.e).error().code, ErrorCode::kMalformed);
  EXPECT_FALSE(PublicKey::FromRsa(c.n, Bytes{1}).ok());
}

class JwkRoundTripTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(JwkRoundTripTest, Jwk) {
  Algorithm alg = GetParam();
  PublicKey key = Generated(alg).public_key();

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

INSTANTIATE_TEST_SUITE_P(KeyTypes, JwkRoundTripTest,
                         ::testing::Values(Algorithm::kES256, Algorithm::kES384,
                                           Algorithm::kES512, Algorithm::kEdDSA,
                                           Algorithm::kPS256),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(JwkTest, MembersAreExact) {
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
  auto keys = ParsePemKeySet(AsBytes(pem));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_TRUE((*keys)[0].kid.empty());
  EXPECT_FALSE((*keys)[0].alg.has_value());

  auto with_private = ParsePemKeySet(AsBytes(a.ToPem() + Generated(Algorithm::kES256).ToPem()));
  ASSERT_FALSE(with_private.ok());
  EXPECT_NE(with_private.error().message.find("PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(ParsePemKeySet(AsBytes("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")).ok());
  EXPECT_FALSE(ParsePemKeySet(AsBytes("no blocks")).ok());
}

TEST(KeySetTest, JwksAndSingleJwk) {
  PublicKey a = Generated(Algorithm::kES384).public_key();
  PublicKey b = Generated(Algorithm::kPS256).public_key();
  json jwks = {{"keys", {a.ToJwk("key-a", Algorithm::kES384), b.ToJwk("key-b")}}};
  auto keys = ParseJwkSet(AsBytes("  \n" + jwks.dump()));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE((*keys)[0].key == a);
  EXPECT_EQ((*keys)[0].kid, ToBytes("key-a"));
  EXPECT_EQ((*keys)[0].alg, Algorithm::kES384);
  EXPECT_TRUE((*keys)[1].key == b);
  EXPECT_EQ((*keys)[1].kid, ToBytes("key-b"));
  EXPECT_FALSE((*keys)[1].alg.has_value());

  auto single = ParseJwkSet(AsBytes(a.ToJwk("only").dump()));
  ASSERT_TRUE(single.ok()) << single.error().message;
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].kid, ToBytes("only"));

  json bad_alg = a.ToJwk();
  bad_alg["alg"] = "ES999";
  EXPECT_EQ(ParseJwkSet(AsBytes(bad_alg.dump())).error().code, ErrorCode::kUnsupported);
  json misfit = a.ToJwk("k", Algorithm::kES256);  // P-384 key labelled ES256
  EXPECT_FALSE(ParseJwkSet(AsBytes(misfit.dump())).ok());
  EXPECT_FALSE(ParseJwkSet(AsBytes(R"({"keys": []})")).ok());
  EXPECT_FALSE(ParseJwkSet(AsBytes(R"({"keys": {}})")).ok());
  EXPECT_FALSE(ParseJwkSet(AsBytes(R"({"keys": [1]})")).ok());
  EXPECT_FALSE(ParseJwkSet(AsBytes(R"({"keys": [)")).ok());
  json numeric_kid = a.ToJwk();
  numeric_kid["kid"] = 7;
  EXPECT_FALSE(ParseJwkSet(AsBytes(numeric_kid.dump())).ok());
}

}  // namespace
}  // namespace scitt::crypto
