// Signing, verification and PEM/SPKI handling of crypto::PublicKey and
// crypto::PrivateKey.
#include "crypto/key.h"

#include <map>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "support/vectors.h"

namespace scitt::crypto {
namespace {

using testing::Hex;

constexpr Algorithm kAllAlgorithms[] = {
    Algorithm::kES256, Algorithm::kES384, Algorithm::kES512, Algorithm::kEdDSA,
    Algorithm::kPS256, Algorithm::kPS384, Algorithm::kPS512,
};

// RSA key generation takes a while: one key per algorithm family per run.
const PrivateKey& KeyFor(Algorithm alg) {
  static std::map<Algorithm, PrivateKey> keys;
  Algorithm family = (alg == Algorithm::kPS384 || alg == Algorithm::kPS512) ? Algorithm::kPS256 : alg;
  auto it = keys.find(family);
  if (it == keys.end()) {
    auto key = PrivateKey::Generate(family);
    EXPECT_TRUE(key.ok()) << key.error().message;
    it = keys.emplace(family, std::move(*key)).first;
  }
  return it->second;
}

size_t SignatureSize(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256: return 64;
    case Algorithm::kES384: return 96;
    case Algorithm::kES512: return 132;
    case Algorithm::kEdDSA: return 64;
    default: return 384;  // RSA 3072
  }
}

std::string PemOf(EVP_PKEY* pkey, bool is_private, bool traditional = false) {
  BIO* bio = BIO_new(BIO_s_mem());
  int ok = !is_private    ? PEM_write_bio_PUBKEY(bio, pkey)
           : traditional ? PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0,
                                                                 nullptr, nullptr)
                         : PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr,
                                                    nullptr);
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len);
  BIO_free(bio);
  return out;
}

// Converts a COSE r||s signature to DER, as a confused signer might send it.
Bytes RawToDer(ByteView raw) {
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), half, nullptr),
                 BN_bin2bn(raw.data() + half, half, nullptr));
  Bytes der(i2d_ECDSA_SIG(sig, nullptr));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  return der;
}

class SignVerifyTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(SignVerifyTest, RoundTripAndTampering) {
  Algorithm alg = GetParam();
  const PrivateKey& key = KeyFor(alg);
  PublicKey pub = key.public_key();
  ASSERT_TRUE(pub.valid());
  EXPECT_TRUE(pub.Fits(alg));
  Bytes message = ToBytes("to be signed: " + std::string(AlgorithmName(alg)));

  auto signature = key.Sign(alg, message);
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(signature->size(), SignatureSize(alg));
  Status verified = pub.Verify(alg, message, *signature);
  EXPECT_TRUE(verified.ok()) << verified.message();

  Bytes altered_message = message;
  altered_message.back() ^= 1;
  Status bad_message = pub.Verify(alg, altered_message, *signature);
  ASSERT_FALSE(bad_message.ok());
  EXPECT_EQ(bad_message.error().code, ErrorCode::kVerificationFailed);

  for (size_t pos : {size_t{0}, signature->size() / 2, signature->size() - 1}) {
    Bytes altered_signature = *signature;
    altered_signature[pos] ^= 0x40;
    Status bad = pub.Verify(alg, message, altered_signature);
    ASSERT_FALSE(bad.ok()) << "byte " << pos;
    EXPECT_EQ(bad.error().code, ErrorCode::kVerificationFailed);
  }

  Bytes truncated(signature->begin(), signature->end() - 1);
  EXPECT_FALSE(pub.Verify(alg, message, truncated).ok());
  Bytes extended = *signature;
  extended.push_back(0);
  EXPECT_FALSE(pub.Verify(alg, message, extended).ok());
  EXPECT_FALSE(pub.Verify(alg, message, {}).ok());
}

