// Fuzzes the key-set loaders: PEM, JWK/JWKS JSON, COSE_Key(Set) CBOR and CCF trust stores.
#include <cstddef>
#include <cstdint>

#include "cose/service_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto keys = scitt::cose::ParseServiceKeys(scitt::ByteView(data, size));
  if (keys.ok()) {
    for (const auto& k : *keys) (void)k.key.Thumbprint();
  }
  return 0;
}
