#include "log/tiles.h"

#include <limits>
#include <vector>

namespace scitt::log {
namespace {

Error NotFound(std::string message) { return MakeError(ErrorCode::kNotFound, std::move(message)); }

}  // namespace

Result<Bytes> ReadTile(const LogStore& store, const merkle::TileCoord& coord) {
  SCITT_ASSIGN_OR_RETURN(const TreeHead latest, store.LatestTreeHead());
  const uint8_t level = coord.entries ? 0 : coord.level;
  const unsigned shift = unsigned{merkle::kTileHeight} * level;
  if (shift >= 64 || coord.index > (std::numeric_limits<uint64_t>::max() >> merkle::kTileHeight)) {
    return NotFound("no such tile");
  }
  if (coord.partial_width == 0) {
    if (coord.index >= merkle::TilesAtLevel(latest.tree_size, level).full_tiles) {
      return NotFound("tile is not full at the latest checkpoint");
    }
  } else {
    // c2sp.org/tlog-tiles: partial tiles are served for every checkpointed
    // size. Tile N with W hashes at level L belongs to the tree sizes s with
    // floor(s / 256^L) == N·256 + W: is one of them signed?
    const uint64_t hashes = coord.index * merkle::kTileWidth + coord.partial_width;
    if (hashes > (latest.tree_size >> shift)) {
      return NotFound("partial tile is beyond the latest checkpoint");
    }
    auto signed_size = store.SignedSizeAtOrAfter(hashes << shift);
    if (!signed_size.ok()) return signed_size.error();
    if ((*signed_size >> shift) != hashes) {
      return NotFound("no checkpoint has this partial tile");
    }
  }
  const uint16_t width = coord.partial_width == 0 ? merkle::kTileWidth : coord.partial_width;
  if (coord.entries) {
    SCITT_ASSIGN_OR_RETURN(std::vector<crypto::Sha256Digest> hashes,
                           store.EntryHashes(coord.index * merkle::kTileWidth, width));
    std::vector<ByteView> entries(hashes.begin(), hashes.end());
    return merkle::EncodeEntryBundle(entries);
  }
  SCITT_ASSIGN_OR_RETURN(std::vector<merkle::Hash> hashes,
                         merkle::TileHashes(level, coord.index, coord.partial_width, store.nodes()));
  return merkle::EncodeHashTile(hashes);
}

}  // namespace scitt::log
