// Public and private keys (EC P-256/384/521, Ed25519, RSA) on OpenSSL 3 EVP,
// their raw public components, the JWK (RFC 7517/7518/8037) representation
// and RFC 9679 COSE Key Thumbprints. COSE_Key and COSE_KeySet, which are
// CBOR, live in the cose layer (cose/cose_key.h; DESIGN.md §2).
//
// Signatures are always in COSE form: ECDSA is the fixed-width raw r||s
// (RFC 9053 §2.1), never DER.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace scitt::crypto {

// COSE key types (RFC 9052 §7 "kty") and curves (RFC 9053 §7.1).
enum class KeyType { kOkp = 1, kEc2 = 2, kRsa = 3 };
enum class Curve { kNone = 0, kP256 = 1, kP384 = 2, kP521 = 3, kEd25519 = 6 };

// The public members a key is written out from: COSE_Key (RFC 9053 §7.1,
// RFC 8230 §4), JWK and the RFC 9679 thumbprint input.
struct PublicComponents {
  KeyType type = KeyType::kEc2;
  Curve curve = Curve::kNone;  // EC2 and OKP; kNone for RSA
  Bytes x, y;                  // EC2: the point, each of the coordinate size; OKP: x only
  Bytes n, e;                  // RSA: minimal big-endian integers
};

class PublicKey {
 public:
  PublicKey() = default;  // empty; valid() is false

  static Result<PublicKey> FromPem(std::string_view pem);  // "PUBLIC KEY" (SPKI)
  static Result<PublicKey> FromSpkiDer(ByteView der);
  // EC, OKP (Ed25519) or RSA JWK with the same length rules; ignores "d".
  static Result<PublicKey> FromJwk(const nlohmann::json& jwk);
  // Raw EC point coordinates (each exactly the coordinate size: 32, 48 or 66
  // bytes; the point must be on the curve) or a 32-byte Ed25519 public key.
  static Result<PublicKey> FromEc2(Curve curve, ByteView x, ByteView y);
  static Result<PublicKey> FromEd25519(ByteView x);
  // RSA modulus and exponent as minimal big-endian integers (no leading zero
  // byte, RFC 8230 §4, RFC 7518 §6.3.1); n odd and at least 512 bits, e odd
  // and at least 3.
  static Result<PublicKey> FromRsa(ByteView n, ByteView e);

  bool valid() const { return pkey_ != nullptr; }
  KeyType type() const;  // requires valid()
  Curve curve() const;   // kNone for RSA and for an empty key
  size_t rsa_bits() const;  // 0 unless RSA

  // Verifies a COSE-form signature. Fails (kVerificationFailed) on a bad
  // signature, a DER-encoded or wrong-length ECDSA signature, or when the key
  // does not fit the algorithm (ES256 needs P-256, ES384 P-384, ES512 P-521,
  // EdDSA Ed25519, PS* RSA of at least 2048 bits). Requiring the curve to
  // match the ECDSA algorithm is stricter than RFC 9053 §2.1, which only
  // suggests it. kInvalidArgument for an empty key.
  Status Verify(Algorithm alg, ByteView message, ByteView signature) const;
  // True when Verify() with this algorithm could succeed for this key.
  bool Fits(Algorithm alg) const;

  std::string ToPem() const;
  Bytes ToSpkiDer() const;
  // Requires valid().
  PublicComponents Components() const;
  // For an empty key: an empty JSON object and an all-zero thumbprint.
  nlohmann::json ToJwk(std::optional<std::string_view> kid = std::nullopt,
                       std::optional<Algorithm> alg = std::nullopt) const;
  // RFC 9679: SHA-256 of the deterministic CBOR of the required COSE_Key
  // members (Components()).
  std::array<uint8_t, 32> Thumbprint() const;

  friend bool operator==(const PublicKey& a, const PublicKey& b);
  EVP_PKEY* evp() const { return pkey_.get(); }
  explicit PublicKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
};

class PrivateKey {
 public:
  PrivateKey() = default;

  // ES256/ES384/ES512 → EC key on the matching curve; EdDSA → Ed25519;
  // PS* → RSA 3072.
  static Result<PrivateKey> Generate(Algorithm alg);
  // PKCS#8 "PRIVATE KEY", or traditional "EC PRIVATE KEY"/"RSA PRIVATE KEY".
  // Encrypted keys are refused (kUnsupported); OpenSSL never prompts.
  static Result<PrivateKey> FromPem(std::string_view pem);
  // Needs "d". Public members, when present, must match it. RSA needs all
  // CRT members (p, q, dp, dq, qi); multi-prime "oth" is unsupported.
  static Result<PrivateKey> FromJwk(const nlohmann::json& jwk);
  static Result<PrivateKey> FromEd25519Seed(ByteView seed32);
  static Result<PrivateKey> FromEcPrivate(Curve curve, ByteView d);

  bool valid() const { return pkey_ != nullptr; }
  PublicKey public_key() const;  // public part only; empty for an empty key
  // The algorithm this key signs with by default (ES256 for P-256, …, PS256
  // for RSA). Requires valid().
  Algorithm default_algorithm() const;

  // Signs in COSE form (ECDSA raw r||s). Ed25519 is deterministic. Fails
  // (kInvalidArgument) when the key does not fit `alg`, as Verify() does.
  Result<Bytes> Sign(Algorithm alg, ByteView message) const;

  std::string ToPem() const;  // PKCS#8, unencrypted
  EVP_PKEY* evp() const { return pkey_.get(); }

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

// A set of public keys, as loaded from a PEM file, a JWKS JSON document or
// (cose::ParseKeySet) a CBOR COSE_KeySet. Each key keeps its kid when the
// source gave one.
struct KeyWithId {
  PublicKey key;
  Bytes kid;  // empty when the source had none
  std::optional<Algorithm> alg;
};

// PUBLIC KEY and CERTIFICATE blocks (any other block is refused); text before
// and between blocks is ignored. No kid, no alg.
Result<std::vector<KeyWithId>> ParsePemKeySet(ByteView data);
// A JWKS ({"keys": [...]}) or a single JWK. A kid string becomes its UTF-8
// bytes. An alg member must name a supported algorithm that fits the key.
Result<std::vector<KeyWithId>> ParseJwkSet(ByteView data);
// Both fail on the first bad key, naming its index, and on an empty set.

// kInvalidArgument when `member` names an alg its key does not fit. An alg
// the loader does not know must be refused before, not ignored: ignoring it
// would widen what the key may verify.
Status CheckAlgFits(const KeyWithId& member);

}  // namespace scitt::crypto
