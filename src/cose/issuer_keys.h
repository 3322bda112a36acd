// Issuer keys configured by kid: the one rule by which the service
// (registration), `scitt verify` and the auditor (which replays through
// registration) pick the key a statement's `kid` names, so they can never
// judge the same statement differently (docs/policy.md, "Issuer identity").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "crypto/key.h"

namespace scitt::cose {

class IssuerKeys {
 public:
  IssuerKeys() = default;
  explicit IssuerKeys(std::vector<crypto::KeyWithId> keys);

  // The configured key that the statement's protected `kid` names, or
  // nullptr. RFC 9943 leaves the lookup to the service: a key matches when
  // its stated kid equals the kid bytes exactly (a JWK kid string stands for
  // its UTF-8 bytes), else when its RFC 9679 thumbprint does; an exact kid
  // wins over a thumbprint, and the first key in configuration order wins
  // among equals. Without a kid no configured key is named, however many
  // there are (RFC 9943: kid is required unless x5t or x5chain is protected).
  const crypto::KeyWithId* Find(const std::optional<Bytes>& kid) const;

  const std::vector<crypto::KeyWithId>& keys() const { return keys_; }

 private:
  std::vector<crypto::KeyWithId> keys_;
  // RFC 9679 thumbprints of keys_, in order. Computed once: each exports the
  // public point, and computing them per request was a fifth of a
  // registration's CPU.
  std::vector<std::array<uint8_t, 32>> thumbprints_;
};

// RFC 9052 §7.1: a key whose COSE_Key (or JWK) states an alg may be used only
// with that algorithm. True when `key` states none or states `cose_alg`.
bool AllowsAlgorithm(const crypto::KeyWithId& key, int64_t cose_alg);

}  // namespace scitt::cose
