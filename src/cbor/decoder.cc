#include "cbor/decoder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "cbor/encoder.h"

namespace scitt::cbor {
namespace {

// The per-item memory bound promised in decoder.h: a decoded item costs one
// Value (plus its string content), so keep Value small.
static_assert(sizeof(Value) <= 72, "a decoded item must cost at most 72 bytes");

constexpr uint8_t kBreak = 0xff;

// RFC 8949 Appendix D.
double HalfToDouble(uint16_t half) {
  const int exponent = (half >> 10) & 0x1f;
  const int mantissa = half & 0x3ff;
  double value;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? INFINITY : NAN;
  }
  return (half & 0x8000) ? -value : value;
}


// Two map keys are duplicates when they are the same data-model value, which
// is exactly when their deterministic encodings are equal (so maps that differ
// only in entry order are the same key too). Sorting those encodings finds
// duplicates in O(n log n). Returns the index of the later key of a duplicate
// pair, or nullopt.
std::optional<size_t> FindDuplicateKey(const Map& map) {
  if (map.size() < 2) return std::nullopt;
  size_t raw_total = 0;
  for (const MapEntry& entry : map) raw_total += entry.first.raw().size();
  Bytes keys;
  keys.reserve(raw_total);  // a deterministic encoding is never longer
  std::vector<size_t> ends(map.size());
  for (size_t i = 0; i < map.size(); ++i) {
    EncodeTo(map[i].first, &keys);
    ends[i] = keys.size();
  }
  auto key = [&](size_t i) {
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    return ByteView(keys).subspan(begin, ends[i] - begin);
  };
  std::vector<size_t> order(map.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    ByteView ka = key(a), kb = key(b);
    return std::lexicographical_compare(ka.begin(), ka.end(), kb.begin(), kb.end());
  });
  for (size_t i = 1; i < order.size(); ++i) {
    ByteView a = key(order[i - 1]), b = key(order[i]);
    if (std::equal(a.begin(), a.end(), b.begin(), b.end())) {
      return std::max(order[i - 1], order[i]);
    }
  }
  return std::nullopt;
}

struct Head {
  size_t offset = 0;      // of the initial byte
  uint8_t major = 0;      // major type 0..7
  uint8_t info = 0;       // additional information 0..31
  uint64_t argument = 0;  // 0 when info is 31
};

// Item(), ArrayItems() and MapEntries() recurse once per nesting level, so
// they hold only a Head and a container: errors are recorded in error_ and
// reported as `false`, and every other step is a call kept out of line, so
// that its temporaries do not grow the recursive frames.
class Decoder {
 public:
  Decoder(ByteView input, const DecodeOptions& options)
      : input_(input), options_(options) {}

  Status Run(Value* out) {
    if (!Item(out, 1)) return error_;
    return Status::Ok();
  }
  size_t position() const { return pos_; }

 private:
  // Decodes the item at the current position into *out; `depth` is the
  // nesting depth of that item (the top level is 1).
  bool Item(Value* out, size_t depth) {
    if (++items_ > options_.max_items) return TooManyItems(pos_);
    Head head;
    if (!ReadHead(&head)) return false;
    switch (head.major) {
      case 4:
        if (!ArrayItems(head, depth, out)) return false;
        break;
      case 5:
        if (!MapEntries(head, depth, out)) return false;
        break;
      case 6:
        if (!CheckDepth(depth, head.offset) || !Item(out, depth + 1)) return false;
        WrapInTag(head.argument, out);
        break;
      default:
        if (!Scalar(head, out)) return false;
        break;
    }
    out->set_raw(input_.subspan(head.offset, pos_ - head.offset));
    return true;
  }

  bool ArrayItems(const Head& head, size_t depth, Value* out) {
    if (!StartContainer(head, depth, 1)) return false;
    Array items;
    if (head.info == 31) {
      while (!AtBreak()) {
        items.emplace_back();
        if (!Item(&items.back(), depth + 1)) return false;
      }
      ++pos_;
    } else {
      items.reserve(head.argument);
      for (uint64_t i = 0; i < head.argument; ++i) {
        items.emplace_back();
        if (!Item(&items.back(), depth + 1)) return false;
      }
    }
    SetArray(std::move(items), head.info == 31, out);
    return true;
  }

  bool MapEntries(const Head& head, size_t depth, Value* out) {
    if (!StartContainer(head, depth, 2)) return false;
    Map entries;
    if (head.info == 31) {
      // A break in a value position reaches Item() and is rejected there.
      while (!AtBreak()) {
        entries.emplace_back();
        if (!Item(&entries.back().first, depth + 1)) return false;
        if (!Item(&entries.back().second, depth + 1)) return false;
      }
      ++pos_;
    } else {
      entries.reserve(head.argument);
      for (uint64_t i = 0; i < head.argument; ++i) {
        entries.emplace_back();
        if (!Item(&entries.back().first, depth + 1)) return false;
        if (!Item(&entries.back().second, depth + 1)) return false;
      }
    }
    return SetMap(std::move(entries), head.info == 31, out);
  }

