#include "base/file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace scitt {
namespace {

Error Errno(const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

// The directory holding `path` ("." for a bare name).
std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// A name no other writer picks: O_EXCL refuses a taken one, so a collision
// only costs a retry.
std::string TemporaryName(const std::string& path) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), ".tmp-%016llx", static_cast<unsigned long long>(random()));
  return path + suffix;
}

}  // namespace

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return MakeError(ErrorCode::kIo, "error reading " + path);
  std::string s = std::move(ss).str();
  return Bytes(s.begin(), s.end());
}

Result<std::string> ReadTextFile(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Bytes data, ReadFile(path));
  return std::string(data.begin(), data.end());
}

Status WriteFile(const std::string& path, ByteView data, bool private_mode, FileSystem& fs) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = TemporaryName(path);
    fd = fs.CreateExclusive(tmp.c_str(), private_mode ? 0600 : 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Errno("cannot write " + path);
  // Until the rename, a failure leaves `path` as it was and removes the temporary.
  auto fail = [&](const std::string& what) -> Status {
    Error error = Errno(what);
    if (fd >= 0) (void)fs.Close(fd);
    (void)fs.Unlink(tmp.c_str());
    return error;
  };
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = fs.Write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write " + path);
    done += static_cast<size_t>(n);
  }
  // The content is on stable storage before it replaces the old file.
  if (fs.Fsync(fd) != 0) return fail("cannot flush " + path);
  const int closing = fd;
  fd = -1;
  if (fs.Close(closing) != 0) return fail("cannot close " + path);
  if (fs.Rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename onto " + path);
  // The rename itself is durable only once its directory is synced.
  return SyncDirectory(ParentOf(path), fs);
}

Status SyncDirectory(const std::string& dir, FileSystem& fs) {
  const int fd = fs.OpenDirectory(dir.c_str());
  if (fd < 0) return Errno("cannot open directory " + dir);
  if (fs.Fsync(fd) != 0) {
    Error error = Errno("cannot fsync directory " + dir);
    (void)fs.Close(fd);
    return error;
  }
  if (fs.Close(fd) != 0) return Errno("cannot close directory " + dir);
  return Status::Ok();
}

Status CreateDirectories(const std::string& path, FileSystem& fs) {
  std::filesystem::path prefix;
  for (const auto& part : std::filesystem::path(path)) {
    prefix /= part;
    if (part.empty() || part == "/" || part == "." || part == "..") continue;
    struct stat st;
    if (::stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return MakeError(ErrorCode::kIo, "cannot create " + path + ": " + prefix.string() +
                                             " is not a directory");
      }
      continue;
    }
    if (fs.MakeDirectory(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Errno("cannot create directory " + prefix.string());
    }
    // A new directory's entry is durable only once its parent is synced.
    SCITT_RETURN_IF_ERROR(SyncDirectory(ParentOf(prefix.string()), fs));
  }
  return Status::Ok();
}

Result<std::unique_ptr<TemporaryDirectory>> TemporaryDirectory::Make(const std::string& prefix) {
  std::error_code ec;
  std::string pattern = (std::filesystem::temp_directory_path(ec) / (prefix + "XXXXXX")).string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return MakeError(ErrorCode::kIo, "cannot make a temporary directory " + pattern + ": " +
                                         (ec ? ec.message() : std::strerror(errno)));
  }
  return std::unique_ptr<TemporaryDirectory>(new TemporaryDirectory(std::move(pattern)));
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace scitt
