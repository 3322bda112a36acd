// The x5chain validations a registrar has made, kept (docs/performance.md
// "Identity modes"): parsing a chain, validating it to a trust anchor and
// checking a did:x509 issuer against it cost four times the signature
// check, and a CI signer sends the same chain with every statement.
//
// Only successes are kept, each for the times it holds: the chain's
// validity window (every certificate's and the anchor's). A lookup outside
// it is a miss, so an expired or not yet valid chain is validated again
// and refused exactly as without the cache; an untrusted chain is never
// kept. The trust anchors are the registrar's own (a new trust
// configuration is a new registrar, with an empty cache). Bounded in
// entries and bytes, least recently used first out; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "registration/identity.h"

namespace scitt::registration {

class IdentityCache {
 public:
  using Key = crypto::Sha256Digest;

  struct Stats {
    uint64_t hits = 0, misses = 0;
    size_t entries = 0, bytes = 0;
  };

  explicit IdentityCache(size_t max_entries = 4096, size_t max_bytes = size_t{4} << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // What a validation depends on besides the anchors and the time: the
  // chain's bytes exactly as carried, and the issuer a did:x509 is.
  static Key KeyOf(const std::vector<Bytes>& chain_der, std::string_view iss);

  // The identity validated for `key`, when `now` is in its window.
  std::optional<Identity> Find(const Key& key, int64_t now);
  // Keeps a validation that holds for `now` in [valid_from, valid_until].
  void Insert(const Key& key, const Identity& identity, int64_t valid_from, int64_t valid_until);

  Stats stats() const;
  size_t capacity() const { return max_entries_; }

 private:
  struct Entry {
    Key key;
    Identity identity;
    int64_t valid_from, valid_until;
    size_t bytes;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      size_t out;  // a SHA-256 digest's first bytes are as good as any hash of it
      static_assert(sizeof(out) <= sizeof(Key));
      std::memcpy(&out, key.data(), sizeof(out));
      return out;
    }
  };
  void Erase(std::list<Entry>::iterator it);

  const size_t max_entries_, max_bytes_;
  mutable std::mutex mu_;  // guards everything below
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> by_key_;
  Stats stats_;
};

}  // namespace scitt::registration