  bool AtBreak() const { return pos_ < input_.size() && input_[pos_] == kBreak; }
  size_t remaining() const { return input_.size() - pos_; }

  [[gnu::noinline, gnu::cold]] bool Fail(ErrorCode code, std::string_view what, size_t offset) {
    std::string message = "CBOR: ";
    message += what;
    message += " at offset ";
    message += std::to_string(offset);
    error_ = MakeError(code, std::move(message));
    return false;
  }

  [[gnu::noinline]] bool ReadHead(Head* head) {
    head->offset = pos_;
    if (pos_ >= input_.size()) {
      return Fail(ErrorCode::kMalformed, "unexpected end of input", pos_);
    }
    const uint8_t initial = input_[pos_++];
    head->major = initial >> 5;
    head->info = initial & 0x1f;
    if (head->info < 24) {
      head->argument = head->info;
    } else if (head->info <= 27) {
      const size_t width = size_t{1} << (head->info - 24);
      if (remaining() < width) {
        return Fail(ErrorCode::kMalformed, "truncated head", head->offset);
      }
      uint64_t argument = 0;
      for (size_t i = 0; i < width; ++i) argument = (argument << 8) | input_[pos_++];
      head->argument = argument;
      // The smallest argument that needs each width. Major type 7 carries
      // floats here, and its one-byte simple values are checked on their own.
      constexpr uint64_t kShortestFrom[] = {24, 0x100, 0x10000, 0x100000000};
      if (options_.require_shortest_heads && head->major != 7 &&
          argument < kShortestFrom[head->info - 24]) {
        return Fail(ErrorCode::kInvalidArgument, "head not in shortest form (§4.2.1)",
                    head->offset);
      }
    } else if (head->info <= 30) {
      return Fail(ErrorCode::kMalformed,
                  "reserved additional information " + std::to_string(head->info),
                  head->offset);
    } else {
      head->argument = 0;
      if (head->major == 0 || head->major == 1 || head->major == 6) {
        return Fail(ErrorCode::kMalformed,
                    "additional information 31 in major type " + std::to_string(head->major),
                    head->offset);
      }
      if (head->major != 7 && !options_.allow_indefinite) {
        return Fail(ErrorCode::kInvalidArgument, "indefinite length not allowed",
                    head->offset);
      }
    }
    return true;
  }

  [[gnu::noinline]] bool CheckDepth(size_t depth, size_t offset) {
    if (depth > options_.max_depth) {
      return Fail(ErrorCode::kInvalidArgument,
                  "nesting deeper than " + std::to_string(options_.max_depth) +
                      " levels (limit max_depth)",
                  offset);
    }
    return true;
  }

  [[gnu::noinline]] bool TooManyItems(size_t offset) {
    return Fail(ErrorCode::kInvalidArgument,
                "more than " + std::to_string(options_.max_items) + " items (limit max_items)",
                offset);
  }

  // Checks an array or map head before anything is read or reserved for its
  // content: the depth, the claimed items against the bytes left (every item
  // takes at least one byte) and against max_items.
  [[gnu::noinline]] bool StartContainer(const Head& head, size_t depth,
                                        uint64_t items_per_entry) {
    if (!CheckDepth(depth, head.offset)) return false;
    if (head.info == 31) return true;
    if (head.argument > remaining() / items_per_entry) {
      return Fail(ErrorCode::kMalformed,
                  std::string(head.major == 4 ? "array" : "map") + " length " +
                      std::to_string(head.argument) + " exceeds the " +
                      std::to_string(remaining()) + " bytes left",
                  head.offset);
    }
    if (head.argument * items_per_entry > options_.max_items - items_) {
      return TooManyItems(head.offset);
    }
    return true;
  }

  [[gnu::noinline]] static void WrapInTag(uint64_t tag, Value* out) {
    *out = Value::Tagged(tag, std::move(*out));
  }

  [[gnu::noinline]] static void SetArray(Array&& items, bool indefinite, Value* out) {
    *out = Value::FromArray(std::move(items));
    out->set_indefinite(indefinite);
  }

  [[gnu::noinline]] bool SetMap(Map&& entries, bool indefinite, Value* out) {
    // §5.3.1: a map with duplicate keys is not valid.
    if (std::optional<size_t> later = FindDuplicateKey(entries)) {
      const ByteView key = entries[*later].first.raw();
      return Fail(ErrorCode::kMalformed, "duplicate map key",
                  static_cast<size_t>(key.data() - input_.data()));
    }
    *out = Value::FromMap(std::move(entries));
    out->set_indefinite(indefinite);
    return true;
  }

