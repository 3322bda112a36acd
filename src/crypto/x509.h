// X.509 certificates and path validation (OpenSSL 3).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/key.h"

typedef struct x509_st X509;

namespace scitt::crypto {

class Certificate {
 public:
  static Result<Certificate> FromDer(ByteView der);
  // All certificates in a PEM bundle, in file order; at least one required.
  // Other PEM blocks (keys, parameters) and text between blocks are skipped.
  static Result<std::vector<Certificate>> ParsePemBundle(std::string_view pem);

  const Bytes& der() const { return der_; }
  // Empty (valid() false) when the key type is not one PublicKey supports.
  PublicKey public_key() const;
  // RFC 4514-style subject, e.g. "CN=Leaf,O=Example,C=US": most specific RDN
  // first, as OpenSSL prints with XN_FLAG_RFC2253, except that non-ASCII
  // UTF-8 is kept as is rather than escaped as \XX.
  std::string subject() const;
  std::string issuer() const;
  // Subject attribute values by short name ("CN", "O", …); empty if absent.
  std::vector<std::string> SubjectValues(std::string_view short_name) const;
  // The usages the keyUsage extension asserts, by their RFC 5280 §4.2.1.3
  // names ("digitalSignature", "keyCertSign", …); nullopt without one.
  std::optional<std::vector<std::string>> KeyUsages() const;
  // RFC 5280 §4.2.1.3: the key may verify signatures on anything but
  // certificates and CRLs (here: signed statements) only when the keyUsage
  // extension is absent or asserts digitalSignature.
  bool AllowsDigitalSignature() const;
  // Extended key usage OIDs in dotted form ("1.3.6.1.5.5.7.3.3").
  std::vector<std::string> ExtendedKeyUsages() const;
  // Subject alternative names as (type, value): type is "dns", "email",
  // "uri" or "ip".
  std::vector<std::pair<std::string, std::string>> SubjectAltNames() const;
  int64_t not_before() const;  // seconds since the epoch
  int64_t not_after() const;
  std::string ToPem() const;
  X509* x509() const { return cert_.get(); }

 private:
  std::shared_ptr<X509> cert_;
  Bytes der_;
};

struct ChainValidationOptions {
  // Verification time in seconds since the epoch; nullopt = now.
  std::optional<int64_t> at_time;
  // When set, the leaf must carry this EKU OID.
  std::optional<std::string> required_eku;
  // When set, the leaf subject (RFC 4514 form, see subject()) must equal it.
  std::optional<std::string> required_subject;
};

// kVerificationFailed, naming the usages it has, when `leaf` may not sign
// data (AllowsDigitalSignature() is false): a CA certificate used as the
// signer of a statement, for example.
Status CheckSigningCertificate(const Certificate& leaf);

// Validates `chain` (leaf first; may end with the anchor itself) to one of
// `trust_anchors`. Returns the index in `trust_anchors` of the anchor used.
// Every anchor is trusted as such, self-signed or not (a pinned intermediate
// works); a leaf that is itself an anchor validates. Chain errors carry
// OpenSSL's verify message ("certificate has expired", "unable to get local
// issuer certificate", …) and are kVerificationFailed, as are EKU and
// subject mismatches.
Result<size_t> ValidateChain(const std::vector<Certificate>& chain,
                             const std::vector<Certificate>& trust_anchors,
                             const ChainValidationOptions& options = {});

}  // namespace scitt::crypto
