#include "crypto/key.h"

#include <cassert>
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "crypto/hash.h"
#include "crypto/x509.h"

namespace scitt::crypto {
namespace {

template <auto F>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
void OpensslFree(void* p) { OPENSSL_free(p); }
using OpensslString = std::unique_ptr<char, Deleter<OpensslFree>>;
using OpensslBytes = std::unique_ptr<unsigned char, Deleter<OpensslFree>>;

using json = nlohmann::json;

// A read-only BIO over `data`; null when the data is too large for OpenSSL's
// int length (a negative length would make it read up to a NUL byte).
BioPtr MemoryBio(const void* data, size_t size) {
  if (size > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(size)));
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

// Empties OpenSSL's thread-local error queue into one line, so that a
// failure here never leaks stale errors into a later, unrelated call.
std::string DrainOpensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    if (reason != nullptr) {
      out += reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out += buf;
    }
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

Error OpensslError(ErrorCode code, const std::string& what) {
  return MakeError(code, what + " (OpenSSL: " + DrainOpensslErrors() + ")");
}

struct EcCurveInfo {
  Curve curve;
  int nid;
  const char* group_name;  // OpenSSL's short name
  const char* jose_name;   // RFC 7518 §6.2.1.1 "crv"
  size_t coordinate_size;  // bytes of x, y, d and of r, s
  Algorithm algorithm;
};

constexpr EcCurveInfo kEcCurves[] = {
    {Curve::kP256, NID_X9_62_prime256v1, "prime256v1", "P-256", 32, Algorithm::kES256},
    {Curve::kP384, NID_secp384r1, "secp384r1", "P-384", 48, Algorithm::kES384},
    {Curve::kP521, NID_secp521r1, "secp521r1", "P-521", 66, Algorithm::kES512},
};

const EcCurveInfo* EcCurve(Curve curve) {
  for (const auto& info : kEcCurves) {
    if (info.curve == curve) return &info;
  }
  return nullptr;
}

const EcCurveInfo* EcCurveForAlgorithm(Algorithm alg) {
  for (const auto& info : kEcCurves) {
    if (info.algorithm == alg) return &info;
  }
  return nullptr;
}

constexpr size_t kEd25519Size = 32;
constexpr size_t kMinRsaBits = 2048;

bool IsRsa(const EVP_PKEY* pkey) {
  return EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS");
}

const EcCurveInfo* EcCurveOf(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) return nullptr;
  char name[80];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  int nid = OBJ_sn2nid(name);
  for (const auto& info : kEcCurves) {
    if (info.nid == nid) return &info;
  }
  return nullptr;
}

const EVP_MD* DigestFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256:
    case Algorithm::kPS256:
      return EVP_sha256();
    case Algorithm::kES384:
    case Algorithm::kPS384:
      return EVP_sha384();
    case Algorithm::kES512:
    case Algorithm::kPS512:
      return EVP_sha512();
    case Algorithm::kEdDSA:
      return nullptr;  // Ed25519 hashes internally (RFC 8032 §5.1.6)
  }
  return nullptr;
}

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPS256 || alg == Algorithm::kPS384 || alg == Algorithm::kPS512;
}

// Accepts only the key types this layer can represent as COSE_Key and JWK.
Result<std::shared_ptr<EVP_PKEY>> Admit(EVP_PKEY* raw) {
  auto pkey = Own(raw);
  if (EVP_PKEY_is_a(raw, "EC")) {
    if (EcCurveOf(raw) == nullptr) {
      return MakeError(ErrorCode::kUnsupported,
                       "unsupported EC curve: only P-256, P-384 and P-521 (named curves) are "
                       "supported");
    }
    return pkey;
  }
  if (EVP_PKEY_is_a(raw, "ED25519") || IsRsa(raw)) return pkey;
  if (EVP_PKEY_is_a(raw, "ED448")) {
    return MakeError(ErrorCode::kUnsupported,
                     "Ed448 keys are not supported: EdDSA here means Ed25519 only");
  }
  const char* name = EVP_PKEY_get0_type_name(raw);
  return MakeError(ErrorCode::kUnsupported,
                   std::string("unsupported key type ") + (name ? name : "(unknown)") +
                       ": supported are EC P-256/P-384/P-521, Ed25519 and RSA");
}

// Why `pkey` cannot be used with `alg`, or nullopt when it can.
//
// ECDSA: the curve must match the algorithm. RFC 9053 §2.1 only says the
// curve SHOULD match the hash; we require it so that a key always has exactly
// one ECDSA algorithm and a P-256 key can never be used with ES512.
std::optional<std::string> Misfit(const EVP_PKEY* pkey, Algorithm alg) {
  std::string alg_name(AlgorithmName(alg));
  if (const EcCurveInfo* want = EcCurveForAlgorithm(alg)) {
    const EcCurveInfo* have = EcCurveOf(pkey);
    if (have == nullptr) return alg_name + " needs an EC " + want->jose_name + " key";
    if (have != want) {
      return alg_name + " needs a " + want->jose_name + " key, not " + have->jose_name +
             " (the curve must match the algorithm)";
    }
    return std::nullopt;
  }
  if (alg == Algorithm::kEdDSA) {
    if (!EVP_PKEY_is_a(pkey, "ED25519")) return std::string("EdDSA needs an Ed25519 key");
    return std::nullopt;
  }
  if (!IsRsa(pkey)) return alg_name + " needs an RSA key";
  // RFC 8230 §6.1: keys smaller than 2048 bits MUST NOT be used.
  int bits = EVP_PKEY_get_bits(pkey);
  if (bits < static_cast<int>(kMinRsaBits)) {
    return alg_name + " needs an RSA key of at least 2048 bits, this one has " +
           std::to_string(bits);
  }
  return std::nullopt;
}