  // Integers, strings, simple values and floats: items with no children.
  [[gnu::noinline]] bool Scalar(const Head& head, Value* out) {
    switch (head.major) {
      case 0:
        *out = Value::Uint(head.argument);
        return true;
      case 1:
        *out = Value::NegativeFromArgument(head.argument);
        return true;
      case 2:
      case 3:
        return head.info == 31 ? IndefiniteString(head, out) : DefiniteString(head, out);
      default:
        return SimpleOrFloat(head, out);
    }
  }

  // Consumes the content of a definite-length string, which must fit in the
  // rest of the input; never allocates from the untrusted length.
  bool TakeContent(const Head& head, ByteView* content) {
    if (head.argument > remaining()) {
      return Fail(ErrorCode::kMalformed,
                  "string length " + std::to_string(head.argument) + " exceeds the " +
                      std::to_string(remaining()) + " bytes left",
                  head.offset);
    }
    *content = input_.subspan(pos_, head.argument);
    pos_ += head.argument;
    return true;
  }

  bool CheckText(ByteView text) {
    const size_t bad = FindInvalidUtf8(text);
    if (bad != text.size()) {
      return Fail(ErrorCode::kMalformed, "invalid UTF-8 in text string",
                  static_cast<size_t>(text.data() - input_.data()) + bad);
    }
    return true;
  }

  bool DefiniteString(const Head& head, Value* out) {
    ByteView content;
    if (!TakeContent(head, &content)) return false;
    if (head.major == 2) {
      *out = options_.copy_byte_strings ? Value::ByteString(content) : Value::ByteString(Bytes());
    } else {
      if (!CheckText(content)) return false;
      *out = Value::Text(std::string_view(reinterpret_cast<const char*>(content.data()),
                                          content.size()));
    }
    return true;
  }

  // §3.2.3: the chunks are definite-length strings of the same major type,
  // and each text chunk is valid UTF-8 by itself.
  bool IndefiniteString(const Head& head, Value* out) {
    Bytes joined;
    while (!AtBreak()) {
      Head chunk;
      if (!ReadHead(&chunk)) return false;
      if (chunk.major != head.major || chunk.info == 31) {
        return Fail(ErrorCode::kMalformed,
                    "chunk of an indefinite-length string is not a definite-length "
                    "string of the same type",
                    chunk.offset);
      }
      ByteView content;
      if (!TakeContent(chunk, &content)) return false;
      if (head.major == 3 && !CheckText(content)) return false;
      joined.insert(joined.end(), content.begin(), content.end());
    }
    ++pos_;
    if (head.major == 2) {
      *out = Value::ByteString(std::move(joined));
    } else {
      *out = Value::Text(
          std::string_view(reinterpret_cast<const char*>(joined.data()), joined.size()));
    }
    out->set_indefinite(true);
    return true;
  }

  bool SimpleOrFloat(const Head& head, Value* out) {
    switch (head.info) {
      case 24:
        // §3.3: simple values below 32 have only the one-byte encoding.
        if (head.argument < 32) {
          return Fail(ErrorCode::kMalformed, "two-byte simple value below 32", head.offset);
        }
        *out = Value::Simple(static_cast<uint8_t>(head.argument));
        return true;
      case 25:
        *out = Value::Float(HalfToDouble(static_cast<uint16_t>(head.argument)));
        return true;
      case 26:
        *out = Value::Float(std::bit_cast<float>(static_cast<uint32_t>(head.argument)));
        return true;
      case 27:
        *out = Value::Float(std::bit_cast<double>(head.argument));
        return true;
      case 31:
        return Fail(ErrorCode::kMalformed, "break outside an indefinite-length item",
                    head.offset);
      default:
        *out = Value::Simple(head.info);
        return true;
    }
  }

  const ByteView input_;
  const DecodeOptions& options_;
  size_t pos_ = 0;
  size_t items_ = 0;  // items started so far, for max_items
  Error error_;       // why the last `false` was returned
};

}  // namespace

Result<Value> DecodePrefix(ByteView input, size_t* consumed, const DecodeOptions& options) {
  Decoder decoder(input, options);
  Value value;
  Status status = decoder.Run(&value);
  if (!status.ok()) return status.error();
  *consumed = decoder.position();
  return value;
}

Result<Value> Decode(ByteView input, const DecodeOptions& options) {
  size_t consumed = 0;
  SCITT_ASSIGN_OR_RETURN(Value value, DecodePrefix(input, &consumed, options));
  if (consumed != input.size()) {
    return MakeError(ErrorCode::kMalformed,
                     "CBOR: " + std::to_string(input.size() - consumed) +
                         " trailing bytes after the item at offset " + std::to_string(consumed));
  }
  return value;
}

}  // namespace scitt::cbor
