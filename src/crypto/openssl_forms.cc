#include "crypto/openssl_forms.h"

#include <algorithm>
#include <iterator>

#include "crypto/key_internal.h"

namespace scitt::crypto {

bool IsEcdsa(Algorithm alg) {
  return std::any_of(std::begin(internal::kEcCurves), std::end(internal::kEcCurves),
                     [&](const internal::EcCurveInfo& c) { return c.algorithm == alg; });
}

const EVP_MD* SignatureDigest(Algorithm alg) { return internal::FetchedDigest(alg); }

Result<Bytes> EcdsaSignatureToDer(ByteView cose_signature, Algorithm alg) {
  return internal::EcdsaDerSignature(cose_signature, AlgorithmName(alg));
}

}  // namespace scitt::crypto
