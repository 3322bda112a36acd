#include "support/test_pki.h"

#include <memory>

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace scitt::testing {
namespace {

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void AddRawExtension(X509* cert, const std::string& oid, const std::string& value, bool critical) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
  ASSERT_NE(obj, nullptr) << oid;
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(data, reinterpret_cast<const unsigned char*>(value.data()),
                        static_cast<int>(value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, data);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
  ASN1_OBJECT_free(obj);
}

}  // namespace

crypto::Certificate IssueCertificate(const CertSpec& spec, const crypto::PrivateKey& subject_key,
                                     const crypto::Certificate* issuer,
                                     const crypto::PrivateKey& issuer_key) {
  static long serial = 1000;
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(spec.not_after));
  X509_NAME* name = X509_get_subject_name(x);
  for (const auto& [attribute, value] : spec.subject) {
    X509_NAME_add_entry_by_txt(name, attribute.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer->x509()) : name);
  X509_set_pubkey(x, subject_key.evp());

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->x509() : x, x, nullptr, nullptr, 0);
  AddExtension(x, &ctx, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  std::string key_usage =
      spec.key_usage.value_or(spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!key_usage.empty()) AddExtension(x, &ctx, NID_key_usage, key_usage);
  AddExtension(x, &ctx, NID_subject_key_identifier, "hash");
  AddExtension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.eku.empty()) AddExtension(x, &ctx, NID_ext_key_usage, spec.eku);
  if (!spec.san.empty()) AddExtension(x, &ctx, NID_subject_alt_name, spec.san);
  for (const auto& [oid, value, critical] : spec.raw_extensions) {
    AddRawExtension(x, oid, value, critical);
  }
  bool eddsa = issuer_key.default_algorithm() == crypto::Algorithm::kEdDSA;
  EXPECT_GT(X509_sign(x, issuer_key.evp(), eddsa ? nullptr : EVP_sha256()), 0);

  Bytes der(i2d_X509(x, nullptr));
  unsigned char* p = der.data();
  i2d_X509(x, &p);
  auto parsed = crypto::Certificate::FromDer(der);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return std::move(*parsed);
}

}  // namespace scitt::testing
