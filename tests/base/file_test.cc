// Durable whole-file writes: content, mode, the temporary file, failures at
// every step, concurrent writers, and the directory fsync (through the
// file-system seam, so the test sees calls a crash test could not).
#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace scitt {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "scitt-file-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  std::set<std::string> Names() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.insert(entry.path().filename());
    return names;
  }

 private:
  std::string path_;
};

// Records every call with its path (or the path its descriptor was opened
// with), and fails the call named `fail_at` with EIO.
class RecordingFileSystem : public FileSystem {
 public:
  std::vector<std::string> calls;
  std::string fail_at;

  int CreateExclusive(const char* path, mode_t mode) override {
    if (Fails("create", path)) return -1;
    const int fd = FileSystem::CreateExclusive(path, mode);
    names_[fd] = path;
    return fd;
  }
  int OpenDirectory(const char* path) override {
    if (Fails("opendir", path)) return -1;
    const int fd = FileSystem::OpenDirectory(path);
    names_[fd] = path;
    return fd;
  }
  ssize_t Write(int fd, const void* data, size_t size) override {
    if (Fails("write", names_[fd])) return -1;
    return FileSystem::Write(fd, data, size);
  }
  int Fsync(int fd) override {
    if (Fails("fsync", names_[fd])) return -1;
    return FileSystem::Fsync(fd);
  }
  int Close(int fd) override {
    const std::string name = names_[fd];
    names_.erase(fd);
    const int closed = FileSystem::Close(fd);
    return Fails("close", name) ? -1 : closed;
  }
  int Rename(const char* from, const char* to) override {
    if (Fails("rename", std::string(from) + " -> " + to)) return -1;
    return FileSystem::Rename(from, to);
  }
  int Unlink(const char* path) override {
    calls.push_back(std::string("unlink ") + path);
    return FileSystem::Unlink(path);
  }
  int MakeDirectory(const char* path, mode_t mode) override {
    if (Fails("mkdir", path)) return -1;
    return FileSystem::MakeDirectory(path, mode);
  }

 private:
  bool Fails(const std::string& call, const std::string& name) {
    calls.push_back(call + " " + name);
    if (call != fail_at) return false;
    errno = EIO;
    return true;
  }
  std::map<int, std::string> names_;
};

std::string Content(const std::string& path) {
  auto text = ReadTextFile(path);
  return text.ok() ? *text : "<" + text.error().message + ">";
}

mode_t Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(WriteFile, WritesTheContentWithItsModeAndLeavesNoTemporary) {
  const mode_t old_umask = ::umask(022);
  TempDir dir;
  ASSERT_TRUE(WriteFile(dir / "public", AsBytes("hello")).ok());
  ASSERT_TRUE(WriteFile(dir / "secret", AsBytes("key"), /*private_mode=*/true).ok());
  ASSERT_TRUE(WriteFile(dir / "empty", {}).ok());
  EXPECT_EQ(Content(dir / "public"), "hello");
  EXPECT_EQ(Content(dir / "secret"), "key");
  EXPECT_EQ(Content(dir / "empty"), "");
  EXPECT_EQ(Mode(dir / "public"), 0644u);
  EXPECT_EQ(Mode(dir / "secret"), 0600u);
  // Replacing keeps only the new content, and the mode it asks for.
  ASSERT_TRUE(WriteFile(dir / "public", AsBytes("bye"), /*private_mode=*/true).ok());
  EXPECT_EQ(Content(dir / "public"), "bye");
  EXPECT_EQ(Mode(dir / "public"), 0600u);
  EXPECT_EQ(dir.Names(), (std::set<std::string>{"public", "secret", "empty"}));
  ::umask(old_umask);
}

