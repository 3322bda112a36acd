#include "crypto/hash.h"

#include <algorithm>
#include <cstdlib>

#include <openssl/evp.h>

namespace scitt::crypto {
namespace {

const EVP_MD* Md(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return nullptr;
}

// The EVP digest calls fail only when memory runs out; there is no useful
// way to report that from a function that returns a digest.
void Check(int ok) {
  if (ok != 1) std::abort();
}

EVP_MD_CTX* Ctx(void* ctx) { return static_cast<EVP_MD_CTX*>(ctx); }

}  // namespace

Sha256Digest Sha256(ByteView data) {
  Sha256Digest out;
  Check(EVP_Digest(data.data(), data.size(), out.data(), nullptr, EVP_sha256(), nullptr));
  return out;
}

Bytes Digest(HashAlgorithm alg, ByteView data) {
  Bytes out(HashSize(alg));
  Check(EVP_Digest(data.data(), data.size(), out.data(), nullptr, Md(alg), nullptr));
  return out;
}

Hasher::Hasher(HashAlgorithm alg) : alg_(alg), ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  Check(EVP_DigestInit_ex(Ctx(ctx_), Md(alg_), nullptr));
}

Hasher::~Hasher() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Hasher::Update(ByteView data) { Check(EVP_DigestUpdate(Ctx(ctx_), data.data(), data.size())); }

Bytes Hasher::Finish() {
  Bytes out(HashSize(alg_));
  Check(EVP_DigestFinal_ex(Ctx(ctx_), out.data(), nullptr));
  Check(EVP_DigestInit_ex(Ctx(ctx_), Md(alg_), nullptr));
  return out;
}

Sha256Digest Sha256Hasher::Finish() {
  const Bytes digest = hasher_.Finish();
  Sha256Digest out;
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

}  // namespace scitt::crypto