TEST_P(SignVerifyTest, OtherAlgorithmsRefuseTheKey) {
  Algorithm alg = GetParam();
  const PrivateKey& key = KeyFor(alg);
  PublicKey pub = key.public_key();
  Bytes message = ToBytes("message");
  auto signature = key.Sign(alg, message);
  ASSERT_TRUE(signature.ok());
  for (Algorithm other : kAllAlgorithms) {
    bool same_family = KeyFor(other).evp() == key.evp();
    if (same_family) continue;
    EXPECT_FALSE(pub.Fits(other)) << AlgorithmName(alg) << " key with " << AlgorithmName(other);
    Status status = pub.Verify(other, message, *signature);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kVerificationFailed);
    auto signed_other = key.Sign(other, message);
    ASSERT_FALSE(signed_other.ok());
    EXPECT_EQ(signed_other.error().code, ErrorCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, SignVerifyTest, ::testing::ValuesIn(kAllAlgorithms),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(KeyTest, DefaultAlgorithmAndShape) {
  EXPECT_EQ(KeyFor(Algorithm::kES256).default_algorithm(), Algorithm::kES256);
  EXPECT_EQ(KeyFor(Algorithm::kES384).default_algorithm(), Algorithm::kES384);
  EXPECT_EQ(KeyFor(Algorithm::kES512).default_algorithm(), Algorithm::kES512);
  EXPECT_EQ(KeyFor(Algorithm::kEdDSA).default_algorithm(), Algorithm::kEdDSA);
  EXPECT_EQ(KeyFor(Algorithm::kPS256).default_algorithm(), Algorithm::kPS256);

  PublicKey ec = KeyFor(Algorithm::kES384).public_key();
  EXPECT_EQ(ec.type(), KeyType::kEc2);
  EXPECT_EQ(ec.curve(), Curve::kP384);
  EXPECT_EQ(ec.rsa_bits(), 0u);
  PublicKey ed = KeyFor(Algorithm::kEdDSA).public_key();
  EXPECT_EQ(ed.type(), KeyType::kOkp);
  EXPECT_EQ(ed.curve(), Curve::kEd25519);
  PublicKey rsa = KeyFor(Algorithm::kPS256).public_key();
  EXPECT_EQ(rsa.type(), KeyType::kRsa);
  EXPECT_EQ(rsa.curve(), Curve::kNone);
  EXPECT_EQ(rsa.rsa_bits(), 3072u);
}

TEST(KeyTest, EcdsaSignaturesAreRandomizedAndBothVerify) {
  const PrivateKey& key = KeyFor(Algorithm::kES256);
  Bytes message = ToBytes("m");
  auto a = key.Sign(Algorithm::kES256, message);
  auto b = key.Sign(Algorithm::kES256, message);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(key.public_key().Verify(Algorithm::kES256, message, *a).ok());
  EXPECT_TRUE(key.public_key().Verify(Algorithm::kES256, message, *b).ok());
}

TEST(KeyTest, DerEncodedEcdsaSignatureIsRefused) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512}) {
    const PrivateKey& key = KeyFor(alg);
    Bytes message = ToBytes("m");
    auto raw = key.Sign(alg, message);
    ASSERT_TRUE(raw.ok());
    Bytes der = RawToDer(*raw);
    Status status = key.public_key().Verify(alg, message, der);
    ASSERT_FALSE(status.ok()) << AlgorithmName(alg);
    EXPECT_EQ(status.error().code, ErrorCode::kVerificationFailed);
    EXPECT_NE(status.message().find("not DER"), std::string::npos) << status.message();
  }
}

TEST(KeyTest, EcdsaScalarRangeIsEnforced) {
  const PrivateKey& key = KeyFor(Algorithm::kES256);
  PublicKey pub = key.public_key();
  Bytes message = ToBytes("m");
  auto sig = key.Sign(Algorithm::kES256, message);
  ASSERT_TRUE(sig.ok());
  const Bytes n = Hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

  Bytes zero_r = *sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_FALSE(pub.Verify(Algorithm::kES256, message, zero_r).ok());
  Bytes zero_s = *sig;
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  EXPECT_FALSE(pub.Verify(Algorithm::kES256, message, zero_s).ok());

  // s + n and r + n do not fit in 32 bytes, so "s >= n" can only be s = n..2^256-1.
  Bytes s_is_n = *sig;
  std::copy(n.begin(), n.end(), s_is_n.begin() + 32);
  EXPECT_FALSE(pub.Verify(Algorithm::kES256, message, s_is_n).ok());
  Bytes r_is_n = *sig;
  std::copy(n.begin(), n.end(), r_is_n.begin());
  EXPECT_FALSE(pub.Verify(Algorithm::kES256, message, r_is_n).ok());
  Bytes all_ff = *sig;
  std::fill(all_ff.begin() + 32, all_ff.end(), 0xff);
  EXPECT_FALSE(pub.Verify(Algorithm::kES256, message, all_ff).ok());

  // (r, n - s) is the other valid signature: RFC 9053 has no low-S rule.
  BIGNUM* bn_n = BN_bin2bn(n.data(), 32, nullptr);
  BIGNUM* bn_s = BN_bin2bn(sig->data() + 32, 32, nullptr);
  BN_sub(bn_s, bn_n, bn_s);
  Bytes complement = *sig;
  BN_bn2binpad(bn_s, complement.data() + 32, 32);
  BN_free(bn_n);
  BN_free(bn_s);
  EXPECT_TRUE(pub.Verify(Algorithm::kES256, message, complement).ok());
}

