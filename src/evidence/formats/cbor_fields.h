// private to evidence/formats: the CBOR counterpart of json_fields.cc for the
// parsers of CBOR documents (CoSWID, EAR): bounded decoding, typed access to
// integer-labelled maps, and opening a COSE_Sign1 without verifying it.
//
// Header-only because the library's sources are listed in its CMakeLists;
// every function is small and used by coswid.cc and ear.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/decoder.h"
#include "cbor/value.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {

// A decoded item costs up to 72 bytes whatever its encoding, so the item
// count, not only kMaxDocumentBytes, bounds a document's memory: about
// 75 MB at this limit (a 256 MiB document of one-byte items would be 18 GB).
inline constexpr size_t kMaxCborItems = size_t{1} << 20;

// Decodes one whole CBOR document within kMaxDocumentBytes, kMaxCborItems
// and kMaxJsonDepth (the same nesting bound as JSON documents). Every
// refusal, a broken limit included, is kMalformed, as for JSON. `what`
// names the document in messages.
inline Result<cbor::Value> DecodeCborDocument(ByteView bytes, std::string_view what) {
  if (bytes.size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kMalformed, std::string(what) + ": larger than " +
                                                std::to_string(kMaxDocumentBytes) + " bytes");
  }
  cbor::DecodeOptions options;
  options.max_depth = kMaxJsonDepth;
  options.max_items = kMaxCborItems;
  auto decoded = cbor::Decode(bytes, options);
  if (!decoded.ok()) {
    return MakeError(ErrorCode::kMalformed, std::string(what) + ": " + decoded.error().message);
  }
  return decoded;
}

// "an integer", "a map", … for messages.
inline std::string CborTypeName(const cbor::Value& value) {
  switch (value.type()) {
    case cbor::Value::Type::kUnsigned:
    case cbor::Value::Type::kNegative: return "an integer";
    case cbor::Value::Type::kBytes: return "a byte string";
    case cbor::Value::Type::kText: return "a text string";
    case cbor::Value::Type::kArray: return "an array";
    case cbor::Value::Type::kMap: return "a map";
    case cbor::Value::Type::kTag: return "tag " + std::to_string(value.tag());
    case cbor::Value::Type::kFloat: return "a float";
    default: return "a simple value";
  }
}

// `value` must be a map whose keys are integers or text (CDDL "label"); a
// key of another type is refused so that no entry is silently skipped.
inline Status ExpectCborMap(const cbor::Value& value, const std::string& where) {
  if (!value.is_map()) return Invalid(where + " must be a map, not " + CborTypeName(value));
  for (const auto& [key, unused] : value.map()) {
    if (!key.is_integer() && !key.is_text()) {
      return Invalid(where + ": a map key must be an integer or a text string, not " +
                     CborTypeName(key));
    }
  }
  return Status::Ok();
}

// Entry `label` of `map`; nullptr when absent or null (read as absent, as
// the JSON helpers do).
inline const cbor::Value* FindLabel(const cbor::Value& map, int64_t label) {
  const cbor::Value* value = map.Find(label);
  return value == nullptr || value->is_null() ? nullptr : value;
}

// Typed optional fields; `where` names the map, `name` the field
// ("CoSWID: entity[1]" and "role").
inline Result<std::optional<std::string>> OptionalCborText(const cbor::Value& map, int64_t label,
                                                           const std::string& where,
                                                           std::string_view name) {
  const cbor::Value* value = FindLabel(map, label);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_text()) {
    return Invalid(where + "." + std::string(name) + " must be a text string, not " +
                   CborTypeName(*value));
  }
  return std::optional<std::string>(value->text());
}

inline Result<std::optional<bool>> OptionalCborBool(const cbor::Value& map, int64_t label,
                                                    const std::string& where,
                                                    std::string_view name) {
  const cbor::Value* value = FindLabel(map, label);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) {
    return Invalid(where + "." + std::string(name) + " must be true or false, not " +
                   CborTypeName(*value));
  }
  return std::optional<bool>(value->bool_value());
}

inline Result<std::optional<int64_t>> OptionalCborInt(const cbor::Value& map, int64_t label,
                                                      const std::string& where,
                                                      std::string_view name) {
  const cbor::Value* value = FindLabel(map, label);
  if (value == nullptr) return std::optional<int64_t>();
  const std::optional<int64_t> integer = value->AsInt64();
  if (!integer) {
    return Invalid(where + "." + std::string(name) + " must be a 64-bit integer, not " +
                   CborTypeName(*value));
  }
  return integer;
}

