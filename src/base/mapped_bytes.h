// A read-only mapping of a file region: bytes read without a copy into the
// heap. The pages are the OS's file cache, shared with every other reader of
// the file and given back under memory pressure without being written, so a
// statement of hundreds of megabytes read this way does not add its size to
// the process's own memory (LogEntry::mapped_statement).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt {

class MappedBytes {
 public:
  // `size` bytes of the open file `fd` from `offset`. The region must lie
  // within the file and the file must not shrink while the result lives
  // (reading a page cut off is SIGBUS): for append-only files.
  static Result<std::shared_ptr<const MappedBytes>> Map(int fd, uint64_t offset, size_t size);

  ~MappedBytes();
  MappedBytes(const MappedBytes&) = delete;
  MappedBytes& operator=(const MappedBytes&) = delete;

  ByteView bytes() const { return bytes_; }

 private:
  MappedBytes(void* base, size_t length, ByteView bytes) : base_(base), length_(length), bytes_(bytes) {}
  void* base_;     // the mapping: from `offset` rounded down to a page
  size_t length_;  // its length
  ByteView bytes_;
};

}  // namespace scitt
