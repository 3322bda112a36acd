// Text that comes from outside: decimal numbers and UTF-8. One parser of
// each, used wherever input is parsed, none of which throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace scitt {

// A canonical unsigned decimal: digits only, no sign, no leading zero (but
// "0"), no more than UINT64_MAX. nullopt otherwise.
std::optional<uint64_t> ParseDecimal(std::string_view text);

// `text` with ASCII letters in lower case (other bytes as they are).
std::string AsciiLower(std::string_view text);

// `text` without the spaces, tabs, carriage returns and line feeds around it.
std::string_view TrimBlanks(std::string_view text);

// The index of the first byte of `s` that does not start a well-formed UTF-8
// sequence (Unicode Table 3-7: no overlongs, no surrogates, nothing above
// U+10FFFF), or s.size() when all of `s` is valid.
size_t FindInvalidUtf8(ByteView s);
inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(AsBytes(s)) == s.size(); }

// `s` with every byte that does not start a well-formed sequence replaced by
// U+FFFD (for echoing untrusted text into formats that require UTF-8).
std::string ToValidUtf8(std::string_view s);

// An instant as RFC 3339 UTC text, to the second ("2026-12-04T22:28:57Z").
std::string FormatUtc(int64_t seconds_since_epoch);
// The inverse, for "YYYY-MM-DDTHH:MM:SSZ" (a fraction of a second is
// dropped; "t"/"z" and offsets other than Z are not accepted). nullopt for
// anything else or an impossible date.
std::optional<int64_t> ParseUtc(std::string_view text);

}  // namespace scitt
