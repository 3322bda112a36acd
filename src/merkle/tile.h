// C2SP tlog-tiles arithmetic: tile and entry-bundle paths, which tiles a tree size has,
// and the hashes a tile holds. Tiles have height 8: a full tile is 256 hashes (8192 bytes).
//
// Tile N at level L holds MTH(D[(N·256+i)·256^L : (N·256+i+1)·256^L]) for i = 0..W-1, i.e.
// the Merkle nodes at height 8·L with indices N·256 .. N·256+W-1. A partial tile (W < 256)
// is published as <path>.p/<W> and is never hashed into the level above.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "merkle/hash.h"
#include "merkle/tree.h"

namespace scitt::merkle {

inline constexpr uint8_t kTileHeight = 8;     // Merkle levels per tile level
inline constexpr uint16_t kTileWidth = 256;   // hashes in a full tile, 2^kTileHeight
inline constexpr uint8_t kMaxTileLevel = 63;  // the largest <L> a path may carry

// One resource under tile/: a hash tile, or an entry bundle (tile/entries/...).
struct TileCoord {
  bool entries = false;        // an entry bundle rather than a hash tile
  uint8_t level = 0;           // <L> of a hash tile; 0 for an entry bundle
  uint64_t index = 0;          // <N>
  uint16_t partial_width = 0;  // <W> in 1..255 of a partial tile; 0 for a full tile

  bool operator==(const TileCoord&) const = default;
};

// "tile/<L>/<N>[.p/<W>]", with <N> in zero-padded 3-digit groups, every group but the last
// prefixed by "x" (1234067 → "x001/x234/067"). Requires level <= 63 and partial_width < 256;
// partial_width 0 names the full tile.
std::string TilePath(uint8_t level, uint64_t index, uint16_t partial_width = 0);

// "tile/entries/<N>[.p/<W>]", encoded like TilePath; the bundle holds the entries of the
// level-0 tile with the same <N> and <W>.
std::string EntryBundlePath(uint64_t index, uint16_t partial_width = 0);

// The inverse of TilePath and EntryBundlePath. Fails with kMalformed on anything they would
// not produce: leading zeros in <L>, <W> or the first group of <N>, <L> > 63, <W> outside
// 1..255, an <N> beyond 2^64-1, or extra characters.
Result<TileCoord> ParseTilePath(std::string_view path);

// How a tree fills one tile level: tiles 0 .. full_tiles-1 are full and, when partial_width
// is not 0, tile full_tiles is partial with that many hashes
// (partial_width = floor(tree_size / 256^level) mod 256).
struct TileLevelExtent {
  uint64_t full_tiles = 0;
  uint16_t partial_width = 0;

  bool operator==(const TileLevelExtent&) const = default;
};

// The tiles that a tree of `tree_size` leaves has at tile level `level`.
TileLevelExtent TilesAtLevel(uint64_t tree_size, uint8_t level);

// The hashes of tile `index` at tile level `level`: W = partial_width hashes, or 256 when
// partial_width is 0, read from `nodes` (which must hold every one of them complete).
// Fails with kInvalidArgument when the tile lies beyond 64-bit tree sizes or W > 255.
Result<std::vector<Hash>> TileHashes(uint8_t level, uint64_t index, uint16_t partial_width,
                                     const NodeSource& nodes);

// The bytes of a hash tile: its hashes back to back, 32 bytes each.
Bytes EncodeHashTile(std::span<const Hash> hashes);

// c2sp.org/tlog-tiles: an entry bundle is a sequence of entries, each a
// big-endian uint16 length and that many bytes. kInvalidArgument for an
// entry over 65535 bytes.
Result<Bytes> EncodeEntryBundle(std::span<const ByteView> entries);

}  // namespace scitt::merkle
