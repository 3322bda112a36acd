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
  static Result<std::vector<Certificate>> ParsePemBundle(std::string_view pem);

  const Bytes& der() const { return der_; }
  PublicKey public_key() const;
  // RFC 4514-style subject, e.g. "CN=Leaf,O=Example,C=US".
  std::string subject() const;
  std::string issuer() const;
  // Subject attribute values by short name ("CN", "O", …); empty if absent.
  std::vector<std::string> SubjectValues(std::string_view short_name) const;
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

// Validates `chain` (leaf first; may end with the anchor itself) to one of
// `trust_anchors`. Returns the index in `trust_anchors` of the anchor used.
Result<size_t> ValidateChain(const std::vector<Certificate>& chain,
                             const std::vector<Certificate>& trust_anchors,
                             const ChainValidationOptions& options = {});

}  // namespace scitt::crypto
