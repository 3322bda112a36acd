#include "cbor/encoder.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/decoder.h"
#include "support/vectors.h"

namespace scitt::cbor {
namespace {

using scitt::testing::Hex;

std::string EncodeHex(const Value& v) { return HexEncode(Encode(v)); }

TEST(Encoder, ShortestHeads) {
  struct {
    uint64_t argument;
    const char* hex;
  } heads[] = {
      {0, "00"},
      {23, "17"},
      {24, "1818"},
      {255, "18ff"},
      {256, "190100"},
      {65535, "19ffff"},
      {65536, "1a00010000"},
      {0xffffffff, "1affffffff"},
      {0x100000000, "1b0000000100000000"},
      {UINT64_MAX, "1bffffffffffffffff"},
  };
  for (const auto& h : heads) {
    Bytes out;
    EncodeHead(0, h.argument, &out);
    EXPECT_EQ(HexEncode(out), h.hex);
    EXPECT_EQ(EncodeHex(Value::Uint(h.argument)), h.hex);
  }
  Bytes out;
  EncodeHead(6, 18, &out);
  EncodeHead(4, 4, &out);
  EncodeHead(2, 300, &out);
  EXPECT_EQ(HexEncode(out), "d284" "59012c");
}

TEST(Encoder, Integers) {
  EXPECT_EQ(EncodeHex(Value::Int(0)), "00");
  EXPECT_EQ(EncodeHex(Value::Int(-1)), "20");
  EXPECT_EQ(EncodeHex(Value::Int(-24)), "37");
  EXPECT_EQ(EncodeHex(Value::Int(-25)), "3818");
  EXPECT_EQ(EncodeHex(Value::Int(INT64_MAX)), "1b7fffffffffffffff");
  EXPECT_EQ(EncodeHex(Value::Int(INT64_MIN)), "3b7fffffffffffffff");
  EXPECT_EQ(EncodeHex(Value::NegativeFromArgument(UINT64_MAX)), "3bffffffffffffffff");
}

TEST(Encoder, StringsArraysTagsSimple) {
  EXPECT_EQ(EncodeHex(Value::ByteString(Hex("0102"))), "420102");
  EXPECT_EQ(EncodeHex(Value::Text("IETF")), "6449455446");
  EXPECT_EQ(EncodeHex(Value::FromArray({Value::Int(1), Value::Text("a")})), "82016161");
  EXPECT_EQ(EncodeHex(Value::Tagged(18, Value::FromArray({}))), "d280");
  EXPECT_EQ(EncodeHex(Value::Tagged(1000, Value::Null())), "d903e8f6");
  EXPECT_EQ(EncodeHex(Value()), "f6");
  EXPECT_EQ(EncodeHex(Value::Bool(false)), "f4");
  EXPECT_EQ(EncodeHex(Value::Bool(true)), "f5");
  EXPECT_EQ(EncodeHex(Value::Undefined()), "f7");
  EXPECT_EQ(EncodeHex(Value::Simple(0)), "e0");
  EXPECT_EQ(EncodeHex(Value::Simple(19)), "f3");
  EXPECT_EQ(EncodeHex(Value::Simple(32)), "f820");
  Bytes big(70000, 0xab);
  Bytes encoded = Encode(Value::ByteString(big));
  EXPECT_EQ(HexEncode(ByteView(encoded).first(5)), "5a00011170");
  EXPECT_EQ(encoded.size(), 70005u);
}

// RFC 8949 §4.2.1's example order: 10, 100, -1, "z", "aa", [100], [-1], false.
TEST(Encoder, MapKeysSortedByEncodedBytes) {
  Map map = {
      {Value::Bool(false), Value::Int(7)},
      {Value::Text("aa"), Value::Int(4)},
      {Value::FromArray({Value::Int(-1)}), Value::Int(6)},
      {Value::Int(100), Value::Int(1)},
      {Value::Text("z"), Value::Int(3)},
      {Value::Int(-1), Value::Int(2)},
      {Value::FromArray({Value::Int(100)}), Value::Int(5)},
      {Value::Int(10), Value::Int(0)},
  };
  EXPECT_EQ(EncodeHex(Value::FromMap(map)),
            "a8"
            "0a00"          // 10
            "186401"        // 100
            "2002"          // -1
            "617a03"        // "z"
            "62616104"      // "aa"
            "81186405"      // [100]
            "812006"        // [-1]
            "f407");        // false
  // The order given does not matter.
  Map reversed(map.rbegin(), map.rend());
  EXPECT_EQ(Encode(Value::FromMap(reversed)), Encode(Value::FromMap(map)));
}

TEST(Encoder, NestedMapsAndCoseLikeLabels) {
  // Labels as COSE headers use them: 1, 4, 15, 33, 395, -1.
  Value inner = Value::FromMap({Entry("b", Value::Int(2)), Entry("a", Value::Int(1))});
  Value header = Value::FromMap({
      Entry(395, Value::Int(1)),
      Entry(15, inner),
      Entry(-1, Value::Null()),
      Entry(4, Value::ByteString(Hex("aa"))),
      Entry(33, Value::FromArray({})),
      Entry(1, Value::Int(-7)),
  });
  EXPECT_EQ(EncodeHex(header),
            "a6"
            "0126"                      // 1: -7
            "0441aa"                    // 4: h'aa'
            "0fa2616101616202"          // 15: {"a": 1, "b": 2}
            "182180"                    // 33: []
            "19018b01"                  // 395: 1
            "20f6");                    // -1: null
}

TEST(Encoder, EncodedItemsAreSplicedVerbatim) {
  // Not deterministic on purpose: a four-byte head for 1.
  const Bytes long_head = Hex("1a00000001");
  EXPECT_EQ(EncodeHex(Value::FromArray({Value::Encoded(long_head)})), "811a00000001");
  // As a map key its bytes decide the order: 0x1a.. sorts after 0x02.
  Value map = Value::FromMap({{Value::Encoded(long_head), Value::Int(0)},
                              {Value::Int(2), Value::Int(1)}});
  EXPECT_EQ(EncodeHex(map), "a202011a0000000100");
  EXPECT_EQ(EncodeHex(Value::Encoded({})), "");
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

TEST(Encoder, PreferredFloats) {
  struct {
    double value;
    const char* hex;
  } floats[] = {
      {0.0, "f90000"},
      {-0.0, "f98000"},
      {1.0, "f93c00"},
      {-2.0, "f9c000"},
      {1.5, "f93e00"},
      {65504.0, "f97bff"},                              // largest half
      {65505.0, "fa477fe100"},                          // needs single
      {100000.0, "fa47c35000"},
      {std::ldexp(1.0, -14), "f90400"},                 // smallest normal half
      {std::ldexp(1.0, -24), "f90001"},                 // smallest subnormal half
      {std::ldexp(3.0, -24), "f90003"},
      {std::ldexp(1023.0, -24), "f903ff"},              // largest subnormal half
      {std::ldexp(1.0, -25), "fa33000000"},             // below half's range
      {std::ldexp(3.0, -25), "fa33c00000"},             // between half subnormals
      {std::ldexp(1.0, -149), "fa00000001"},            // smallest subnormal single
      {std::ldexp(1.0, -150), "fb3690000000000000"},    // below single's range
      {3.4028234663852886e+38, "fa7f7fffff"},           // largest single
      {16777216.0, "fa4b800000"},
      {16777217.0, "fb4170000010000000"},               // 2^24 + 1: not a single
      {1.1, "fb3ff199999999999a"},
      {1.0e+300, "fb7e37e43c8800759c"},
      {std::numeric_limits<double>::max(), "fb7fefffffffffffff"},
      {INFINITY, "f97c00"},
      {-INFINITY, "f9fc00"},
      {NAN, "f97e00"},
      {-NAN, "f97e00"},
      {FromBits(0x7ff0000000000001), "f97e00"},         // signalling NaN with payload
      {FromBits(0x7ff8000000000123), "f97e00"},
  };
  for (const auto& f : floats) {
    EXPECT_EQ(EncodeHex(Value::Float(f.value)), f.hex) << f.value;
    Result<Value> back = Decode(Encode(Value::Float(f.value)));
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == Value::Float(f.value)) << f.value;
  }
  // Finite values beyond single's range must not be narrowed.
  for (double d : {1e39, -1e39, 3.4028235677973366e+38}) {
    const Bytes encoded = Encode(Value::Float(d));
    ASSERT_EQ(encoded.size(), 9u) << d;
    EXPECT_EQ(encoded[0], 0xfb);
    EXPECT_TRUE(*Decode(encoded) == Value::Float(d)) << d;
  }
}

TEST(Encoder, ReencodingDecodedInputIsDeterministic) {
  // Long heads, indefinite lengths, unsorted keys and wide floats in; the
  // deterministic form out.
  // {_ "a": 1, 15: [_ (_ h'01'), (_ "a"), 1.5]}
  Result<Value> v = Decode(
      Hex("bf" "6161" "1a00000001" "0f" "9f" "5f4101ff" "7f6161ff" "fa3fc00000" "ff" "ff"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(EncodeHex(*v), "a2" "0f" "83" "4101" "6161" "f93e00" "6161" "01");
}

TEST(Diagnostic, Notation) {
  EXPECT_EQ(Diagnostic(Value::Text("a\"b\\c\n\t\r\b\f\x01\x7f")),
            "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u007f\"");
  EXPECT_EQ(Diagnostic(Value::ByteString(Bytes{})), "h''");
  EXPECT_EQ(Diagnostic(Value::ByteString(Hex("00ff"))), "h'00ff'");
  EXPECT_EQ(Diagnostic(Value::NegativeFromArgument(UINT64_MAX)), "-18446744073709551616");
  EXPECT_EQ(Diagnostic(Value::Int(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(Diagnostic(Value::Simple(0)), "simple(0)");
  EXPECT_EQ(Diagnostic(Value::Undefined()), "undefined");
  EXPECT_EQ(Diagnostic(Value::Float(100.0)), "100.0");
  EXPECT_EQ(Diagnostic(Value::Float(-0.5)), "-0.5");
  EXPECT_EQ(Diagnostic(Value::Float(1e20)), "100000000000000000000.0");
  EXPECT_EQ(Diagnostic(Value::Float(1e21)), "1.0e+21");
  EXPECT_EQ(Diagnostic(Value::Float(0.000001)), "0.000001");
  EXPECT_EQ(Diagnostic(Value::Float(1.25e-7)), "1.25e-7");
  EXPECT_EQ(Diagnostic(Value::Float(-std::numeric_limits<double>::max())),
            "-1.7976931348623157e+308");
  EXPECT_EQ(Diagnostic(Value::Float(-0.0)), "-0.0");
  EXPECT_EQ(Diagnostic(Value::Float(1.5e-300)), "1.5e-300");
  EXPECT_EQ(Diagnostic(Value::Float(std::numeric_limits<double>::denorm_min())),
            "5.0e-324");
  EXPECT_EQ(Diagnostic(Value::Float(-INFINITY)), "-Infinity");
  EXPECT_EQ(Diagnostic(Value::FromMap({Entry(1, Value::FromArray({Value::Int(-7), Value::Null()})),
                                       Entry("k", Value::Tagged(24, Value::ByteString(Hex("01"))))})),
            "{1: [-7, null], \"k\": 24(h'01')}");
}

TEST(Diagnostic, EncodedItems) {
  EXPECT_EQ(Diagnostic(Value::FromArray({Value::Encoded(Hex("a10126"))})), "[{1: -7}]");
  EXPECT_EQ(Diagnostic(Value::Encoded(Hex("ff01"))), "/ not one valid CBOR item / h'ff01'");
  EXPECT_EQ(Diagnostic(Value::Encoded({})), "/ not one valid CBOR item / h''");
}

TEST(Diagnostic, ArbitraryTextDoesNotCrash) {
  // Constructed text is not checked; the notation passes its bytes through.
  EXPECT_EQ(Diagnostic(Value::Text(std::string("\xff\x00", 2))), "\"\xff\\u0000\"");
}

}  // namespace
}  // namespace scitt::cbor
