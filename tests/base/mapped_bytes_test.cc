// Scratch files: appended, mapped writable with every byte written, never
// named in their directory, gone once closed and unmapped; a directory that
// cannot hold one is an error, not a crash.
#include "base/mapped_bytes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace scitt {
namespace {

namespace fs = std::filesystem;

class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "scitt-scratch-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  bool Empty() const { return fs::is_empty(dir_); }
  // Mappings of this process to deleted files: a scratch file not yet gone.
  static int DeletedMappings() {
    std::ifstream maps("/proc/self/maps");
    int n = 0;
    for (std::string line; std::getline(maps, line);) n += line.find("scitt-scratch-") != std::string::npos;
    return n;
  }
  std::string dir_;
};

TEST_F(ScratchDir, AppendsMapsWritableAndLeavesNothing) {
  auto file = ScratchFile::Create(dir_);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_TRUE(Empty()) << "a scratch file has no name";
  Bytes expected;
  for (int i = 0; i < 300; ++i) {  // pieces that straddle pages
    Bytes piece(1000 + i, static_cast<uint8_t>(i));
    ASSERT_TRUE((*file)->Append(piece).ok());
    expected.insert(expected.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ((*file)->size(), expected.size());
  auto mapped = (*file)->MapWritable();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  file->reset();  // the mapping keeps the file
  std::shared_ptr<MappedBytes> bytes = *mapped;
  EXPECT_EQ(Bytes(bytes->bytes().begin(), bytes->bytes().end()), expected);
  ASSERT_EQ(bytes->writable().size(), expected.size());
  bytes->writable()[5] = 0xab;
  bytes->Narrow(ByteView(bytes->writable()).subspan(5, 10));
  ASSERT_EQ(bytes->bytes().size(), 10u);
  EXPECT_EQ(bytes->bytes()[0], 0xab);
  EXPECT_EQ(DeletedMappings(), 1);
  bytes.reset();
  mapped = Error{};
  EXPECT_EQ(DeletedMappings(), 0);
  EXPECT_TRUE(Empty());
}

TEST_F(ScratchDir, EmptyFileMapsToNothing) {
  auto file = ScratchFile::Create(dir_);
  ASSERT_TRUE(file.ok());
  auto mapped = (*file)->MapWritable();
  ASSERT_TRUE(mapped.ok());
  EXPECT_TRUE((*mapped)->bytes().empty());
}

TEST_F(ScratchDir, MissingDirectoryIsAnError) {
  auto file = ScratchFile::Create(dir_ + "/absent");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("absent"), std::string::npos) << file.error().message;
}

// What a crash leaves where Create had to name its file (no O_TMPFILE).
TEST_F(ScratchDir, RemovesLeftoversOnly) {
  for (const char* name : {".scratch-a1B2c3", ".scratch-zzzzzz", ".scratch-short", ".scratch-toolong7",
                           "scratch-a1B2c3", "entries.log"}) {
    std::ofstream(fs::path(dir_) / name) << "x";
  }
  ScratchFile::RemoveLeftovers(dir_);
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(dir_)) kept.push_back(entry.path().filename().string());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{".scratch-short", ".scratch-toolong7", "entries.log", "scratch-a1B2c3"}));
  ScratchFile::RemoveLeftovers(dir_ + "/absent");  // nothing to do, no error
}

}  // namespace
}  // namespace scitt
