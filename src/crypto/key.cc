// PublicKey and PrivateKey core: loading and saving PEM/DER and raw
// components, signing and verifying, and the key/algorithm fit. Raw public
// components and thumbprints are in components.cc, JWK in jwk.cc and key
// sets in key_set.cc; COSE_Key is in the cose layer. Over 600 lines because
// each algorithm family (EC, RSA, EdDSA) needs its own load, sign and verify
// forms, which are kept side by side so they are reviewed together.
#include "crypto/key.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <utility>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/key_internal.h"
#include "crypto/openssl_util.h"

namespace scitt::crypto {
using namespace internal;

namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;

constexpr size_t kMinRsaBits = 2048;

const EcCurveInfo* EcCurveForAlgorithm(Algorithm alg) {
  for (const auto& info : kEcCurves) {
    if (info.algorithm == alg) return &info;
  }
  return nullptr;
}

bool IsRsa(const EVP_PKEY* pkey) {
  return EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS");
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

enum class Purpose { kSign, kVerify };

// A digest context that signs or verifies with `alg`; for PS* configured as
// RFC 8230 §2 says: PSS with MGF1 using the same hash, salt length = hash
// length.
Result<MdCtxPtr> DigestContext(EVP_PKEY* pkey, Algorithm alg, Purpose purpose) {
  const EVP_MD* md = DigestFor(alg);
  MdCtxPtr md_ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md_ctx
  int init = md_ctx == nullptr ? 0
             : purpose == Purpose::kSign
                 ? EVP_DigestSignInit(md_ctx.get(), &pctx, md, nullptr, pkey)
                 : EVP_DigestVerifyInit(md_ctx.get(), &pctx, md, nullptr, pkey);
  if (init != 1 ||
      (IsPss(alg) && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md)) != 1 ||
                      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))) {
    return OpensslError(ErrorCode::kInternal,
                        "cannot set up " + std::string(AlgorithmName(alg)) +
                            (purpose == Purpose::kSign ? " signing" : " verification"));
  }
  return md_ctx;
}

// ECDSA verification contexts, one per thread and key, set up once: OpenSSL 3
// fetches the digest and signature methods on every EVP_DigestVerifyInit
// (about 6% of a P-256 verification). A context holds a reference to its key,
// so a cached key's address cannot be reused by another key.
class EcdsaVerifyContexts {
 public:
  ~EcdsaVerifyContexts() {
    for (auto& slot : slots_) EVP_PKEY_CTX_free(slot.second);
  }

  // nullptr (errors drained) when OpenSSL cannot set one up.
  EVP_PKEY_CTX* For(EVP_PKEY* pkey) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].first != pkey) continue;
      std::rotate(slots_.begin(), slots_.begin() + static_cast<ptrdiff_t>(i),
                  slots_.begin() + static_cast<ptrdiff_t>(i) + 1);  // most recent first
      return slots_.front().second;
    }
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
    if (ctx == nullptr || EVP_PKEY_verify_init(ctx) != 1) {
      EVP_PKEY_CTX_free(ctx);
      DrainOpensslErrors();
      return nullptr;
    }
    if (slots_.size() == kSlots) {
      EVP_PKEY_CTX_free(slots_.back().second);
      slots_.pop_back();
    }
    slots_.insert(slots_.begin(), {pkey, ctx});
    return ctx;
  }

 private:
  static constexpr size_t kSlots = 8;
  std::vector<std::pair<EVP_PKEY*, EVP_PKEY_CTX*>> slots_;
};

// ECDSA over the digest of `message`, `der_signature` in DER.
bool VerifyEcdsa(EVP_PKEY* pkey, const EVP_MD* md, ByteView message, ByteView der_signature) {
  thread_local EcdsaVerifyContexts contexts;
  EVP_PKEY_CTX* ctx = contexts.For(pkey);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (ctx == nullptr || EVP_Digest(message.data(), message.size(), digest, &digest_size, md, nullptr) != 1) {
    DrainOpensslErrors();
    return false;
  }
  return EVP_PKEY_verify(ctx, der_signature.data(), der_signature.size(), digest, digest_size) == 1;
}