// CDDL one-or-more<T> = T / [ + T ]: the elements of an array, else the
// item itself.
inline std::vector<const cbor::Value*> OneOrMore(const cbor::Value& value) {
  std::vector<const cbor::Value*> items;
  if (value.is_array()) {
    for (const cbor::Value& item : value.array()) items.push_back(&item);
  } else {
    items.push_back(&value);
  }
  return items;
}

// What a COSE_Sign1 carries, for documents that may come signed. The
// signature is not verified here: the SCITT statement that carries the
// document is the signature the transparency service checks and logs.
struct Sign1Contents {
  ByteView payload;  // points into the decoded item
  std::string alg;   // the protected "alg" (label 1) as written: "-7", or text
  std::string kid;   // "kid" (label 4), protected else unprotected, in hex
};

inline constexpr uint64_t kCoseSign1Tag = 18;  // RFC 9052 §4.2
inline constexpr uint64_t kCwtTag = 61;        // RFC 8392 §6: CWT, over a COSE message

// RFC 9052 §4.2:
//   COSE_Sign1 = [ protected: bstr .cbor header_map / bstr .size 0,
//                  unprotected: header_map, payload: bstr / nil,
//                  signature: bstr ]
// `item` is the COSE_Sign1 (tag 18 optional, as on input in cose/sign1.h);
// it must outlive the result. A detached (nil) payload is refused: there is
// nothing here to read.
inline Result<Sign1Contents> OpenSign1(const cbor::Value& item, const std::string& what) {
  const cbor::Value& message =
      item.is_tag() && item.tag() == kCoseSign1Tag ? item.tag_content() : item;
  if (!message.is_array() || message.array().size() != 4) {
    return Invalid(what + ": a COSE_Sign1 must be an array of 4 items");
  }
  const cbor::Array& parts = message.array();
  if (!parts[0].is_bytes()) return Invalid(what + ": COSE_Sign1 protected must be a byte string");
  SCITT_RETURN_IF_ERROR(ExpectCborMap(parts[1], what + ": COSE_Sign1 unprotected"));
  if (parts[2].is_null()) return Invalid(what + ": the COSE_Sign1 payload is detached (nil)");
  if (!parts[2].is_bytes()) return Invalid(what + ": COSE_Sign1 payload must be a byte string");
  if (!parts[3].is_bytes()) return Invalid(what + ": COSE_Sign1 signature must be a byte string");

  Sign1Contents contents;
  contents.payload = parts[2].bytes();
  // RFC 9052 §3: "bstr .size 0" stands for an empty protected map. Headers are
  // small; a few items and levels are plenty (cose/sign1.h allows 2048 / 16).
  cbor::Value protected_map = cbor::Value::FromMap({});
  if (!parts[0].bytes().empty()) {
    cbor::DecodeOptions options;
    options.max_items = 2048;
    options.max_depth = 16;
    auto decoded = cbor::Decode(parts[0].bytes(), options);
    if (!decoded.ok()) {
      return MakeError(ErrorCode::kMalformed,
                       what + ": COSE_Sign1 protected header: " + decoded.error().message);
    }
    protected_map = std::move(*decoded);
    SCITT_RETURN_IF_ERROR(ExpectCborMap(protected_map, what + ": COSE_Sign1 protected header"));
  }
  if (const cbor::Value* alg = FindLabel(protected_map, 1); alg != nullptr) {
    if (alg->AsInt64()) {
      contents.alg = std::to_string(*alg->AsInt64());
    } else if (alg->is_text()) {
      contents.alg = alg->text();
    } else {
      return Invalid(what + ": COSE_Sign1 alg must be an integer or a text string");
    }
  }
  const cbor::Value* const header_maps[] = {&protected_map, &parts[1]};
  for (const cbor::Value* headers : header_maps) {
    const cbor::Value* kid = FindLabel(*headers, 4);
    if (kid == nullptr || !contents.kid.empty()) continue;
    if (!kid->is_bytes()) return Invalid(what + ": COSE_Sign1 kid must be a byte string");
    contents.kid = HexEncode(kid->bytes());
  }
  return contents;
}

}  // namespace scitt::evidence::internal
