#include "cbor/decoder.h"

#include <chrono>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/encoder.h"
#include "support/vectors.h"

namespace scitt::cbor {
namespace {

using scitt::testing::Hex;

// Hex with spaces allowed between bytes, for readability.
Bytes H(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex.push_back(c);
  }
  return Hex(hex);
}

Bytes Repeat(uint8_t byte, size_t n) { return Bytes(n, byte); }

// RFC 8949 Appendix F.1: examples of CBOR data items that are not well-formed.
TEST(Decoder, RejectsAppendixFNotWellFormed) {
  const char* kMalformed[] = {
      // End of input in a head.
      "18", "19", "1a", "1b", "1901", "1a0102", "1b01020304050607", "38", "58", "78", "98",
      "9a01ff00", "b8", "d8", "f8", "f900", "fa0000", "fb000000",
      // Definite-length strings with short data.
      "41", "61", "5affffffff00", "5bffffffffffffffff010203", "7affffffff00",
      "7b7fffffffffffffff010203",
      // Definite-length maps and arrays not closed with enough items.
      "81", "818181818181818181", "8200", "a1", "a20102", "a100", "a2000000",
      // Tag number not followed by tag content.
      "c0",
      // Indefinite-length strings not closed by a break.
      "5f4100", "7f6100",
      // Indefinite-length maps and arrays not closed by a break.
      "9f", "9f0102", "bf", "bf01020102", "819f", "9f8000", "9f9f9f9f9fffffffff",
      "9f819f819f9fffffff",
      // Reserved additional information values.
      "1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e", "7c", "7d", "7e", "9c", "9d", "9e",
      "bc", "bd", "be", "dc", "dd", "de", "fc", "fd", "fe",
      // Reserved two-byte encodings of simple values.
      "f800", "f801", "f818", "f81f",
      // Indefinite-length string chunks not of the correct type.
      "5f00ff", "5f21ff", "5f6100ff", "5f80ff", "5fa0ff", "5fc000ff", "5fe0ff", "7f4100ff",
      // Indefinite-length string chunks not definite length.
      "5f5f4100ffff", "7f7f6100ffff",
      // Break occurring on its own outside of an indefinite-length item.
      "ff",
      // Break occurring in a definite-length array or map or a tag.
      "81ff", "8200ff", "a1ff", "a1ff00", "a100ff", "a20000ff", "9f81ff", "9f829f819f9fffffffff",
      // Break in an indefinite-length map in a value position.
      "bf00ff", "bf000000ff",
      // Major type 0, 1, 6 with additional information 31.
      "1f", "3f", "df",
  };
  for (const char* hex : kMalformed) {
    Result<Value> v = Decode(Hex(hex));
    ASSERT_FALSE(v.ok()) << hex << " decoded as " << Diagnostic(*v);
    EXPECT_EQ(v.error().code, ErrorCode::kMalformed) << hex;
    EXPECT_NE(v.error().message.find("at offset "), std::string::npos) << v.error().message;
    EXPECT_EQ(v.error().message.rfind("CBOR: ", 0), 0u) << v.error().message;
  }
}

TEST(Decoder, EmptyInputIsMalformed) {
  Result<Value> v = Decode(ByteView());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "CBOR: unexpected end of input at offset 0");
}

TEST(Decoder, ErrorMessagesNameWhatAndWhere) {
  auto message = [](const char* hex) {
    Result<Value> v = Decode(Hex(hex));
    return v.ok() ? std::string("(decoded)") : v.error().message;
  };
  EXPECT_EQ(message("9f0102"), "CBOR: unexpected end of input at offset 3");
  EXPECT_EQ(message("830102"), "CBOR: array length 3 exceeds the 2 bytes left at offset 0");
  EXPECT_EQ(message("a20100180100"), "CBOR: duplicate map key at offset 3");
  EXPECT_EQ(message("0000"), "CBOR: 1 trailing bytes after the item at offset 1");
  EXPECT_EQ(message("82011c"), "CBOR: reserved additional information 28 at offset 2");
  EXPECT_EQ(message("8201ff"), "CBOR: break outside an indefinite-length item at offset 2");
  EXPECT_EQ(message("82f81f"), "CBOR: two-byte simple value below 32 at offset 1");
  EXPECT_EQ(message("6461626380"), "CBOR: invalid UTF-8 in text string at offset 4");
  EXPECT_EQ(message("5a00010000"), "CBOR: string length 65536 exceeds the 0 bytes left at offset 0");
}

