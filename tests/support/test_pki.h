// Certificates minted in-test with the OpenSSL API, relative to the current
// time, so that nothing expires and every identity case can be built. Shared
// by the crypto (X.509) and registration (x5chain, did:x509) tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "crypto/key.h"
#include "crypto/x509.h"

namespace scitt::testing {

constexpr int64_t kDay = 24 * 3600;

struct CertSpec {
  CertSpec(std::vector<std::pair<std::string, std::string>> subject, bool ca, int64_t not_before,
           int64_t not_after, std::string eku = "", std::string san = "")
      : subject(std::move(subject)), ca(ca), not_before(not_before), not_after(not_after),
        eku(std::move(eku)), san(std::move(san)) {}
  std::vector<std::pair<std::string, std::string>> subject;  // (attribute, value), in order
  bool ca;
  int64_t not_before;
  int64_t not_after;
  std::string eku;  // OpenSSL config syntax, e.g. "codeSigning,1.3.6.1.4.1.311.76.59.1.2"
  std::string san;  // e.g. "DNS:a.example,email:a@example.com,URI:https://a.example/x"
  // keyUsage in OpenSSL syntax ("critical,keyAgreement"); unset: critical
  // keyCertSign,cRLSign for a CA and critical digitalSignature otherwise;
  // "" leaves the extension out.
  std::optional<std::string> key_usage;
  // Extra extensions: (dotted OID, raw extension value bytes, critical).
  std::vector<std::tuple<std::string, std::string, bool>> raw_extensions;
};

// Issues a certificate for `subject_key`, signed by `issuer_key`; self-signed
// when `issuer` is null. Fails the current test on an OpenSSL error.
crypto::Certificate IssueCertificate(const CertSpec& spec, const crypto::PrivateKey& subject_key,
                                     const crypto::Certificate* issuer,
                                     const crypto::PrivateKey& issuer_key);

// The names a certificate-minting test uses: `using namespace testing::pki;`.
namespace pki {
using crypto::Algorithm;
using crypto::Certificate;
using crypto::PrivateKey;
using scitt::testing::CertSpec;
using scitt::testing::IssueCertificate;
using scitt::testing::kDay;
}  // namespace pki

}  // namespace scitt::testing
