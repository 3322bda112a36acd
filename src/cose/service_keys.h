// The keys a relying party trusts to sign receipts, and how a receipt's kid
// selects one of them.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/key.h"

namespace scitt::cose {

struct ServiceKey {
  crypto::PublicKey key;
  Bytes kid;  // as given by the source; may be empty
};

// Accepts a PEM public key or certificate bundle, a JWKS (or single JWK)
// JSON document, a CBOR COSE_KeySet (or single COSE_Key), or a CCF trust
// store ({"parameters": [{"serviceCertificate": base64 DER}, …]}).
Result<std::vector<ServiceKey>> ParseServiceKeys(ByteView data);

// The key a receipt with `kid` was signed with: the first key whose stated
// kid equals `kid`, or whose RFC 9679 thumbprint equals it, or (CCF) whose
// lowercase-hex SHA-256 of the DER SubjectPublicKeyInfo equals it. nullptr
// when none matches. Kid bytes are compared exactly.
const ServiceKey* FindServiceKey(const std::vector<ServiceKey>& keys, ByteView kid);

}  // namespace scitt::cose