// RFC 8230 §2: PSS with MGF1 using the same hash, salt length = hash length.
bool ConfigurePss(EVP_PKEY_CTX* pctx, Algorithm alg) {
  const EVP_MD* md = DigestFor(alg);
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md)) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
}

Result<std::shared_ptr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* bld,
                                             int selection, const std::string& what) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return OpensslError(ErrorCode::kInvalidArgument, what);
  }
  return Own(raw);
}

Bytes BnBytes(const BIGNUM* bn, size_t padded_size) {
  Bytes out(padded_size);
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  return out;
}

// Minimal big-endian bytes (RFC 8230 §4, RFC 7518 §2 "Base64urlUInt").
Bytes BnMinimalBytes(const BIGNUM* bn) { return BnBytes(bn, BN_num_bytes(bn)); }

Bytes GetBnParam(const EVP_PKEY* pkey, const char* name, size_t padded_size) {
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(pkey, name, &raw);
  BnPtr bn(raw);
  if (bn == nullptr) return {};
  return padded_size == 0 ? BnMinimalBytes(bn.get()) : BnBytes(bn.get(), padded_size);
}

struct EcPoint {
  Bytes x, y;
};

EcPoint EcPublicPoint(const EVP_PKEY* pkey) {
  const EcCurveInfo* info = EcCurveOf(pkey);
  return {GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, info->coordinate_size),
          GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, info->coordinate_size)};
}

Bytes Ed25519PublicBytes(const EVP_PKEY* pkey) {
  Bytes out(kEd25519Size);
  size_t len = out.size();
  EVP_PKEY_get_raw_public_key(pkey, out.data(), &len);
  return out;
}

Bytes ToDer(const EVP_PKEY* pkey) {
  int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) return {};
  Bytes out(len);
  unsigned char* p = out.data();
  i2d_PUBKEY(pkey, &p);
  return out;
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len);
}

Result<std::shared_ptr<EVP_PKEY>> RsaPublic(ByteView n, ByteView e) {
  BnPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  BnPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  if (bn_n == nullptr || bn_e == nullptr) return OpensslError(ErrorCode::kInternal, "out of memory");
  // An even modulus or an exponent of 1 makes every "signature" trivial to
  // forge; OpenSSL's fromdata accepts both.
  if (!BN_is_odd(bn_n.get()) || BN_num_bits(bn_n.get()) < 512) {
    return MakeError(ErrorCode::kInvalidArgument, "RSA modulus n must be odd and at least 512 bits");
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
    return MakeError(ErrorCode::kInvalidArgument, "RSA exponent e must be odd and at least 3");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  return FromParams("RSA", bld.get(), EVP_PKEY_PUBLIC_KEY, "invalid RSA public key");
}

// RFC 8230 §4 and RFC 7518 §2: "The octet sequence MUST utilize the minimum
// number of octets needed to represent the value."
Status CheckMinimal(ByteView v, const char* what) {
  if (v.empty() || v[0] == 0) {
    return MakeError(ErrorCode::kMalformed,
                     std::string(what) + " must be a non-empty unsigned big-endian integer "
                                         "without leading zero bytes");
  }
  return Status::Ok();
}

// ---- COSE_Key (RFC 9052 §7, RFC 9053 §7, RFC 8230 §4) ----

constexpr int64_t kCoseKty = 1;
constexpr int64_t kCoseKid = 2;
constexpr int64_t kCoseAlg = 3;
constexpr int64_t kCoseCrv = -1;  // OKP, EC2
constexpr int64_t kCoseX = -2;    // OKP, EC2
constexpr int64_t kCoseY = -3;    // EC2
constexpr int64_t kCoseN = -1;    // RSA
constexpr int64_t kCoseE = -2;    // RSA
constexpr int64_t kCoseCrvX25519 = 4;
constexpr int64_t kCoseCrvX448 = 5;
constexpr int64_t kCoseCrvEd448 = 7;

Result<const Bytes*> CoseBytes(const cbor::Value& key, int64_t label, const char* what) {
  const cbor::Value* v = key.Find(label);
  if (v == nullptr) {
    return MakeError(ErrorCode::kMalformed,
                     std::string("COSE_Key is missing ") + what + " (" + std::to_string(label) + ")");
  }
  if (!v->is_bytes()) {
    return MakeError(ErrorCode::kMalformed, std::string("COSE_Key ") + what + " (" +
                                                std::to_string(label) + ") must be a byte string");
  }
  return &v->bytes();
}

Result<int64_t> CoseInt(const cbor::Value& key, int64_t label, const char* what) {
  const cbor::Value* v = key.Find(label);
  if (v == nullptr) {
    return MakeError(ErrorCode::kMalformed,
                     std::string("COSE_Key is missing ") + what + " (" + std::to_string(label) + ")");
  }
  if (v->is_text()) {
    return MakeError(ErrorCode::kUnsupported, std::string("COSE_Key ") + what + " \"" + v->text() +
                                                  "\" is a text value; only integer values "
                                                  "are supported");
  }
  std::optional<int64_t> i = v->AsInt64();
  if (!i) {
    return MakeError(ErrorCode::kMalformed,
                     std::string("COSE_Key ") + what + " (" + std::to_string(label) + ") must be an integer");
  }
  return *i;
}

// kid (bstr) and alg (int / tstr), RFC 9052 §7.1.
Status CheckCoseCommon(const cbor::Value& key) {
  if (const cbor::Value* kid = key.Find(kCoseKid); kid != nullptr && !kid->is_bytes()) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key kid (2) must be a byte string");
  }
  if (const cbor::Value* alg = key.Find(kCoseAlg);
      alg != nullptr && !alg->is_integer() && !alg->is_text()) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key alg (3) must be an integer or a text string");
  }
  return Status::Ok();
}

