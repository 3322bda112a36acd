// Cryptographically secure random bytes (OpenSSL's DRBG), for identifiers a
// client must not be able to guess (upload sessions).
#pragma once

#include <cstddef>

#include "base/bytes.h"

namespace scitt::crypto {

Bytes RandomBytes(size_t count);

}  // namespace scitt::crypto
