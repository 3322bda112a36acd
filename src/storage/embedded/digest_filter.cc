#include "storage/embedded/digest_filter.h"

#include <algorithm>
#include <cstring>

namespace scitt::storage::embedded {
namespace {

constexpr uint64_t kBlockWords = 8;    // 512 bits: one cache line
constexpr uint64_t kBitsPerDigest = 10;  // with 7 bits set per digest: about 1%
constexpr int kBitsSet = 7;

uint64_t Word(const crypto::Sha256Digest& digest, size_t at) {
  uint64_t word;
  std::memcpy(&word, digest.data() + at, sizeof(word));
  return word;
}

// The block of `digest` in a generation of `blocks` blocks (Lemire's
// multiply-shift instead of a modulo), from the digest's first 8 bytes; the
// bits within it from the next 8, 9 bits each.
uint64_t BlockOf(const crypto::Sha256Digest& digest, uint64_t blocks) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Word(digest, 0)) * blocks) >> 64);
}

}  // namespace

DigestFilter::DigestFilter(uint64_t expected) {
  generations_.push_back(MakeGeneration(std::max(expected, kMinCapacity)));
}

DigestFilter::Generation DigestFilter::MakeGeneration(uint64_t capacity) {
  Generation g;
  g.capacity = capacity;
  g.blocks = (capacity * kBitsPerDigest + kBlockWords * 64 - 1) / (kBlockWords * 64);
  g.words.assign(g.blocks * kBlockWords, 0);
  return g;
}

void DigestFilter::Add(const crypto::Sha256Digest& digest) {
  if (generations_.back().added >= generations_.back().capacity) {
    uint64_t total = 0;
    for (const Generation& g : generations_) total += g.capacity;
    generations_.push_back(MakeGeneration(total));
  }
  Generation& g = generations_.back();
  uint64_t* block = g.words.data() + BlockOf(digest, g.blocks) * kBlockWords;
  uint64_t bits = Word(digest, 8);
  for (int i = 0; i < kBitsSet; ++i, bits >>= 9) block[(bits >> 6) & 7] |= uint64_t{1} << (bits & 63);
  ++g.added;
}

bool DigestFilter::MayContain(const crypto::Sha256Digest& digest) const {
  for (const Generation& g : generations_) {
    const uint64_t* block = g.words.data() + BlockOf(digest, g.blocks) * kBlockWords;
    uint64_t bits = Word(digest, 8);
    bool all = true;
    for (int i = 0; i < kBitsSet && all; ++i, bits >>= 9) {
      all = (block[(bits >> 6) & 7] >> (bits & 63)) & 1;
    }
    if (all) return true;
  }
  return false;
}

uint64_t DigestFilter::bytes() const {
  uint64_t total = 0;
  for (const Generation& g : generations_) total += g.words.size() * sizeof(uint64_t);
  return total;
}

}  // namespace scitt::storage::embedded
