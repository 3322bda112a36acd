// Message digests (OpenSSL 3 EVP).
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "crypto/algorithm.h"

namespace scitt::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(ByteView data);
Bytes Digest(HashAlgorithm alg, ByteView data);

// Incremental SHA-256, for hashing files without loading them.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(ByteView data);
  // The digest of everything passed to Update(); the hasher then starts over.
  Sha256Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so callers need no OpenSSL headers
};

}  // namespace scitt::crypto
