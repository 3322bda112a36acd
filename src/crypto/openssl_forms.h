// For code that drives OpenSSL itself with this layer's keys (the raw
// verify baseline of src/bench): the digest an algorithm signs over and the
// DER form OpenSSL verifies of a COSE ECDSA signature.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"

typedef struct evp_md_st EVP_MD;

namespace scitt::crypto {

// ES256, ES384, ES512.
bool IsEcdsa(Algorithm alg);
// The digest `alg` signs over, fetched from the provider once; nullptr for
// EdDSA, which hashes inside the signature.
const EVP_MD* SignatureDigest(Algorithm alg);
// A COSE ECDSA signature (r‖s, RFC 9053 §2.1) as DER; kVerificationFailed
// when r or s is zero, kMalformed for a length that fits no curve of `alg`.
Result<Bytes> EcdsaSignatureToDer(ByteView cose_signature, Algorithm alg);

}  // namespace scitt::crypto
