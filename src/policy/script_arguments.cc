#include "policy/script_arguments.h"

#include <cmath>
#include <limits>

#include "base/bytes.h"
#include "cbor/encoder.h"
#include "cose/labels.h"
#include "crypto/algorithm.h"

namespace scitt::policy {
namespace {

// Integers JavaScript numbers hold exactly (Number.MAX_SAFE_INTEGER).
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

nlohmann::json IntegerToScriptValue(const cbor::Value& value) {
  if (auto v = value.AsInt64(); v && *v >= -kMaxSafeInteger && *v <= kMaxSafeInteger) return *v;
  if (value.is_unsigned()) return std::to_string(value.argument());
  // -1 - n, below the int64 range or beyond 2^53.
  uint64_t n = value.argument();
  if (n == std::numeric_limits<uint64_t>::max()) return "-18446744073709551616";
  std::string magnitude = std::to_string(n + 1);
  magnitude.insert(magnitude.begin(), '-');
  return magnitude;
}

std::string KeyText(const cbor::Value& key) {
  if (key.is_text()) return key.text();
  if (key.is_integer()) {
    nlohmann::json v = IntegerToScriptValue(key);
    return v.is_string() ? v.get<std::string>() : std::to_string(v.get<int64_t>());
  }
  return cbor::Diagnostic(key);
}

// Adds `key` unless an earlier entry already used the same text (a text
// label "4" next to the integer label 4): the first one wins.
void AddMember(nlohmann::json* object, const std::string& key, nlohmann::json value) {
  if (!object->contains(key)) (*object)[key] = std::move(value);
}

const char* ClaimName(int64_t label) {
  switch (label) {
    case cose::claim::kIss:
      return "iss";
    case cose::claim::kSub:
      return "sub";
    case cose::claim::kAud:
      return "aud";
    case cose::claim::kExp:
      return "exp";
    case cose::claim::kNbf:
      return "nbf";
    case cose::claim::kIat:
      return "iat";
    case cose::claim::kCti:
      return "cti";
    case cose::claim::kCnf:
      return "cnf";
    default:
      return nullptr;
  }
}

const char* HeaderScriptName(int64_t label) {
  switch (label) {
    case cose::header::kAlg:
      return "alg";
    case cose::header::kCrit:
      return "crit";
    case cose::header::kContentType:
      return "cty";
    case cose::header::kKid:
      return "kid";
    case cose::header::kTyp:
      return "typ";
    default:
      return nullptr;
  }
}

nlohmann::json ClaimsToScriptObject(const cbor::Value& claims) {
  if (!claims.is_map()) return CborToScriptValue(claims);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : claims.map()) {
    auto label = key.AsInt64();
    const char* name = label ? ClaimName(*label) : nullptr;
    AddMember(&out, name != nullptr ? name : KeyText(key), CborToScriptValue(value));
  }
  return out;
}

nlohmann::json ChainToScriptValue(const cbor::Value& chain) {
  nlohmann::json out = nlohmann::json::array();
  if (chain.is_bytes()) {
    out.push_back(Base64Encode(chain.bytes()));
  } else if (chain.is_array()) {
    for (const auto& cert : chain.array()) {
      out.push_back(cert.is_bytes() ? nlohmann::json(Base64Encode(cert.bytes()))
                                    : CborToScriptValue(cert));
    }
  }
  return out;
}

}  // namespace

nlohmann::json CborToScriptValue(const cbor::Value& value) {
  switch (value.type()) {
    case cbor::Value::Type::kUnsigned:
    case cbor::Value::Type::kNegative:
      return IntegerToScriptValue(value);
    case cbor::Value::Type::kBytes:
      return HexEncode(value.bytes());
    case cbor::Value::Type::kText:
      return value.text();
    case cbor::Value::Type::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : value.array()) out.push_back(CborToScriptValue(item));
      return out;
    }
    case cbor::Value::Type::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : value.map())
        AddMember(&out, KeyText(key), CborToScriptValue(item));
      return out;
    }
    case cbor::Value::Type::kTag:
      return CborToScriptValue(value.tag_content());
    case cbor::Value::Type::kFloat:
      return std::isfinite(value.float_value()) ? nlohmann::json(value.float_value()) : nullptr;
    case cbor::Value::Type::kSimple:
      if (value.is_bool()) return value.bool_value();
      return nullptr;
    case cbor::Value::Type::kEncoded:
      return HexEncode(value.encoded());
  }
  return nullptr;
}

nlohmann::json HeaderMapToScriptObject(const cose::HeaderMap& headers) {
  nlohmann::json out = nlohmann::json::object();
  if (!headers.map.is_map()) return out;
  for (const auto& [key, value] : headers.map.map()) {
    auto label = key.AsInt64();
    if (label == cose::header::kCwtClaims) {
      AddMember(&out, "cwt", ClaimsToScriptObject(value));
    } else if (label == cose::header::kX5Chain) {
      AddMember(&out, "x5chain", ChainToScriptValue(value));
    } else if (const char* name = label ? HeaderScriptName(*label) : nullptr) {
      AddMember(&out, name, CborToScriptValue(value));
    } else {
      AddMember(&out, KeyText(key), CborToScriptValue(value));
    }
  }
  return out;
}

std::string ScriptArgumentsJson(const StatementFacts& facts) {
  nlohmann::json phdr = nlohmann::json::object();
  nlohmann::json uhdr = nlohmann::json::object();
  nlohmann::json payload = {{"size", facts.payload_size}};
  if (facts.statement != nullptr) {
    phdr = HeaderMapToScriptObject(facts.statement->protected_headers());
    uhdr = HeaderMapToScriptObject(facts.statement->unprotected_headers());
    auto bytes = facts.statement->payload();
    if (bytes && bytes->size() <= kScriptPayloadHexLimit) payload["hex"] = HexEncode(*bytes);
  }
  nlohmann::json details = {
      {"identity", facts.identity},
      {"issuer", facts.issuer},
      {"subject", facts.subject},
      {"hash_envelope", facts.hash_envelope},
  };
  if (auto alg = crypto::AlgorithmFromCose(facts.alg)) {
    details["alg"] = std::string(crypto::AlgorithmName(*alg));
  }
  if (facts.content_type) details["content_type"] = *facts.content_type;
  if (facts.preimage_content_type) details["preimage_content_type"] = *facts.preimage_content_type;
  nlohmann::json arguments = nlohmann::json::array({phdr, uhdr, payload, details});
  // Text from the CBOR decoder is valid UTF-8; replace rather than throw for
  // anything else so no exception leaves the layer.
  return arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace scitt::policy
