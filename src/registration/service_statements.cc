#include "registration/service_statements.h"

#include <future>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "cbor/value.h"
#include "cose/cose_key.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"

namespace scitt::registration {

Result<Bytes> SignServiceStatement(const ServiceSigner& signer, std::string_view subject,
                                   std::string_view json, int64_t iat, std::string_view content_type) {
  cbor::Value claims = cbor::Value::FromMap({
      cbor::Entry(cose::claim::kIss, cbor::Value::Text(signer.issuer)),
      cbor::Entry(cose::claim::kSub, cbor::Value::Text(subject)),
      cbor::Entry(cose::claim::kIat, cbor::Value::Int(iat)),
  });
  cose::Sign1Content content;
  content.protected_map = cbor::Value::FromMap({
      cbor::Entry(cose::header::kAlg, cbor::Value::Int(crypto::CoseId(signer.alg))),
      cbor::Entry(cose::header::kContentType, cbor::Value::Text(content_type)),
      cbor::Entry(cose::header::kKid, cbor::Value::ByteString(signer.kid)),
      cbor::Entry(cose::header::kCwtClaims, std::move(claims)),
  });
  content.payload = AsBytes(json);
  return cose::SignSign1(content, *signer.key);
}

Result<log::LogEntry> ServiceStatementEntry(const ServiceSigner& signer, std::string_view subject,
                                            std::string_view json, int64_t iat, std::string_view content_type) {
  SCITT_ASSIGN_OR_RETURN(Bytes statement, SignServiceStatement(signer, subject, json, iat, content_type));
  SCITT_ASSIGN_OR_RETURN(cose::Sign1 parsed, cose::Sign1::Parse(statement));
  log::LogEntry entry;
  entry.entry_hash = cose::LogEntry(parsed);
  entry.signed_content = cose::SignedContent(parsed);
  entry.statement = std::move(statement);
  entry.registered_at = iat;
  return entry;
}

Result<uint64_t> RegisterIfChanged(log::TransparencyLog& log, const ServiceSigner& signer,
                                   const ServiceStatementKind& kind, const std::string& json,
                                   uint64_t policy_index, int64_t now) {
  const std::string digest_key = std::string(kind.meta_key) + ".sha256";
  const std::string index_key = std::string(kind.meta_key) + ".index";
  const std::string digest = HexEncode(crypto::Sha256(AsBytes(json)));
  SCITT_ASSIGN_OR_RETURN(auto stored_digest, log.Meta(digest_key));
  SCITT_ASSIGN_OR_RETURN(auto stored_index, log.Meta(index_key));
  if (stored_digest && stored_index && *stored_digest == digest) {
    if (auto index = ParseDecimal(*stored_index)) return *index;
    return MakeError(ErrorCode::kIo, "the store's meta " + index_key + " is not a number: \"" + *stored_index + "\"");
  }

  SCITT_ASSIGN_OR_RETURN(log::LogEntry entry, ServiceStatementEntry(signer, kind.subject, json, now));
  entry.policy_index = policy_index;
  std::promise<Result<log::Appended>> done;
  auto appended_future = done.get_future();
  log.Submit(std::move(entry), [&done](Result<log::Appended> r) { done.set_value(std::move(r)); });
  SCITT_ASSIGN_OR_RETURN(log::Appended appended, appended_future.get());

  SCITT_RETURN_IF_ERROR(log.PutMeta(index_key, std::to_string(appended.index)));
  SCITT_RETURN_IF_ERROR(log.PutMeta(digest_key, digest));
  return appended.index;
}

Result<TrustConfig> ParseTrustConfig(ByteView json) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, "trust configuration is not a JSON object");
  }
  TrustConfig trust;
  const auto self_asserted = doc.find("allow_self_asserted");
  if (self_asserted != doc.end()) {
    if (!self_asserted->is_boolean()) return MakeError(ErrorCode::kMalformed, "allow_self_asserted is not a boolean");
    trust.allow_self_asserted = self_asserted->get<bool>();
  }
  const auto anchors = doc.find("trust_anchors");
  if (anchors != doc.end()) {
    if (!anchors->is_array()) return MakeError(ErrorCode::kMalformed, "trust_anchors is not an array");
    for (const auto& der64 : *anchors) {
      auto der = der64.is_string() ? Base64Decode(der64.get<std::string>()) : std::nullopt;
      if (!der) return MakeError(ErrorCode::kMalformed, "trust anchor is not base64");
      SCITT_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::FromDer(*der));
      trust.trust_anchors.push_back(std::move(cert));
    }
  }
  const auto keys = doc.find("issuer_keys");
  if (keys != doc.end()) {
    if (!keys->is_array()) return MakeError(ErrorCode::kMalformed, "issuer_keys is not an array");
    if (!keys->empty()) {
      const std::string jwks = nlohmann::json{{"keys", *keys}}.dump();
      SCITT_ASSIGN_OR_RETURN(trust.issuer_keys, cose::ParseKeySet(AsBytes(jwks)));
    }
  }
  return trust;
}

}  // namespace scitt::registration