// ---- JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2) ----

Result<std::string> JwkString(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK is missing \"") + name + "\"");
  }
  if (!it->is_string()) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<Bytes> JwkBytes(const json& jwk, const char* name) {
  SCITT_ASSIGN_OR_RETURN(std::string text, JwkString(jwk, name));
  std::optional<Bytes> bytes = Base64UrlDecode(text);
  if (!bytes) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK \"") + name + "\" is not base64url");
  }
  return std::move(*bytes);
}

Result<Bytes> JwkUInt(const json& jwk, const char* name) {
  SCITT_ASSIGN_OR_RETURN(Bytes v, JwkBytes(jwk, name));
  std::string what = std::string("JWK \"") + name + "\"";
  SCITT_RETURN_IF_ERROR(CheckMinimal(v, what.c_str()));
  return v;
}

Result<const EcCurveInfo*> JwkEcCurve(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string crv, JwkString(jwk, "crv"));
  for (const auto& info : kEcCurves) {
    if (crv == info.jose_name) return &info;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "unsupported JWK EC curve \"" + crv + "\": use P-256, P-384 or P-521");
}

Status JwkOkpCurve(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string crv, JwkString(jwk, "crv"));
  if (crv == "Ed25519") return Status::Ok();
  if (crv == "Ed448") {
    return MakeError(ErrorCode::kUnsupported,
                     "Ed448 keys are not supported: EdDSA here means Ed25519 only");
  }
  return MakeError(ErrorCode::kUnsupported,
                   "unsupported JWK OKP curve \"" + crv + "\": only Ed25519 is supported");
}

Result<std::string> JwkKty(const json& jwk) {
  if (!jwk.is_object()) return MakeError(ErrorCode::kMalformed, "a JWK must be a JSON object");
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkString(jwk, "kty"));
  if (kty != "EC" && kty != "OKP" && kty != "RSA") {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported JWK kty \"" + kty + "\": use EC, OKP or RSA");
  }
  return kty;
}

Result<PublicKey> PublicFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkKty(jwk));
  if (kty == "EC") {
    SCITT_ASSIGN_OR_RETURN(const EcCurveInfo* info, JwkEcCurve(jwk));
    SCITT_ASSIGN_OR_RETURN(Bytes x, JwkBytes(jwk, "x"));
    SCITT_ASSIGN_OR_RETURN(Bytes y, JwkBytes(jwk, "y"));
    return PublicKey::FromEc2(info->curve, x, y);
  }
  if (kty == "OKP") {
    SCITT_RETURN_IF_ERROR(JwkOkpCurve(jwk));
    SCITT_ASSIGN_OR_RETURN(Bytes x, JwkBytes(jwk, "x"));
    return PublicKey::FromEd25519(x);
  }
  SCITT_ASSIGN_OR_RETURN(Bytes n, JwkUInt(jwk, "n"));
  SCITT_ASSIGN_OR_RETURN(Bytes e, JwkUInt(jwk, "e"));
  SCITT_ASSIGN_OR_RETURN(auto pkey, RsaPublic(n, e));
  return PublicKey(std::move(pkey));
}

// A private JWK may repeat the public members; when it does they must belong
// to the private key, or the file is corrupt.
Status CheckJwkPublicMatches(const json& jwk, const PublicKey& derived) {
  bool has_public = jwk.contains("x") || jwk.contains("n");
  if (!has_public) return Status::Ok();
  auto stated = PublicFromJwk(jwk);
  if (!stated.ok()) return stated.error();
  if (!(*stated == derived)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "JWK public members do not match its private key \"d\"");
  }
  return Status::Ok();
}

Result<std::shared_ptr<EVP_PKEY>> RsaPrivateFromJwk(const json& jwk) {
  if (jwk.contains("oth")) {
    return MakeError(ErrorCode::kUnsupported, "multi-prime RSA JWKs (\"oth\") are not supported");
  }
  for (const char* member : {"p", "q", "dp", "dq", "qi"}) {
    if (!jwk.contains(member)) {
      return MakeError(ErrorCode::kUnsupported,
                       std::string("RSA private JWK without \"") + member +
                           "\" is not supported: all CRT members (p, q, dp, dq, qi) are required");
    }
  }
  static constexpr std::pair<const char*, const char*> kMembers[] = {
      {"n", OSSL_PKEY_PARAM_RSA_N},
      {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<SecretBnPtr> bns;
  for (const auto& [member, param] : kMembers) {
    SCITT_ASSIGN_OR_RETURN(Bytes v, JwkUInt(jwk, member));
    bns.emplace_back(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr));
    OPENSSL_cleanse(v.data(), v.size());
    OSSL_PARAM_BLD_push_BN(bld.get(), param, bns.back().get());
  }
  SCITT_ASSIGN_OR_RETURN(auto pkey,
                         FromParams("RSA", bld.get(), EVP_PKEY_KEYPAIR, "invalid RSA private JWK"));
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OpensslError(ErrorCode::kInvalidArgument,
                        "RSA private JWK members are inconsistent or use an unusual exponent");
  }
  return pkey;
}

