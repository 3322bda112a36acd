// cose::ParseKeySet: format detection over PEM, JWKS/JWK JSON (both read by
// crypto) and CBOR COSE_KeySet/COSE_Key (read here).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cbor/decoder.h"
#include "cose/cose_key.h"

namespace scitt::cose {
namespace {

using crypto::KeyWithId;

Result<KeyWithId> CheckedMember(const cbor::Value& cose_key) {
  SCITT_ASSIGN_OR_RETURN(KeyWithId member, KeyWithIdFromCoseKey(cose_key));
  SCITT_RETURN_IF_ERROR(crypto::CheckAlgFits(member));
  return member;
}

Result<std::vector<KeyWithId>> KeySetFromCbor(ByteView data) {
  auto decoded = cbor::Decode(data);
  if (!decoded.ok()) {
    return MakeError(ErrorCode::kMalformed,
                     "key set is not PEM, JSON or CBOR: " + decoded.error().message);
  }
  if (decoded->is_map()) {
    SCITT_ASSIGN_OR_RETURN(KeyWithId key, CheckedMember(*decoded));
    return std::vector<KeyWithId>{std::move(key)};
  }
  if (!decoded->is_array()) {
    return MakeError(ErrorCode::kMalformed,
                     "CBOR key set must be a COSE_KeySet (array) or a COSE_Key (map)");
  }
  // The first failure names its index.
  std::vector<KeyWithId> keys;
  const cbor::Array& items = decoded->array();
  for (size_t i = 0; i < items.size(); ++i) {
    auto key = CheckedMember(items[i]);
    if (!key.ok()) {
      return MakeError(key.error().code,
                       "COSE_KeySet key " + std::to_string(i) + ": " + key.error().message);
    }
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return MakeError(ErrorCode::kMalformed, "the key set has no keys");
  return keys;
}

}  // namespace

Result<std::vector<KeyWithId>> ParseKeySet(ByteView data) {
  size_t start = 0;
  while (start < data.size() &&
         (data[start] == ' ' || data[start] == '\t' || data[start] == '\r' || data[start] == '\n')) {
    ++start;
  }
  if (start == data.size()) return MakeError(ErrorCode::kMalformed, "the key set is empty");
  // A CBOR array or map head is 0x80..0xbf, never text; PEM files may carry
  // text (such as "subject=…") before the first block.
  uint8_t first = data[start];
  bool cbor_container = first >= 0x80 && first <= 0xbf;
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (first == '{') return crypto::ParseJwkSet(data);
  if (!cbor_container && text.find("-----BEGIN") != std::string_view::npos) {
    return crypto::ParsePemKeySet(data);
  }
  return KeySetFromCbor(data);
}

}  // namespace scitt::cose
