// Helpers for store tests: temporary directories and valid batches built
// the way the sequencer builds them, with a model of what the store must
// then hold.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "log/log_store.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"
#include "storage/store.h"

namespace scitt::storage::testing {

// A fresh directory under the temporary directory, removed with everything
// in it by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The statement of entry `index`: `size` bytes, distinct for each index.
Bytes Statement(uint64_t index, size_t size = 100);
// The signed content Batches gives the entry with this entry hash.
crypto::Sha256Digest SignedContentFor(const crypto::Sha256Digest& entry_hash);
// The same from the statement: what StoreOptions::signed_content_of
// computes for the statements of these tests (log::SignedContentOf for real
// ones).
Result<crypto::Sha256Digest> SignedContentOf(ByteView statement);
// `options` with signed_content_of = SignedContentOf.
StoreOptions WithSignedContents(StoreOptions options = {});

// One AppendBatch's arguments.
struct Batch {
  std::vector<log::LogEntry> entries;
  std::vector<log::NodeWrite> nodes;
  log::TreeHead head;
};

// Builds valid batches (entries, the nodes they complete, a tree head) and
// remembers every leaf of those appended, to check a store against.
class Batches {
 public:
  // The next `n` entries after those remembered (not remembered yet).
  Batch Next(uint64_t n, size_t statement_size = 100) const;
  // Appends Next(n) to `store`; remembers it when the store accepts it.
  Status Append(log::LogStore& store, uint64_t n, size_t statement_size = 100);
  // Remembers Next(n) without appending it (another process did).
  void Expect(uint64_t n);

  // The tree head every batch of these tests carries at `size`.
  static log::TreeHead HeadAt(uint64_t size, const merkle::Hash& root);
  const std::vector<merkle::Hash>& leaves() const { return leaves_; }
  merkle::Hash Root() const { return range_.Root(); }

 private:
  void Remember(const Batch& batch);
  merkle::CompactRange range_;
  std::vector<merkle::Hash> leaves_;
};

bool SameHead(const log::TreeHead& a, const log::TreeHead& b);

// Every file and directory under `dir` with its mode, mtime and content hash:
// what an auditor must leave exactly as it found it.
std::map<std::string, std::string> Snapshot(const std::string& dir);

// Checks with GoogleTest that `store` holds exactly what `batches` remembers:
// size, latest head, root from the stored nodes, and every 7th entry in full
// (read back, found by its hash and by its signed content).
void CheckContents(const log::LogStore& store, const Batches& batches);

}  // namespace scitt::storage::testing