TEST(KeyTest, Ed25519Rfc8032KnownAnswers) {
  struct Case {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
  };
  const Case kCases[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const Case& c : kCases) {
    auto key = PrivateKey::FromEd25519Seed(Hex(c.seed));
    ASSERT_TRUE(key.ok()) << key.error().message;
    auto pub = PublicKey::FromEd25519(Hex(c.public_key));
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    EXPECT_TRUE(key->public_key() == *pub);
    auto sig = key->Sign(Algorithm::kEdDSA, Hex(c.message));
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(HexEncode(*sig), c.signature);
    EXPECT_TRUE(pub->Verify(Algorithm::kEdDSA, Hex(c.message), Hex(c.signature)).ok());
  }
  EXPECT_FALSE(PrivateKey::FromEd25519Seed(Bytes(31)).ok());
  EXPECT_FALSE(PublicKey::FromEd25519(Bytes(33)).ok());
}

TEST(KeyTest, PssUsesHashLengthSaltAndMgf1WithSameHash) {
  const PrivateKey& key = KeyFor(Algorithm::kPS256);
  PublicKey pub = key.public_key();
  Bytes message = ToBytes("pss");
  // Signs with OpenSSL directly using the given salt length and MGF1 hash.
  auto sign_with = [&](int salt, const EVP_MD* mgf1) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key.evp()), 1);
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, message.data(), message.size());
    Bytes sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size());
    EVP_MD_CTX_free(ctx);
    return sig;
  };
  EXPECT_TRUE(pub.Verify(Algorithm::kPS256, message, sign_with(32, EVP_sha256())).ok());
  EXPECT_FALSE(pub.Verify(Algorithm::kPS256, message, sign_with(20, EVP_sha256())).ok());
  EXPECT_FALSE(pub.Verify(Algorithm::kPS256, message, sign_with(0, EVP_sha256())).ok());
  EXPECT_FALSE(pub.Verify(Algorithm::kPS256, message, sign_with(32, EVP_sha1())).ok());
}

TEST(KeyTest, RsaKeysBelow2048BitsAreRefused) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  auto key = PrivateKey::FromPem(PemOf(small, true));
  EVP_PKEY_free(small);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_FALSE(key->public_key().Fits(Algorithm::kPS256));
  EXPECT_EQ(key->public_key().rsa_bits(), 1024u);
  auto sig = key->Sign(Algorithm::kPS256, ToBytes("m"));
  ASSERT_FALSE(sig.ok());
  EXPECT_NE(sig.error().message.find("2048"), std::string::npos) << sig.error().message;
}

TEST(KeyTest, PemRoundTrips) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
                        Algorithm::kEdDSA, Algorithm::kPS256}) {
    const PrivateKey& key = KeyFor(alg);
    std::string pem = key.ToPem();
    EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem;
    auto reloaded = PrivateKey::FromPem(pem);
    ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
    EXPECT_TRUE(reloaded->public_key() == key.public_key());
    auto sig = reloaded->Sign(alg, ToBytes("m"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(key.public_key().Verify(alg, ToBytes("m"), *sig).ok());

    std::string public_pem = key.public_key().ToPem();
    EXPECT_EQ(public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u) << public_pem;
    auto pub = PublicKey::FromPem(public_pem);
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    EXPECT_TRUE(*pub == key.public_key());
    auto from_der = PublicKey::FromSpkiDer(key.public_key().ToSpkiDer());
    ASSERT_TRUE(from_der.ok());
    EXPECT_TRUE(*from_der == key.public_key());
  }
}

TEST(KeyTest, TraditionalPrivateKeyPem) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kPS256}) {
    const PrivateKey& key = KeyFor(alg);
    std::string pem = PemOf(key.evp(), true, /*traditional=*/true);
    const char* label = alg == Algorithm::kES256 ? "-----BEGIN EC PRIVATE KEY-----"
                                                 : "-----BEGIN RSA PRIVATE KEY-----";
    EXPECT_EQ(pem.rfind(label, 0), 0u) << pem;
    auto reloaded = PrivateKey::FromPem(pem);
    ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
    EXPECT_TRUE(reloaded->public_key() == key.public_key());
  }
}

