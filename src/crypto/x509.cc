#include "crypto/x509.h"

#include <arpa/inet.h>

#include <algorithm>
#include <ctime>
#include <string_view>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"

namespace scitt::crypto {
using namespace internal;

namespace {

// Frees only the stack: the certificates stay owned by their Certificate.
void FreeX509Stack(STACK_OF(X509)* s) { sk_X509_free(s); }

using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<FreeX509Stack>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// RFC 2253 / RFC 4514 order and escaping, except that UTF-8 stays UTF-8
// instead of becoming \XX escapes, so that names are comparable as text.
constexpr unsigned long kNameFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

std::string NameToString(const X509_NAME* name) {
  if (name == nullptr) return {};
  return WriteToString([&](BIO* bio) { return X509_NAME_print_ex(bio, name, 0, kNameFlags) >= 0; });
}

std::string Asn1ToUtf8(const ASN1_STRING* s) {
  unsigned char* raw = nullptr;
  int len = ASN1_STRING_to_UTF8(&raw, s);
  OpensslBytes owned(raw);
  if (len < 0) {
    DrainOpensslErrors();
    return {};
  }
  return std::string(reinterpret_cast<char*>(raw), len);
}

std::string ObjectToDotted(const ASN1_OBJECT* obj) {
  char buf[128];
  int len = OBJ_obj2txt(buf, sizeof buf, obj, /*no_name=*/1);
  if (len < 0 || static_cast<size_t>(len) >= sizeof buf) return {};
  return std::string(buf, len);
}

int64_t Asn1TimeToEpoch(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    DrainOpensslErrors();
    return 0;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string IpToString(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN];
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  int len = ASN1_STRING_length(ip);
  int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, data, buf, sizeof buf) == nullptr) return {};
  return buf;
}

}  // namespace

Result<Certificate> Certificate::FromDer(ByteView der) {
  const unsigned char* p = der.data();
  X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) return OpensslError(ErrorCode::kMalformed, "not a DER X.509 certificate");
  Certificate cert;
  cert.cert_ = std::shared_ptr<X509>(raw, X509_free);
  if (p != der.data() + der.size()) {
    return MakeError(ErrorCode::kMalformed, "trailing bytes after the DER certificate");
  }
  cert.der_.assign(der.begin(), der.end());
  return cert;
}

Result<std::vector<Certificate>> Certificate::ParsePemBundle(std::string_view pem) {
  std::vector<Certificate> certs;
  SCITT_RETURN_IF_ERROR(ForEachPemBlock(AsBytes(pem), [&](const PemBlock& block) -> Status {
    if (block.label != "CERTIFICATE") return Status::Ok();
    auto cert = FromDer(block.body);
    if (!cert.ok()) {
      return MakeError(cert.error().code,
                       "PEM block " + std::to_string(block.number) + ": " + cert.error().message);
    }
    certs.push_back(std::move(*cert));
    return Status::Ok();
  }));
  if (certs.empty()) {
    return MakeError(ErrorCode::kMalformed, "no \"CERTIFICATE\" PEM block found");
  }
  return certs;
}

PublicKey Certificate::public_key() const {
  Bytes spki = SpkiDer(X509_get0_pubkey(cert_.get()));
  if (spki.empty()) return PublicKey();
  auto key = PublicKey::FromSpkiDer(spki);
  return key.ok() ? std::move(*key) : PublicKey();
}

std::string Certificate::subject() const {
  return NameToString(X509_get_subject_name(cert_.get()));
}

std::string Certificate::issuer() const { return NameToString(X509_get_issuer_name(cert_.get())); }

std::vector<std::string> Certificate::SubjectValues(std::string_view short_name) const {
  std::vector<std::string> values;
  int nid = OBJ_txt2nid(std::string(short_name).c_str());
  if (nid == NID_undef) {
    ERR_clear_error();
    return values;
  }
  const X509_NAME* name = X509_get_subject_name(cert_.get());
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    values.push_back(Asn1ToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))));
  }
  return values;
}

std::optional<std::vector<std::string>> Certificate::KeyUsages() const {
  const uint32_t bits = X509_get_key_usage(cert_.get());
  if (bits == UINT32_MAX) return std::nullopt;  // no keyUsage extension
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "contentCommitment"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"},
  };
  std::vector<std::string> names;
  for (const auto& [bit, name] : kNames) {
    if (bits & bit) names.emplace_back(name);
  }
  return names;
}

bool Certificate::AllowsDigitalSignature() const {
  return (X509_get_key_usage(cert_.get()) & KU_DIGITAL_SIGNATURE) != 0;
}

std::vector<std::string> Certificate::ExtendedKeyUsages() const {
  std::vector<std::string> oids;
  EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert_.get(), NID_ext_key_usage, nullptr, nullptr)));
  if (eku == nullptr) {
    ERR_clear_error();
    return oids;
  }
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    oids.push_back(ObjectToDotted(sk_ASN1_OBJECT_value(eku.get(), i)));
  }
  return oids;
}

