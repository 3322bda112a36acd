#include "cbor/value.h"

#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

namespace scitt::cbor {

Value::Value() = default;

Value Value::Uint(uint64_t v) {
  Value r;
  r.type_ = Type::kUnsigned;
  r.uint_ = v;
  return r;
}

Value Value::Int(int64_t v) {
  if (v >= 0) return Uint(static_cast<uint64_t>(v));
  return NegativeFromArgument(static_cast<uint64_t>(-1 - v));
}

Value Value::NegativeFromArgument(uint64_t n) {
  Value r;
  r.type_ = Type::kNegative;
  r.uint_ = n;
  return r;
}

Value Value::ByteString(ByteView v) { return ByteString(Bytes(v.begin(), v.end())); }

Value Value::ByteString(Bytes v) {
  Value r;
  r.type_ = Type::kBytes;
  r.uint_ = 0;
  r.content_ = std::move(v);
  return r;
}

Value Value::Text(std::string_view v) {
  Value r;
  r.type_ = Type::kText;
  r.uint_ = 0;
  r.content_ = std::string(v);
  return r;
}

Value Value::FromArray(Array items) {
  Value r;
  r.type_ = Type::kArray;
  r.uint_ = 0;
  r.content_ = std::move(items);
  return r;
}

Value Value::FromMap(Map entries) {
  Value r;
  r.type_ = Type::kMap;
  r.uint_ = 0;
  r.content_ = std::move(entries);
  return r;
}

Value Value::Tagged(uint64_t tag, Value content) {
  Value r;
  r.type_ = Type::kTag;
  r.uint_ = tag;
  r.content_ = Array{};
  std::get<Array>(r.content_).push_back(std::move(content));
  return r;
}

Value Value::Bool(bool v) { return Simple(v ? 21 : 20); }
Value Value::Null() { return Simple(22); }
Value Value::Undefined() { return Simple(23); }

Value Value::Simple(uint8_t v) {
  // RFC 8949 §3.3: simple values 24..31 have no valid encoding.
  assert(v < 24 || v >= 32);
  Value r;
  r.type_ = Type::kSimple;
  r.uint_ = v;
  return r;
}

Value Value::Float(double v) {
  Value r;
  r.type_ = Type::kFloat;
  r.uint_ = std::bit_cast<uint64_t>(v);
  return r;
}

Value Value::Encoded(ByteView item) {
  Value r;
  r.type_ = Type::kEncoded;
  r.uint_ = 0;
  r.content_ = Bytes(item.begin(), item.end());
  return r;
}

std::optional<int64_t> Value::AsInt64() const {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (type_ == Type::kUnsigned && uint_ <= kMax) return static_cast<int64_t>(uint_);
  if (type_ == Type::kNegative && uint_ <= kMax) return -1 - static_cast<int64_t>(uint_);
  return std::nullopt;
}

const Bytes& Value::bytes() const {
  assert(type_ == Type::kBytes);
  return std::get<Bytes>(content_);
}

const std::string& Value::text() const {
  assert(type_ == Type::kText);
  return std::get<std::string>(content_);
}

const Array& Value::array() const {
  assert(type_ == Type::kArray);
  return std::get<Array>(content_);
}

Array& Value::array() {
  assert(type_ == Type::kArray);
  return std::get<Array>(content_);
}

const Map& Value::map() const {
  assert(type_ == Type::kMap);
  return std::get<Map>(content_);
}

Map& Value::map() {
  assert(type_ == Type::kMap);
  return std::get<Map>(content_);
}

uint64_t Value::tag() const {
  assert(type_ == Type::kTag);
  return uint_;
}

const Value& Value::tag_content() const {
  assert(type_ == Type::kTag);
  return std::get<Array>(content_).front();
}

double Value::float_value() const {
  assert(type_ == Type::kFloat);
  return std::bit_cast<double>(uint_);
}

bool Value::bool_value() const {
  assert(is_bool());
  return uint_ == 21;
}

const Bytes& Value::encoded() const {
  assert(type_ == Type::kEncoded);
  return std::get<Bytes>(content_);
}

const Value* Value::Find(const Value& key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const MapEntry& e : map()) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

const Value* Value::Find(int64_t label) const {
  if (type_ != Type::kMap) return nullptr;
  for (const MapEntry& e : map()) {
    if (e.first.AsInt64() == label) return &e.second;
  }
  return nullptr;
}

const Value* Value::Find(std::string_view text_key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const MapEntry& e : map()) {
    if (e.first.is_text() && e.first.text() == text_key) return &e.second;
  }
  return nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Value::Type::kUnsigned:
    case Value::Type::kNegative:
    case Value::Type::kSimple:
      return a.uint_ == b.uint_;
    case Value::Type::kBytes:
    case Value::Type::kEncoded:
    case Value::Type::kText:
    case Value::Type::kArray:
    case Value::Type::kMap:
      return a.content_ == b.content_;
    case Value::Type::kTag:
      return a.uint_ == b.uint_ && a.content_ == b.content_;
    case Value::Type::kFloat: {
      // Exact comparison of the bits, so 0.0 and -0.0 differ; all NaNs are one
      // value because the encoder writes every NaN as f97e00 (§4.2.2).
      return a.uint_ == b.uint_ || (std::isnan(a.float_value()) && std::isnan(b.float_value()));
    }
  }
  return false;
}

}  // namespace scitt::cbor
