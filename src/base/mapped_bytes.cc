#include "base/mapped_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

namespace scitt {
namespace {
constexpr std::string_view kNamedPrefix = ".scratch-";  // then mkostemp's six characters
}  // namespace

Result<std::shared_ptr<const MappedBytes>> MappedBytes::Map(int fd, uint64_t offset, size_t size) {
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset - offset % page;
  const size_t length = static_cast<size_t>(offset - start) + size;
  if (size == 0) return std::shared_ptr<const MappedBytes>(new MappedBytes(nullptr, 0, ByteView()));
  void* base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
  if (base == MAP_FAILED) {
    return MakeError(ErrorCode::kIo, "mapping " + std::to_string(size) + " bytes at offset " + std::to_string(offset) +
                                         ": " + std::strerror(errno));
  }
  // Parsers read a document from its start to its end, and again.
  ::madvise(base, length, MADV_SEQUENTIAL);
  const auto* first = static_cast<const uint8_t*>(base) + (offset - start);
  return std::shared_ptr<const MappedBytes>(new MappedBytes(base, length, ByteView(first, size)));
}

MappedBytes::~MappedBytes() {
  if (base_ != nullptr) ::munmap(base_, length_);
}

Result<std::unique_ptr<ScratchFile>> ScratchFile::Create(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string path = dir + "/" + std::string(kNamedPrefix) + "XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) return MakeError(ErrorCode::kIo, "creating a scratch file in " + dir + ": " + std::strerror(errno));
  return std::unique_ptr<ScratchFile>(new ScratchFile(fd));
}

void ScratchFile::RemoveLeftovers(const std::string& dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == kNamedPrefix.size() + 6 && name.starts_with(kNamedPrefix)) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

ScratchFile::~ScratchFile() { ::close(fd_); }

Status ScratchFile::Append(ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      return MakeError(ErrorCode::kIo, std::string("writing a scratch file: ") + std::strerror(error));
    }
    size_ += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<std::shared_ptr<MappedBytes>> ScratchFile::MapWritable() {
  if (size_ == 0) return std::shared_ptr<MappedBytes>(new MappedBytes(nullptr, 0, ByteView()));
  const auto length = static_cast<size_t>(size_);
  void* base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (base == MAP_FAILED) {
    return MakeError(ErrorCode::kIo, "mapping a scratch file of " + std::to_string(size_) + " bytes: " + std::strerror(errno));
  }
  ::madvise(base, length, MADV_SEQUENTIAL);
  return std::shared_ptr<MappedBytes>(new MappedBytes(base, length, ByteView(static_cast<const uint8_t*>(base), length)));
}

}  // namespace scitt
