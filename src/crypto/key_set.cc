// Key sets from PEM and JWKS/JWK JSON, and the rule that a member's alg must
// fit its key. CBOR COSE_KeySets and the format detection over all three are
// cose::ParseKeySet (cose/cose_key.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/key.h"
#include "crypto/key_internal.h"
#include "crypto/openssl_util.h"
#include "crypto/x509.h"

namespace scitt::crypto {
using namespace internal;

namespace {

using json = nlohmann::json;

Result<KeyWithId> Checked(Result<KeyWithId> member) {
  if (member.ok()) SCITT_RETURN_IF_ERROR(CheckAlgFits(*member));
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

}  // namespace

Status CheckAlgFits(const KeyWithId& member) {
  if (member.alg) {
    if (auto why = Misfit(member.key.evp(), *member.alg)) {
      return MakeError(ErrorCode::kInvalidArgument, "key does not fit its alg: " + *why);
    }
  }
  return Status::Ok();
}

Result<std::vector<KeyWithId>> ParsePemKeySet(ByteView data) {
  SCITT_ASSIGN_OR_RETURN(auto keys, KeySetFromPem(data));
  if (keys.empty()) return MakeError(ErrorCode::kMalformed, "the key set has no keys");
  return keys;
}

Result<std::vector<KeyWithId>> ParseJwkSet(ByteView data) {
  Result<std::vector<KeyWithId>> keys = std::vector<KeyWithId>{};
  try {
    keys = KeySetFromJson(data);
  } catch (const json::exception& e) {
    keys = MakeError(ErrorCode::kMalformed, std::string("invalid JWKS: ") + e.what());
  }
  if (keys.ok() && keys->empty()) return MakeError(ErrorCode::kMalformed, "the key set has no keys");
  return keys;
}

}  // namespace scitt::crypto
