// Byte buffers and the text encodings of bytes (hex, base64, base64url).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scitt {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string ToString(ByteView b) { return std::string(b.begin(), b.end()); }

std::string HexEncode(ByteView data);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<Bytes> HexDecode(std::string_view hex);

// RFC 4648 §4 (standard alphabet, padded).
std::string Base64Encode(ByteView data);
// RFC 4648 §5 (URL-safe alphabet, no padding).
std::string Base64UrlEncode(ByteView data);
// Strict: rejects characters outside the alphabet and bad padding.
std::optional<Bytes> Base64Decode(std::string_view text);
// Accepts with or without trailing padding.
std::optional<Bytes> Base64UrlDecode(std::string_view text);

}  // namespace scitt
