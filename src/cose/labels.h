// COSE and CWT labels and media types used by SCITT, in one place.
#pragma once

#include <cstdint>

namespace scitt::cose {

// COSE header parameters (RFC 9052 §3.1, IANA "COSE Header Parameters").
namespace header {
constexpr int64_t kAlg = 1;
constexpr int64_t kCrit = 2;
constexpr int64_t kContentType = 3;
constexpr int64_t kKid = 4;
constexpr int64_t kCwtClaims = 15;          // RFC 9597
constexpr int64_t kTyp = 16;                // RFC 9596
constexpr int64_t kX5Bag = 32;              // RFC 9360
constexpr int64_t kX5Chain = 33;            // RFC 9360: leaf first
constexpr int64_t kX5t = 34;                // RFC 9360: [hash alg, thumbprint]
constexpr int64_t kX5u = 35;                // RFC 9360
constexpr int64_t kPayloadHashAlg = 258;    // RFC 9995 hash envelope
constexpr int64_t kPreimageContentType = 259;
constexpr int64_t kPayloadLocation = 260;
constexpr int64_t kReceipts = 394;          // RFC 9943: receipts in a transparent statement
constexpr int64_t kVds = 395;               // RFC 9942: verifiable data structure
constexpr int64_t kVdp = 396;               // RFC 9942: verifiable data structure proofs
}  // namespace header

// CWT claims (RFC 8392 §3.1, RFC 8747 §3.1).
namespace claim {
constexpr int64_t kIss = 1;
constexpr int64_t kSub = 2;
constexpr int64_t kAud = 3;
constexpr int64_t kExp = 4;
constexpr int64_t kNbf = 5;
constexpr int64_t kIat = 6;
constexpr int64_t kCti = 7;
constexpr int64_t kCnf = 8;
constexpr int64_t kCnfCoseKey = 1;  // inside cnf (RFC 8747 §3.2)
}  // namespace claim

// COSE_Key parameters (RFC 9052 §7.1, RFC 9053 §7.1, RFC 8230 §4).
namespace key_param {
constexpr int64_t kKty = 1;
constexpr int64_t kKid = 2;
constexpr int64_t kAlg = 3;
constexpr int64_t kCrv = -1;  // OKP, EC2
constexpr int64_t kX = -2;    // OKP, EC2
constexpr int64_t kY = -3;    // EC2
constexpr int64_t kN = -1;    // RSA
constexpr int64_t kE = -2;    // RSA
}  // namespace key_param

// Verifiable data structures (RFC 9942 §9 registry) and their proof types.
namespace vds {
constexpr int64_t kRfc9162Sha256 = 1;
constexpr int64_t kCcfLedgerSha256 = 2;  // draft-ietf-scitt-receipts-ccf-profile
constexpr int64_t kInclusionProofs = -1;
constexpr int64_t kConsistencyProofs = -2;
}  // namespace vds

constexpr uint64_t kSign1Tag = 18;  // RFC 9052 §4.2

namespace media_type {
constexpr const char* kCose = "application/cose";
constexpr const char* kStatement = "application/scitt-statement+cose";
constexpr const char* kReceipt = "application/scitt-receipt+cose";
constexpr const char* kCbor = "application/cbor";
constexpr const char* kProblemDetails = "application/concise-problem-details+cbor";
}  // namespace media_type

}  // namespace scitt::cose