std::vector<std::pair<std::string, std::string>> Certificate::SubjectAltNames() const {
  std::vector<std::pair<std::string, std::string>> names;
  GeneralNamesPtr gens(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (gens == nullptr) {
    ERR_clear_error();
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    switch (gen->type) {
      case GEN_DNS: names.emplace_back("dns", Asn1ToUtf8(gen->d.dNSName)); break;
      case GEN_EMAIL: names.emplace_back("email", Asn1ToUtf8(gen->d.rfc822Name)); break;
      case GEN_URI: names.emplace_back("uri", Asn1ToUtf8(gen->d.uniformResourceIdentifier)); break;
      case GEN_IPADD: names.emplace_back("ip", IpToString(gen->d.iPAddress)); break;
      default: break;
    }
  }
  return names;
}

int64_t Certificate::not_before() const { return Asn1TimeToEpoch(X509_get0_notBefore(cert_.get())); }

int64_t Certificate::not_after() const { return Asn1TimeToEpoch(X509_get0_notAfter(cert_.get())); }

std::string Certificate::ToPem() const {
  return WriteToString([&](BIO* bio) { return PEM_write_bio_X509(bio, cert_.get()) == 1; });
}

Status CheckSigningCertificate(const Certificate& leaf) {
  if (leaf.AllowsDigitalSignature()) return Status::Ok();
  std::string usages;
  for (const std::string& name : leaf.KeyUsages().value_or(std::vector<std::string>{})) {
    usages += (usages.empty() ? "" : ", ") + name;
  }
  return MakeError(ErrorCode::kVerificationFailed,
                   "the signing certificate \"" + leaf.subject() + "\" has keyUsage " +
                       (usages.empty() ? "with no usage" : usages) +
                       " without digitalSignature, so it may not sign statements (RFC 5280 "
                       "§4.2.1.3)");
}

Result<size_t> ValidateChain(const std::vector<Certificate>& chain,
                             const std::vector<Certificate>& trust_anchors,
                             const ChainValidationOptions& options) {
  if (chain.empty()) return MakeError(ErrorCode::kInvalidArgument, "the certificate chain is empty");
  if (trust_anchors.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no trust anchors are configured");
  }
  StorePtr store(X509_STORE_new());
  X509StackPtr untrusted(sk_X509_new_null());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || untrusted == nullptr || ctx == nullptr) {
    return OpensslError(ErrorCode::kInternal, "out of memory");
  }
  for (const Certificate& anchor : trust_anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.x509()) != 1) {
      return OpensslError(ErrorCode::kInternal, "cannot add trust anchor " + anchor.subject());
    }
  }
  // The chain may end with the anchor itself: as an untrusted copy it is
  // harmless, because the path must still end at a certificate in `store`.
  for (size_t i = 1; i < chain.size(); ++i) {
    if (sk_X509_push(untrusted.get(), chain[i].x509()) <= 0) {
      return OpensslError(ErrorCode::kInternal, "out of memory");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].x509(), untrusted.get()) != 1) {
    return OpensslError(ErrorCode::kInternal, "cannot set up chain validation");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // A configured anchor is trusted as such even when it is not self-signed
  // (RFC 5280 §6.1.1 (d): a trust anchor is any trusted public key + name).
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (options.at_time) X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*options.at_time));

  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* current = X509_STORE_CTX_get_current_cert(ctx.get());
    std::string subject = current != nullptr ? NameToString(X509_get_subject_name(current)) : "?";
    DrainOpensslErrors();
    return MakeError(ErrorCode::kVerificationFailed,
                     std::string("certificate chain does not validate: ") +
                         X509_verify_cert_error_string(err) + " (depth " + std::to_string(depth) +
                         ", subject \"" + subject + "\")");
  }
  STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx.get());
  X509* top = sk_X509_value(path, sk_X509_num(path) - 1);
  auto used = std::find_if(trust_anchors.begin(), trust_anchors.end(),
                           [top](const Certificate& a) { return X509_cmp(top, a.x509()) == 0; });
  if (used == trust_anchors.end()) {
    return MakeError(ErrorCode::kInternal, "validated path does not end at a configured anchor");
  }

  const Certificate& leaf = chain[0];
  if (options.required_eku) {
    std::vector<std::string> ekus = leaf.ExtendedKeyUsages();
    if (std::find(ekus.begin(), ekus.end(), *options.required_eku) == ekus.end()) {
      std::string have;
      for (const std::string& oid : ekus) have += (have.empty() ? "" : ", ") + oid;
      return MakeError(ErrorCode::kVerificationFailed,
                       "leaf certificate lacks the required extended key usage " +
                           *options.required_eku + " (it has: " + (have.empty() ? "none" : have) +
                           ")");
    }
  }
  if (options.required_subject && leaf.subject() != *options.required_subject) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "leaf certificate subject \"" + leaf.subject() + "\" is not the required \"" +
                         *options.required_subject + "\"");
  }
  return static_cast<size_t>(used - trust_anchors.begin());
}

}  // namespace scitt::crypto
