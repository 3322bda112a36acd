#include "cose/service_keys.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cose/cose_key.h"
#include "crypto/hash.h"
#include "crypto/x509.h"

namespace scitt::cose {
namespace {

bool Equal(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// microsoft/scitt-ccf-ledger trust store: service certificates, base64 DER.
Result<std::vector<ServiceKey>> ParseCcfTrustStore(const nlohmann::json& doc) {
  std::vector<ServiceKey> keys;
  for (const auto& param : doc["parameters"]) {
    if (!param.is_object() || !param.contains("serviceCertificate") ||
        !param["serviceCertificate"].is_string()) {
      return MakeError(ErrorCode::kMalformed, "trust store entry has no serviceCertificate string");
    }
    auto der = Base64Decode(param["serviceCertificate"].get<std::string>());
    if (!der) return MakeError(ErrorCode::kMalformed, "trust store serviceCertificate is not base64");
    SCITT_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::FromDer(*der));
    keys.push_back(ServiceKey{cert.public_key(), {}});
  }
  if (keys.empty()) return MakeError(ErrorCode::kMalformed, "trust store has no parameters");
  return keys;
}

}  // namespace

Result<std::vector<ServiceKey>> ParseServiceKeys(ByteView data) {
  if (!data.empty() && data[0] == '{') {
    auto doc = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("parameters") &&
        doc["parameters"].is_array()) {
      return ParseCcfTrustStore(doc);
    }
  }
  SCITT_ASSIGN_OR_RETURN(auto parsed, ParseKeySet(data));
  std::vector<ServiceKey> keys;
  for (auto& k : parsed) keys.push_back(ServiceKey{std::move(k.key), std::move(k.kid)});
  if (keys.empty()) return MakeError(ErrorCode::kMalformed, "no keys found");
  return keys;
}

const ServiceKey* FindServiceKey(const std::vector<ServiceKey>& keys, ByteView kid) {
  for (const auto& k : keys) {
    if (!k.kid.empty() && Equal(k.kid, kid)) return &k;
  }
  for (const auto& k : keys) {
    auto thumbprint = k.key.Thumbprint();
    if (Equal(thumbprint, kid)) return &k;
    // CCF: kid = ASCII hex of SHA-256(DER SubjectPublicKeyInfo).
    std::string ccf_kid = HexEncode(crypto::Sha256(k.key.ToSpkiDer()));
    if (Equal(AsBytes(ccf_kid), kid)) return &k;
  }
  return nullptr;
}

}  // namespace scitt::cose
