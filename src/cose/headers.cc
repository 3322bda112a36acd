#include "cose/headers.h"

#include <string>

#include "cose/labels.h"

namespace scitt::cose {
namespace {

Error TypeError(const char* where, int64_t label, const char* expected) {
  std::string name = HeaderName(label);
  return MakeError(ErrorCode::kMalformed,
                   std::string(where) + " header " + std::to_string(label) +
                       (name.empty() ? "" : " (" + name + ")") + " must be " + expected);
}

// NumericDate (RFC 8392 §2); Microsoft signers wrap it in tag 1, which we
// accept on input and never emit.
std::optional<int64_t> NumericDate(const cbor::Value& v) {
  const cbor::Value* inner = &v;
  if (v.is_tag() && v.tag() == 1) inner = &v.tag_content();
  if (inner->is_integer()) return inner->AsInt64();
  if (inner->is_float()) {
    double d = inner->float_value();
    if (d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

bool IsLabel(const cbor::Value& v) { return v.is_integer() || v.is_text(); }

}  // namespace

const char* HeaderName(int64_t label) {
  switch (label) {
    case header::kAlg: return "alg";
    case header::kCrit: return "crit";
    case header::kContentType: return "content type";
    case header::kKid: return "kid";
    case header::kCwtClaims: return "CWT claims";
    case header::kTyp: return "typ";
    case header::kX5Bag: return "x5bag";
    case header::kX5Chain: return "x5chain";
    case header::kX5t: return "x5t";
    case header::kX5u: return "x5u";
    case header::kPayloadHashAlg: return "payload-hash-alg";
    case header::kPreimageContentType: return "preimage-content-type";
    case header::kPayloadLocation: return "payload-location";
    case header::kReceipts: return "receipts";
    case header::kVds: return "vds";
    case header::kVdp: return "vdp";
    default: return "";
  }
}

Result<CwtClaims> ParseCwtClaims(const cbor::Value& claims) {
  if (!claims.is_map()) {
    return MakeError(ErrorCode::kMalformed, "CWT claims (header 15) must be a map");
  }
  CwtClaims out;
  out.map = claims;
  for (const auto& [key, value] : claims.map()) {
    auto label = key.AsInt64();
    if (!label) continue;  // text-keyed private claims (e.g. "svn") are kept in `map`
    switch (*label) {
      case claim::kIss:
      case claim::kSub:
        if (!value.is_text()) {
          return MakeError(ErrorCode::kMalformed, std::string("CWT claim ") +
                                                      (*label == claim::kIss ? "iss" : "sub") +
                                                      " must be a text string");
        }
        (*label == claim::kIss ? out.iss : out.sub) = value.text();
        break;
      case claim::kIat:
      case claim::kExp:
      case claim::kNbf: {
        auto date = NumericDate(value);
        const char* name = *label == claim::kIat ? "iat" : *label == claim::kExp ? "exp" : "nbf";
        if (!date) {
          return MakeError(ErrorCode::kMalformed,
                           std::string("CWT claim ") + name + " must be a NumericDate");
        }
        (*label == claim::kIat ? out.iat : *label == claim::kExp ? out.exp : out.nbf) = *date;
        break;
      }
      case claim::kCnf: {
        const cbor::Value* key_value = value.is_map() ? value.Find(claim::kCnfCoseKey) : nullptr;
        if (!value.is_map()) {
          return MakeError(ErrorCode::kMalformed, "CWT claim cnf must be a map");
        }
        if (key_value != nullptr) {
          if (!key_value->is_map()) {
            return MakeError(ErrorCode::kMalformed, "CWT cnf COSE_Key (1) must be a map");
          }
          out.cnf_key = *key_value;
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Result<HeaderMap> ParseHeaderMap(const cbor::Value& map, const char* where) {
  if (!map.is_map()) {
    return MakeError(ErrorCode::kMalformed, std::string(where) + " header must be a map");
  }
  HeaderMap out;
  out.map = map;
  for (const auto& [key, value] : map.map()) {
    if (!IsLabel(key)) {
      return MakeError(ErrorCode::kMalformed,
                       std::string(where) + " header labels must be integers or text strings");
    }
    auto label = key.AsInt64();
    if (!label) continue;
    switch (*label) {
      case header::kAlg:
        // RFC 9052 §3.1: int or tstr; text algorithms are not supported here.
        if (!value.is_integer() || !value.AsInt64()) return TypeError(where, *label, "an integer");
        out.alg = *value.AsInt64();
        break;
      case header::kCrit:
        if (!value.is_array() || value.array().empty()) {
          return TypeError(where, *label, "a non-empty array of labels");
        }
        for (const auto& item : value.array()) {
          if (!IsLabel(item)) return TypeError(where, *label, "a non-empty array of labels");
          out.crit.push_back(item);
        }
        break;
      case header::kContentType:
      case header::kTyp:
      case header::kPreimageContentType:
        if (!value.is_text() && !value.is_unsigned()) {
          return TypeError(where, *label, "a text string or an unsigned integer");
        }
        (*label == header::kContentType ? out.content_type
         : *label == header::kTyp       ? out.typ
                                        : out.preimage_content_type) = value;
        break;
      case header::kKid:
        if (!value.is_bytes()) return TypeError(where, *label, "a byte string");
        out.kid = value.bytes();
        break;
      case header::kCwtClaims: {
        SCITT_ASSIGN_OR_RETURN(out.cwt, ParseCwtClaims(value));
        break;
      }
      case header::kX5Chain:
        // RFC 9360 §2: one certificate is a bare bstr, several an array.
        if (value.is_bytes()) {
          out.x5chain.push_back(value.bytes());
        } else if (value.is_array() && !value.array().empty()) {
          for (const auto& cert : value.array()) {
            if (!cert.is_bytes()) return TypeError(where, *label, "a byte string or an array of them");
            out.x5chain.push_back(cert.bytes());
          }
        } else {
          return TypeError(where, *label, "a byte string or a non-empty array of them");
        }
        break;
      case header::kX5t: {
        const auto* items = value.is_array() ? &value.array() : nullptr;
        if (items == nullptr || items->size() != 2 || !(*items)[0].AsInt64() ||
            !(*items)[1].is_bytes()) {
          return TypeError(where, *label, "[hash algorithm, thumbprint bytes]");
        }
        out.x5t = std::make_pair(*(*items)[0].AsInt64(), (*items)[1].bytes());
        break;
      }
      case header::kPayloadHashAlg:
        if (!value.is_integer() || !value.AsInt64()) return TypeError(where, *label, "an integer");
        out.payload_hash_alg = *value.AsInt64();
        break;
      case header::kPayloadLocation:
        if (!value.is_text()) return TypeError(where, *label, "a text string");
        out.payload_location = value.text();
        break;
      case header::kVds:
        if (!value.is_integer() || !value.AsInt64()) return TypeError(where, *label, "an integer");
        out.vds = *value.AsInt64();
        break;
      case header::kReceipts:
        // RFC 9942 CDDL: [+ bstr .cbor Receipt]; the arch CDDL's unwrapped
        // form is accepted too (DESIGN.md §3).
        if (!value.is_array() || value.array().empty()) {
          return TypeError(where, *label, "a non-empty array of receipts");
        }
        for (const auto& receipt : value.array()) {
          if (receipt.is_bytes()) {
            out.receipts.push_back(receipt.bytes());
          } else if (receipt.is_tag() || receipt.is_array()) {
            out.receipts.emplace_back(receipt.raw().begin(), receipt.raw().end());
          } else {
            return TypeError(where, *label, "an array of receipts (byte strings)");
          }
        }
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace scitt::cose
