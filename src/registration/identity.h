// Issuer identity resolution: which key signed a statement, and why the
// service trusts it (private to the registration layer; the rules are in
// docs/policy.md, "Issuer identity").
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "cose/issuer_keys.h"
#include "cose/sign1.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "registration/registrar.h"

namespace scitt::registration {

inline constexpr char kIdentityX509[] = "x509";
inline constexpr char kIdentityIssuerKey[] = "issuer-key";
inline constexpr char kIdentitySelfAsserted[] = "self-asserted";

struct Identity {
  std::string mode;         // one of the kIdentity* names
  crypto::PublicKey key;    // the key the signature must verify with
  std::string description;  // names the key in refusals, e.g. "x5chain leaf \"CN=a\""
  Bytes collateral;         // CBOR {"x5chain": [bstr…]} for an unprotected chain
};

// Precedence: a usable x5chain (protected, or unprotected and pinned by a
// protected x5t), else a protected x5t naming a trust anchor, else kid, else
// the CWT cnf key. Every other identifier present that the service can
// resolve must name the same key. The statement must have passed the
// required-header checks (alg, CWT claims with iss). `issuer_keys` holds
// trust.issuer_keys (cose::IssuerKeys picks the one a kid names).
// `chains` (may be null) keeps x5chain validations made under `trust`'s
// anchors, `cnf_keys` (may be null) parsed CWT cnf keys (identity_cache.h).
class IdentityCache;
std::variant<Identity, Refusal> ResolveIdentity(const cose::Sign1& statement,
                                                const TrustConfig& trust,
                                                const cose::IssuerKeys& issuer_keys, int64_t now,
                                                IdentityCache* chains = nullptr, IdentityCache* cnf_keys = nullptr);

// True when `issuer` issued `child`: the names (and key identifiers, when
// present) link them and child's signature verifies with issuer's key.
bool IssuedBy(const crypto::Certificate& child, const crypto::Certificate& issuer);

}  // namespace scitt::registration