TEST(Decoder, DuplicateKeysRejected) {
  struct {
    const char* hex;
    const char* what;
  } cases[] = {
      {"a201000100", "same integer"},
      {"a20100180100", "1 and 1 with a longer head (0x01 vs 0x1801)"},
      {"a2190001001a0000000100", "1 with two- and four-byte heads"},
      {"a2616100616100", "same text"},
      {"a2 6161 00 7f6161ff 00", "text, definite and indefinite"},
      {"a2 4100 00 5f4100ff 00", "bytes, definite and indefinite"},
      {"a2f93c0000fa3f80000000", "1.0 as half and single"},
      {"a2f97e0000fb7ff800000000000100", "NaN with different payloads"},
      {"a2 820102 00 820102 00", "same array"},
      {"a2a201020304 00 a203040102 00", "maps differing only in entry order"},
      {"a2 c101 00 c101 00", "same tag"},
      {"bf 01 00 01 00 ff", "indefinite-length map"},
      {"a2f500f500", "true"},
  };
  for (const auto& c : cases) {
    Result<Value> v = Decode(H(c.hex));
    ASSERT_FALSE(v.ok()) << c.what;
    EXPECT_NE(v.error().message.find("duplicate map key"), std::string::npos) << c.what;
  }
}

TEST(Decoder, DistinctKeysAccepted) {
  const char* kDistinct[] = {
      "a2010020 00",        // 1 and -1
      "a20100f93c0000",     // 1 and 1.0
      "a2f9000000f9800000", // 0.0 and -0.0
      "a2410000610000",     // h'00' and "\0"
      "a2 c101 00 c201 00", // 1(1) and 2(1)
      "a2f400f600",         // false and null
  };
  for (const char* hex : kDistinct) {
    Result<Value> v = Decode(H(hex));
    EXPECT_TRUE(v.ok()) << hex << ": " << v.error().message;
  }
}

// {n+100: null, n+99: null, ..., 101: null}: descending, so not sorted.
Bytes LargeIntegerMap(size_t n) {
  Bytes out;
  EncodeHead(5, n, &out);
  for (size_t i = 0; i < n; ++i) {
    EncodeHead(0, n - i + 100, &out);
    out.push_back(0xf6);
  }
  return out;
}

TEST(Decoder, DuplicateKeysInLargeMaps) {
  Result<Value> ok = Decode(LargeIntegerMap(5000));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->map().size(), 5000u);

  // Key 7 in the middle and again at the end.
  Bytes dup;
  const size_t n = 3000;
  EncodeHead(5, n, &dup);
  for (size_t i = 0; i < n; ++i) {
    EncodeHead(0, i == 1234 || i == n - 1 ? 7 : 1000 + i, &dup);
    dup.push_back(0xf6);
  }
  Result<Value> bad = Decode(dup);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("duplicate map key"), std::string::npos);
  // The reported offset is the later of the two keys (the last entry).
  EXPECT_NE(bad.error().message.find("at offset " + std::to_string(dup.size() - 2)),
            std::string::npos)
      << bad.error().message;
}

