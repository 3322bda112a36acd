#include "log/store_check.h"

#include <algorithm>

#include "merkle/compact_range.h"
#include "merkle/hash.h"

namespace scitt::log {

Result<StoreCheckReport> CheckStore(const LogStore& store) {
  constexpr uint64_t kChunk = 1 << 16;
  StoreCheckReport report;
  report.tree_size = store.size();
  auto damaged = [&](std::string what) {
    if (report.damage.size() < StoreCheckReport::kMaxReported) report.damage.push_back(std::move(what));
    ++report.damage_count;
  };

  if (report.tree_size != 0) {
    auto latest = store.LatestTreeHead();
    if (!latest.ok()) {
      damaged("the latest tree head cannot be read: " + latest.error().message);
    } else if (latest->tree_size != report.tree_size) {
      damaged("the latest tree head has size " + std::to_string(latest->tree_size) +
              " but the store holds " + std::to_string(report.tree_size) + " entries");
    }
  }

  // Signed sizes in order; each one's root is compared when the recomputed
  // tree reaches it.
  auto next_signed = [&](uint64_t from) -> std::optional<uint64_t> {
    auto size = store.SignedSizeAtOrAfter(from);
    if (size.ok()) return *size;
    if (size.error().code != ErrorCode::kNotFound) damaged("signed tree sizes: " + size.error().message);
    return std::nullopt;
  };
  std::optional<uint64_t> signed_size = next_signed(1);
  auto check_heads = [&](const merkle::CompactRange& recomputed) {
    while (signed_size && *signed_size == recomputed.size()) {
      auto head = store.TreeHeadAt(*signed_size);
      if (!head.ok()) {
        damaged("tree head at size " + std::to_string(*signed_size) + ": " + head.error().message);
      } else if (head->root != recomputed.Root()) {
        damaged("tree head at size " + std::to_string(*signed_size) +
                ": its root differs from the tree recomputed from the entries");
      }
      ++report.tree_heads;
      signed_size = next_signed(*signed_size + 1);
    }
  };

  merkle::CompactRange recomputed;
  auto compare = [&](uint8_t level, uint64_t index, const merkle::Hash& hash) {
    ++report.nodes;
    auto stored = store.nodes().Node(level, index);
    if (!stored.ok() || *stored != hash) {
      damaged("stored Merkle node (level " + std::to_string(level) + ", index " +
              std::to_string(index) + ") differs from the one recomputed from the entries" +
              (stored.ok() ? "" : ": " + stored.error().message));
    }
  };
  for (uint64_t start = 0; start < report.tree_size; start += kChunk) {
    const uint64_t count = std::min(kChunk, report.tree_size - start);
    SCITT_ASSIGN_OR_RETURN(auto hashes, store.EntryHashes(start, count));
    for (uint64_t i = 0; i < count; ++i) {
      auto entry = store.Entry(start + i);
      if (!entry.ok()) {
        damaged("entry " + std::to_string(start + i) + ": " + entry.error().message);
      } else if (crypto::Sha256(entry->statement) != hashes[i]) {
        damaged("entry " + std::to_string(start + i) +
                ": the stored statement does not hash to its entry hash");
      } else {
        ++report.entries;
      }
      recomputed.Append(merkle::HashLeaf(hashes[i]), compare);
      check_heads(recomputed);
    }
  }
  if (signed_size) {
    damaged("a tree head is signed at size " + std::to_string(*signed_size) +
            ", beyond the entries the store holds");
  }
  return report;
}

}  // namespace scitt::log
