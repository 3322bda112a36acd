#include "merkle/tile.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "merkle/proof.h"
#include "merkle/tree.h"
#include "test_hashes.h"

namespace scitt::merkle {
namespace {

TEST(TilePathTest, IndexIsInThreeDigitGroups) {
  EXPECT_EQ(TilePath(0, 1234067), "tile/0/x001/x234/067");
  EXPECT_EQ(TilePath(0, 0), "tile/0/000");
  EXPECT_EQ(TilePath(0, 1000), "tile/0/x001/000");
  EXPECT_EQ(TilePath(3, 999), "tile/3/999");
  EXPECT_EQ(TilePath(63, 1000000), "tile/63/x001/x000/000");
  EXPECT_EQ(TilePath(0, ~uint64_t{0}), "tile/0/x018/x446/x744/x073/x709/x551/615");
}

TEST(TilePathTest, PartialTilesAndEntryBundles) {
  EXPECT_EQ(TilePath(0, 273, 112), "tile/0/273.p/112");
  EXPECT_EQ(TilePath(1, 1, 17), "tile/1/001.p/17");
  EXPECT_EQ(TilePath(2, 0, 1), "tile/2/000.p/1");
  EXPECT_EQ(EntryBundlePath(273, 112), "tile/entries/273.p/112");
  EXPECT_EQ(EntryBundlePath(1234067), "tile/entries/x001/x234/067");
}

TEST(TilePathTest, ParseInvertsTheEncoders) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < 2000; ++i) {
    // Indices of every magnitude, from one digit group to seven.
    const uint64_t index = rng() >> (rng() % 64);
    const uint8_t level = static_cast<uint8_t>(rng() % 64);
    const uint16_t width = static_cast<uint16_t>(i % 3 == 0 ? 0 : rng() % 256);
    const std::string tile = TilePath(level, index, width);
    auto parsed = ParseTilePath(tile);
    ASSERT_TRUE(parsed.ok()) << tile << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, (TileCoord{false, level, index, width})) << tile;
    const std::string bundle = EntryBundlePath(index, width);
    parsed = ParseTilePath(bundle);
    ASSERT_TRUE(parsed.ok()) << bundle << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, (TileCoord{true, 0, index, width})) << bundle;
  }
}

TEST(TilePathTest, ParseRejectsNonCanonicalAndMalformedPaths) {
  for (const char* path : {
           "",
           "tile/",
           "tiles/0/000",
           "/tile/0/000",
           "tile/00/000",             // leading zero in L
           "tile/01/000",
           "tile/64/000",             // L > 63
           "tile/255/000",
           "tile/-1/000",
           "tile//000",
           "tile/0/",
           "tile/0/0",
           "tile/0/00",
           "tile/0/0000",
           "tile/0/x000/001",         // leading zero group
           "tile/0/x000/x001/000",
           "tile/0/x001",             // no last group
           "tile/0/x001/",
           "tile/0/x1/000",
           "tile/0/x1000/000",
           "tile/0/X001/000",
           "tile/0/001/002",          // only the last group lacks the x
           "tile/0/x018/x446/x744/x073/x709/x551/616",  // 2^64
           "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
           "tile/0/000.p/0",          // W not in 1..255
           "tile/0/000.p/256",
           "tile/0/000.p/012",        // leading zero in W
           "tile/0/000.p/",
           "tile/0/000.p",
           "tile/0/000.q/1",
           "tile/0/000/",
           "tile/0/000 ",
           "tile/0/000.p/1/",
           "tile/0/000.p/1x",
           "tile/entries/",
           "tile/entries/0",
           "tile/entries/x000/001",
           "tile/entries/000.p/256",
           "tile/entry/000",
       }) {
    auto parsed = ParseTilePath(path);
    ASSERT_FALSE(parsed.ok()) << '"' << path << '"';
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
  }
}