Result<std::shared_ptr<EVP_PKEY>> EcPrivate(Curve curve, ByteView d) {
  const EcCurveInfo* info = EcCurve(curve);
  if (info == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "FromEcPrivate needs P-256, P-384 or P-521");
  }
  // RFC 7518 §6.2.2.1 and RFC 9053 §7.1.1: d has the full coordinate length.
  if (d.size() != info->coordinate_size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(info->jose_name) + " private key d must be " +
                         std::to_string(info->coordinate_size) + " bytes, got " +
                         std::to_string(d.size()));
  }
  EcGroupPtr group(EC_GROUP_new_by_curve_name(info->nid));
  SecretBnPtr priv(BN_secure_new());
  if (group == nullptr || priv == nullptr ||
      BN_bin2bn(d.data(), static_cast<int>(d.size()), priv.get()) == nullptr) {
    return OpensslError(ErrorCode::kInternal, "cannot set up EC private key");
  }
  BN_set_flags(priv.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(priv.get()) || BN_cmp(priv.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(info->jose_name) + " private key d must be in [1, n-1]");
  }
  // OpenSSL 3.0's fromdata does not derive the public point from d.
  EcPointPtr pub(EC_POINT_new(group.get()));
  if (pub == nullptr ||
      EC_POINT_mul(group.get(), pub.get(), priv.get(), nullptr, nullptr, nullptr) != 1) {
    return OpensslError(ErrorCode::kInternal, "cannot derive the EC public key");
  }
  Bytes point(EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, nullptr,
                                 0, nullptr));
  EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
                     point.size(), nullptr);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info->group_name, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                   point.size());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  return FromParams("EC", bld.get(), EVP_PKEY_KEYPAIR, "invalid EC private key");
}

Result<std::shared_ptr<EVP_PKEY>> Ed25519Private(ByteView seed) {
  if (seed.size() != kEd25519Size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Ed25519 private key (seed) must be 32 bytes, got " + std::to_string(seed.size()));
  }
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (raw == nullptr) return OpensslError(ErrorCode::kInternal, "cannot create Ed25519 key");
  return Own(raw);
}

Result<std::shared_ptr<EVP_PKEY>> PrivateFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkKty(jwk));
  if (!jwk.contains("d")) {
    return MakeError(ErrorCode::kInvalidArgument, "JWK has no private member \"d\"");
  }
  if (kty == "RSA") return RsaPrivateFromJwk(jwk);
  std::shared_ptr<EVP_PKEY> pkey;
  SCITT_ASSIGN_OR_RETURN(Bytes d, JwkBytes(jwk, "d"));
  if (kty == "EC") {
    auto curve = JwkEcCurve(jwk);
    if (!curve.ok()) return curve.error();
    auto made = EcPrivate((*curve)->curve, d);
    OPENSSL_cleanse(d.data(), d.size());
    if (!made.ok()) return made.error();
    pkey = std::move(*made);
  } else {
    SCITT_RETURN_IF_ERROR(JwkOkpCurve(jwk));
    auto made = Ed25519Private(d);
    OPENSSL_cleanse(d.data(), d.size());
    if (!made.ok()) return made.error();
    pkey = std::move(*made);
  }
  // Compare against a public-only copy so that EVP_PKEY_eq looks at the
  // public components only.
  auto derived = PublicKey::FromSpkiDer(ToDer(pkey.get()));
  if (!derived.ok()) return derived.error();
  SCITT_RETURN_IF_ERROR(CheckJwkPublicMatches(jwk, *derived));
  return pkey;
}

// A key set member: the key plus the kid and alg its source gave it. When an
// alg is given the key must fit it; an alg we do not know is refused rather
// than ignored, because ignoring it would widen what the key may verify.
Result<KeyWithId> MakeKeyWithId(PublicKey key, Bytes kid, std::optional<Algorithm> alg) {
  if (alg) {
    if (auto why = Misfit(key.evp(), *alg)) {
      return MakeError(ErrorCode::kInvalidArgument, "key does not fit its alg: " + *why);
    }
  }
  return KeyWithId{std::move(key), std::move(kid), alg};
}

Result<KeyWithId> KeyFromCoseKey(const cbor::Value& cose_key) {
  SCITT_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromCoseKey(cose_key));
  Bytes kid;
  if (const cbor::Value* v = cose_key.Find(kCoseKid)) kid = v->bytes();
  std::optional<Algorithm> alg;
  if (const cbor::Value* v = cose_key.Find(kCoseAlg)) {
    std::optional<int64_t> id = v->AsInt64();
    alg = id ? AlgorithmFromCose(*id) : std::nullopt;
    if (!alg) {
      std::string shown = id ? std::to_string(*id) : v->is_text() ? "\"" + v->text() + "\"" : "(out of range)";
      return MakeError(ErrorCode::kUnsupported,
                       "COSE_Key alg " + shown + " is not a supported signature algorithm");
    }
  }
  return MakeKeyWithId(std::move(key), std::move(kid), alg);
}

Result<KeyWithId> KeyFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromJwk(jwk));
  Bytes kid;
  if (auto it = jwk.find("kid"); it != jwk.end()) {
    if (!it->is_string()) return MakeError(ErrorCode::kMalformed, "JWK \"kid\" must be a string");
    kid = ToBytes(it->get<std::string>());
  }
  std::optional<Algorithm> alg;
  if (auto it = jwk.find("alg"); it != jwk.end()) {
    if (!it->is_string()) return MakeError(ErrorCode::kMalformed, "JWK \"alg\" must be a string");
    alg = AlgorithmFromName(it->get<std::string>());
    if (!alg) {
      return MakeError(ErrorCode::kUnsupported, "JWK alg \"" + it->get<std::string>() +
                                                    "\" is not a supported signature algorithm");
    }
  }
  return MakeKeyWithId(std::move(key), std::move(kid), alg);
}

