// Internal to src/crypto (not part of its API): OpenSSL ownership, error and
// BIO/PEM helpers shared by the key and X.509 code. Include only from
// src/crypto/*.cc.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::crypto::internal {

// Calls the OpenSSL free function F, so that a unique_ptr can own the object.
template <auto F>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { F(p); }
};
void OpensslFree(void* p);  // OPENSSL_free is a macro

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using OpensslString = std::unique_ptr<char, Deleter<OpensslFree>>;
using OpensslBytes = std::unique_ptr<unsigned char, Deleter<OpensslFree>>;

// Empties OpenSSL's thread-local error queue into one line, so that a
// failure here never leaks stale errors into a later, unrelated call.
std::string DrainOpensslErrors();

// `what` followed by the drained OpenSSL errors: "what (OpenSSL: …)".
Error OpensslError(ErrorCode code, const std::string& what);

// A read-only BIO over `data`; null when the data is too large for OpenSSL's
// int length (a negative length would make it read up to a NUL byte) or
// memory runs out.
BioPtr MemoryBio(const void* data, size_t size);

// Runs `write` on a fresh memory BIO and returns what it wrote; empty (with
// the OpenSSL errors drained) when `write` returns false.
std::string WriteToString(const std::function<bool(BIO*)>& write);

// The DER SubjectPublicKeyInfo of `pkey`; empty (errors drained) on failure.
Bytes SpkiDer(const EVP_PKEY* pkey);

struct PemBlock {
  size_t number;           // 1-based position among the blocks of the input
  std::string_view label;  // "CERTIFICATE", "PUBLIC KEY", …
  ByteView body;           // the decoded DER
};

// Hands each PEM block of `pem` to `visit`, in order, skipping any text
// between blocks, and stops at the first error `visit` returns. Fails with
// kInvalidArgument when the input is too large and kMalformed, naming the
// block, when a block cannot be read. No blocks at all is not an error.
Status ForEachPemBlock(ByteView pem, const std::function<Status(const PemBlock&)>& visit);

}  // namespace scitt::crypto::internal
