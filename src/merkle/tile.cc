#include "merkle/tile.h"

#include <cassert>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

namespace scitt::merkle {
namespace {

constexpr std::string_view kTilePrefix = "tile/";
constexpr std::string_view kEntriesDir = "entries/";
constexpr std::string_view kPartialInfix = ".p/";

// <N>: zero-padded 3-digit groups, all but the last prefixed by "x".
void AppendIndex(uint64_t index, std::string& out) {
  uint16_t groups[7];  // 2^64-1 has 20 digits
  int count = 0;
  do {
    groups[count++] = static_cast<uint16_t>(index % 1000);
    index /= 1000;
  } while (index != 0);
  char group[6];
  while (count-- > 0) {
    std::snprintf(group, sizeof(group), count > 0 ? "x%03u/" : "%03u", static_cast<unsigned>(groups[count]));
    out += group;
  }
}

std::string PathWithIndex(std::string prefix, uint64_t index, uint16_t partial_width) {
  assert(partial_width < kTileWidth);
  AppendIndex(index, prefix);
  if (partial_width != 0) {
    prefix += kPartialInfix;
    prefix += std::to_string(partial_width);
  }
  return prefix;
}

Error Malformed(std::string_view path, std::string_view why) {
  return MakeError(ErrorCode::kMalformed,
                   "tile path \"" + std::string(path) + "\": " + std::string(why));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Consumes a decimal number of at most three digits without leading zeros ("0" itself is
// fine) from the front of `in`; nullopt when there is none or it exceeds `max`.
std::optional<uint64_t> ConsumeDecimal(std::string_view& in, uint64_t max) {
  size_t len = 0;
  while (len < in.size() && IsDigit(in[len])) ++len;
  if (len == 0 || (len > 1 && in[0] == '0') || len > 3) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < len; ++i) value = value * 10 + static_cast<uint64_t>(in[i] - '0');
  if (value > max) return std::nullopt;
  in.remove_prefix(len);
  return value;
}

// Consumes exactly three digits.
std::optional<uint64_t> ConsumeGroup(std::string_view& in) {
  if (in.size() < 3 || !IsDigit(in[0]) || !IsDigit(in[1]) || !IsDigit(in[2])) {
    return std::nullopt;
  }
  uint64_t value = (in[0] - '0') * 100 + (in[1] - '0') * 10 + (in[2] - '0');
  in.remove_prefix(3);
  return value;
}

bool ConsumePrefix(std::string_view& in, std::string_view prefix) {
  if (!in.starts_with(prefix)) return false;
  in.remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::string TilePath(uint8_t level, uint64_t index, uint16_t partial_width) {
  assert(level <= kMaxTileLevel);
  return PathWithIndex(std::string(kTilePrefix) + std::to_string(level) + "/", index,
                       partial_width);
}

std::string EntryBundlePath(uint64_t index, uint16_t partial_width) {
  return PathWithIndex(std::string(kTilePrefix) + std::string(kEntriesDir), index,
                       partial_width);
}

Result<TileCoord> ParseTilePath(std::string_view path) {
  std::string_view in = path;
  TileCoord coord;
  if (!ConsumePrefix(in, kTilePrefix)) return Malformed(path, "does not start with tile/");
  if (ConsumePrefix(in, kEntriesDir)) {
    coord.entries = true;
  } else {
    auto level = ConsumeDecimal(in, kMaxTileLevel);
    if (!level) return Malformed(path, "the level is not a decimal in 0..63");
    coord.level = static_cast<uint8_t>(*level);
    if (!ConsumePrefix(in, "/")) return Malformed(path, "no / after the level");
  }
  // <N>: "x" groups, then the last group. A leading "x000" would be a second spelling.
  bool first_group = true;
  uint64_t index = 0;
  for (;;) {
    const bool more = ConsumePrefix(in, "x");
    auto group = ConsumeGroup(in);
    if (!group) return Malformed(path, "the index is not in 3-digit groups");
    if (more && first_group && *group == 0) {
      return Malformed(path, "the index has a leading zero group");
    }
    if (index > (std::numeric_limits<uint64_t>::max() - *group) / 1000) {
      return Malformed(path, "the index exceeds 2^64-1");
    }
    index = index * 1000 + *group;
    first_group = false;
    if (!more) break;
    if (!ConsumePrefix(in, "/")) return Malformed(path, "no / after an x group");
  }
  coord.index = index;
  if (ConsumePrefix(in, kPartialInfix)) {
    auto width = ConsumeDecimal(in, kTileWidth - 1);
    if (!width || *width == 0) return Malformed(path, "the partial width is not in 1..255");
    coord.partial_width = static_cast<uint16_t>(*width);
  }
  if (!in.empty()) return Malformed(path, "unexpected characters at the end");
  return coord;
}

TileLevelExtent TilesAtLevel(uint64_t tree_size, uint8_t level) {
  const unsigned shift = unsigned{kTileHeight} * level;
  if (shift >= 64) return {};
  const uint64_t hashes = tree_size >> shift;  // complete nodes at Merkle height 8·level
  return {hashes / kTileWidth, static_cast<uint16_t>(hashes % kTileWidth)};
}

Result<std::vector<Hash>> TileHashes(uint8_t level, uint64_t index, uint16_t partial_width,
                                     const NodeSource& nodes) {
  const unsigned height = unsigned{kTileHeight} * level;
  if (height >= 64 || index > (std::numeric_limits<uint64_t>::max() >> kTileHeight) ||
      partial_width >= kTileWidth) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "tile (" + std::to_string(level) + ", " + std::to_string(index) + ", " +
                         std::to_string(partial_width) + ") cannot exist in a 64-bit tree");
  }
  const uint16_t width = partial_width == 0 ? kTileWidth : partial_width;
  std::vector<Hash> hashes;
  hashes.reserve(width);
  for (uint64_t i = 0; i < width; ++i) {
    SCITT_ASSIGN_OR_RETURN(Hash hash, nodes.Node(static_cast<uint8_t>(height),
                                                 (index << kTileHeight) + i));
    hashes.push_back(hash);
  }
  return hashes;
}

Bytes EncodeHashTile(std::span<const Hash> hashes) {
  Bytes out;
  out.reserve(hashes.size() * sizeof(Hash));
  for (const Hash& hash : hashes) out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

Result<Bytes> EncodeEntryBundle(std::span<const ByteView> entries) {
  Bytes out;
  for (ByteView entry : entries) {
    if (entry.size() > 0xffff) {
      return MakeError(ErrorCode::kInvalidArgument, "an entry bundle entry holds at most 65535 bytes");
    }
    out.push_back(static_cast<uint8_t>(entry.size() >> 8));
    out.push_back(static_cast<uint8_t>(entry.size() & 0xff));
    out.insert(out.end(), entry.begin(), entry.end());
  }
  return out;
}

}  // namespace scitt::merkle
