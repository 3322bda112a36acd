#include "storage/embedded/node_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "merkle/compact_range.h"
#include "merkle/hash.h"
#include "storage/embedded/file_io.h"

namespace scitt::storage::embedded {

NodeFiles::NodeFiles(std::string dir, bool read_only, const std::atomic<uint64_t>& committed)
    : dir_(std::move(dir)), read_only_(read_only), committed_(committed) {
  for (auto& fd : fds_) fd.store(-1, std::memory_order_relaxed);
}

NodeFiles::~NodeFiles() {
  for (auto& fd : fds_) {
    const int raw = fd.load(std::memory_order_relaxed);
    if (raw >= 0) ::close(raw);
  }
}

Status NodeFiles::OpenLevel(uint8_t level, bool create) {
  const std::string path = Path(level);
  Fd opened(::open(path.c_str(), (read_only_ ? O_RDONLY : O_RDWR | (create ? O_CREAT : 0)) | O_CLOEXEC,
                   0644));
  if (opened.get() < 0) return Errno("open " + path);
  // A new file's directory entry must survive a crash too.
  if (create) SCITT_RETURN_IF_ERROR(SyncDirectory(dir_ + "/" + kNodesDirectory));
  fds_[level].store(opened.release(), std::memory_order_release);
  return Status::Ok();
}

Status NodeFiles::Open(uint64_t committed, uint64_t synced) {
  synced_ = synced;
  for (uint8_t level = 0; level < kLevels; ++level) {
    const uint64_t durable = synced >> level;
    const std::string path = Path(level);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (durable == 0) continue;  // not written yet, or rebuilt
      return Io("embedded store: " + path + " is missing but the committed log (size " +
                std::to_string(committed) + ") has " + std::to_string(durable) +
                " durable nodes at that level; refusing to open (restore the data directory "
                "from a backup)");
    }
    SCITT_RETURN_IF_ERROR(OpenLevel(level, /*create=*/false));
    SCITT_RETURN_IF_ERROR(TrimToDurable(fd(level), kNodeSize * durable, path, committed, read_only_,
                                        "discarded unsynced nodes"));
  }
  return Status::Ok();
}

Status NodeFiles::Rebuild(uint64_t committed,
                          const std::vector<crypto::Sha256Digest>& entry_hashes) {
  // The right edge at synced_, from its durable nodes.
  SCITT_ASSIGN_OR_RETURN(
      merkle::CompactRange range,
      merkle::CompactRange::Load(synced_, [&](uint8_t level, uint64_t index) -> Result<merkle::Hash> {
        merkle::Hash hash;
        SCITT_RETURN_IF_ERROR(ReadAt(fd(level), hash.data(), hash.size(), kNodeSize * index,
                                     [&] { return Path(level); }));
        return hash;
      }));
  if (read_only_) {
    for (const auto& entry_hash : entry_hashes) {
      range.Append(merkle::HashLeaf(entry_hash), [&](uint8_t level, uint64_t, const merkle::Hash& node) {
        unsynced_[level].push_back(node);
      });
    }
    return Status::Ok();
  }
  LevelBytes level_bytes;
  for (const auto& entry_hash : entry_hashes) {
    range.Append(merkle::HashLeaf(entry_hash), [&](uint8_t level, uint64_t, const merkle::Hash& node) {
      level_bytes[level].insert(level_bytes[level].end(), node.begin(), node.end());
    });
  }
  SCITT_RETURN_IF_ERROR(Write(level_bytes, synced_));
  std::vector<std::pair<int, std::string>> files;
  AddUnsynced(committed, &files);
  SCITT_RETURN_IF_ERROR(SyncFiles(files));
  synced_ = committed;
  return Status::Ok();
}

Result<LevelBytes> NodeFiles::Arrange(std::span<const log::NodeWrite> nodes, uint64_t old_size,
                                      uint64_t new_size) {
  // For each level, exactly the nodes from (old_size >> L) up to
  // (new_size >> L), in order, so that node i always lands at 32·i.
  LevelBytes level_bytes;
  for (const log::NodeWrite& node : nodes) {
    const uint64_t expected =
        node.level < kLevels ? (old_size >> node.level) + level_bytes[node.level].size() / kNodeSize
                             : 0;
    if (node.level >= kLevels || node.index != expected) {
      return MakeError(ErrorCode::kInvalidArgument, "append: unexpected merkle node (" +
                                                        std::to_string(node.level) + ", " +
                                                        std::to_string(node.index) + ")");
    }
    level_bytes[node.level].insert(level_bytes[node.level].end(), node.hash.begin(),
                                   node.hash.end());
  }
  for (uint8_t level = 0; level < kLevels; ++level) {
    if (level_bytes[level].size() / kNodeSize != (new_size >> level) - (old_size >> level)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "append: the batch does not complete exactly the nodes of level " +
                           std::to_string(level) + " between sizes " + std::to_string(old_size) +
                           " and " + std::to_string(new_size));
    }
  }
  return level_bytes;
}

Status NodeFiles::Write(const LevelBytes& nodes, uint64_t old_size) {
  for (uint8_t level = 0; level < kLevels; ++level) {
    if (nodes[level].empty()) continue;
    if (fd(level) < 0) SCITT_RETURN_IF_ERROR(OpenLevel(level, /*create=*/true));
    SCITT_RETURN_IF_ERROR(WriteAt(fd(level), nodes[level], kNodeSize * (old_size >> level), Path(level)));
  }
  return Status::Ok();
}

void NodeFiles::AddUnsynced(uint64_t new_size, std::vector<std::pair<int, std::string>>* files) const {
  for (uint8_t level = 0; level < kLevels; ++level) {
    if ((new_size >> level) == (synced_ >> level)) continue;  // nothing new there
    files->emplace_back(fd(level), Path(level));
  }
}

Status NodeFiles::Discard(uint64_t size) {
  for (uint8_t level = 0; level < kLevels; ++level) {
    if (fd(level) >= 0 && ::ftruncate(fd(level), static_cast<off_t>(kNodeSize * (size >> level))) != 0) {
      return Errno("truncate " + Path(level));
    }
  }
  return Status::Ok();
}

Result<merkle::Hash> NodeFiles::Node(uint8_t level, uint64_t index) const {
  const uint64_t committed = committed_.load(std::memory_order_acquire);
  if (level >= kLevels || index >= (committed >> level)) {
    return MakeError(ErrorCode::kNotFound,
                     "merkle node (" + std::to_string(level) + ", " + std::to_string(index) +
                         ") is not complete at the committed size " + std::to_string(committed));
  }
  if (read_only_ && index >= (synced_ >> level)) {
    return unsynced_[level][index - (synced_ >> level)];
  }
  // Published (release) before the size that made this node visible.
  const int level_fd = fds_[level].load(std::memory_order_acquire);
  merkle::Hash hash;
  SCITT_RETURN_IF_ERROR(
      ReadAt(level_fd, hash.data(), hash.size(), kNodeSize * index, [&] { return Path(level); }));
  return hash;
}

}  // namespace scitt::storage::embedded
