#include "storage/embedded/file_io.h"

#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <climits>

#include <system_error>
#include <thread>

#include "base/logging.h"

namespace scitt::storage::embedded {

Error Io(std::string message) { return MakeError(ErrorCode::kIo, std::move(message)); }

Error Errno(const std::string& what) {
  return Io(what + ": " + std::error_code(errno, std::generic_category()).message());
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Status WriteAt(int fd, ByteView data, uint64_t offset, const std::string& name) {
  return WriteAllAt(fd, std::span<const ByteView>(&data, 1), offset, name);
}

Status WriteAllAt(int fd, std::span<const ByteView> pieces, uint64_t offset,
                  const std::string& name) {
  std::vector<iovec> iov;
  iov.reserve(std::min<size_t>(pieces.size(), IOV_MAX));
  size_t next = 0;  // first piece not yet in `iov`
  while (next < pieces.size() || !iov.empty()) {
    while (iov.size() < IOV_MAX && next < pieces.size()) {
      const ByteView piece = pieces[next++];
      if (piece.empty()) continue;
      iov.push_back(iovec{const_cast<uint8_t*>(piece.data()), piece.size()});
    }
    if (iov.empty()) break;
    const ssize_t n = ::pwritev(fd, iov.data(), static_cast<int>(iov.size()),
                                static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing " + name);
    }
    offset += static_cast<uint64_t>(n);
    // Drop what was written; a short write leaves part of a piece.
    size_t written = static_cast<size_t>(n), done = 0;
    while (done < iov.size() && written >= iov[done].iov_len) written -= iov[done++].iov_len;
    iov.erase(iov.begin(), iov.begin() + static_cast<ptrdiff_t>(done));
    if (!iov.empty() && written > 0) {
      iov[0].iov_base = static_cast<uint8_t*>(iov[0].iov_base) + written;
      iov[0].iov_len -= written;
    }
  }
  return Status::Ok();
}

Result<uint64_t> FileSize(int fd, const std::string& name) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("stat " + name);
  return static_cast<uint64_t>(st.st_size);
}

Status Truncate(int fd, uint64_t length, const std::string& name) {
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0) return Errno("truncate " + name);
  return SyncFile(fd, name);
}

Status SyncFile(int fd, const std::string& name) {
  if (::fdatasync(fd) != 0) return Errno("fdatasync " + name);
  return Status::Ok();
}

Status SyncFiles(const std::vector<std::pair<int, std::string>>& files) {
  std::vector<Status> results(files.size());
  std::vector<std::thread> threads;
  threads.reserve(files.size());
  for (size_t i = 1; i < files.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = SyncFile(files[i].first, files[i].second); });
  }
  if (!files.empty()) results[0] = SyncFile(files[0].first, files[0].second);
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) SCITT_RETURN_IF_ERROR(result);
  return Status::Ok();
}

Status TrimToDurable(int fd, uint64_t durable, const std::string& name, uint64_t tree_size,
                     bool read_only, const char* beyond) {
  SCITT_ASSIGN_OR_RETURN(const uint64_t length, FileSize(fd, name));
  if (length < durable) {
    return Io("embedded store: " + name + " holds " + std::to_string(length) +
              " bytes but the committed log (size " + std::to_string(tree_size) + ") needs " +
              std::to_string(durable) +
              ": the file was truncated or replaced; refusing to open (restore the data "
              "directory from a backup)");
  }
  if (length > durable && !read_only) {
    logging::Info(beyond, {{"file", name}, {"bytes", length - durable}});
    return Truncate(fd, durable, name);
  }
  return Status::Ok();
}

}  // namespace scitt::storage::embedded
