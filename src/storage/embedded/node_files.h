// The Merkle node files of a data directory (format.h: nodes/NN holds
// complete node i of level NN at byte 32·i). NodeFiles serves the nodes of
// the committed tree to readers and lets the store's writer append, sync,
// cut back and rebuild them.
//
// Thread safety: Node() from any thread. Everything else only from the
// store's writer, or while the store opens. Node() reads no further than the
// committed size the store publishes (acquire), and the writer writes a
// batch's nodes before the store publishes the size that makes them visible.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "log/log_store.h"
#include "merkle/tree.h"
#include "storage/embedded/format.h"

namespace scitt::storage::embedded {

// Per level, 32-byte nodes back to back.
using LevelBytes = std::array<Bytes, kLevels>;

class NodeFiles final : public merkle::NodeSource {
 public:
  // `dir` is the data directory. `committed` is the store's committed tree
  // size; it must outlive this object.
  NodeFiles(std::string dir, bool read_only, const std::atomic<uint64_t>& committed);
  ~NodeFiles() override;
  NodeFiles(const NodeFiles&) = delete;
  NodeFiles& operator=(const NodeFiles&) = delete;

  // Opens every level file that exists. The nodes durable at tree size
  // `synced` must be there: a missing or shorter file is damage (kIo,
  // "refusing to open"). Read-write cuts off bytes beyond what `committed`
  // covers; read-only leaves them.
  Status Open(uint64_t committed, uint64_t synced);

  // The nodes of the entries [synced(), committed), recomputed from their
  // entry hashes (`entry_hashes`, in index order) over the durable right
  // edge at synced(). Read-write writes and syncs them and synced() becomes
  // `committed` (the caller records that); read-only keeps them in memory.
  Status Rebuild(uint64_t committed, const std::vector<crypto::Sha256Digest>& entry_hashes);

  // `nodes` laid out per level, checked to be exactly the nodes a tree
  // completes between sizes `old_size` and `new_size`, each level in order
  // (kInvalidArgument otherwise).
  static Result<LevelBytes> Arrange(std::span<const log::NodeWrite> nodes, uint64_t old_size,
                                    uint64_t new_size);
  // Writer: writes `nodes` (from Arrange) after the tree of size `old_size`,
  // creating level files as needed. Nothing is synced.
  Status Write(const LevelBytes& nodes, uint64_t old_size);
  // Writer: appends to `files` the level files that hold nodes beyond
  // synced() once the tree has size `new_size`.
  void AddUnsynced(uint64_t new_size, std::vector<std::pair<int, std::string>>* files) const;
  // Writer: the node files are durable up to tree size `size`.
  void MarkSynced(uint64_t size) { synced_ = size; }
  uint64_t synced() const { return synced_; }
  // Writer: cuts every level back to what tree size `size` covers.
  Status Discard(uint64_t size);

  // kNotFound beyond the committed size.
  Result<merkle::Hash> Node(uint8_t level, uint64_t index) const override;

 private:
  std::string Path(uint8_t level) const { return dir_ + "/" + LevelFileName(level); }
  Status OpenLevel(uint8_t level, bool create);
  int fd(uint8_t level) const { return fds_[level].load(std::memory_order_relaxed); }

  const std::string dir_;
  const bool read_only_;
  const std::atomic<uint64_t>& committed_;
  // nodes/NN descriptors, -1 until the level exists. Set by the writer
  // (release) before the size that first makes a node of that level visible.
  std::array<std::atomic<int>, kLevels> fds_;
  // Writer: the tree size the files are durable up to. Read-only: constant.
  uint64_t synced_ = 0;
  // Read-only: nodes [synced_ >> L, committed >> L) of each level L,
  // recomputed at open (the files may have lost them) and constant after.
  std::array<std::vector<merkle::Hash>, kLevels> unsynced_;
};

}  // namespace scitt::storage::embedded
