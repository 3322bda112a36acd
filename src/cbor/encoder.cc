#include "cbor/encoder.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "cbor/decoder.h"

namespace scitt::cbor {
namespace {

void AppendBigEndian(uint64_t v, int width, Bytes* out) {
  for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<uint8_t>(v >> shift));
  }
}

// The IEEE 754 half-precision bits of `f` when `f` converts to half exactly.
std::optional<uint16_t> ExactHalf(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const int exponent = static_cast<int>((bits >> 23) & 0xff);
  const uint32_t mantissa = bits & 0x7fffff;
  if (exponent == 0xff) {  // infinity; NaN is handled by the caller
    return static_cast<uint16_t>(sign | 0x7c00);
  }
  if (exponent == 0) {  // zero, or a single subnormal (below half's range)
    if (mantissa == 0) return sign;
    return std::nullopt;
  }
  const int e = exponent - 127;
  if (e >= -14 && e <= 15) {  // half normal: 10 mantissa bits
    if ((mantissa & 0x1fff) != 0) return std::nullopt;
    return static_cast<uint16_t>(sign | ((e + 15) << 10) | (mantissa >> 13));
  }
  if (e >= -24 && e < -14) {  // half subnormal: m * 2^-24 with m < 1024
    const uint32_t significand = 0x800000 | mantissa;
    const int shift = -(e + 1);
    if ((significand & ((1u << shift) - 1)) != 0) return std::nullopt;
    return static_cast<uint16_t>(sign | (significand >> shift));
  }
  return std::nullopt;
}

// RFC 8949 §4.2.1/§4.2.2: the shortest of half, single and double that keeps
// the exact value; NaN always as the quiet half NaN.
void EncodeFloat(double d, Bytes* out) {
  if (std::isnan(d)) {
    out->insert(out->end(), {0xf9, 0x7e, 0x00});
    return;
  }
  // Converting a finite double beyond FLT_MAX to float is undefined behaviour.
  if (std::isinf(d) || std::fabs(d) <= std::numeric_limits<float>::max()) {
    const float f = static_cast<float>(d);
    if (static_cast<double>(f) == d) {
      if (std::optional<uint16_t> half = ExactHalf(f)) {
        out->push_back(0xf9);
        AppendBigEndian(*half, 2, out);
      } else {
        out->push_back(0xfa);
        AppendBigEndian(std::bit_cast<uint32_t>(f), 4, out);
      }
      return;
    }
  }
  out->push_back(0xfb);
  AppendBigEndian(std::bit_cast<uint64_t>(d), 8, out);
}

void EncodeMap(const Map& map, Bytes* out) {
  EncodeHead(5, map.size(), out);
  // §4.2.1: entries sorted by the bytewise lexicographic order of the
  // deterministic encodings of their keys.
  Bytes keys;
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) in `keys`
  spans.reserve(map.size());
  for (const MapEntry& entry : map) {
    const size_t begin = keys.size();
    EncodeTo(entry.first, &keys);
    spans.emplace_back(begin, keys.size());
  }
  std::vector<size_t> order(map.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key_bytes = [&](size_t i) {
    return ByteView(keys).subspan(spans[i].first, spans[i].second - spans[i].first);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    ByteView ka = key_bytes(a), kb = key_bytes(b);
    return std::lexicographical_compare(ka.begin(), ka.end(), kb.begin(), kb.end());
  });
  for (size_t i : order) {
    ByteView k = key_bytes(i);
    out->insert(out->end(), k.begin(), k.end());
    EncodeTo(map[i].second, out);
  }
}

void AppendHex(ByteView bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 0xf]);
  }
}

