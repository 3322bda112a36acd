#include "cbor/value.h"

#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

#include "cbor/decoder.h"
#include "support/vectors.h"

namespace scitt::cbor {
namespace {

using scitt::testing::Hex;

TEST(Value, DefaultIsNull) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_TRUE(v.is_simple());
  EXPECT_EQ(v.type(), Value::Type::kSimple);
  EXPECT_TRUE(v.raw().empty());
  EXPECT_FALSE(v.indefinite());
  EXPECT_TRUE(v == Value::Null());
}

TEST(Value, Integers) {
  EXPECT_TRUE(Value::Int(5).is_unsigned());
  EXPECT_EQ(Value::Int(5).argument(), 5u);
  EXPECT_TRUE(Value::Int(-5).is_negative());
  EXPECT_EQ(Value::Int(-5).argument(), 4u);
  EXPECT_EQ(Value::Int(INT64_MIN).argument(), static_cast<uint64_t>(INT64_MAX));
  EXPECT_TRUE(Value::Int(7) == Value::Uint(7));
  EXPECT_TRUE(Value::Int(-1) == Value::NegativeFromArgument(0));

  EXPECT_EQ(Value::Uint(0).AsInt64(), 0);
  EXPECT_EQ(Value::Uint(INT64_MAX).AsInt64(), INT64_MAX);
  EXPECT_FALSE(Value::Uint(static_cast<uint64_t>(INT64_MAX) + 1).AsInt64().has_value());
  EXPECT_EQ(Value::Int(INT64_MIN).AsInt64(), INT64_MIN);
  EXPECT_FALSE(Value::NegativeFromArgument(static_cast<uint64_t>(INT64_MAX) + 1)
                   .AsInt64()
                   .has_value());
  EXPECT_FALSE(Value::Text("1").AsInt64().has_value());
  EXPECT_FALSE(Value::Float(1.0).AsInt64().has_value());
  EXPECT_TRUE(Value::Int(1).is_integer());
  EXPECT_TRUE(Value::Int(-1).is_integer());
  EXPECT_FALSE(Value::Float(1).is_integer());
}

TEST(Value, Accessors) {
  EXPECT_EQ(Value::ByteString(Hex("0102")).bytes(), Hex("0102"));
  EXPECT_EQ(Value::ByteString(ByteView(Hex("03"))).bytes(), Hex("03"));
  EXPECT_EQ(Value::Text("hi").text(), "hi");
  Value tagged = Value::Tagged(24, Value::ByteString(Hex("01")));
  EXPECT_TRUE(tagged.is_tag());
  EXPECT_EQ(tagged.tag(), 24u);
  EXPECT_EQ(tagged.argument(), 24u);
  EXPECT_TRUE(tagged.tag_content() == Value::ByteString(Hex("01")));
  EXPECT_TRUE(Value::Bool(true).bool_value());
  EXPECT_FALSE(Value::Bool(false).bool_value());
  EXPECT_TRUE(Value::Bool(false).is_bool());
  EXPECT_FALSE(Value::Null().is_bool());
  EXPECT_TRUE(Value::Undefined().is_undefined());
  EXPECT_EQ(Value::Simple(99).simple_value(), 99);
  EXPECT_EQ(Value::Float(2.5).float_value(), 2.5);
  EXPECT_TRUE(Value::Float(2.5).is_float());
  EXPECT_EQ(Value::Encoded(Hex("a0")).encoded(), Hex("a0"));
  EXPECT_EQ(Value::Encoded(Hex("a0")).type(), Value::Type::kEncoded);

  Value array = Value::FromArray({Value::Int(1)});
  array.array().push_back(Value::Int(2));
  EXPECT_EQ(array.array().size(), 2u);
  Value map = Value::FromMap({});
  map.map().push_back(Entry(1, Value::Int(2)));
  EXPECT_EQ(map.map().size(), 1u);
}

TEST(Value, Find) {
  Value map = Value::FromMap({
      Entry(1, Value::Int(-7)),
      Entry(-1, Value::Text("neg")),
      Entry("alg", Value::Text("text")),
      {Value::Float(1.0), Value::Text("float")},
      {Value::Uint(UINT64_MAX), Value::Text("max")},
      Entry(1, Value::Text("second")),
  });
  ASSERT_NE(map.Find(1), nullptr);
  EXPECT_TRUE(*map.Find(1) == Value::Int(-7));  // first match
  EXPECT_TRUE(*map.Find(-1) == Value::Text("neg"));
  EXPECT_EQ(map.Find(2), nullptr);
  EXPECT_TRUE(*map.Find("alg") == Value::Text("text"));
  EXPECT_EQ(map.Find("1"), nullptr);
  EXPECT_TRUE(*map.Find(Value::Float(1.0)) == Value::Text("float"));
  EXPECT_TRUE(*map.Find(Value::Uint(UINT64_MAX)) == Value::Text("max"));
  EXPECT_EQ(map.Find(Value::Float(2.0)), nullptr);
  EXPECT_EQ(Value::Int(1).Find(1), nullptr);
  EXPECT_EQ(Value::FromArray({}).Find("a"), nullptr);
  EXPECT_EQ(Value::Null().Find(Value::Null()), nullptr);
}

TEST(Value, FindOnDecodedMapIgnoresEncoding) {
  // {_ 1801: "a", (_ "k"): "b"}
  Result<Value> v = Decode(Hex("bf18016161" "7f616bff6162ff"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(*v->Find(1) == Value::Text("a"));
  EXPECT_TRUE(*v->Find("k") == Value::Text("b"));
}

TEST(Value, EqualityIsDataModelEquality) {
  EXPECT_FALSE(Value::Uint(1) == Value::Float(1.0));
  EXPECT_FALSE(Value::Uint(0) == Value::NegativeFromArgument(0));
  EXPECT_FALSE(Value::Bool(false) == Value::Null());
  EXPECT_FALSE(Value::Simple(16) == Value::Uint(16));
  EXPECT_FALSE(Value::Text("a") == Value::ByteString(Hex("61")));
  EXPECT_FALSE(Value::Encoded(Hex("01")) == Value::Uint(1));
  EXPECT_TRUE(Value::Encoded(Hex("01")) == Value::Encoded(Hex("01")));
  EXPECT_FALSE(Value::Tagged(1, Value::Int(0)) == Value::Tagged(2, Value::Int(0)));
  EXPECT_FALSE(Value::Tagged(1, Value::Int(0)) == Value::Tagged(1, Value::Int(1)));
  EXPECT_FALSE(Value::FromArray({Value::Int(1)}) == Value::FromArray({}));
  EXPECT_TRUE(Value::FromArray({Value::Int(1)}) == Value::FromArray({Value::Int(1)}));

  // Floats compare exactly; NaNs are one value.
  EXPECT_FALSE(Value::Float(0.0) == Value::Float(-0.0));
  EXPECT_TRUE(Value::Float(NAN) == Value::Float(-NAN));
  EXPECT_FALSE(Value::Float(NAN) == Value::Float(INFINITY));
  EXPECT_TRUE(Value::Float(1.5) == Value::Float(1.5));

  // Maps compare entry by entry in order.
  Value ab = Value::FromMap({Entry("a", Value::Int(1)), Entry("b", Value::Int(2))});
  Value ba = Value::FromMap({Entry("b", Value::Int(2)), Entry("a", Value::Int(1))});
  EXPECT_TRUE(ab == ab);
  EXPECT_FALSE(ab == ba);
  EXPECT_TRUE(ab != ba);

  // Encoding details are ignored.
  Result<Value> long_heads = Decode(Hex("9f1801" "5f4161ff" "fa3fc00000" "ff"));
  ASSERT_TRUE(long_heads.ok());
  EXPECT_TRUE(*long_heads == Value::FromArray({Value::Int(1), Value::ByteString(Hex("61")),
                                               Value::Float(1.5)}));
}

TEST(Value, RawAndIndefiniteAreSettable) {
  const Bytes bytes = Hex("0102");
  Value v = Value::Int(1);
  v.set_raw(ByteView(bytes).first(1));
  v.set_indefinite(true);
  EXPECT_EQ(v.raw().data(), bytes.data());
  EXPECT_TRUE(v.indefinite());
  EXPECT_TRUE(v == Value::Int(1));
}

}  // namespace
}  // namespace scitt::cbor
