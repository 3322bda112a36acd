// A read-only mapping of a file region: bytes read without a copy into the
// heap. The pages are the OS's file cache, shared with every other reader of
// the file and given back under memory pressure without being written, so a
// statement of hundreds of megabytes read this way does not add its size to
// the process's own memory (LogEntry::mapped_statement).
//
// ScratchFile is the other direction: a request body of hundreds of
// megabytes written to an unlinked file and mapped writable, so that it is
// checked and changed in place (registration::Registrar::Check) without
// entering the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

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

  // For a mapping made by ScratchFile::MapWritable, until it is shared as
  // const: the whole mapping, writable, and bytes() narrowed to a part of it.
  std::span<uint8_t> writable() { return {static_cast<uint8_t*>(base_), length_}; }
  void Narrow(ByteView part) { bytes_ = part; }

 private:
  friend class ScratchFile;
  MappedBytes(void* base, size_t length, ByteView bytes) : base_(base), length_(length), bytes_(bytes) {}
  void* base_;     // the mapping: from `offset` rounded down to a page
  size_t length_;  // its length
  ByteView bytes_;
};

// A file with no name in `dir` (O_TMPFILE: it never appears in a listing,
// and it is gone once closed and unmapped, a crash included), written by
// appending and then mapped. Its pages are the OS's file cache: under
// memory pressure they are written to the file and dropped, where heap
// pages would stay. Not thread-safe; each call may block on the disk.
class ScratchFile {
 public:
  static Result<std::unique_ptr<ScratchFile>> Create(const std::string& dir);
  // Where `dir` has no O_TMPFILE, Create names the file and unlinks it at
  // once; a crash in between leaves an empty `.scratch-XXXXXX`. Removes
  // those: call before any Create in `dir`.
  static void RemoveLeftovers(const std::string& dir);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Writes `data` after what was written before. A full disk is an error
  // here (kIo), never a fault while the mapping is written:
  // every page MapWritable maps was written by Append first.
  Status Append(ByteView data);
  uint64_t size() const { return size_; }
  // The whole file, mapped shared and writable; bytes() is all of it. The
  // mapping keeps the file alive after this object is destroyed.
  Result<std::shared_ptr<MappedBytes>> MapWritable();

 private:
  explicit ScratchFile(int fd) : fd_(fd) {}
  int fd_;
  uint64_t size_ = 0;
};

}  // namespace scitt