void AppendQuoted(std::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kDigits[] = "0123456789abcdef";
          *out += "\\u00";
          out->push_back(kDigits[u >> 4]);
          out->push_back(kDigits[u & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Shortest round-trip digits, positional for magnitudes in [1e-6, 1e21) as
// JavaScript (and the examples of RFC 8949 Appendix A) write them, else in
// exponent form; always with a fraction so it reads as a float: "1.0",
// "100000.0", "0.00006103515625", "1.0e+300", "5.960464477539063e-8".
void AppendFloat(double d, std::string* out) {
  if (std::isnan(d)) { *out += "NaN"; return; }
  if (std::isinf(d)) { *out += d > 0 ? "Infinity" : "-Infinity"; return; }
  const double magnitude = std::fabs(d);
  const bool positional = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  char buf[64];  // 17 significant digits and at most 21 integer or 6 leading zeros
  const auto [end, ec] = std::to_chars(
      buf, buf + sizeof buf, d,
      positional ? std::chars_format::fixed : std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(end - buf));
  const size_t e = s.find('e');
  std::string_view mantissa = s.substr(0, e);
  *out += mantissa;
  if (mantissa.find('.') == std::string_view::npos) *out += ".0";
  if (e == std::string_view::npos) return;
  // to_chars writes "e-08"; §8 examples write "e-8".
  std::string_view exponent = s.substr(e + 1);
  out->push_back('e');
  out->push_back(exponent[0]);
  exponent.remove_prefix(1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.remove_prefix(1);
  *out += exponent;
}

void AppendDiagnostic(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kUnsigned:
      *out += std::to_string(v.argument());
      return;
    case Value::Type::kNegative:
      if (v.argument() == std::numeric_limits<uint64_t>::max()) {
        *out += "-18446744073709551616";
      } else {
        *out += "-" + std::to_string(v.argument() + 1);
      }
      return;
    case Value::Type::kBytes:
      *out += "h'";
      AppendHex(v.bytes(), out);
      out->push_back('\'');
      return;
    case Value::Type::kText:
      AppendQuoted(v.text(), out);
      return;
    case Value::Type::kArray: {
      out->push_back('[');
      const char* sep = "";
      for (const Value& item : v.array()) {
        *out += sep;
        AppendDiagnostic(item, out);
        sep = ", ";
      }
      out->push_back(']');
      return;
    }
    case Value::Type::kMap: {
      out->push_back('{');
      const char* sep = "";
      for (const MapEntry& entry : v.map()) {
        *out += sep;
        AppendDiagnostic(entry.first, out);
        *out += ": ";
        AppendDiagnostic(entry.second, out);
        sep = ", ";
      }
      out->push_back('}');
      return;
    }
    case Value::Type::kTag:
      *out += std::to_string(v.tag());
      out->push_back('(');
      AppendDiagnostic(v.tag_content(), out);
      out->push_back(')');
      return;
    case Value::Type::kSimple:
      switch (v.simple_value()) {
        case 20: *out += "false"; return;
        case 21: *out += "true"; return;
        case 22: *out += "null"; return;
        case 23: *out += "undefined"; return;
        default: *out += "simple(" + std::to_string(v.simple_value()) + ")"; return;
      }
    case Value::Type::kFloat:
      AppendFloat(v.float_value(), out);
      return;
    case Value::Type::kEncoded: {
      // Spliced bytes are shown as the item they encode; bytes that do not
      // decode are shown as bytes with a comment rather than hidden.
      Result<Value> item = Decode(v.encoded());
      if (item.ok()) {
        AppendDiagnostic(*item, out);
      } else {
        *out += "/ not one valid CBOR item / h'";
        AppendHex(v.encoded(), out);
        out->push_back('\'');
      }
      return;
    }
  }
}

}  // namespace

void EncodeHead(uint8_t major_type, uint64_t argument, Bytes* out) {
  const uint8_t major = static_cast<uint8_t>(major_type << 5);
  if (argument < 24) {
    out->push_back(static_cast<uint8_t>(major | argument));
  } else if (argument <= 0xff) {
    out->push_back(major | 24);
    AppendBigEndian(argument, 1, out);
  } else if (argument <= 0xffff) {
    out->push_back(major | 25);
    AppendBigEndian(argument, 2, out);
  } else if (argument <= 0xffffffff) {
    out->push_back(major | 26);
    AppendBigEndian(argument, 4, out);
  } else {
    out->push_back(major | 27);
    AppendBigEndian(argument, 8, out);
  }
}

void EncodeTo(const Value& value, Bytes* out) {
  switch (value.type()) {
    case Value::Type::kUnsigned:
      EncodeHead(0, value.argument(), out);
      return;
    case Value::Type::kNegative:
      EncodeHead(1, value.argument(), out);
      return;
    case Value::Type::kBytes:
      EncodeHead(2, value.bytes().size(), out);
      out->insert(out->end(), value.bytes().begin(), value.bytes().end());
      return;
    case Value::Type::kText:
      EncodeHead(3, value.text().size(), out);
      out->insert(out->end(), value.text().begin(), value.text().end());
      return;
    case Value::Type::kArray:
      EncodeHead(4, value.array().size(), out);
      for (const Value& item : value.array()) EncodeTo(item, out);
      return;
    case Value::Type::kMap:
      EncodeMap(value.map(), out);
      return;
    case Value::Type::kTag:
      EncodeHead(6, value.tag(), out);
      EncodeTo(value.tag_content(), out);
      return;
    case Value::Type::kSimple:
      EncodeHead(7, value.simple_value(), out);
      return;
    case Value::Type::kFloat:
      EncodeFloat(value.float_value(), out);
      return;
    case Value::Type::kEncoded:
      out->insert(out->end(), value.encoded().begin(), value.encoded().end());
      return;
  }
}

Bytes Encode(const Value& value) {
  Bytes out;
  // A decoded item re-encodes to about its input size.
  out.reserve(value.raw().size());
  EncodeTo(value, &out);
  return out;
}

std::string Diagnostic(const Value& value) {
  std::string out;
  AppendDiagnostic(value, &out);
  return out;
}

}  // namespace scitt::cbor
