// `scitt log fsck`: the O(n) check of everything a store holds against
// itself, kept out of start-up (which checks only the O(log n) right edge
// against the latest signed tree head; DESIGN.md §4).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "log/log_store.h"

namespace scitt::log {

struct StoreCheckOptions {
  // LogEntry::signed_content of a stored statement; log::SignedContentOf
  // when empty.
  std::function<Result<crypto::Sha256Digest>(ByteView statement)> signed_content_of;
};

struct StoreCheckReport {
  uint64_t tree_size = 0;
  uint64_t entries = 0;     // entries whose statement hashes to their entry hash
  uint64_t lookups = 0;     // entries found at their index by entry hash and signed content
  uint64_t nodes = 0;       // stored Merkle nodes compared with recomputed ones
  uint64_t tree_heads = 0;  // signed tree heads whose root was recomputed
  // What is sound but worth knowing (lookups that lag, entries that repeat
  // an earlier one's signed content from before that was refused).
  std::vector<std::string> notes;
  // What is damaged, one line each (at most kMaxReported; damage_count has
  // them all). Empty when the store is sound.
  std::vector<std::string> damage;
  uint64_t damage_count = 0;
  static constexpr size_t kMaxReported = 100;
};

// Reads every entry, node and signed tree head of `store` and reports each
// one that disagrees with what the entries say: a statement whose SHA-256 is
// not its entry hash, an entry that FindEntry or FindSignedContent does not
// find at its index (an earlier entry with the same signed content may keep
// it), lookups holding more keys than the entries they cover
// (LogStore::CountLookups), a stored node that differs from the one
// recomputed from the entry hashes, a signed tree head whose root is not the
// recomputed root at its size, a latest tree head whose size is not the
// store's. Signatures are not checked (`scitt log verify` does, with the
// keys). An error only when the store cannot be read at all.
Result<StoreCheckReport> CheckStore(const LogStore& store, const StoreCheckOptions& options = {});

}  // namespace scitt::log
