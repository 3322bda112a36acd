// `scitt log fsck`: the O(n) check of everything a store holds against
// itself, kept out of start-up (which checks only the O(log n) right edge
// against the latest signed tree head; DESIGN.md §4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "log/log_store.h"

namespace scitt::log {

struct StoreCheckReport {
  uint64_t tree_size = 0;
  uint64_t entries = 0;     // entries whose statement hashes to their entry hash
  uint64_t nodes = 0;       // stored Merkle nodes compared with recomputed ones
  uint64_t tree_heads = 0;  // signed tree heads whose root was recomputed
  // What is damaged, one line each (at most kMaxReported; damage_count has
  // them all). Empty when the store is sound.
  std::vector<std::string> damage;
  uint64_t damage_count = 0;
  static constexpr size_t kMaxReported = 100;
};

// Reads every entry, node and signed tree head of `store` and reports each
// one that disagrees with what the entries say: a statement whose SHA-256 is
// not its entry hash, a stored node that differs from the one recomputed from
// the entry hashes, a signed tree head whose root is not the recomputed root
// at its size, a latest tree head whose size is not the store's. Signatures
// are not checked (`scitt log verify` does, with the keys). An error only
// when the store cannot be read at all.
Result<StoreCheckReport> CheckStore(const LogStore& store);

}  // namespace scitt::log