TEST(Decoder, LargeMapIsFast) {
  const Bytes input = LargeIntegerMap(200000);
  const auto start = std::chrono::steady_clock::now();
  Result<Value> v = Decode(input);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(v.ok());
  // Quadratic duplicate detection would take minutes here.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(Decoder, TrailingBytesRejectedButPrefixDecodes) {
  const Bytes input = Hex("8201020304");
  EXPECT_FALSE(Decode(input).ok());
  size_t consumed = 0;
  Result<Value> v = DecodePrefix(input, &consumed);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(consumed, 3u);
  EXPECT_EQ(v->raw().size(), 3u);
  // DecodePrefix does not look past the item.
  const Bytes garbage_after = Hex("01ff1c");
  v = DecodePrefix(garbage_after, &consumed);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(consumed, 1u);
}

TEST(Decoder, DeepNestingFailsWithoutCrashing) {
  for (uint8_t opener : {0x81, 0x9f, 0xa1, 0xc1}) {
    Bytes input = Repeat(opener, 10000);
    input.push_back(0x00);
    Result<Value> v = Decode(input);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(v.error().message.find("max_depth"), std::string::npos) << v.error().message;
  }
}

TEST(Decoder, DepthCountsContainersFromOne) {
  DecodeOptions options;
  options.max_depth = 3;
  // Arrays, maps and tags at depth 3 are accepted; their leaves may sit below.
  EXPECT_TRUE(Decode(Hex("81818101"), options).ok());
  EXPECT_TRUE(Decode(Hex("8181a10101"), options).ok());
  EXPECT_TRUE(Decode(Hex("8181c101"), options).ok());
  EXPECT_FALSE(Decode(Hex("8181818101"), options).ok());
  EXPECT_FALSE(Decode(Hex("818181a0"), options).ok());
  EXPECT_FALSE(Decode(Hex("c1c1c1c101"), options).ok());
  EXPECT_FALSE(Decode(Hex("a101818180"), options).ok());
  options.max_depth = 1;
  EXPECT_FALSE(Decode(Hex("8201a0"), options).ok());
  EXPECT_TRUE(Decode(Hex("820102"), options).ok());
}

TEST(Decoder, ConfiguredDeepNestingDecodes) {
  DecodeOptions options;
  options.max_depth = 5000;
  Bytes input = Repeat(0x81, 4999);
  input.push_back(0x80);
  Result<Value> v = Decode(input, options);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(Encode(*v), input);
}

TEST(Decoder, MaxItems) {
  DecodeOptions options;
  options.max_items = 3;  // the array and its two elements
  EXPECT_TRUE(Decode(Hex("820102"), options).ok());
  Result<Value> v = Decode(Hex("83010203"), options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Decode(Hex("9f010203ff"), options).ok());
  EXPECT_FALSE(Decode(Hex("a201020304"), options).ok());
  EXPECT_TRUE(Decode(Hex("a10102"), options).ok());
  EXPECT_FALSE(Decode(Hex("c1c1c101"), options).ok());
  EXPECT_TRUE(Decode(Hex("c1c101"), options).ok());
}

TEST(Decoder, MaxItemsCheckedBeforeReading) {
  // A claim of 2^20 elements with the bytes present: refused at the head.
  DecodeOptions options;
  options.max_items = 1000;
  Bytes input;
  EncodeHead(4, 1 << 20, &input);
  input.resize(input.size() + (1 << 20), 0x00);
  Result<Value> v = Decode(input, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "CBOR: more than 1000 items (limit max_items) at offset 0");
}

TEST(Decoder, HugeClaimedLengthsFailFast) {
  const char* kHuge[] = {
      "9b0000010000000000",        // array of 2^40
      "9bffffffffffffffff",        // array of 2^64 - 1
      "bb0000010000000000",        // map of 2^40
      "bb8000000000000000",        // map of 2^63 (2 * n overflows)
      "5b0000010000000000",        // bytes of 2^40
      "7bffffffffffffffff",        // text of 2^64 - 1
      "5f5bffffffffffffffffff",    // chunk of 2^64 - 1
      "9a7fffffff00",              // array of 2^31 - 1 with one byte present
      "ba7fffffff0000",            // map of 2^31 - 1 with one entry present
  };
  for (const char* hex : kHuge) {
    const auto start = std::chrono::steady_clock::now();
    Result<Value> v = Decode(Hex(hex));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(v.ok()) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::kMalformed) << hex;
    EXPECT_LT(elapsed, std::chrono::milliseconds(100)) << hex;
  }
}