Result<std::vector<KeyWithId>> KeySetFromPem(ByteView data) {
  BioPtr bio = MemoryBio(data.data(), data.size());
  if (bio == nullptr) return MakeError(ErrorCode::kInvalidArgument, "key set is too large");
  std::vector<KeyWithId> keys;
  for (size_t index = 0;; ++index) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* der_raw = nullptr;
    long len = 0;
    int ok = PEM_read_bio(bio.get(), &name_raw, &header_raw, &der_raw, &len);
    OpensslString name(name_raw), header(header_raw);
    OpensslBytes der(der_raw);
    if (ok != 1) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE &&
          index > 0) {
        ERR_clear_error();
        break;
      }
      return OpensslError(ErrorCode::kMalformed,
                          "cannot read PEM block " + std::to_string(index + 1) + " of the key set");
    }
    ByteView body(der.get(), static_cast<size_t>(len));
    std::string_view label(name.get());
    std::string where = "PEM block " + std::to_string(index + 1) + ": ";
    if (label == "PUBLIC KEY") {
      auto key = PublicKey::FromSpkiDer(body);
      if (!key.ok()) return MakeError(key.error().code, where + key.error().message);
      keys.push_back({std::move(*key), {}, std::nullopt});
    } else if (label == "CERTIFICATE") {
      auto cert = Certificate::FromDer(body);
      if (!cert.ok()) return MakeError(cert.error().code, where + cert.error().message);
      PublicKey key = cert->public_key();
      if (!key.valid()) {
        return MakeError(ErrorCode::kUnsupported,
                         where + "the certificate's public key type is not supported");
      }
      keys.push_back({std::move(key), {}, std::nullopt});
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       where + "\"" + std::string(label) +
                           "\" is not allowed in a key set (use PUBLIC KEY or CERTIFICATE)");
    }
  }
  return keys;
}

Result<std::vector<KeyWithId>> KeySetFromJson(ByteView data) {
  json doc = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, "key set is not a JSON object (JWKS or JWK)");
  }
  std::vector<KeyWithId> keys;
  if (!doc.contains("keys")) {
    SCITT_ASSIGN_OR_RETURN(KeyWithId key, KeyFromJwk(doc));
    keys.push_back(std::move(key));
    return keys;
  }
  const json& list = doc["keys"];
  if (!list.is_array()) return MakeError(ErrorCode::kMalformed, "JWKS \"keys\" must be an array");
  for (size_t i = 0; i < list.size(); ++i) {
    auto key = KeyFromJwk(list[i]);
    if (!key.ok()) {
      return MakeError(key.error().code,
                       "JWKS key " + std::to_string(i) + ": " + key.error().message);
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<std::vector<KeyWithId>> KeySetFromCbor(ByteView data) {
  auto decoded = cbor::Decode(data);
  if (!decoded.ok()) {
    return MakeError(ErrorCode::kMalformed,
                     "key set is not PEM, JSON or CBOR: " + decoded.error().message);
  }
  std::vector<KeyWithId> keys;
  if (decoded->is_map()) {
    SCITT_ASSIGN_OR_RETURN(KeyWithId key, KeyFromCoseKey(*decoded));
    keys.push_back(std::move(key));
    return keys;
  }
  if (!decoded->is_array()) {
    return MakeError(ErrorCode::kMalformed,
                     "CBOR key set must be a COSE_KeySet (array) or a COSE_Key (map)");
  }
  const cbor::Array& items = decoded->array();
  for (size_t i = 0; i < items.size(); ++i) {
    auto key = KeyFromCoseKey(items[i]);
    if (!key.ok()) {
      return MakeError(key.error().code,
                       "COSE_KeySet key " + std::to_string(i) + ": " + key.error().message);
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

// COSE_Key members every key of this type must have; exactly the RFC 9679
// §3 thumbprint input.
cbor::Map RequiredCoseMembers(const EVP_PKEY* pkey) {
  if (const EcCurveInfo* info = EcCurveOf(pkey)) {
    EcPoint point = EcPublicPoint(pkey);
    return {cbor::Entry(kCoseKty, cbor::Value::Int(static_cast<int64_t>(KeyType::kEc2))),
            cbor::Entry(kCoseCrv, cbor::Value::Int(static_cast<int64_t>(info->curve))),
            cbor::Entry(kCoseX, cbor::Value::ByteString(std::move(point.x))),
            cbor::Entry(kCoseY, cbor::Value::ByteString(std::move(point.y)))};
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    return {cbor::Entry(kCoseKty, cbor::Value::Int(static_cast<int64_t>(KeyType::kOkp))),
            cbor::Entry(kCoseCrv, cbor::Value::Int(static_cast<int64_t>(Curve::kEd25519))),
            cbor::Entry(kCoseX, cbor::Value::ByteString(Ed25519PublicBytes(pkey)))};
  }
  return {cbor::Entry(kCoseKty, cbor::Value::Int(static_cast<int64_t>(KeyType::kRsa))),
          cbor::Entry(kCoseN, cbor::Value::ByteString(GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N, 0))),
          cbor::Entry(kCoseE, cbor::Value::ByteString(GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_E, 0)))};
}

}  // namespace

// ---- PublicKey ----

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem.data(), pem.size());
  if (bio == nullptr) return MakeError(ErrorCode::kInvalidArgument, "PEM input is too large");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) {
    return OpensslError(ErrorCode::kMalformed,
                        "no \"PUBLIC KEY\" PEM block (SubjectPublicKeyInfo) could be read");
  }
  SCITT_ASSIGN_OR_RETURN(auto pkey, Admit(raw));
  return PublicKey(std::move(pkey));
}

Result<PublicKey> PublicKey::FromSpkiDer(ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) {
    return OpensslError(ErrorCode::kMalformed, "not a DER SubjectPublicKeyInfo");
  }
  SCITT_ASSIGN_OR_RETURN(auto pkey, Admit(raw));
  if (p != der.data() + der.size()) {
    return MakeError(ErrorCode::kMalformed, "trailing bytes after the SubjectPublicKeyInfo");
  }
  return PublicKey(std::move(pkey));
}

