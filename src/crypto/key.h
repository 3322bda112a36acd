// Public and private keys (EC P-256/384/521, Ed25519, RSA) on OpenSSL 3 EVP,
// with the COSE_Key (RFC 9052 §7, RFC 9053) and JWK (RFC 7517/7518/8037)
// representations and RFC 9679 COSE Key Thumbprints.
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
#include "cbor/value.h"
#include "crypto/algorithm.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace scitt::crypto {

// COSE key types (RFC 9052 §7 "kty") and curves (RFC 9053 §7.1).
enum class KeyType { kOkp = 1, kEc2 = 2, kRsa = 3 };
enum class Curve { kNone = 0, kP256 = 1, kP384 = 2, kP521 = 3, kEd25519 = 6 };

class PublicKey {
 public:
  PublicKey() = default;  // empty; valid() is false

  static Result<PublicKey> FromPem(std::string_view pem);  // "PUBLIC KEY" (SPKI)
  static Result<PublicKey> FromSpkiDer(ByteView der);
  // A COSE_Key map (kty 1/2/3). Rejects private members? No: ignores `d`.
  static Result<PublicKey> FromCoseKey(const cbor::Value& cose_key);
  static Result<PublicKey> FromJwk(const nlohmann::json& jwk);
  // Raw EC point coordinates or an Ed25519 public key.
  static Result<PublicKey> FromEc2(Curve curve, ByteView x, ByteView y);
  static Result<PublicKey> FromEd25519(ByteView x);

  bool valid() const { return pkey_ != nullptr; }
  KeyType type() const;
  Curve curve() const;  // kNone for RSA
  size_t rsa_bits() const;

  // Verifies a COSE-form signature. Fails (kVerificationFailed) on a bad
  // signature, a DER-encoded or wrong-length ECDSA signature, or when the key
  // does not fit the algorithm (ES256 needs P-256, ES384 P-384, ES512 P-521,
  // EdDSA Ed25519, PS* RSA of at least 2048 bits).
  Status Verify(Algorithm alg, ByteView message, ByteView signature) const;
  // True when Verify() with this algorithm could succeed for this key.
  bool Fits(Algorithm alg) const;

  std::string ToPem() const;
  Bytes ToSpkiDer() const;
  // COSE_Key with the required public members; kid and alg added when given.
  cbor::Value ToCoseKey(std::optional<ByteView> kid = std::nullopt,
                        std::optional<Algorithm> alg = std::nullopt) const;
  nlohmann::json ToJwk(std::optional<std::string_view> kid = std::nullopt,
                       std::optional<Algorithm> alg = std::nullopt) const;
  // RFC 9679: SHA-256 of the deterministic CBOR of the required public members.
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
  static Result<PrivateKey> FromPem(std::string_view pem);
  static Result<PrivateKey> FromJwk(const nlohmann::json& jwk);  // needs "d"
  static Result<PrivateKey> FromEd25519Seed(ByteView seed32);
  static Result<PrivateKey> FromEcPrivate(Curve curve, ByteView d);

  bool valid() const { return pkey_ != nullptr; }
  PublicKey public_key() const;
  // The algorithm this key signs with by default (ES256 for P-256, …, PS256
  // for RSA).
  Algorithm default_algorithm() const;

  // Signs in COSE form (ECDSA raw r||s). Ed25519 is deterministic.
  Result<Bytes> Sign(Algorithm alg, ByteView message) const;

  std::string ToPem() const;  // PKCS#8, unencrypted
  EVP_PKEY* evp() const { return pkey_.get(); }

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

// A set of public keys, as loaded from a PEM file, a JWKS JSON document or a
// CBOR COSE_KeySet. Each key keeps its kid when the source gave one.
struct KeyWithId {
  PublicKey key;
  Bytes kid;  // empty when the source had none
  std::optional<Algorithm> alg;
};
// Detects the format: PEM text ("-----BEGIN"), JSON ('{'), otherwise CBOR
// (an array of COSE_Key maps, or a single map).
Result<std::vector<KeyWithId>> ParseKeySet(ByteView data);

}  // namespace scitt::crypto