TEST(Decoder, InvalidUtf8Rejected) {
  const char* kInvalid[] = {
      "80",          // lone continuation byte
      "bf",          // lone continuation byte
      "c0 80",       // overlong NUL
      "c1 bf",       // overlong
      "c3",          // truncated two-byte sequence
      "c3 28",       // bad continuation
      "e0 80 80",    // overlong
      "e0 9f bf",    // overlong
      "e6 b0",       // truncated three-byte sequence
      "ed a0 80",    // surrogate U+D800
      "ed bf bf",    // surrogate U+DFFF
      "f0 80 80 80", // overlong
      "f0 8f bf bf", // overlong
      "f4 90 80 80", // U+110000
      "f5 80 80 80", // beyond Unicode
      "f8 88 80 80 80",
      "fe", "ff",
      "41 42 43 44 45 46 47 48 49 80",  // invalid after the ASCII fast path
  };
  for (const char* spaced : kInvalid) {
    const Bytes content = H(spaced);
    Bytes input;
    EncodeHead(3, content.size(), &input);
    input.insert(input.end(), content.begin(), content.end());
    Result<Value> v = Decode(input);
    ASSERT_FALSE(v.ok()) << spaced;
    EXPECT_NE(v.error().message.find("invalid UTF-8"), std::string::npos) << spaced;
  }
}

TEST(Decoder, ValidUtf8Accepted) {
  const char* kValid[] = {
      "00", "7f", "c2 80", "df bf", "e0 a0 80", "ed 9f bf", "ee 80 80", "ef bf bf",
      "f0 90 80 80", "f4 8f bf bf", "41 42 43 44 45 46 47 48 49 e6 b0 b4 41",
  };
  for (const char* spaced : kValid) {
    const Bytes content = H(spaced);
    Bytes input;
    EncodeHead(3, content.size(), &input);
    input.insert(input.end(), content.begin(), content.end());
    Result<Value> v = Decode(input);
    ASSERT_TRUE(v.ok()) << spaced << ": " << v.error().message;
    EXPECT_EQ(v->text(), ToString(content));
  }
}