Result<PublicKey> PublicKey::FromCoseKey(const cbor::Value& cose_key) {
  if (!cose_key.is_map()) return MakeError(ErrorCode::kMalformed, "COSE_Key must be a CBOR map");
  SCITT_RETURN_IF_ERROR(CheckCoseCommon(cose_key));
  SCITT_ASSIGN_OR_RETURN(int64_t kty, CoseInt(cose_key, kCoseKty, "kty"));
  switch (kty) {
    case static_cast<int64_t>(KeyType::kOkp): {
      SCITT_ASSIGN_OR_RETURN(int64_t crv, CoseInt(cose_key, kCoseCrv, "crv"));
      if (crv == kCoseCrvEd448) {
        return MakeError(ErrorCode::kUnsupported,
                         "Ed448 keys are not supported: EdDSA here means Ed25519 only");
      }
      if (crv == kCoseCrvX25519 || crv == kCoseCrvX448) {
        return MakeError(ErrorCode::kUnsupported,
                         "X25519/X448 are key-agreement curves, not signature keys");
      }
      if (crv != static_cast<int64_t>(Curve::kEd25519)) {
        return MakeError(ErrorCode::kUnsupported,
                         "unsupported OKP curve " + std::to_string(crv) + ": only Ed25519 (6)");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* x, CoseBytes(cose_key, kCoseX, "x"));
      return FromEd25519(*x);
    }
    case static_cast<int64_t>(KeyType::kEc2): {
      SCITT_ASSIGN_OR_RETURN(int64_t crv, CoseInt(cose_key, kCoseCrv, "crv"));
      const EcCurveInfo* info = nullptr;
      for (const auto& c : kEcCurves) {
        if (static_cast<int64_t>(c.curve) == crv) info = &c;
      }
      if (info == nullptr) {
        return MakeError(ErrorCode::kUnsupported,
                         "unsupported EC2 curve " + std::to_string(crv) +
                             ": use P-256 (1), P-384 (2) or P-521 (3)");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* x, CoseBytes(cose_key, kCoseX, "x"));
      // RFC 9053 §7.1.1 lets y be a bool (point compression); we take only
      // the uncompressed form.
      if (const cbor::Value* y = cose_key.Find(kCoseY); y != nullptr && y->is_bool()) {
        return MakeError(ErrorCode::kUnsupported,
                         "compressed EC2 points (y as a bool) are not supported; give y as bytes");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* y, CoseBytes(cose_key, kCoseY, "y"));
      return FromEc2(info->curve, *x, *y);
    }
    case static_cast<int64_t>(KeyType::kRsa): {
      SCITT_ASSIGN_OR_RETURN(const Bytes* n, CoseBytes(cose_key, kCoseN, "n"));
      SCITT_ASSIGN_OR_RETURN(const Bytes* e, CoseBytes(cose_key, kCoseE, "e"));
      SCITT_RETURN_IF_ERROR(CheckMinimal(*n, "COSE_Key RSA n"));
      SCITT_RETURN_IF_ERROR(CheckMinimal(*e, "COSE_Key RSA e"));
      SCITT_ASSIGN_OR_RETURN(auto pkey, RsaPublic(*n, *e));
      return PublicKey(std::move(pkey));
    }
    default:
      return MakeError(ErrorCode::kUnsupported,
                       "unsupported COSE_Key kty " + std::to_string(kty) +
                           ": use OKP (1), EC2 (2) or RSA (3)");
  }
}

Result<PublicKey> PublicKey::FromJwk(const nlohmann::json& jwk) {
  try {
    return PublicFromJwk(jwk);
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("invalid JWK: ") + e.what());
  }
}

Result<PublicKey> PublicKey::FromEc2(Curve curve, ByteView x, ByteView y) {
  const EcCurveInfo* info = EcCurve(curve);
  if (info == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "FromEc2 needs P-256, P-384 or P-521");
  }
  // RFC 9053 §7.1.1: "Leading zero octets MUST be preserved."
  if (x.size() != info->coordinate_size || y.size() != info->coordinate_size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(info->jose_name) + " x and y must be " +
                         std::to_string(info->coordinate_size) + " bytes each, got " +
                         std::to_string(x.size()) + " and " + std::to_string(y.size()));
  }
  Bytes point;
  point.reserve(1 + x.size() + y.size());
  point.push_back(POINT_CONVERSION_UNCOMPRESSED);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info->group_name, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                   point.size());
  std::string what = std::string("(x, y) is not a point on ") + info->jose_name;
  SCITT_ASSIGN_OR_RETURN(auto pkey, FromParams("EC", bld.get(), EVP_PKEY_PUBLIC_KEY, what));
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return OpensslError(ErrorCode::kInvalidArgument, what);
  }
  return PublicKey(std::move(pkey));
}

Result<PublicKey> PublicKey::FromEd25519(ByteView x) {
  if (x.size() != kEd25519Size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Ed25519 public key must be 32 bytes, got " + std::to_string(x.size()));
  }
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x.data(), x.size());
  if (raw == nullptr) return OpensslError(ErrorCode::kInvalidArgument, "invalid Ed25519 key");
  return PublicKey(Own(raw));
}

KeyType PublicKey::type() const {
  assert(valid());
  if (EVP_PKEY_is_a(pkey_.get(), "EC")) return KeyType::kEc2;
  if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) return KeyType::kOkp;
  return KeyType::kRsa;
}

Curve PublicKey::curve() const {
  if (!valid()) return Curve::kNone;
  if (const EcCurveInfo* info = EcCurveOf(pkey_.get())) return info->curve;
  if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) return Curve::kEd25519;
  return Curve::kNone;
}

