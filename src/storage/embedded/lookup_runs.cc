#include "storage/embedded/lookup_runs.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "base/file.h"
#include "storage/embedded/file_io.h"

namespace scitt::storage::embedded {
namespace {

// Header: "SCITTRUN", format 1 (u32 little-endian), 4 bytes zero, then the
// record counts of the two sections (u64 little-endian each). Records: the
// 32-byte key, then the entry index (u64 little-endian).
constexpr char kMagic[8] = {'S', 'C', 'I', 'T', 'T', 'R', 'U', 'N'};
constexpr uint32_t kRunFormat = 1;
constexpr size_t kHeaderSize = 32;
constexpr size_t kRecordSize = 40;
constexpr size_t kWriteBuffer = 1 << 20;

void PutLe64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t GetLe64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

}  // namespace

Result<std::pair<uint64_t, uint64_t>> WriteRun(const std::string& path, const RecordSource& entry_hashes,
                                              const RecordSource& signed_contents) {
  const std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("creating " + tmp);
  auto write = [&]() -> Result<std::pair<uint64_t, uint64_t>> {
    std::vector<uint8_t> buffer;
    buffer.reserve(kWriteBuffer + kRecordSize);
    buffer.resize(kHeaderSize);  // filled in at the end
    uint64_t offset = 0;
    auto flush = [&]() -> Status {
      SCITT_RETURN_IF_ERROR(WriteAt(fd.get(), buffer, offset, tmp));
      offset += buffer.size();
      buffer.clear();
      return Status::Ok();
    };
    uint64_t counts[2] = {0, 0};
    for (int section = 0; section < 2; ++section) {
      const RecordSource& source = section == 0 ? entry_hashes : signed_contents;
      RunRecord record, previous;
      for (;;) {
        SCITT_ASSIGN_OR_RETURN(const bool more, source(record));
        if (!more) break;
        if (counts[section] != 0 && !(previous < record)) {
          return Io("writing " + path + ": records out of order (entry " + std::to_string(record.index) + ")");
        }
        previous = record;
        ++counts[section];
        const size_t at = buffer.size();
        buffer.resize(at + kRecordSize);
        std::memcpy(buffer.data() + at, record.key.data(), record.key.size());
        PutLe64(buffer.data() + at + 32, record.index);
        if (buffer.size() >= kWriteBuffer) SCITT_RETURN_IF_ERROR(flush());
      }
    }
    SCITT_RETURN_IF_ERROR(flush());
    uint8_t header[kHeaderSize] = {};
    std::memcpy(header, kMagic, sizeof(kMagic));
    header[8] = static_cast<uint8_t>(kRunFormat);
    PutLe64(header + 16, counts[0]);
    PutLe64(header + 24, counts[1]);
    SCITT_RETURN_IF_ERROR(WriteAt(fd.get(), ByteView(header, sizeof(header)), 0, tmp));
    SCITT_RETURN_IF_ERROR(SyncFile(fd.get(), tmp));
    return std::pair{counts[0], counts[1]};
  };
  auto written = write();
  if (written.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) written = Errno("renaming " + tmp);
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written.error();
  }
  SCITT_RETURN_IF_ERROR(SyncDirectory(std::filesystem::path(path).parent_path().string()));
  return written;
}

Result<std::shared_ptr<const LookupRun>> LookupRun::Open(const std::string& path, uint64_t id,
                                                         uint64_t entry_hashes, uint64_t signed_contents) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening " + path);
  SCITT_ASSIGN_OR_RETURN(const uint64_t size, FileSize(fd.get(), path));
  const uint64_t expected = kHeaderSize + kRecordSize * (entry_hashes + signed_contents);
  if (size != expected) {
    return Io(path + " holds " + std::to_string(size) + " bytes, not the " + std::to_string(expected) +
              " of its recorded counts");
  }
  std::shared_ptr<LookupRun> run(new LookupRun());
  run->id_ = id;
  run->path_ = path;
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (mapped == MAP_FAILED) return Errno("mapping " + path);
  run->base_ = static_cast<const uint8_t*>(mapped);
  run->size_ = size;
  if (std::memcmp(run->base_, kMagic, sizeof(kMagic)) != 0 || GetLe64(run->base_ + 8) != kRunFormat ||
      GetLe64(run->base_ + 16) != entry_hashes || GetLe64(run->base_ + 24) != signed_contents) {
    return Io(path + " is not the run recorded (its header differs)");
  }
  run->counts_[0] = entry_hashes;
  run->counts_[1] = signed_contents;
  return std::shared_ptr<const LookupRun>(std::move(run));
}

LookupRun::~LookupRun() {
  if (base_ != nullptr) ::munmap(const_cast<uint8_t*>(base_), size_);
}

RunRecord LookupRun::At(RunSection section, uint64_t i) const {
  const uint64_t first = section == RunSection::kEntryHashes ? 0 : counts_[0];
  const uint8_t* p = base_ + kHeaderSize + kRecordSize * (first + i);
  RunRecord record;
  std::memcpy(record.key.data(), p, record.key.size());
  record.index = GetLe64(p + 32);
  return record;
}

std::optional<uint64_t> LookupRun::Find(RunSection section, const crypto::Sha256Digest& key) const {
  const uint64_t first = section == RunSection::kEntryHashes ? 0 : counts_[0];
  const uint8_t* records = base_ + kHeaderSize + kRecordSize * first;
  // The first record whose key is not below `key`.
  uint64_t low = 0, high = count(section);
  while (low < high) {
    const uint64_t mid = low + (high - low) / 2;
    if (std::memcmp(records + kRecordSize * mid, key.data(), key.size()) < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == count(section) || std::memcmp(records + kRecordSize * low, key.data(), key.size()) != 0) {
    return std::nullopt;
  }
  return GetLe64(records + kRecordSize * low + 32);
}

void LookupRun::DropPages() const { ::madvise(const_cast<uint8_t*>(base_), size_, MADV_DONTNEED); }

RecordSource LookupRun::Reader(RunSection section) const {
  return [this, section, next = uint64_t{0}](RunRecord& out) mutable -> Result<bool> {
    if (next == count(section)) return false;
    out = At(section, next++);
    return true;
  };
}

RecordSource MergedReader(const RunList& runs, RunSection section) {
  struct Head {
    RecordSource source;
    RunRecord record;
    bool live = false;
  };
  auto heads = std::make_shared<std::vector<Head>>();
  for (const auto& run : runs) heads->push_back({run->Reader(section), {}, false});
  return [heads, started = false](RunRecord& out) mutable -> Result<bool> {
    if (!started) {
      started = true;
      for (Head& head : *heads) {
        SCITT_ASSIGN_OR_RETURN(head.live, head.source(head.record));
      }
    }
    Head* smallest = nullptr;  // few runs: a scan beats a heap
    for (Head& head : *heads) {
      if (head.live && (smallest == nullptr || head.record < smallest->record)) smallest = &head;
    }
    if (smallest == nullptr) return false;
    out = smallest->record;
    SCITT_ASSIGN_OR_RETURN(smallest->live, smallest->source(smallest->record));
    return true;
  };
}

}  // namespace scitt::storage::embedded
