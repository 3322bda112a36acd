// COSE_Key (RFC 9052 §7, RFC 9053 §7, RFC 8230 §4) and COSE_KeySet: public
// keys to and from their CBOR form, and key sets in every format this
// project reads. The keys themselves (crypto::PublicKey) know no CBOR
// (DESIGN.md §2).
#pragma once

#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/value.h"
#include "crypto/algorithm.h"
#include "crypto/key.h"

namespace scitt::cose {

// A COSE_Key map (kty 1/2/3). Checks member types, exact lengths (EC2 x and
// y are bstr of the coordinate size; compressed y is kUnsupported), that the
// point is on the curve, minimal RSA n/e (RFC 8230 §4), and that kid is a
// bstr and alg an int or tstr when present. Ignores `d`, kid and alg.
Result<crypto::PublicKey> PublicKeyFromCoseKey(const cbor::Value& cose_key);

// The key with its kid (empty when absent) and alg, which must name a
// supported signature algorithm (kUnsupported otherwise). Whether the key
// fits that alg is crypto::CheckAlgFits.
Result<crypto::KeyWithId> KeyWithIdFromCoseKey(const cbor::Value& cose_key);

// COSE_Key with the required public members; kid and alg added when given.
// An empty key gives an empty map.
cbor::Value ToCoseKey(const crypto::PublicKey& key, std::optional<ByteView> kid = std::nullopt,
                      std::optional<crypto::Algorithm> alg = std::nullopt);

// A key set in any format we read. Detects the format: JSON ('{' after
// leading whitespace: JWKS or one JWK), CBOR when the first byte is an array
// or map head (COSE_KeySet or one COSE_Key), PEM text when it contains
// "-----BEGIN" (PUBLIC KEY and CERTIFICATE blocks; any other block is
// refused), otherwise CBOR. A JWK kid string becomes its UTF-8 bytes; a
// COSE_Key kid must be a bstr. An alg member must name a supported algorithm
// that fits the key. Loading (and any alg check) fails on the first bad key,
// naming its index; an empty set is an error.
Result<std::vector<crypto::KeyWithId>> ParseKeySet(ByteView data);

}  // namespace scitt::cose
