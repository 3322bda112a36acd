// RFC 8949 Appendix A: every example of the table, decoded, shown in
// diagnostic notation, and re-encoded deterministically.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "support/vectors.h"

namespace scitt::cbor {
namespace {

using scitt::testing::Hex;

struct Example {
  const char* hex;         // the encoding given in Appendix A
  const char* diagnostic;  // what Diagnostic() prints
  // The deterministic re-encoding when it differs from `hex` (the example is
  // not in preferred serialization or uses indefinite lengths); else nullptr.
  const char* deterministic;
  // Re-encoding sorts the map, so decoding it again gives another entry order.
  bool reordered = false;
};

// Where our diagnostic output differs from the RFC's column the RFC's text is
// given in a comment: tags are not interpreted (bignums stay tags), text is
// printed as UTF-8, and indefinite lengths are not shown.
const Example kExamples[] = {
    {"00", "0", nullptr},
    {"01", "1", nullptr},
    {"0a", "10", nullptr},
    {"17", "23", nullptr},
    {"1818", "24", nullptr},
    {"1819", "25", nullptr},
    {"1864", "100", nullptr},
    {"1903e8", "1000", nullptr},
    {"1a000f4240", "1000000", nullptr},
    {"1b000000e8d4a51000", "1000000000000", nullptr},
    {"1bffffffffffffffff", "18446744073709551615", nullptr},
    {"c249010000000000000000", "2(h'010000000000000000')", nullptr},  // 18446744073709551616
    {"3bffffffffffffffff", "-18446744073709551616", nullptr},
    {"c349010000000000000000", "3(h'010000000000000000')", nullptr},  // -18446744073709551617
    {"20", "-1", nullptr},
    {"29", "-10", nullptr},
    {"3863", "-100", nullptr},
    {"3903e7", "-1000", nullptr},
    {"f90000", "0.0", nullptr},
    {"f98000", "-0.0", nullptr},
    {"f93c00", "1.0", nullptr},
    {"fb3ff199999999999a", "1.1", nullptr},
    {"f93e00", "1.5", nullptr},
    {"f97bff", "65504.0", nullptr},
    {"fa47c35000", "100000.0", nullptr},
    {"fa7f7fffff", "3.4028234663852886e+38", nullptr},
    {"fb7e37e43c8800759c", "1.0e+300", nullptr},
    {"f90001", "5.960464477539063e-8", nullptr},
    {"f90400", "0.00006103515625", nullptr},
    {"f9c400", "-4.0", nullptr},
    {"fbc010666666666666", "-4.1", nullptr},
    {"f97c00", "Infinity", nullptr},
    {"f97e00", "NaN", nullptr},
    {"f9fc00", "-Infinity", nullptr},
    {"fa7f800000", "Infinity", "f97c00"},
    {"fa7fc00000", "NaN", "f97e00"},
    {"faff800000", "-Infinity", "f9fc00"},
    {"fb7ff0000000000000", "Infinity", "f97c00"},
    {"fb7ff8000000000000", "NaN", "f97e00"},
    {"fbfff0000000000000", "-Infinity", "f9fc00"},
    {"f4", "false", nullptr},
    {"f5", "true", nullptr},
    {"f6", "null", nullptr},
    {"f7", "undefined", nullptr},
    {"f0", "simple(16)", nullptr},
    {"f8ff", "simple(255)", nullptr},
    {"c074323031332d30332d32315432303a30343a30305a", "0(\"2013-03-21T20:04:00Z\")", nullptr},
    {"c11a514b67b0", "1(1363896240)", nullptr},
    {"c1fb41d452d9ec200000", "1(1363896240.5)", nullptr},
    {"d74401020304", "23(h'01020304')", nullptr},
    {"d818456449455446", "24(h'6449455446')", nullptr},
    {"d82076687474703a2f2f7777772e6578616d706c652e636f6d",
     "32(\"http://www.example.com\")", nullptr},
    {"40", "h''", nullptr},
    {"4401020304", "h'01020304'", nullptr},
    {"60", "\"\"", nullptr},
    {"6161", "\"a\"", nullptr},
    {"6449455446", "\"IETF\"", nullptr},
    {"62225c", "\"\\\"\\\\\"", nullptr},
    {"62c3bc", "\"\xc3\xbc\"", nullptr},                  // "\u00fc"
    {"63e6b0b4", "\"\xe6\xb0\xb4\"", nullptr},            // "\u6c34"
    {"64f0908591", "\"\xf0\x90\x85\x91\"", nullptr},      // "\ud800\udd51"
    {"80", "[]", nullptr},
    {"83010203", "[1, 2, 3]", nullptr},
    {"8301820203820405", "[1, [2, 3], [4, 5]]", nullptr},
    {"98190102030405060708090a0b0c0d0e0f101112131415161718181819",
     "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, "
     "25]",
     nullptr},
    {"a0", "{}", nullptr},
    {"a201020304", "{1: 2, 3: 4}", nullptr},
    {"a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}", nullptr},
    {"826161a161626163", "[\"a\", {\"b\": \"c\"}]", nullptr},
    {"a56161614161626142616361436164614461656145",
     "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}", nullptr},
    // Indefinite-length items.
    {"5f42010243030405ff", "h'0102030405'", "450102030405"},  // (_ h'0102', h'030405')
    {"7f657374726561646d696e67ff", "\"streaming\"",            // (_ "strea", "ming")
     "6973747265616d696e67"},
    {"9fff", "[]", "80"},
    {"9f018202039f0405ffff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
    {"9f01820203820405ff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
    {"83018202039f0405ff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
    {"83019f0203ff820405", "[1, [2, 3], [4, 5]]", "8301820203820405"},
    {"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
     "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, "
     "25]",
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
    {"bf61610161629f0203ffff", "{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203"},
    {"826161bf61626163ff", "[\"a\", {\"b\": \"c\"}]", "826161a161626163"},
    // Re-encoding sorts the keys: "Amt" (63416d74) before "Fun" (6346756e).
    {"bf6346756ef563416d7421ff", "{\"Fun\": true, \"Amt\": -2}", "a263416d74216346756ef5",
     true},
};

TEST(AppendixA, DecodeDiagnoseAndReencode) {
  for (const Example& example : kExamples) {
    SCOPED_TRACE(example.hex);
    const Bytes input = Hex(example.hex);
    Result<Value> value = Decode(input);
    ASSERT_TRUE(value.ok()) << value.error().message;
    EXPECT_EQ(Diagnostic(*value), example.diagnostic);
    EXPECT_EQ(value->raw().data(), input.data());
    EXPECT_EQ(value->raw().size(), input.size());

    const Bytes expected = example.deterministic ? Hex(example.deterministic) : input;
    const Bytes encoded = Encode(*value);
    EXPECT_EQ(HexEncode(encoded), HexEncode(expected));

    // The deterministic form decodes to the same value under the strictest options.
    DecodeOptions strict;
    strict.require_shortest_heads = true;
    strict.allow_indefinite = false;
    Result<Value> again = Decode(encoded, strict);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(Encode(*again), encoded);
    if (!example.reordered) {
      EXPECT_TRUE(*again == *value);
    }
  }
}

const Value& DecodedOrNull(const Result<Value>& r) {
  static const Value kNull;
  return r.ok() ? *r : kNull;
}

TEST(AppendixA, IntegerTypesAndArguments) {
  Result<Value> max = Decode(Hex("1bffffffffffffffff"));
  ASSERT_TRUE(max.ok());
  EXPECT_TRUE(max->is_unsigned());
  EXPECT_EQ(max->argument(), UINT64_MAX);
  EXPECT_FALSE(max->AsInt64().has_value());

  Result<Value> min = Decode(Hex("3bffffffffffffffff"));
  ASSERT_TRUE(min.ok());
  EXPECT_TRUE(min->is_negative());
  EXPECT_EQ(min->argument(), UINT64_MAX);  // -1 - n = -2^64
  EXPECT_FALSE(min->AsInt64().has_value());

  EXPECT_EQ(DecodedOrNull(Decode(Hex("3903e7"))).AsInt64(), -1000);
  EXPECT_EQ(DecodedOrNull(Decode(Hex("1b000000e8d4a51000"))).AsInt64(), 1000000000000);
}

TEST(AppendixA, BignumsStayTags) {
  const Bytes input = Hex("c249010000000000000000");
  Result<Value> big = Decode(input);
  ASSERT_TRUE(big.ok());
  ASSERT_TRUE(big->is_tag());
  EXPECT_EQ(big->tag(), 2u);
  ASSERT_TRUE(big->tag_content().is_bytes());
  EXPECT_EQ(big->tag_content().bytes(), Hex("010000000000000000"));
  EXPECT_EQ(HexEncode(big->tag_content().raw()), "49010000000000000000");
}

TEST(AppendixA, FloatValues) {
  struct {
    const char* hex;
    double value;
  } floats[] = {
      {"f90000", 0.0},          {"f93c00", 1.0},       {"fb3ff199999999999a", 1.1},
      {"f93e00", 1.5},          {"f97bff", 65504.0},   {"fa47c35000", 100000.0},
      {"fa7f7fffff", 3.4028234663852886e+38},          {"fb7e37e43c8800759c", 1.0e+300},
      {"f90001", 5.960464477539063e-8},                {"f90400", 0.00006103515625},
      {"f9c400", -4.0},         {"fbc010666666666666", -4.1},
      {"c1fb41d452d9ec200000", 1363896240.5},
  };
  for (const auto& f : floats) {
    SCOPED_TRACE(f.hex);
    Result<Value> v = Decode(Hex(f.hex));
    ASSERT_TRUE(v.ok());
    const Value& item = v->is_tag() ? v->tag_content() : *v;
    ASSERT_TRUE(item.is_float());
    EXPECT_EQ(item.float_value(), f.value);
  }
  Result<Value> negative_zero = Decode(Hex("f98000"));
  ASSERT_TRUE(negative_zero.ok());
  EXPECT_TRUE(std::signbit(negative_zero->float_value()));
  for (const char* hex : {"f97e00", "fa7fc00000", "fb7ff8000000000000"}) {
    EXPECT_TRUE(std::isnan(DecodedOrNull(Decode(Hex(hex))).float_value())) << hex;
  }
  for (const char* hex : {"f9fc00", "faff800000", "fbfff0000000000000"}) {
    EXPECT_EQ(DecodedOrNull(Decode(Hex(hex))).float_value(), -INFINITY) << hex;
  }
}

TEST(AppendixA, SimpleValues) {
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("f4"))).is_bool());
  EXPECT_FALSE(DecodedOrNull(Decode(Hex("f4"))).bool_value());
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("f5"))).bool_value());
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("f6"))).is_null());
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("f7"))).is_undefined());
  EXPECT_EQ(DecodedOrNull(Decode(Hex("f0"))).simple_value(), 16);
  EXPECT_EQ(DecodedOrNull(Decode(Hex("f8ff"))).simple_value(), 255);
}

TEST(AppendixA, IndefiniteFlagOnlyOnIndefiniteItems) {
  Result<Value> v = Decode(Hex("83019f0203ff820405"));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->indefinite());
  EXPECT_FALSE(v->array()[0].indefinite());
  EXPECT_TRUE(v->array()[1].indefinite());
  EXPECT_FALSE(v->array()[2].indefinite());
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("5f42010243030405ff"))).indefinite());
  EXPECT_TRUE(DecodedOrNull(Decode(Hex("bf6346756ef563416d7421ff"))).indefinite());
}

}  // namespace
}  // namespace scitt::cbor
