// The RFC 9290 titles the registration pipeline refuses with, in one place
// (private to the registration layer). SCRAPI (draft-ietf-scitt-scrapi §2.1)
// names "Malformed request", "Bad Signature Algorithm", "Confirmation
// Missing", "Payload Missing" and "Rejected"; the others are ours and say
// which identity check failed.
#pragma once

#include <string>

#include "registration/registrar.h"

namespace scitt::registration::title {
inline constexpr char kTooLarge[] = "Payload Too Large";
inline constexpr char kMalformed[] = "Malformed request";
inline constexpr char kConfirmationMissing[] = "Confirmation Missing";
inline constexpr char kUnsupportedCritical[] = "Unsupported Critical Header";
inline constexpr char kBadAlgorithm[] = "Bad Signature Algorithm";
inline constexpr char kPayloadMissing[] = "Payload Missing";
inline constexpr char kUntrustedChain[] = "Untrusted Certificate Chain";
inline constexpr char kUnknownCertificate[] = "Unknown Issuer Certificate";
inline constexpr char kIssuerMismatch[] = "Issuer Mismatch";
inline constexpr char kUnknownKey[] = "Unknown Issuer Key";
inline constexpr char kSelfAssertedNotAllowed[] = "Self-Asserted Key Not Allowed";
inline constexpr char kInconsistentIdentity[] = "Inconsistent Identity";
inline constexpr char kBadSignature[] = "Bad Signature";
inline constexpr char kRejected[] = "Rejected";
}  // namespace scitt::registration::title

namespace scitt::registration {

inline Refusal Refuse(const char* title, std::string detail, const char* reason,
                      RefusalCode code = RefusalCode::kInvalid) {
  return Refusal{code, title, std::move(detail), reason};
}

}  // namespace scitt::registration
