#include "base/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace scitt {

int FileSystem::CreateExclusive(const char* path, mode_t mode) {
  return ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
}
int FileSystem::OpenDirectory(const char* path) {
  return ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
ssize_t FileSystem::Write(int fd, const void* data, size_t size) { return ::write(fd, data, size); }
int FileSystem::Fsync(int fd) { return ::fsync(fd); }
int FileSystem::Close(int fd) { return ::close(fd); }
int FileSystem::Rename(const char* from, const char* to) { return std::rename(from, to); }
int FileSystem::Unlink(const char* path) { return ::unlink(path); }
int FileSystem::MakeDirectory(const char* path, mode_t mode) { return ::mkdir(path, mode); }

FileSystem& RealFileSystem() {
  static FileSystem real;
  return real;
}

}  // namespace scitt
