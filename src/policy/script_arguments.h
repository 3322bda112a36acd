// The arguments a policy script's apply(phdr, uhdr, payload, details) sees,
// built from a statement (private to the policy layer; docs/policy.md shows
// an example).
//
// Header maps become objects: "alg" (COSE number), "crit", "kid" (hex),
// "cty", "typ", "cwt" (claims by name: iss, sub, aud, exp, nbf, iat, cti, cnf;
// others by their decimal or text key), "x5chain" (array of base64 DER,
// leaf first), and every other label under its decimal (or text) key. Values
// map from CBOR as: byte strings → lowercase hex, integers → numbers (a
// decimal string beyond ±2^53, which JavaScript cannot hold exactly), tags →
// their content, undefined and non-finite floats → null.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cbor/value.h"
#include "cose/headers.h"
#include "policy/registration_policy.h"

namespace scitt::policy {

// Payloads up to this size are passed as hex; larger ones by size only.
inline constexpr size_t kScriptPayloadHexLimit = 64 * 1024;

nlohmann::json CborToScriptValue(const cbor::Value& value);
nlohmann::json HeaderMapToScriptObject(const cose::HeaderMap& headers);

// JSON text of [phdr, uhdr, payload, details] where payload is
// {"size": n, "hex": "…" (only when n ≤ kScriptPayloadHexLimit)} and details
// is {"identity", "issuer", "subject", "hash_envelope", "alg" (name),
// "content_type" / "preimage_content_type" (when present)}.
std::string ScriptArgumentsJson(const StatementFacts& facts);

}  // namespace scitt::policy
