// A CBOR data item (RFC 8949) as a tree of Values.
//
// Values come from two places: the strict decoder (cbor/decoder.h), which also
// records the exact bytes each item was decoded from, and the constructors
// below, which build items to be encoded deterministically (cbor/encoder.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.h"

namespace scitt::cbor {

class Value;
using Array = std::vector<Value>;
using MapEntry = std::pair<Value, Value>;
using Map = std::vector<MapEntry>;  // insertion (or wire) order is kept

class Value {
 public:
  enum class Type {
    kUnsigned,  // major type 0
    kNegative,  // major type 1: the value is -1 - n
    kBytes,     // major type 2
    kText,      // major type 3 (valid UTF-8)
    kArray,     // major type 4
    kMap,       // major type 5
    kTag,       // major type 6
    kSimple,    // major type 7: false, true, null, undefined, other simple values
    kFloat,     // major type 7: half, single or double precision
    kEncoded,   // pre-encoded bytes, spliced verbatim by the encoder
  };

  Value();  // null
  static Value Uint(uint64_t v);
  static Value Int(int64_t v);
  // The negative integer -1 - n (covers the full CBOR range down to -2^64).
  static Value NegativeFromArgument(uint64_t n);
  static Value ByteString(ByteView v);
  static Value ByteString(Bytes v);
  static Value Text(std::string_view v);
  static Value FromArray(Array items);
  static Value FromMap(Map entries);
  static Value Tagged(uint64_t tag, Value content);
  static Value Bool(bool v);
  static Value Null();
  static Value Undefined();
  static Value Simple(uint8_t v);
  static Value Float(double v);
  // An already-encoded item; Encode() writes these bytes unchanged. Use it to
  // re-emit decoded parts byte for byte (e.g. a protected header bstr).
  static Value Encoded(ByteView item);

  Type type() const { return type_; }
  bool is_unsigned() const { return type_ == Type::kUnsigned; }
  bool is_negative() const { return type_ == Type::kNegative; }
  bool is_integer() const { return is_unsigned() || is_negative(); }
  bool is_bytes() const { return type_ == Type::kBytes; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_tag() const { return type_ == Type::kTag; }
  bool is_float() const { return type_ == Type::kFloat; }
  bool is_bool() const { return type_ == Type::kSimple && (uint_ == 20 || uint_ == 21); }
  bool is_null() const { return type_ == Type::kSimple && uint_ == 22; }
  bool is_undefined() const { return type_ == Type::kSimple && uint_ == 23; }
  bool is_simple() const { return type_ == Type::kSimple; }

  // The integer value when it fits in int64_t; nullopt for non-integers and
  // integers outside [-2^63, 2^63-1].
  std::optional<int64_t> AsInt64() const;
  // Raw argument: the value for kUnsigned, n for kNegative (value = -1 - n),
  // the tag number for kTag, the simple value for kSimple.
  uint64_t argument() const { return uint_; }

  // Accessors; calling the wrong one for the type is a bug (asserted).
  const Bytes& bytes() const;
  const std::string& text() const;
  const Array& array() const;
  Array& array();
  const Map& map() const;
  Map& map();
  uint64_t tag() const;
  const Value& tag_content() const;
  bool bool_value() const;
  uint8_t simple_value() const { return static_cast<uint8_t>(uint_); }
  double float_value() const;
  const Bytes& encoded() const;  // for kEncoded

  // Map lookup by key value (first match); nullptr if absent or not a map.
  const Value* Find(const Value& key) const;
  const Value* Find(int64_t label) const;
  const Value* Find(std::string_view text_key) const;

  // The exact bytes this item was decoded from (head, content and, for
  // indefinite items, the break). Empty for constructed values. Points into
  // the buffer passed to Decode(): valid only while that buffer is alive and
  // unchanged.
  ByteView raw() const { return raw_; }
  void set_raw(ByteView raw) { raw_ = raw; }
  // True when this item (not its children) was encoded with indefinite length.
  bool indefinite() const { return indefinite_; }
  void set_indefinite(bool v) { indefinite_ = v; }

  // Equality of the data model: same type and same value, recursively; the
  // encoding (head width, definite/indefinite, map order) is ignored.
  // Maps compare entry by entry in order. kEncoded compares its bytes.
  friend bool operator==(const Value& a, const Value& b);

 private:
  // Strings and containers own their content here; a tag holds its one item
  // as a one-element Array. Scalars need only uint_.
  using Content = std::variant<std::monostate, Bytes, std::string, Array, Map>;

  Type type_ = Type::kSimple;
  bool indefinite_ = false;
  uint64_t uint_ = 22;  // argument; 22 = null for kSimple; the bits of a kFloat
  ByteView raw_;
  Content content_;
};

// Helpers for the common case of integer-labelled maps (COSE headers).
inline MapEntry Entry(int64_t label, Value v) { return {Value::Int(label), std::move(v)}; }
inline MapEntry Entry(std::string_view key, Value v) { return {Value::Text(key), std::move(v)}; }

}  // namespace scitt::cbor
