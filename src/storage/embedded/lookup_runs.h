// Sorted runs of the lookups (format.h: lookups/RUN.run): lookup.sqlite's
// rows moved out of its B-trees once they are many. Keys are SHA-256
// outputs, uniformly random, so a B-tree of millions of them takes every
// insert on a page of its own (about 8 KiB written per entry at 10 M entries:
// docs/performance.md "Scale"). Kept small, lookup.sqlite takes a batch's
// keys on few pages; its rows then move to a run, written once, in order,
// and runs of a size are merged four at a time, so that a key is rewritten
// about log4(entries / rows per run) times, 40 bytes each time.
//
// Hand-written rather than a library: LevelDB was tried and its levelled
// compaction rewrote ten times more (docs/performance.md); a run here is a
// sorted array that is mapped and binary-searched, and merges are
// sequential.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"

namespace scitt::storage::embedded {

// A run's two sections, as LookupRun::Find and the writers name them.
enum class RunSection { kEntryHashes = 0, kSignedContents = 1 };

// A (key, entry index) pair of a section; sections are in (key, index)
// order, so the first match of a key is its earliest entry.
struct RunRecord {
  crypto::Sha256Digest key{};
  uint64_t index = 0;
  friend bool operator<(const RunRecord& a, const RunRecord& b) {
    return a.key != b.key ? a.key < b.key : a.index < b.index;
  }
};

// Produces a section's records in order, one per call; false at the end.
using RecordSource = std::function<Result<bool>(RunRecord& out)>;

// Writes the run file `path` (through `path`.tmp, fsynced, renamed, its
// directory fsynced): a header and both sections from their sources, which
// must be in order (checked). Returns the records written per section.
Result<std::pair<uint64_t, uint64_t>> WriteRun(const std::string& path, const RecordSource& entry_hashes,
                                              const RecordSource& signed_contents);

// One run file, mapped read-only; immutable. Thread-safe.
class LookupRun {
 public:
  // Opens the run `id` at `path`, which must hold exactly the counts
  // recorded for it.
  static Result<std::shared_ptr<const LookupRun>> Open(const std::string& path, uint64_t id,
                                                       uint64_t entry_hashes, uint64_t signed_contents);
  ~LookupRun();
  LookupRun(const LookupRun&) = delete;
  LookupRun& operator=(const LookupRun&) = delete;

  uint64_t id() const { return id_; }
  const std::string& path() const { return path_; }
  uint64_t count(RunSection section) const { return counts_[static_cast<int>(section)]; }
  // The earliest entry with `key` in the section.
  std::optional<uint64_t> Find(RunSection section, const crypto::Sha256Digest& key) const;
  // The section's records in order (valid while the run lives).
  RecordSource Reader(RunSection section) const;
  // Unmaps the pages a scan touched from this process (they stay in the
  // page cache, and a later read maps them again): a full scan at start
  // would otherwise count the whole file in the service's resident memory.
  void DropPages() const;

 private:
  LookupRun() = default;
  RunRecord At(RunSection section, uint64_t i) const;

  uint64_t id_ = 0;
  std::string path_;
  const uint8_t* base_ = nullptr;  // the mapped file
  size_t size_ = 0;
  uint64_t counts_[2] = {0, 0};
};

using RunList = std::vector<std::shared_ptr<const LookupRun>>;

// The records of `runs`' section, merged in order (the merge of four runs
// into one).
RecordSource MergedReader(const RunList& runs, RunSection section);

}  // namespace scitt::storage::embedded