// C2SP tlog-tiles examples.
TEST(TileArithmeticTest, TilesOfATree) {
  EXPECT_EQ(TilesAtLevel(70000, 0), (TileLevelExtent{273, 112}));
  EXPECT_EQ(TilesAtLevel(70000, 1), (TileLevelExtent{1, 17}));
  EXPECT_EQ(TilesAtLevel(70000, 2), (TileLevelExtent{0, 1}));
  EXPECT_EQ(TilesAtLevel(70000, 3), (TileLevelExtent{0, 0}));
  EXPECT_EQ(TilesAtLevel(256, 0), (TileLevelExtent{1, 0}));
  EXPECT_EQ(TilesAtLevel(256, 1), (TileLevelExtent{0, 1}));
  EXPECT_EQ(TilesAtLevel(0, 0), (TileLevelExtent{0, 0}));
  EXPECT_EQ(TilesAtLevel(~uint64_t{0}, 7), (TileLevelExtent{0, 255}));
  EXPECT_EQ(TilesAtLevel(~uint64_t{0}, 8), (TileLevelExtent{0, 0}));
  EXPECT_EQ(TilesAtLevel(~uint64_t{0}, 63), (TileLevelExtent{0, 0}));
}

TEST(TileArithmeticTest, TileHashesAreTheNodesAtEightTimesTheTileLevel) {
  const auto leaves = testing::RandomLeafHashes(70000, 13);
  InMemoryTree tree;
  for (const Hash& leaf : leaves) tree.Append(leaf);
  const std::span<const Hash> all(leaves);

  auto level0 = TileHashes(0, 273, 112, tree);
  ASSERT_TRUE(level0.ok());
  EXPECT_EQ(*level0, std::vector<Hash>(all.begin() + 273 * 256, all.begin() + 273 * 256 + 112));

  // A level-1 hash is the MTH of the matching full level-0 tile.
  auto level1 = TileHashes(1, 1, 17, tree);
  ASSERT_TRUE(level1.ok());
  ASSERT_EQ(level1->size(), 17u);
  for (uint64_t i = 0; i < 17; ++i) {
    auto tile = TileHashes(0, 256 + i, 0, tree);
    ASSERT_TRUE(tile.ok());
    ASSERT_EQ(tile->size(), 256u);
    EXPECT_EQ((*level1)[i], RootOf(*tile));
    EXPECT_EQ((*level1)[i], RootOf(all.subspan((256 + i) * 256, 256)));
  }
  auto full1 = TileHashes(1, 0, 0, tree);
  ASSERT_TRUE(full1.ok());
  EXPECT_EQ(full1->size(), 256u);

  auto level2 = TileHashes(2, 0, 1, tree);
  ASSERT_TRUE(level2.ok());
  EXPECT_EQ(*level2, std::vector<Hash>{RootOf(all.first(65536))});

  // Beyond the tree, or beyond any 64-bit tree.
  EXPECT_EQ(TileHashes(0, 273, 113, tree).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TileHashes(2, 0, 2, tree).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TileHashes(8, 0, 1, tree).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(TileHashes(0, uint64_t{1} << 56, 1, tree).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(TileHashes(0, 0, 256, tree).error().code, ErrorCode::kInvalidArgument);
}

// c2sp.org/tlog-tiles: uint16 big-endian length, then the entry.
TEST(TileFormats, EntryBundlesAndHashTiles) {
  const Bytes a = {1, 2, 3};
  const Bytes b(300, 7);
  std::vector<ByteView> entries = {a, b, ByteView()};
  auto bundle = EncodeEntryBundle(entries);
  ASSERT_TRUE(bundle.ok());
  Bytes expected = {0, 3, 1, 2, 3, 0x01, 0x2c};
  expected.insert(expected.end(), b.begin(), b.end());
  expected.insert(expected.end(), {0, 0});
  EXPECT_EQ(*bundle, expected);
  const Bytes too_long(65536, 0);
  std::vector<ByteView> bad = {too_long};
  EXPECT_EQ(EncodeEntryBundle(bad).error().code, ErrorCode::kInvalidArgument);

  Hash h1{}, h2{};
  h1[0] = 1;
  h2[31] = 2;
  std::vector<Hash> hashes = {h1, h2};
  Bytes tile = EncodeHashTile(hashes);
  ASSERT_EQ(tile.size(), 64u);
  EXPECT_EQ(tile[0], 1);
  EXPECT_EQ(tile[63], 2);
}

}  // namespace
}  // namespace scitt::merkle