Bytes BnBytes(const BIGNUM* bn, size_t padded_size) {
  Bytes out(padded_size);
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  return out;
}

// Minimal big-endian bytes (RFC 8230 §4, RFC 7518 §2 "Base64urlUInt").
Bytes BnMinimalBytes(const BIGNUM* bn) { return BnBytes(bn, BN_num_bytes(bn)); }

}  // namespace

namespace internal {

const EVP_MD* FetchedDigest(Algorithm alg) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  const EVP_MD* md = DigestFor(alg);
  if (md == EVP_sha256() && sha256 != nullptr) return sha256;
  if (md == EVP_sha384() && sha384 != nullptr) return sha384;
  if (md == EVP_sha512() && sha512 != nullptr) return sha512;
  return md;
}

Result<Bytes> EcdsaDerSignature(ByteView cose_signature, std::string_view alg_name) {
  const size_t half = cose_signature.size() / 2;
  BnPtr r(BN_bin2bn(cose_signature.data(), static_cast<int>(half), nullptr));
  BnPtr s(BN_bin2bn(cose_signature.data() + half, static_cast<int>(half), nullptr));
  if (r == nullptr || s == nullptr) return OpensslError(ErrorCode::kInternal, "out of memory");
  // r, s >= n is refused by OpenSSL's ECDSA verification itself.
  if (BN_is_zero(r.get()) || BN_is_zero(s.get())) {
    return MakeError(ErrorCode::kVerificationFailed,
                     std::string(alg_name) + " signature invalid: r or s is zero");
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (sig == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpensslError(ErrorCode::kInternal, "cannot build ECDSA signature");
  }
  r.release();
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return OpensslError(ErrorCode::kInternal, "cannot encode ECDSA signature");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

const EcCurveInfo* EcCurve(Curve curve) {
  for (const auto& info : kEcCurves) {
    if (info.curve == curve) return &info;
  }
  return nullptr;
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

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

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

Bytes GetBnParam(const EVP_PKEY* pkey, const char* name, size_t padded_size) {
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(pkey, name, &raw);
  BnPtr bn(raw);
  if (bn == nullptr) return {};
  return padded_size == 0 ? BnMinimalBytes(bn.get()) : BnBytes(bn.get(), padded_size);
}

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

}  // namespace internal

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
    SCITT_ASSIGN_OR_RETURN(der_signature, EcdsaDerSignature(signature, alg_name));
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

  bool verified;
  if (EcCurveForAlgorithm(alg) != nullptr) {
    verified = VerifyEcdsa(pkey_.get(), FetchedDigest(alg), message, to_verify);
  } else {
    SCITT_ASSIGN_OR_RETURN(MdCtxPtr md_ctx, DigestContext(pkey_.get(), alg, Purpose::kVerify));
    verified = EVP_DigestVerify(md_ctx.get(), to_verify.data(), to_verify.size(), message.data(),
                                message.size()) == 1;
  }
  if (!verified) {
    DrainOpensslErrors();
    return MakeError(ErrorCode::kVerificationFailed, alg_name + " signature does not verify");
  }
  return Status::Ok();
}

std::string PublicKey::ToPem() const {
  if (!valid()) return {};
  return WriteToString([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey_.get()) == 1; });
}

Bytes PublicKey::ToSpkiDer() const { return valid() ? SpkiDer(pkey_.get()) : Bytes{}; }

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
  auto key = PublicKey::FromSpkiDer(SpkiDer(pkey_.get()));
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
  SCITT_ASSIGN_OR_RETURN(MdCtxPtr md_ctx, DigestContext(pkey_.get(), alg, Purpose::kSign));
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
  if (!valid()) return {};
  return WriteToString([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
}

}  // namespace scitt::crypto