// The order that makes the file survive a crash: the temporary is complete
// on disk before the rename, and the rename is synced through its directory.
TEST(WriteFile, SyncsTheTemporaryThenRenamesThenSyncsTheDirectory) {
  TempDir dir;
  RecordingFileSystem recording;
  ASSERT_TRUE(WriteFile(dir / "file", AsBytes("content"), false, recording).ok());
  ASSERT_EQ(recording.calls.size(), 8u) << ::testing::PrintToString(recording.calls);
  const std::string& create = recording.calls[0];
  ASSERT_EQ(create.rfind("create " + (dir / "file.tmp-"), 0), 0u) << create;
  const std::string tmp = create.substr(7);
  EXPECT_EQ(recording.calls,
            (std::vector<std::string>{"create " + tmp, "write " + tmp, "fsync " + tmp,
                                      "close " + tmp, "rename " + tmp + " -> " + (dir / "file"),
                                      "opendir " + dir.path(), "fsync " + dir.path(),
                                      "close " + dir.path()}));
  EXPECT_EQ(Content(dir / "file"), "content");
}

// A failure at any step before the rename leaves the old file and no
// temporary; a failed directory sync is reported.
TEST(WriteFile, AFailureLeavesTheOldFileAndNoTemporary) {
  for (const std::string step : {"create", "write", "fsync", "close", "rename"}) {
    SCOPED_TRACE(step);
    TempDir dir;
    ASSERT_TRUE(WriteFile(dir / "file", AsBytes("old")).ok());
    RecordingFileSystem failing;
    failing.fail_at = step;
    Status written = WriteFile(dir / "file", AsBytes("new"), false, failing);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, ErrorCode::kIo);
    EXPECT_NE(written.message().find(dir / "file"), std::string::npos) << written.message();
    EXPECT_EQ(Content(dir / "file"), "old");
    EXPECT_EQ(dir.Names(), std::set<std::string>{"file"});
  }
  TempDir dir;
  RecordingFileSystem failing;
  failing.fail_at = "opendir";
  Status written = WriteFile(dir / "file", AsBytes("new"), false, failing);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.message().find("directory"), std::string::npos) << written.message();
  EXPECT_EQ(dir.Names(), std::set<std::string>{"file"});
}

// Writers of one path at the same time each use their own temporary: every
// write succeeds, the file is one of them whole, nothing is left behind.
// (A shared "path.tmp" made one writer rename the other's half-written file
// and the other fail.)
TEST(WriteFile, ConcurrentWritersDoNotShareATemporary) {
  TempDir dir;
  std::vector<std::string> contents;
  for (int t = 0; t < 8; ++t) contents.push_back(std::string(4096 + t, static_cast<char>('a' + t)));
  std::vector<int> failures(contents.size(), 0);
  std::vector<std::thread> writers;
  for (size_t t = 0; t < contents.size(); ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        if (!WriteFile(dir / "file", AsBytes(contents[t])).ok()) ++failures[t];
      }
    });
  }
  for (auto& writer : writers) writer.join();
  for (size_t t = 0; t < contents.size(); ++t) EXPECT_EQ(failures[t], 0) << "writer " << t;
  const std::string final_content = Content(dir / "file");
  EXPECT_NE(std::find(contents.begin(), contents.end(), final_content), contents.end());
  EXPECT_EQ(dir.Names(), std::set<std::string>{"file"});
}

TEST(CreateDirectories, CreatesEachLevelAndSyncsItsParent) {
  TempDir dir;
  RecordingFileSystem recording;
  ASSERT_TRUE(CreateDirectories(dir / "a/b", recording).ok());
  EXPECT_TRUE(fs::is_directory(dir / "a/b"));
  EXPECT_EQ(recording.calls,
            (std::vector<std::string>{"mkdir " + (dir / "a"), "opendir " + dir.path(),
                                      "fsync " + dir.path(), "close " + dir.path(),
                                      "mkdir " + (dir / "a/b"), "opendir " + (dir / "a"),
                                      "fsync " + (dir / "a"), "close " + (dir / "a")}));
  recording.calls.clear();
  ASSERT_TRUE(CreateDirectories(dir / "a/b", recording).ok());  // exists: nothing to do
  EXPECT_TRUE(recording.calls.empty());
  ASSERT_TRUE(WriteFile(dir / "f", AsBytes("x")).ok());
  EXPECT_FALSE(CreateDirectories(dir / "f/g").ok());
}

}  // namespace
}  // namespace scitt