size_t PublicKey::rsa_bits() const {
  return valid() && IsRsa(pkey_.get()) ? static_cast<size_t>(EVP_PKEY_get_bits(pkey_.get())) : 0;
}

bool PublicKey::Fits(Algorithm alg) const { return valid() && !Misfit(pkey_.get(), alg); }

Status PublicKey::Verify(Algorithm alg, ByteView message, ByteView signature) const {
  if (!valid()) return MakeError(ErrorCode::kInvalidArgument, "Verify called on an empty key");
  if (auto why = Misfit(pkey_.get(), alg)) {
    return MakeError(ErrorCode::kVerificationFailed, "key does not fit the algorithm: " + *why);
  }
  std::string alg_name(AlgorithmName(alg));
  Bytes der_signature;
  ByteView to_verify = signature;
  if (const EcCurveInfo* info = EcCurveForAlgorithm(alg)) {
    // RFC 9053 §2.1: the signature is r and s, each left-padded to the
    // coordinate size, concatenated; any other length (such as DER) is wrong.
    size_t half = info->coordinate_size;
    if (signature.size() != 2 * half) {
      return MakeError(ErrorCode::kVerificationFailed,
                       alg_name + " signature must be " + std::to_string(2 * half) +
                           " bytes (raw r||s, not DER), got " + std::to_string(signature.size()));
    }
    BnPtr r(BN_bin2bn(signature.data(), static_cast<int>(half), nullptr));
    BnPtr s(BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
    if (r == nullptr || s == nullptr) return OpensslError(ErrorCode::kInternal, "out of memory");
    // r, s >= n is refused by OpenSSL's ECDSA verification itself.
    if (BN_is_zero(r.get()) || BN_is_zero(s.get())) {
      return MakeError(ErrorCode::kVerificationFailed,
                       alg_name + " signature invalid: r or s is zero");
    }
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (sig == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
      return OpensslError(ErrorCode::kInternal, "cannot build ECDSA signature");
    }
    r.release();
    s.release();
    int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0) return OpensslError(ErrorCode::kInternal, "cannot encode ECDSA signature");
    der_signature.resize(len);
    unsigned char* p = der_signature.data();
    i2d_ECDSA_SIG(sig.get(), &p);
    to_verify = der_signature;
  } else if (alg == Algorithm::kEdDSA) {
    if (signature.size() != 64) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "EdDSA (Ed25519) signature must be 64 bytes, got " +
                           std::to_string(signature.size()));
    }
  } else if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey_.get()))) {
    // RFC 8017 §8.1.2 step 1: the signature is exactly k bytes long.
    return MakeError(ErrorCode::kVerificationFailed,
                     alg_name + " signature must be " +
                         std::to_string(EVP_PKEY_get_size(pkey_.get())) + " bytes, got " +
                         std::to_string(signature.size()));
  }

  MdCtxPtr md_ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md_ctx
  if (md_ctx == nullptr ||
      EVP_DigestVerifyInit(md_ctx.get(), &pctx, DigestFor(alg), nullptr, pkey_.get()) != 1 ||
      (IsPss(alg) && !ConfigurePss(pctx, alg))) {
    return OpensslError(ErrorCode::kInternal, "cannot set up " + alg_name + " verification");
  }
  int rc = EVP_DigestVerify(md_ctx.get(), to_verify.data(), to_verify.size(), message.data(),
                            message.size());
  if (rc != 1) {
    DrainOpensslErrors();
    return MakeError(ErrorCode::kVerificationFailed, alg_name + " signature does not verify");
  }
  return Status::Ok();
}

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!valid() || bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    DrainOpensslErrors();
    return {};
  }
  return BioToString(bio.get());
}

Bytes PublicKey::ToSpkiDer() const { return valid() ? ToDer(pkey_.get()) : Bytes{}; }

cbor::Value PublicKey::ToCoseKey(std::optional<ByteView> kid, std::optional<Algorithm> alg) const {
  if (!valid()) return cbor::Value::FromMap({});
  cbor::Map map = RequiredCoseMembers(pkey_.get());
  if (kid) map.push_back(cbor::Entry(kCoseKid, cbor::Value::ByteString(*kid)));
  if (alg) map.push_back(cbor::Entry(kCoseAlg, cbor::Value::Int(CoseId(*alg))));
  return cbor::Value::FromMap(std::move(map));
}

nlohmann::json PublicKey::ToJwk(std::optional<std::string_view> kid,
                                std::optional<Algorithm> alg) const {
  json jwk = json::object();
  if (!valid()) return jwk;
  if (const EcCurveInfo* info = EcCurveOf(pkey_.get())) {
    EcPoint point = EcPublicPoint(pkey_.get());
    jwk["kty"] = "EC";
    jwk["crv"] = info->jose_name;
    jwk["x"] = Base64UrlEncode(point.x);
    jwk["y"] = Base64UrlEncode(point.y);
  } else if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) {
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = Base64UrlEncode(Ed25519PublicBytes(pkey_.get()));
  } else {
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0));
    jwk["e"] = Base64UrlEncode(GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0));
  }
  if (kid) jwk["kid"] = std::string(*kid);
  if (alg) jwk["alg"] = std::string(AlgorithmName(*alg));
  return jwk;
}

std::array<uint8_t, 32> PublicKey::Thumbprint() const {
  if (!valid()) return {};
  return Sha256(cbor::Encode(cbor::Value::FromMap(RequiredCoseMembers(pkey_.get()))));
}

