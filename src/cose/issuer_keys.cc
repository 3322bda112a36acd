#include "cose/issuer_keys.h"

#include <algorithm>
#include <utility>

namespace scitt::cose {

IssuerKeys::IssuerKeys(std::vector<crypto::KeyWithId> keys) : keys_(std::move(keys)) {
  thumbprints_.reserve(keys_.size());
  for (const auto& k : keys_) thumbprints_.push_back(k.key.Thumbprint());
}

const crypto::KeyWithId* IssuerKeys::Find(const std::optional<Bytes>& kid) const {
  if (!kid) return nullptr;
  auto same = [&](ByteView a) { return std::equal(a.begin(), a.end(), kid->begin(), kid->end()); };
  for (const auto& k : keys_) {
    if (!k.kid.empty() && same(k.kid)) return &k;
  }
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (same(thumbprints_[i])) return &keys_[i];
  }
  return nullptr;
}

bool AllowsAlgorithm(const crypto::KeyWithId& key, int64_t cose_alg) {
  return !key.alg || crypto::CoseId(*key.alg) == cose_alg;
}

}  // namespace scitt::cose
