#include "log/store_check.h"

#include <algorithm>

#include "log/transparency_log.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"

namespace scitt::log {

namespace {

std::string Names(const std::optional<uint64_t>& index) {
  return index ? "entry " + std::to_string(*index) : "no entry";
}

}  // namespace

Result<StoreCheckReport> CheckStore(const LogStore& store, const StoreCheckOptions& options) {
  constexpr uint64_t kChunk = 1 << 16;
  const auto signed_content_of =
      options.signed_content_of ? options.signed_content_of : SignedContentOf;
  StoreCheckReport report;
  report.tree_size = store.size();
  auto damaged = [&](std::string what) {
    if (report.damage.size() < StoreCheckReport::kMaxReported) report.damage.push_back(std::move(what));
    ++report.damage_count;
  };

  // The lookups: every entry is found at its index by both of its keys, and
  // the stored lookups hold no other key (counted against the entries they
  // cover, some of which may repeat an earlier entry's signed content).
  const Result<LookupCounts> counts = store.CountLookups();
  bool signed_lookups = true;  // false when the store records no signed contents
  uint64_t repeated_contents = 0, repeated_below_covered = 0;
  auto check_lookups = [&](const LogEntry& entry) {
    const uint64_t i = entry.index;
    bool found = true;
    auto by_hash = store.FindEntry(entry.entry_hash);
    if (!by_hash.ok() || *by_hash != std::optional<uint64_t>(i)) {
      damaged("entry " + std::to_string(i) + ": its entry hash finds " +
              (by_hash.ok() ? Names(*by_hash) : "an error: " + by_hash.error().message));
      found = false;
    }
    if (signed_lookups) {
      auto content = signed_content_of(entry.statement);
      auto by_content = content.ok() ? store.FindSignedContent(*content)
                                     : Result<std::optional<uint64_t>>(content.error());
      if (!by_content.ok() && by_content.error().code == ErrorCode::kUnsupported) {
        signed_lookups = false;
        report.notes.push_back("signed contents not checked: " + by_content.error().message);
      } else if (!content.ok()) {
        damaged("entry " + std::to_string(i) + ": its signed content cannot be computed: " +
                content.error().message);
        found = false;
      } else if (!by_content.ok() || *by_content != std::optional<uint64_t>(i)) {
        // Before one registration per signed content was the rule, a later
        // entry could repeat an earlier one's; the earlier one keeps it.
        bool earlier_twin = false;
        if (by_content.ok() && by_content->has_value() && **by_content < i) {
          auto twin = store.Entry(**by_content);
          auto twin_content = twin.ok() ? signed_content_of(twin->statement)
                                        : Result<crypto::Sha256Digest>(twin.error());
          earlier_twin = twin_content.ok() && *twin_content == *content;
        }
        if (earlier_twin) {
          ++repeated_contents;
          if (counts.ok() && i < counts->covered) ++repeated_below_covered;
        } else {
          damaged("entry " + std::to_string(i) + ": its signed content finds " +
                  (by_content.ok() ? Names(*by_content)
                                   : "an error: " + by_content.error().message));
          found = false;
        }
      }
    }
    if (found) ++report.lookups;
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
      if (entry.ok()) check_lookups(*entry);
      recomputed.Append(merkle::HashLeaf(hashes[i]), compare);
      check_heads(recomputed);
    }
  }
  if (signed_size) {
    damaged("a tree head is signed at size " + std::to_string(*signed_size) +
            ", beyond the entries the store holds");
  }

  if (!counts.ok()) {
    report.notes.push_back("lookup keys not counted: " + counts.error().message);
  } else {
    const uint64_t covered = std::min(counts->covered, report.tree_size);
    if (counts->entry_hashes != covered) {
      damaged("the entry-hash lookup holds " + std::to_string(counts->entry_hashes) +
              " keys for the " + std::to_string(covered) + " entries it covers");
    }
    if (signed_lookups && counts->signed_contents != covered - repeated_below_covered) {
      damaged("the signed-content lookup holds " + std::to_string(counts->signed_contents) +
              " keys for the " + std::to_string(covered - repeated_below_covered) +
              " signed contents of the entries it covers");
    }
    if (covered < report.tree_size) {
      report.notes.push_back("the stored lookups cover the entries up to size " +
                             std::to_string(covered) + "; the other " +
                             std::to_string(report.tree_size - covered) +
                             " were looked up from the entries (a read-write open stores them)");
    }
  }
  if (repeated_contents != 0) {
    report.notes.push_back(std::to_string(repeated_contents) +
                           " entries repeat the signed content of an earlier entry, registered "
                           "before that was refused (`scitt log verify` names them)");
  }
  return report;
}

}  // namespace scitt::log
