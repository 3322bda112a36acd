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

// Incremental digest with any supported algorithm (OCI blobs are sha256 or
// sha512, hashed as they stream in).
class Hasher {
 public:
  explicit Hasher(HashAlgorithm alg);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  HashAlgorithm algorithm() const { return alg_; }
  void Update(ByteView data);
  // The digest of everything passed to Update(); the hasher then starts over.
  Bytes Finish();

 private:
  HashAlgorithm alg_;
  void* ctx_;  // EVP_MD_CTX*
};

// Incremental SHA-256, for hashing files without loading them.
class Sha256Hasher {
 public:
  void Update(ByteView data) { hasher_.Update(data); }
  // The digest of everything passed to Update(); the hasher then starts over.
  Sha256Digest Finish();

 private:
  Hasher hasher_{HashAlgorithm::kSha256};
};

}  // namespace scitt::crypto
