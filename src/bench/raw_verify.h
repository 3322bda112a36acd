// The physical limit the benchmarks compare against: OpenSSL's own signature
// verification with nothing around it, measured the way `openssl speed` does
// (a context set up once, then verify in a loop), plus hashing a message of
// the benchmark's size, which any verifier of that message must do.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/key.h"

namespace scitt::bench {

using crypto::Algorithm;
using crypto::PrivateKey;

// One thread's verifier of one fixed signature over one fixed message.
class RawVerifier {
 public:
  // Signs `message` with `key` (outside any timing) and prepares the context.
  static Result<RawVerifier> Create(const PrivateKey& key, Algorithm alg, Bytes message);
  RawVerifier(RawVerifier&&) noexcept;
  RawVerifier& operator=(RawVerifier&&) noexcept;
  ~RawVerifier();

  // ECDSA: digest + EVP_PKEY_verify of the DER signature. EdDSA and RSA-PSS:
  // EVP_DigestVerify (Ed25519 has no separate digest step). True when it verifies.
  bool VerifyOnce();

 private:
  struct State;
  explicit RawVerifier(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Verifications per second of `threads` RawVerifiers (one per thread) over a
// `message_size`-byte message, run for `seconds`.
Result<double> RawVerifyRate(const PrivateKey& key, Algorithm alg, size_t message_size, int threads,
                             double seconds);

// The independent denominator: what `openssl speed -multi THREADS -seconds
// SECONDS` says for `alg`'s verification (ecdsap256, ecdsap384, ecdsap521
// or ed25519), in verifications per second, from the `openssl` program on
// the PATH. It runs separate processes and verifies a fixed digest, where
// RawVerifyRate runs threads of one process and hashes the message too.
// kUnsupported for RSA (its rate depends on the key's size) or when there is
// no `openssl` program; kInternal when its output has no such line.
Result<double> OpensslSpeedVerifyRate(Algorithm alg, int threads, int seconds);

}  // namespace scitt::bench
