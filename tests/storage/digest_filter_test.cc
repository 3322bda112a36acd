// The writer's key filter (digest_filter.h) and the batch write of the
// statements (file_io.h: WriteAllAt).
#include "storage/embedded/digest_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <random>
#include <vector>

#include "storage/embedded/file_io.h"
#include "store_test_util.h"

namespace scitt::storage::embedded {
namespace {

crypto::Sha256Digest RandomDigest(std::mt19937_64& random) {
  crypto::Sha256Digest digest;
  for (size_t i = 0; i < digest.size(); i += 8) {
    const uint64_t word = random();
    std::memcpy(digest.data() + i, &word, 8);
  }
  return digest;
}

// Never "absent" for a digest it holds, through every generation it grew;
// about 1% "maybe" for digests it does not.
TEST(DigestFilter, NoFalseNegativesAndFewFalsePositivesAsItGrows) {
  DigestFilter filter;
  const uint64_t first_bytes = filter.bytes();
  std::mt19937_64 random(7);
  std::vector<crypto::Sha256Digest> added;
  const uint64_t count = 3 * DigestFilter::kMinCapacity;  // three generations
  added.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    added.push_back(RandomDigest(random));
    filter.Add(added.back());
  }
  EXPECT_EQ(filter.bytes(), 4 * first_bytes) << "generations of 1, 1 and 2 times the first";
  for (const auto& digest : added) ASSERT_TRUE(filter.MayContain(digest));
  uint64_t maybe = 0;
  constexpr uint64_t kProbes = 200000;
  for (uint64_t i = 0; i < kProbes; ++i) maybe += filter.MayContain(RandomDigest(random));
  // Three full generations at ~1% each: under 5% in all, and not zero (the
  // filter is not a set).
  EXPECT_LT(maybe, kProbes / 20);
  EXPECT_GT(maybe, 0u);
}

TEST(DigestFilter, AnEmptyOneHoldsNothing) {
  DigestFilter filter(10);
  std::mt19937_64 random(1);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(filter.MayContain(RandomDigest(random)));
}

// More pieces than one pwritev takes (IOV_MAX), empty ones among them.
TEST(WriteAllAt, WritesEveryPieceBackToBack) {
  testing::TempDir dir;
  const std::string path = dir / "pieces";
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_GE(fd.get(), 0);
  std::vector<Bytes> pieces;
  Bytes expected(10, 0xee);  // bytes before the offset stay
  ASSERT_TRUE(WriteAt(fd.get(), expected, 0, path).ok());
  for (size_t i = 0; i < 3 * IOV_MAX + 5; ++i) {
    pieces.emplace_back(i % 7, static_cast<uint8_t>(i));
    expected.insert(expected.end(), pieces.back().begin(), pieces.back().end());
  }
  std::vector<ByteView> views(pieces.begin(), pieces.end());
  ASSERT_TRUE(WriteAllAt(fd.get(), views, 10, path).ok());
  Bytes read(expected.size());
  ASSERT_TRUE(ReadAt(fd.get(), read.data(), read.size(), 0, [&] { return path; }).ok());
  EXPECT_EQ(read, expected);
  EXPECT_EQ(*FileSize(fd.get(), path), expected.size());
  EXPECT_FALSE(WriteAllAt(-1, views, 0, path).ok());
}

}  // namespace
}  // namespace scitt::storage::embedded