bool operator==(const PublicKey& a, const PublicKey& b) {
  if (!a.valid() || !b.valid()) return a.valid() == b.valid();
  return EVP_PKEY_eq(a.evp(), b.evp()) == 1;
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::Generate(Algorithm alg) {
  EVP_PKEY* raw = nullptr;
  if (const EcCurveInfo* info = EcCurveForAlgorithm(alg)) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info->group_name);
  } else if (alg == Algorithm::kEdDSA) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072));
  }
  if (raw == nullptr) {
    return OpensslError(ErrorCode::kInternal,
                        "key generation for " + std::string(AlgorithmName(alg)) + " failed");
  }
  return PrivateKey(Own(raw));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY") != std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    return MakeError(ErrorCode::kUnsupported,
                     "encrypted private keys are not supported; decrypt it first "
                     "(openssl pkey -in key.pem -out plain.pem)");
  }
  BioPtr bio = MemoryBio(pem.data(), pem.size());
  if (bio == nullptr) return MakeError(ErrorCode::kInvalidArgument, "PEM input is too large");
  // A password callback that refuses, so OpenSSL never prompts on a terminal.
  auto no_password = [](char*, int, int, void*) { return -1; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) {
    return OpensslError(ErrorCode::kMalformed,
                        "no private key PEM block (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE "
                        "KEY) could be read");
  }
  SCITT_ASSIGN_OR_RETURN(auto pkey, Admit(raw));
  return PrivateKey(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromJwk(const nlohmann::json& jwk) {
  try {
    SCITT_ASSIGN_OR_RETURN(auto pkey, PrivateFromJwk(jwk));
    return PrivateKey(std::move(pkey));
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("invalid JWK: ") + e.what());
  }
}

Result<PrivateKey> PrivateKey::FromEd25519Seed(ByteView seed32) {
  SCITT_ASSIGN_OR_RETURN(auto pkey, Ed25519Private(seed32));
  return PrivateKey(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromEcPrivate(Curve curve, ByteView d) {
  SCITT_ASSIGN_OR_RETURN(auto pkey, EcPrivate(curve, d));
  return PrivateKey(std::move(pkey));
}

PublicKey PrivateKey::public_key() const {
  if (!valid()) return PublicKey();
  // Through SPKI so the PublicKey never carries private material.
  auto key = PublicKey::FromSpkiDer(ToDer(pkey_.get()));
  return key.ok() ? std::move(*key) : PublicKey();
}

Algorithm PrivateKey::default_algorithm() const {
  assert(valid());
  if (const EcCurveInfo* info = EcCurveOf(pkey_.get())) return info->algorithm;
  if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) return Algorithm::kEdDSA;
  return Algorithm::kPS256;
}

Result<Bytes> PrivateKey::Sign(Algorithm alg, ByteView message) const {
  if (!valid()) return MakeError(ErrorCode::kInvalidArgument, "Sign called on an empty key");
  if (auto why = Misfit(pkey_.get(), alg)) {
    return MakeError(ErrorCode::kInvalidArgument, "key does not fit the algorithm: " + *why);
  }
  std::string alg_name(AlgorithmName(alg));
  MdCtxPtr md_ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md_ctx
  if (md_ctx == nullptr ||
      EVP_DigestSignInit(md_ctx.get(), &pctx, DigestFor(alg), nullptr, pkey_.get()) != 1 ||
      (IsPss(alg) && !ConfigurePss(pctx, alg))) {
    return OpensslError(ErrorCode::kInternal, "cannot set up " + alg_name + " signing");
  }
  size_t len = 0;
  if (EVP_DigestSign(md_ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return OpensslError(ErrorCode::kInternal, alg_name + " signing failed");
  }
  Bytes signature(len);
  if (EVP_DigestSign(md_ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
    return OpensslError(ErrorCode::kInternal, alg_name + " signing failed");
  }
  signature.resize(len);
  const EcCurveInfo* info = EcCurveForAlgorithm(alg);
  if (info == nullptr) return signature;

  // OpenSSL produces DER; COSE wants r||s, each left-padded (RFC 9053 §2.1).
  const unsigned char* p = signature.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
  if (sig == nullptr) return OpensslError(ErrorCode::kInternal, "cannot decode ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(2 * info->coordinate_size);
  BN_bn2binpad(r, raw.data(), static_cast<int>(info->coordinate_size));
  BN_bn2binpad(s, raw.data() + info->coordinate_size, static_cast<int>(info->coordinate_size));
  return raw;
}

std::string PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!valid() || bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    DrainOpensslErrors();
    return {};
  }
  return BioToString(bio.get());
}

// ---- Key sets ----

Result<std::vector<KeyWithId>> ParseKeySet(ByteView data) {
  size_t start = 0;
  while (start < data.size() &&
         (data[start] == ' ' || data[start] == '\t' || data[start] == '\r' || data[start] == '\n')) {
    ++start;
  }
  if (start == data.size()) return MakeError(ErrorCode::kMalformed, "the key set is empty");
  // A CBOR array or map head is 0x80..0xbf, never text; PEM files may carry
  // text (such as "subject=…") before the first block.
  uint8_t first = data[start];
  bool cbor_container = first >= 0x80 && first <= 0xbf;
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  Result<std::vector<KeyWithId>> keys = std::vector<KeyWithId>{};
  if (first == '{') {
    try {
      keys = KeySetFromJson(data);
    } catch (const json::exception& e) {
      keys = MakeError(ErrorCode::kMalformed, std::string("invalid JWKS: ") + e.what());
    }
  } else if (!cbor_container && text.find("-----BEGIN") != std::string_view::npos) {
    keys = KeySetFromPem(data);
  } else {
    keys = KeySetFromCbor(data);
  }
  if (keys.ok() && keys->empty()) return MakeError(ErrorCode::kMalformed, "the key set has no keys");
  return keys;
}

}  // namespace scitt::crypto
