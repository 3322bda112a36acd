// Fuzzes the key-set loaders: PEM, JWK/JWKS JSON, COSE_Key(Set) CBOR and CCF
// trust stores. Every key loaded must survive the COSE_Key round trip, and
// its RFC 9679 thumbprint (written by crypto without the CBOR library) must
// be the SHA-256 of its COSE_Key as the cbor layer encodes it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cbor/encoder.h"
#include "cose/cose_key.h"
#include "cose/service_keys.h"
#include "crypto/hash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scitt;
  auto keys = cose::ParseServiceKeys(ByteView(data, size));
  if (!keys.ok()) return 0;
  for (const auto& k : *keys) {
    cbor::Value cose_key = cose::ToCoseKey(k.key);
    if (k.key.Thumbprint() != crypto::Sha256(cbor::Encode(cose_key))) std::abort();
    auto back = cose::PublicKeyFromCoseKey(cose_key);
    if (!back.ok() || !(*back == k.key)) std::abort();
  }
  return 0;
}
