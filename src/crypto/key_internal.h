// Internal to src/crypto (not part of its API): the supported key types and
// the raw-component building blocks that key.cc defines and components.cc,
// jwk.cc and key_set.cc share. Include only from src/crypto/*.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <openssl/obj_mac.h>
#include <openssl/types.h>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"
#include "crypto/key.h"

namespace scitt::crypto::internal {

// ---- Supported key types (defined in key.cc) ----

struct EcCurveInfo {
  Curve curve;             // also the COSE "crv" value (RFC 9053 §7.1)
  int nid;
  const char* group_name;  // OpenSSL's short name
  const char* jose_name;   // RFC 7518 §6.2.1.1 "crv"
  size_t coordinate_size;  // bytes of x, y, d and of r, s
  Algorithm algorithm;
};

inline constexpr EcCurveInfo kEcCurves[] = {
    {Curve::kP256, NID_X9_62_prime256v1, "prime256v1", "P-256", 32, Algorithm::kES256},
    {Curve::kP384, NID_secp384r1, "secp384r1", "P-384", 48, Algorithm::kES384},
    {Curve::kP521, NID_secp521r1, "secp521r1", "P-521", 66, Algorithm::kES512},
};

inline constexpr size_t kEd25519Size = 32;

const EcCurveInfo* EcCurve(Curve curve);              // null unless P-256/384/521
const EcCurveInfo* EcCurveOf(const EVP_PKEY* pkey);  // null unless such an EC key

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* pkey);

// Why `pkey` cannot be used with `alg`, or nullopt when it can.
std::optional<std::string> Misfit(const EVP_PKEY* pkey, Algorithm alg);

// The digest `alg` signs over (nullptr for EdDSA), fetched from the provider
// once: EVP_sha256() and friends make every EVP_Digest fetch it again.
const EVP_MD* FetchedDigest(Algorithm alg);
// A COSE ECDSA signature (r‖s, two equal halves) as the DER OpenSSL verifies;
// kVerificationFailed when r or s is zero.
Result<Bytes> EcdsaDerSignature(ByteView cose_signature, std::string_view alg_name);

// ---- Building keys from raw components ----

Result<std::shared_ptr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* bld,
                                             int selection, const std::string& what);
// Refuses an even or short modulus and an even exponent or 1.
Result<std::shared_ptr<EVP_PKEY>> RsaPublic(ByteView n, ByteView e);
// `d` of exactly the coordinate size, in [1, n-1]; derives the public point.
Result<std::shared_ptr<EVP_PKEY>> EcPrivate(Curve curve, ByteView d);
Result<std::shared_ptr<EVP_PKEY>> Ed25519Private(ByteView seed);
// RFC 8230 §4 and RFC 7518 §2: a non-empty integer without leading zeros.
Status CheckMinimal(ByteView v, const char* what);

// ---- Reading raw components ----

// A BIGNUM parameter left-padded to `padded_size`, or minimal when it is 0.
Bytes GetBnParam(const EVP_PKEY* pkey, const char* name, size_t padded_size);

struct EcPoint {
  Bytes x, y;  // each of the coordinate size
};
EcPoint EcPublicPoint(const EVP_PKEY* pkey);  // pkey must be a supported EC key
Bytes Ed25519PublicBytes(const EVP_PKEY* pkey);

// ---- Key set members from one source format ----
// The key, its kid and its alg (which must name a supported algorithm; that
// the key fits it is checked by the key set).

Result<KeyWithId> KeyWithIdFromJwk(const nlohmann::json& jwk);  // jwk.cc

}  // namespace scitt::crypto::internal
