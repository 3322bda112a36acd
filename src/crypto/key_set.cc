// Key sets: ParseKeySet, its format detection (PEM, JWKS/JWK JSON, CBOR
// COSE_KeySet/COSE_Key) and the rule that a member's alg must fit its key.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cbor/decoder.h"
#include "crypto/key.h"
#include "crypto/key_internal.h"
#include "crypto/openssl_util.h"
#include "crypto/x509.h"

namespace scitt::crypto {
using namespace internal;

namespace {

using json = nlohmann::json;

// When a member names an alg the key must fit it. An alg we do not know was
// already refused rather than ignored, because ignoring it would widen what
// the key may verify.
Result<KeyWithId> Checked(Result<KeyWithId> member) {
  if (member.ok() && member->alg) {
    if (auto why = Misfit(member->key.evp(), *member->alg)) {
      return MakeError(ErrorCode::kInvalidArgument, "key does not fit its alg: " + *why);
    }
  }
  return member;
}

// Loads every item of `items` with `load`; the first failure names its index
// as "`what` key <i>: …".
template <typename Items, typename Load>
Result<std::vector<KeyWithId>> LoadEach(const Items& items, const char* what, Load load) {
  std::vector<KeyWithId> keys;
  for (size_t i = 0; i < items.size(); ++i) {
    auto key = Checked(load(items[i]));
    if (!key.ok()) {
      return MakeError(key.error().code,
                       std::string(what) + " key " + std::to_string(i) + ": " + key.error().message);
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<std::vector<KeyWithId>> KeySetFromPem(ByteView data) {
  std::vector<KeyWithId> keys;
  SCITT_RETURN_IF_ERROR(ForEachPemBlock(data, [&](const PemBlock& block) -> Status {
    std::string where = "PEM block " + std::to_string(block.number) + ": ";
    if (block.label == "PUBLIC KEY") {
      auto key = PublicKey::FromSpkiDer(block.body);
      if (!key.ok()) return MakeError(key.error().code, where + key.error().message);
      keys.push_back({std::move(*key), {}, std::nullopt});
    } else if (block.label == "CERTIFICATE") {
      auto cert = Certificate::FromDer(block.body);
      if (!cert.ok()) return MakeError(cert.error().code, where + cert.error().message);
      PublicKey key = cert->public_key();
      if (!key.valid()) {
        return MakeError(ErrorCode::kUnsupported,
                         where + "the certificate's public key type is not supported");
      }
      keys.push_back({std::move(key), {}, std::nullopt});
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       where + "\"" + std::string(block.label) +
                           "\" is not allowed in a key set (use PUBLIC KEY or CERTIFICATE)");
    }
    return Status::Ok();
  }));
  return keys;
}

Result<std::vector<KeyWithId>> KeySetFromJson(ByteView data) {
  json doc = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, "key set is not a JSON object (JWKS or JWK)");
  }
  if (!doc.contains("keys")) {
    SCITT_ASSIGN_OR_RETURN(KeyWithId key, Checked(KeyWithIdFromJwk(doc)));
    return std::vector<KeyWithId>{std::move(key)};
  }
  const json& list = doc["keys"];
  if (!list.is_array()) return MakeError(ErrorCode::kMalformed, "JWKS \"keys\" must be an array");
  return LoadEach(list, "JWKS", KeyWithIdFromJwk);
}

Result<std::vector<KeyWithId>> KeySetFromCbor(ByteView data) {
  auto decoded = cbor::Decode(data);
  if (!decoded.ok()) {
    return MakeError(ErrorCode::kMalformed,
                     "key set is not PEM, JSON or CBOR: " + decoded.error().message);
  }
  if (decoded->is_map()) {
    SCITT_ASSIGN_OR_RETURN(KeyWithId key, Checked(KeyWithIdFromCoseKey(*decoded)));
    return std::vector<KeyWithId>{std::move(key)};
  }
  if (!decoded->is_array()) {
    return MakeError(ErrorCode::kMalformed,
                     "CBOR key set must be a COSE_KeySet (array) or a COSE_Key (map)");
  }
  return LoadEach(decoded->array(), "COSE_KeySet", KeyWithIdFromCoseKey);
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
  Result<std::vector<KeyWithId>> keys = std::vector<KeyWithId>{};
  if (first == '{') {
    try {
      keys = KeySetFromJson(data);
    } catch (const json::exception& e) {
      keys = MakeError(ErrorCode::kMalformed, std::string("invalid JWKS: ") + e.what());
    }
  } else if (!cbor_container && text.find("-----BEGIN") != std::string_view::npos) {
    keys = KeySetFromPem(data);
  } else {
    keys = KeySetFromCbor(data);
  }
  if (keys.ok() && keys->empty()) return MakeError(ErrorCode::kMalformed, "the key set has no keys");
  return keys;
}

}  // namespace scitt::crypto
