#include "base/mapped_bytes.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace scitt {

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

}  // namespace scitt
