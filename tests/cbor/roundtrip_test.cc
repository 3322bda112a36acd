// Property tests over random values: Encode then Decode gives the same value,
// and encoding is a fixed point.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "cbor/decoder.h"
#include "cbor/encoder.h"

namespace scitt::cbor {
namespace {

class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}

  Value Make(int depth) {
    const int kinds = depth > 0 ? 10 : 7;
    switch (Below(kinds)) {
      case 0: return Value::Uint(Argument());
      case 1: return Value::NegativeFromArgument(Argument());
      case 2: return Value::ByteString(RandomBytes());
      case 3: return Value::Text(RandomUtf8());
      case 4: return RandomSimple();
      case 5: return Value::Float(RandomDouble());
      case 6: return Value::Uint(Below(30));  // small values collide as map keys
      case 7: {
        Array items;
        for (int n = Below(6); n > 0; --n) items.push_back(Make(depth - 1));
        return Value::FromArray(std::move(items));
      }
      case 8: return Value::Tagged(Argument(), Make(depth - 1));
      default: return CanonicalMap(depth);
    }
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  uint64_t Below(uint64_t n) { return rng_() % n; }

  // Arguments near every head-width boundary.
  uint64_t Argument() {
    static constexpr uint64_t kEdges[] = {0, 23, 24, 255, 256, 65535, 65536,
                                          0xffffffff, 0x100000000, UINT64_MAX};
    switch (Below(3)) {
      case 0: return kEdges[Below(std::size(kEdges))];
      case 1: return Below(1000);
      default: return rng_() >> Below(64);
    }
  }

  Bytes RandomBytes() {
    Bytes b(Below(40));
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng_());
    return b;
  }

  std::string RandomUtf8() {
    std::string s;
    for (int n = Below(12); n > 0; --n) {
      uint32_t cp;
      switch (Below(4)) {
        case 0: cp = Below(0x80); break;
        case 1: cp = 0x80 + Below(0x800 - 0x80); break;
        case 2: cp = 0x800 + Below(0x10000 - 0x800); break;
        default: cp = 0x10000 + Below(0x110000 - 0x10000); break;
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;  // no surrogates
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else {
        s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      }
    }
    return s;
  }

  Value RandomSimple() {
    switch (Below(3)) {
      case 0: return Value::Simple(static_cast<uint8_t>(20 + Below(4)));
      case 1: return Value::Simple(static_cast<uint8_t>(Below(20)));
      default: return Value::Simple(static_cast<uint8_t>(32 + Below(224)));
    }
  }

  double RandomDouble() {
    switch (Below(5)) {
      case 0: {  // any bit pattern, NaNs and subnormals included
        const uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
      case 1: return static_cast<float>(std::ldexp(static_cast<double>(rng_() >> 40),
                                                   static_cast<int>(Below(300)) - 150));
      case 2: return std::ldexp(static_cast<double>(Below(2048)), static_cast<int>(Below(50)) - 35);
      case 3: {
        static constexpr double kSpecial[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 65504.0,
                                              1.5, 5.960464477539063e-8};
        return kSpecial[Below(std::size(kSpecial))];
      }
      default: return static_cast<double>(static_cast<int64_t>(rng_())) / 1024.0;
    }
  }

  // A map in deterministic order with no duplicate keys, as Decode(Encode())
  // returns it.
  Value CanonicalMap(int depth) {
    std::vector<std::pair<Bytes, MapEntry>> entries;
    for (int n = Below(6); n > 0; --n) {
      Value key = Make(depth - 1);
      Bytes encoded = Encode(key);
      entries.emplace_back(std::move(encoded), MapEntry(std::move(key), Make(depth - 1)));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  entries.end());
    Map map;
    for (auto& e : entries) map.push_back(std::move(e.second));
    return Value::FromMap(std::move(map));
  }

  std::mt19937_64 rng_;
};

// A copy of `v` with every map's entries shuffled.
Value Shuffled(const Value& v, std::mt19937_64& rng) {
  switch (v.type()) {
    case Value::Type::kArray: {
      Array items;
      for (const Value& item : v.array()) items.push_back(Shuffled(item, rng));
      return Value::FromArray(std::move(items));
    }
    case Value::Type::kMap: {
      Map entries;
      for (const MapEntry& e : v.map()) {
        entries.emplace_back(Shuffled(e.first, rng), Shuffled(e.second, rng));
      }
      std::shuffle(entries.begin(), entries.end(), rng);
      return Value::FromMap(std::move(entries));
    }
    case Value::Type::kTag:
      return Value::Tagged(v.tag(), Shuffled(v.tag_content(), rng));
    default:
      return v;
  }
}

TEST(RoundTrip, RandomValues) {
  RandomValues random(20240601);
  DecodeOptions strict;
  strict.require_shortest_heads = true;
  strict.allow_indefinite = false;
  for (int i = 0; i < 10000; ++i) {
    const Value value = random.Make(4);
    const Bytes encoded = Encode(value);
    SCOPED_TRACE(Diagnostic(value));

    Result<Value> decoded = Decode(encoded, strict);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message << " in " << HexEncode(encoded);
    EXPECT_TRUE(*decoded == value);
    EXPECT_EQ(Encode(*decoded), encoded);
    EXPECT_EQ(decoded->raw().data(), encoded.data());
    EXPECT_EQ(decoded->raw().size(), encoded.size());

    // Entry order given to the encoder does not change its output.
    EXPECT_EQ(Encode(Shuffled(value, random.rng())), encoded);
    // Splicing the encoding gives the same bytes.
    EXPECT_EQ(Encode(Value::Encoded(encoded)), encoded);
    // No proper prefix decodes.
    if (!encoded.empty()) {
      EXPECT_FALSE(Decode(ByteView(encoded).first(encoded.size() - 1)).ok());
    }
  }
}

// Random bytes and single-byte mutations of valid encodings: the decoder
// must answer (either way) without crashing, and what it accepts must
// re-encode to something it accepts as the same value.
TEST(RoundTrip, MutatedInputsNeverCrash) {
  RandomValues random(7);
  std::mt19937_64& rng = random.rng();
  int accepted = 0;
  for (int i = 0; i < 10000; ++i) {
    Bytes input = Encode(random.Make(3));
    if (input.empty()) continue;
    input[rng() % input.size()] = static_cast<uint8_t>(rng());
    if (rng() % 4 == 0) input.resize(rng() % (input.size() + 1));
    Result<Value> v = Decode(input);
    if (!v.ok()) continue;
    ++accepted;
    Result<Value> again = Decode(Encode(*v));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(Encode(*again), Encode(*v));
    EXPECT_FALSE(Diagnostic(*v).empty());
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace scitt::cbor