TEST(KeyTest, BadPemIsRefused) {
  EXPECT_FALSE(PrivateKey::FromPem("").ok());
  EXPECT_FALSE(PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
  EXPECT_FALSE(PublicKey::FromPem("not pem").ok());
  // A public key is not a private key and vice versa.
  EXPECT_FALSE(PrivateKey::FromPem(KeyFor(Algorithm::kES256).public_key().ToPem()).ok());
  EXPECT_FALSE(PublicKey::FromPem(KeyFor(Algorithm::kES256).ToPem()).ok());

  BIO* bio = BIO_new(BIO_s_mem());
  char password[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, KeyFor(Algorithm::kES256).evp(), EVP_aes_128_cbc(),
                                          password, 6, nullptr, nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string encrypted(data, len);
  BIO_free(bio);
  auto result = PrivateKey::FromPem(encrypted);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnsupported);

  Bytes der = KeyFor(Algorithm::kES256).public_key().ToSpkiDer();
  der.push_back(0);
  auto trailing = PublicKey::FromSpkiDer(der);
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().code, ErrorCode::kMalformed);
  EXPECT_FALSE(PublicKey::FromSpkiDer(Bytes{0x30, 0x00}).ok());
}

TEST(KeyTest, UnsupportedKeyTypesAreRefused) {
  EVP_PKEY* ed448 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
  EVP_PKEY* k256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
  ASSERT_NE(ed448, nullptr);
  ASSERT_NE(k256, nullptr);
  for (EVP_PKEY* pkey : {ed448, k256}) {
    auto pub = PublicKey::FromPem(PemOf(pkey, false));
    ASSERT_FALSE(pub.ok());
    EXPECT_EQ(pub.error().code, ErrorCode::kUnsupported);
    auto priv = PrivateKey::FromPem(PemOf(pkey, true));
    ASSERT_FALSE(priv.ok());
    EXPECT_EQ(priv.error().code, ErrorCode::kUnsupported);
  }
  EXPECT_NE(PublicKey::FromPem(PemOf(ed448, false)).error().message.find("Ed448"),
            std::string::npos);
  EVP_PKEY_free(ed448);
  EVP_PKEY_free(k256);
}

TEST(KeyTest, FromEcPrivateDerivesThePublicPoint) {
  // The key of scitt-kat/es256-signed-statement-verify-only.json.
  auto key = PrivateKey::FromEcPrivate(
      Curve::kP256, Hex("7f1d445637b7f0cc30ab6f0cee0132a342e97809e9b4c9076a8aeeb29be799f6"));
  ASSERT_TRUE(key.ok()) << key.error().message;
  auto pub = PublicKey::FromEc2(
      Curve::kP256, Hex("c876b10109e3508279ecbd7dd75c22c86d5045c85fbb61771c42a9ef06ced623"),
      Hex("97110a5f299fd36d62934af5b3c8701038b3fd7eb356ee33201c178b68806d86"));
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_TRUE(key->public_key() == *pub);
  auto sig = key->Sign(Algorithm::kES256, ToBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(pub->Verify(Algorithm::kES256, ToBytes("m"), *sig).ok());

  const Bytes n = Hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  EXPECT_FALSE(PrivateKey::FromEcPrivate(Curve::kP256, Bytes(32, 0)).ok());
  EXPECT_FALSE(PrivateKey::FromEcPrivate(Curve::kP256, n).ok());
  EXPECT_FALSE(PrivateKey::FromEcPrivate(Curve::kP256, Bytes(31, 1)).ok());
  EXPECT_FALSE(PrivateKey::FromEcPrivate(Curve::kP384, Bytes(32, 1)).ok());
  EXPECT_FALSE(PrivateKey::FromEcPrivate(Curve::kEd25519, Bytes(32, 1)).ok());
  auto p521 = PrivateKey::FromEcPrivate(Curve::kP521, Bytes(66, 1));
  ASSERT_TRUE(p521.ok()) << p521.error().message;
  EXPECT_EQ(p521->default_algorithm(), Algorithm::kES512);
}

TEST(KeyTest, EmptyKeys) {
  PublicKey empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_FALSE(empty.Fits(Algorithm::kES256));
  Status status = empty.Verify(Algorithm::kES256, {}, Bytes(64));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(empty == PublicKey());
  EXPECT_FALSE(empty == KeyFor(Algorithm::kES256).public_key());
  EXPECT_FALSE(PrivateKey().Sign(Algorithm::kES256, {}).ok());
  EXPECT_FALSE(PrivateKey().public_key().valid());
  EXPECT_EQ(empty.curve(), Curve::kNone);
  EXPECT_EQ(empty.rsa_bits(), 0u);
  EXPECT_EQ(empty.Thumbprint(), (std::array<uint8_t, 32>{}));
  EXPECT_TRUE(empty.ToJwk().empty());
  EXPECT_TRUE(empty.ToPem().empty());
  EXPECT_TRUE(empty.ToSpkiDer().empty());
  EXPECT_FALSE(KeyFor(Algorithm::kES256).public_key() == KeyFor(Algorithm::kES384).public_key());
}

}  // namespace
}  // namespace scitt::crypto
