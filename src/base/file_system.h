// The file-system calls that durability depends on, behind one interface so
// that fault tests can fail any of them or watch their order (DESIGN.md §2:
// base owns the file-system seam). Each member answers like the POSIX call
// it is named after: -1 with errno set on failure. RealFileSystem() makes
// the calls; a test derives from FileSystem and overrides what it watches.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace scitt {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode): a new file.
  virtual int CreateExclusive(const char* path, mode_t mode);
  // open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), for SyncDirectory.
  virtual int OpenDirectory(const char* path);
  virtual ssize_t Write(int fd, const void* data, size_t size);
  virtual int Fsync(int fd);
  virtual int Close(int fd);
  virtual int Rename(const char* from, const char* to);
  virtual int Unlink(const char* path);
  virtual int MakeDirectory(const char* path, mode_t mode);
};

// The real calls (a process-wide instance).
FileSystem& RealFileSystem();

}  // namespace scitt
