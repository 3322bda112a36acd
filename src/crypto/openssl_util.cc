// Internal to src/crypto: see openssl_util.h.
#include "crypto/openssl_util.h"

#include <climits>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace scitt::crypto::internal {

void OpensslFree(void* p) { OPENSSL_free(p); }

std::string DrainOpensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    if (reason != nullptr) {
      out += reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out += buf;
    }
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

Error OpensslError(ErrorCode code, const std::string& what) {
  return MakeError(code, what + " (OpenSSL: " + DrainOpensslErrors() + ")");
}

BioPtr MemoryBio(const void* data, size_t size) {
  if (size > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(size)));
}

std::string WriteToString(const std::function<bool(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || !write(bio.get())) {
    DrainOpensslErrors();
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

Bytes SpkiDer(const EVP_PKEY* pkey) {
  int len = pkey != nullptr ? i2d_PUBKEY(pkey, nullptr) : -1;
  if (len <= 0) {
    DrainOpensslErrors();
    return {};
  }
  Bytes out(len);
  unsigned char* p = out.data();
  i2d_PUBKEY(pkey, &p);
  return out;
}

Status ForEachPemBlock(ByteView pem, const std::function<Status(const PemBlock&)>& visit) {
  BioPtr bio = MemoryBio(pem.data(), pem.size());
  if (bio == nullptr) return MakeError(ErrorCode::kInvalidArgument, "PEM input is too large");
  for (size_t number = 1;; ++number) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* der_raw = nullptr;
    long len = 0;
    int ok = PEM_read_bio(bio.get(), &name_raw, &header_raw, &der_raw, &len);
    OpensslString name(name_raw), header(header_raw);
    OpensslBytes der(der_raw);
    if (ok != 1) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // no further block: the normal end of the input
        return Status::Ok();
      }
      return OpensslError(ErrorCode::kMalformed, "cannot read PEM block " + std::to_string(number));
    }
    SCITT_RETURN_IF_ERROR(
        visit(PemBlock{number, name.get(), ByteView(der.get(), static_cast<size_t>(len))}));
  }
}

}  // namespace scitt::crypto::internal
