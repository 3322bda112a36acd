// Whole-file reads, and the one way to write a file that must survive a
// crash (DESIGN.md §2: base owns durable files).
#pragma once

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/file_system.h"
#include "base/result.h"

namespace scitt {

Result<Bytes> ReadFile(const std::string& path);
Result<std::string> ReadTextFile(const std::string& path);

// Replaces `path` with `data` durably: a crash at any moment leaves either
// the old file or the whole new one, and once this returns OK the new one
// survives a crash. It writes a uniquely named temporary file in the same
// directory (concurrent writers never share one), fsyncs it, renames it over
// `path` and fsyncs the directory. Mode 0644, or 0600 when `private_mode`
// (both less the umask). On failure the temporary file is removed; `path` is
// unchanged unless only the final directory sync failed (then it holds the
// new content, which a crash may still undo).
Status WriteFile(const std::string& path, ByteView data, bool private_mode = false,
                 FileSystem& fs = RealFileSystem());

// fsync of the directory `dir`: makes the creation, renaming or removal of
// an entry in it durable.
Status SyncDirectory(const std::string& dir, FileSystem& fs = RealFileSystem());

// mkdir -p (mode 0755 less the umask), durably: each directory it creates
// is followed by an fsync of its parent. OK when `path` already exists.
Status CreateDirectories(const std::string& path, FileSystem& fs = RealFileSystem());

// A new private directory under the system's temporary directory ($TMPDIR
// or /tmp), named `prefix` and a random suffix, removed with all it holds
// when the object goes.
class TemporaryDirectory {
 public:
  static Result<std::unique_ptr<TemporaryDirectory>> Make(const std::string& prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit TemporaryDirectory(std::string path) : path_(std::move(path)) {}
  const std::string path_;
};

}  // namespace scitt
