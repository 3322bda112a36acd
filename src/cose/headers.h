// Typed access to COSE header maps and the CWT claims inside them.
//
// ParseHeaderMap checks the type of every parameter it knows and keeps the
// rest untouched in `map`, so a statement with extra labels still parses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/value.h"

namespace scitt::cose {

// CWT claims (RFC 8392) carried in header 15 (RFC 9597).
struct CwtClaims {
  std::optional<std::string> iss;
  std::optional<std::string> sub;
  std::optional<int64_t> iat;  // NumericDate; a tag-1 wrapped value is accepted
  std::optional<int64_t> exp;
  std::optional<int64_t> nbf;
  std::optional<cbor::Value> cnf_key;  // cnf (8) → COSE_Key (1), RFC 8747
  cbor::Value map;                     // all claims as received
};

struct HeaderMap {
  std::optional<int64_t> alg;
  std::vector<cbor::Value> crit;                 // labels (int or text)
  std::optional<cbor::Value> content_type;       // tstr or uint
  std::optional<Bytes> kid;
  std::optional<CwtClaims> cwt;
  std::optional<cbor::Value> typ;                // tstr or uint
  std::vector<Bytes> x5chain;                    // DER certificates, leaf first
  std::optional<std::pair<int64_t, Bytes>> x5t;  // (hash alg, thumbprint)
  std::optional<int64_t> payload_hash_alg;
  std::optional<cbor::Value> preimage_content_type;
  std::optional<std::string> payload_location;
  std::optional<int64_t> vds;
  // Header 394: each receipt as encoded bytes (bstr-wrapped on the wire;
  // unwrapped tagged receipts are accepted and kept as their raw bytes).
  std::vector<Bytes> receipts;
  cbor::Value map;  // the whole map as received

  bool has(int64_t label) const { return map.Find(label) != nullptr; }
};

// Checks the types of the known parameters of one header bucket.
// `where` names the bucket in error messages ("protected", "unprotected").
Result<HeaderMap> ParseHeaderMap(const cbor::Value& map, const char* where);

Result<CwtClaims> ParseCwtClaims(const cbor::Value& claims);

// A readable name for a header label ("alg", "kid", "x5chain", …) or "" .
const char* HeaderName(int64_t label);

}  // namespace scitt::cose