TEST(Decoder, IndefiniteTextChunksMustEachBeValidUtf8) {
  // §3.2.3: U+00FC split across two chunks.
  EXPECT_FALSE(Decode(Hex("7f61c361bcff")).ok());
  Result<Value> v = Decode(Hex("7f62c3bc6161ff"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text(), "\xc3\xbc" "a");
}

TEST(Decoder, RequireShortestHeads) {
  DecodeOptions strict;
  strict.require_shortest_heads = true;
  const char* kLong[] = {
      "1817", "1900ff", "1a0000ffff", "1b00000000ffffffff",  // unsigned
      "3817", "3900ff",                                      // negative
      "5800", "790000", "9800", "b900 00",                   // lengths
      "d801 00", "d90001 00",                                // tags
  };
  for (const char* hex : kLong) {
    EXPECT_TRUE(Decode(H(hex)).ok()) << hex;
    Result<Value> v = Decode(H(hex), strict);
    ASSERT_FALSE(v.ok()) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(v.error().message.find("shortest"), std::string::npos);
  }
  const char* kShortest[] = {"17", "1818", "18ff", "190100", "1a00010000",
                             "1b0000000100000000", "f8ff",
                             // Float width is not a head argument.
                             "fa3f800000", "fb3ff0000000000000"};
  for (const char* hex : kShortest) {
    EXPECT_TRUE(Decode(Hex(hex), strict).ok()) << hex;
  }
  // Non-shortest chunk heads inside an indefinite string count too.
  EXPECT_FALSE(Decode(Hex("5f580100ff"), strict).ok());
}

TEST(Decoder, DisallowIndefinite) {
  DecodeOptions options;
  options.allow_indefinite = false;
  for (const char* hex : {"5fff", "7fff", "9fff", "bfff", "825f41004100ff01", "c19f01ff"}) {
    EXPECT_TRUE(Decode(Hex(hex)).ok()) << hex;
    Result<Value> v = Decode(Hex(hex), options);
    ASSERT_FALSE(v.ok()) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(Decode(Hex("a26161016162820203"), options).ok());
}

TEST(Decoder, HalfPrecisionPerAppendixD) {
  struct {
    const char* hex;
    double value;
  } halves[] = {
      {"f90001", std::ldexp(1.0, -24)},       // smallest subnormal
      {"f903ff", std::ldexp(1023.0, -24)},    // largest subnormal
      {"f98001", -std::ldexp(1.0, -24)},
      {"f90400", std::ldexp(1.0, -14)},       // smallest normal
      {"f97bff", 65504.0},
      {"f9c000", -2.0},
      {"f93555", 0.333251953125},
  };
  for (const auto& h : halves) {
    Result<Value> v = Decode(Hex(h.hex));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->float_value(), h.value) << h.hex;
  }
  EXPECT_TRUE(std::isnan(Decode(Hex("f97c01"))->float_value()));
  EXPECT_TRUE(std::isnan(Decode(Hex("f9fe00"))->float_value()));
  EXPECT_EQ(Decode(Hex("f97c00"))->float_value(), INFINITY);
}

TEST(Decoder, SimpleValues) {
  EXPECT_EQ(Decode(Hex("f820"))->simple_value(), 32);
  EXPECT_EQ(Decode(Hex("e0"))->simple_value(), 0);
  EXPECT_EQ(Decode(Hex("f3"))->simple_value(), 19);
  EXPECT_TRUE(Decode(Hex("f3"))->is_simple());
  EXPECT_FALSE(Decode(Hex("f3"))->is_bool());
}

TEST(Decoder, RawSpansAreExactSubranges) {
  // [1, {"a": [2], 100: true}, 1(-1)]
  const Bytes input = H("83 01 a2 6161 8102 1864 f5 c120");
  Result<Value> v = Decode(input);
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto span_of = [&](ByteView raw) {
    EXPECT_GE(raw.data(), input.data());
    EXPECT_LE(raw.data() + raw.size(), input.data() + input.size());
    return std::make_pair(static_cast<size_t>(raw.data() - input.data()), raw.size());
  };
  using Span = std::pair<size_t, size_t>;
  EXPECT_EQ(span_of(v->raw()), Span(0, input.size()));
  const Array& items = v->array();
  EXPECT_EQ(span_of(items[0].raw()), Span(1, 1));
  EXPECT_EQ(span_of(items[1].raw()), Span(2, 8));
  const Map& map = items[1].map();
  EXPECT_EQ(span_of(map[0].first.raw()), Span(3, 2));    // "a"
  EXPECT_EQ(span_of(map[0].second.raw()), Span(5, 2));   // [2]
  EXPECT_EQ(span_of(map[0].second.array()[0].raw()), Span(6, 1));
  EXPECT_EQ(span_of(map[1].first.raw()), Span(7, 2));    // 100
  EXPECT_EQ(span_of(map[1].second.raw()), Span(9, 1));   // true
  EXPECT_EQ(span_of(items[2].raw()), Span(10, 2));       // 1(-1)
  EXPECT_EQ(span_of(items[2].tag_content().raw()), Span(11, 1));
}

TEST(Decoder, RawSpansOfIndefiniteItemsIncludeTheBreak) {
  const Bytes input = Hex("839f01ff5f4100ff" "bf0102ff");
  Result<Value> v = Decode(input);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(HexEncode(v->array()[0].raw()), "9f01ff");
  EXPECT_EQ(HexEncode(v->array()[0].array()[0].raw()), "01");
  EXPECT_EQ(HexEncode(v->array()[1].raw()), "5f4100ff");
  EXPECT_EQ(HexEncode(v->array()[2].raw()), "bf0102ff");
  EXPECT_EQ(HexEncode(v->array()[2].map()[0].second.raw()), "02");
}

TEST(Decoder, EveryProperPrefixIsRejected) {
  const Bytes input = Hex("a3016161829f01ff5f4100ff" "3818c1fb3ff199999999999a" "f5");
  ASSERT_TRUE(Decode(input).ok());
  for (size_t n = 0; n < input.size(); ++n) {
    EXPECT_FALSE(Decode(ByteView(input).first(n)).ok()) << n;
  }
}

// Real-world COSE_Sign1 messages and receipts from ../shared/vectors.
TEST(Decoder, RealCoseMessages) {
  const char* kFiles[] = {
      "ccf/payloads/cosesign1tool-scitt-a3be7e5.cose",
      "ccf/payloads/css-attested-cosesign1-20250617.cose",
      "ccf/payloads/css-attested-cosesign1-20250812.cose",
      "ccf/payloads/css-attested-cosesign1-20250925.cose",
      "ccf/payloads/css-attested-cosesign1-20260302.cose",
      "ccf/payloads/cts-hashv-cwtclaims-b64url.cose",
      "ccf/payloads/manifest.spdx.json.sha384.digest.cose",
      "ccf/transparent_statements/uvm_0.2.10.cose",
      "receipts/cose-wg/inclusion-receipt.cbor",
      "receipts/cose-wg/consistency-receipt.cbor",
  };
  for (const char* file : kFiles) {
    SCOPED_TRACE(file);
    const Bytes message = scitt::testing::ReadVector(file);
    Result<Value> v = Decode(message);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->raw().size(), message.size());
    ASSERT_TRUE(v->is_tag());
    EXPECT_EQ(v->tag(), 18u);  // COSE_Sign1
    ASSERT_TRUE(v->tag_content().is_array());
    const Array& sign1 = v->tag_content().array();
    ASSERT_EQ(sign1.size(), 4u);
    ASSERT_TRUE(sign1[0].is_bytes());
    Result<Value> protected_header = Decode(sign1[0].bytes());
    ASSERT_TRUE(protected_header.ok()) << protected_header.error().message;
    EXPECT_TRUE(protected_header->is_map());
    EXPECT_NE(protected_header->Find(1), nullptr);  // alg
    EXPECT_FALSE(Diagnostic(*v).empty());
  }
}

TEST(Decoder, RawKeepsNonDeterministicWireBytes) {
  // The receipt's protected header lists labels 1, 4, 395, 15: not in
  // deterministic order, so only raw() reproduces the signed bytes.
  const Bytes message = scitt::testing::ReadVector("receipts/cose-wg/inclusion-receipt.cbor");
  Result<Value> v = Decode(message);
  ASSERT_TRUE(v.ok());
  const Value& protected_bstr = v->tag_content().array()[0];
  Result<Value> header = Decode(protected_bstr.bytes());
  ASSERT_TRUE(header.ok());
  std::vector<int64_t> labels;
  for (const MapEntry& e : header->map()) labels.push_back(e.first.AsInt64().value_or(0));
  EXPECT_EQ(labels, (std::vector<int64_t>{1, 4, 395, 15}));
  EXPECT_NE(Encode(*header), protected_bstr.bytes());
  EXPECT_EQ(Bytes(header->raw().begin(), header->raw().end()), protected_bstr.bytes());
  EXPECT_EQ(Encode(Value::Encoded(header->raw())), protected_bstr.bytes());
}

}  // namespace
}  // namespace scitt::cbor
