// A Bloom filter over SHA-256 digests: "certainly absent" or "maybe
// present". The writer asks it before reading lookup.sqlite for each key of a
// batch, so that new keys (nearly all of them) cost no B-tree lookup: those
// were two random reads per entry on the sequencer's path, slower as the log
// grew.
//
// Written here rather than taken from Debian's libbloom: the keys are
// already uniform hashes (their own bytes choose the bits, no rehashing), one
// 64-byte block per key makes a lookup one cache miss instead of k, and the
// filter must grow with the log.
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/hash.h"

namespace scitt::storage::embedded {

class DigestFilter {
 public:
  // Sized for `expected` digests (at least kMinCapacity) at about 1% false
  // positives; past that it adds a generation as large as all before it, so
  // the rate stays near 1% per generation.
  explicit DigestFilter(uint64_t expected = 0);

  void Add(const crypto::Sha256Digest& digest);
  // False only when `digest` was never added.
  bool MayContain(const crypto::Sha256Digest& digest) const;

  uint64_t bytes() const;

  static constexpr uint64_t kMinCapacity = 1 << 20;

 private:
  struct Generation {
    std::vector<uint64_t> words;  // blocks of kBlockWords
    uint64_t blocks = 0;
    uint64_t capacity = 0;
    uint64_t added = 0;
  };
  static Generation MakeGeneration(uint64_t capacity);

  std::vector<Generation> generations_;  // the newest takes the adds
};

}  // namespace scitt::storage::embedded
