#include "crypto/random.h"

#include <cstdlib>

#include <openssl/rand.h>

namespace scitt::crypto {

Bytes RandomBytes(size_t count) {
  Bytes out(count);
  // RAND_bytes fails only when the DRBG cannot be seeded; nothing that
  // needs an unguessable value can go on without one.
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) std::abort();
  return out;
}

}  // namespace scitt::crypto
