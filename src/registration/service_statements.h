// Statements the service registers itself (RFC 9943: the trust configuration
// and the registration policy in force are log entries, so an auditor can
// replay every decision). Their subjects and payload formats are written here
// once, for the service that registers them and the auditor that reads them
// back (`scitt log verify`).
//
// A service statement is a COSE_Sign1 signed with the receipt key: protected
// {alg, content type "application/json", kid, CWT {iss: service URL, sub:
// subject, iat}}, payload the canonical JSON of the document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"
#include "crypto/key.h"
#include "log/transparency_log.h"
#include "registration/registrar.h"

namespace scitt::registration {

// What a kind of service statement is called in the log and in the store's
// meta (where the digest and entry of its latest version are kept).
struct ServiceStatementKind {
  const char* subject;   // CWT sub
  const char* meta_key;  // meta "<key>.sha256" and "<key>.index"
};
inline constexpr ServiceStatementKind kTrustConfiguration{"urn:scitt:trust-configuration", "trust"};
inline constexpr ServiceStatementKind kRegistrationPolicy{"urn:scitt:registration-policy", "policy"};

// Admission verdicts (docs/deployment-gates.md): statements the service
// signs about an image (CWT sub: its digest) with this payload content
// type, registered by its deployment gates. An auditor recognises them by
// this type and a service key, as it recognises the kinds above by subject.
inline constexpr std::string_view kAdmissionVerdictContentType = "application/vnd.scitt.admission-verdict+json";

// The service's signing identity for its own statements.
struct ServiceSigner {
  const crypto::PrivateKey* key = nullptr;  // the receipt key
  crypto::Algorithm alg = crypto::Algorithm::kES256;
  Bytes kid;
  std::string issuer;  // the service URL
};

Result<Bytes> SignServiceStatement(const ServiceSigner& signer, std::string_view subject,
                                   std::string_view json, int64_t iat,
                                   std::string_view content_type = "application/json");

// A service statement as the log entry to submit (registered at `iat`).
Result<log::LogEntry> ServiceStatementEntry(const ServiceSigner& signer, std::string_view subject,
                                            std::string_view json, int64_t iat,
                                            std::string_view content_type = "application/json");

// Registers `json` as the latest version of `kind` unless the latest
// registered version (recorded in the log's meta) is byte-identical; returns
// the entry of the version in force. Waits until the entry is durable: call
// it at start-up, before serving.
Result<uint64_t> RegisterIfChanged(log::TransparencyLog& log, const ServiceSigner& signer,
                                   const ServiceStatementKind& kind, const std::string& json,
                                   uint64_t policy_index, int64_t now);

// The trust configuration back from TrustConfig::CanonicalJson's document.
Result<TrustConfig> ParseTrustConfig(ByteView json);

}  // namespace scitt::registration
