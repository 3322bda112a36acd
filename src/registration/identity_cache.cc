#include "registration/identity_cache.h"

#include <algorithm>

namespace scitt::registration {

IdentityCache::Key IdentityCache::KeyOf(const std::vector<Bytes>& chain_der, std::string_view iss) {
  // Each part length-prefixed, so that no two inputs give the same bytes.
  Bytes input;
  const auto append = [&](ByteView part) {
    const uint64_t size = part.size();
    for (int shift = 56; shift >= 0; shift -= 8) input.push_back(static_cast<uint8_t>(size >> shift));
    input.insert(input.end(), part.begin(), part.end());
  };
  append(AsBytes(iss));
  for (const Bytes& der : chain_der) append(der);
  return crypto::Sha256(input);
}

std::optional<Identity> IdentityCache::Find(const Key& key, int64_t now) {
  std::lock_guard lock(mu_);
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  if (now < it->second->valid_from || now > it->second->valid_until) {
    Erase(it->second);  // validated again, and refused if it no longer holds
    ++stats_.misses;
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  ++stats_.hits;
  return entries_.front().identity;
}

void IdentityCache::Insert(const Key& key, const Identity& identity, int64_t valid_from, int64_t valid_until) {
  // The key object is shared with the certificate; its text and the
  // bookkeeping are what the entry adds.
  const size_t bytes = sizeof(Entry) + identity.description.size() + identity.mode.size() + 64;
  std::lock_guard lock(mu_);
  if (const auto it = by_key_.find(key); it != by_key_.end()) Erase(it->second);
  entries_.push_front(Entry{key, identity, valid_from, valid_until, bytes});
  entries_.front().identity.collateral.clear();  // the statement's, not the chain's
  by_key_.emplace(key, entries_.begin());
  stats_.bytes += bytes;
  ++stats_.entries;
  while (!entries_.empty() && (stats_.entries > max_entries_ || stats_.bytes > max_bytes_)) {
    Erase(std::prev(entries_.end()));
  }
}

void IdentityCache::Erase(std::list<Entry>::iterator it) {
  stats_.bytes -= it->bytes;
  --stats_.entries;
  by_key_.erase(it->key);
  entries_.erase(it);
}

IdentityCache::Stats IdentityCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace scitt::registration
