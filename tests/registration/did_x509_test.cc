// did:x509 (microsoft/did-x509 specification, method version 0) against
// chains minted in-test: syntax, CA pinning, and each predicate.
#include <gtest/gtest.h>

#include <ctime>

#include "crypto/hash.h"
#include "registration/registrar.h"
#include "support/test_pki.h"

namespace scitt::registration {
namespace {

using namespace testing::pki;

constexpr char kFulcioIssuerOid[] = "1.3.6.1.4.1.57264.1.1";

class DidX509Test : public ::testing::Test {
 protected:
  void SetUp() override {
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    root_key_ = *PrivateKey::Generate(Algorithm::kES256);
    inter_key_ = *PrivateKey::Generate(Algorithm::kES256);
    leaf_key_ = *PrivateKey::Generate(Algorithm::kEdDSA);
    root_ = IssueCertificate({{{"CN", "Root"}}, true, now - kDay, now + 10 * kDay}, root_key_,
                             nullptr, root_key_);
    inter_ = IssueCertificate({{{"CN", "Intermediate"}}, true, now - kDay, now + 10 * kDay},
                              inter_key_, &root_, root_key_);
    CertSpec leaf{{{"C", "US"},
                   {"ST", "California"},
                   {"L", "San Francisco"},
                   {"O", "Example Org"},
                   {"OU", "Builds"},
                   {"CN", "Leaf Signer"},
                   {"street", "1 Main St"}},
                  false,
                  now - kDay,
                  now + 10 * kDay,
                  "codeSigning,1.3.6.1.4.1.311.10.3.13",
                  "DNS:signer.example,email:bob@example.com,URI:https://signer.example/id?x=1"};
    leaf_ = IssueCertificate(leaf, leaf_key_, &inter_, inter_key_);
    leaf.raw_extensions = {{kFulcioIssuerOid, "https://accounts.google.com", false}};
    fulcio_leaf_ = IssueCertificate(leaf, leaf_key_, &inter_, inter_key_);
    leaf.raw_extensions = {{"1.2.3.4.5", "opaque", true}};
    critical_leaf_ = IssueCertificate(leaf, leaf_key_, &inter_, inter_key_);
    repeated_ou_ = IssueCertificate(
        {{{"OU", "A"}, {"OU", "B"}, {"CN", "Two Units"}}, false, now - kDay, now + 10 * kDay},
        leaf_key_, &inter_, inter_key_);
    chain_ = {leaf_, inter_, root_};
  }

  std::string Did(const std::string& predicates, const Certificate* ca = nullptr,
                  crypto::HashAlgorithm alg = crypto::HashAlgorithm::kSha256,
                  const char* alg_name = "sha256") const {
    return std::string("did:x509:0:") + alg_name + ":" +
           Base64UrlEncode(crypto::Digest(alg, (ca != nullptr ? *ca : root_).der())) +
           "::" + predicates;
  }

  void ExpectOk(const std::string& did, const std::vector<Certificate>& chain) const {
    Status status = VerifyDidX509(did, chain);
    EXPECT_TRUE(status.ok()) << did << ": " << status.message();
  }
  void ExpectOk(const std::string& did) const { ExpectOk(did, chain_); }

  void ExpectError(const std::string& did, ErrorCode code, const std::string& part,
                   const std::vector<Certificate>* chain = nullptr) const {
    Status status = VerifyDidX509(did, chain != nullptr ? *chain : chain_);
    ASSERT_FALSE(status.ok()) << did;
    EXPECT_EQ(status.error().code, code) << status.message();
    EXPECT_NE(status.message().find(part), std::string::npos) << status.message();
  }

  PrivateKey root_key_, inter_key_, leaf_key_;
  Certificate root_, inter_, leaf_, fulcio_leaf_, critical_leaf_, repeated_ou_;
  std::vector<Certificate> chain_;
};

TEST_F(DidX509Test, EkuPredicate) {
  ExpectOk(Did("eku:1.3.6.1.4.1.311.10.3.13"));
  ExpectOk(Did("eku:1.3.6.1.5.5.7.3.3"));
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.1"), ErrorCode::kVerificationFailed,
              "lacks extended key usage 1.3.6.1.5.5.7.3.1 (it has: 1.3.6.1.5.5.7.3.3, "
              "1.3.6.1.4.1.311.10.3.13)");
  ExpectError(Did("eku:codeSigning"), ErrorCode::kMalformed, "eku predicate must be a dotted OID");
  ExpectError(Did("eku:1..2"), ErrorCode::kMalformed, "dotted OID");
}

TEST_F(DidX509Test, SubjectPredicate) {
  ExpectOk(Did("subject:CN:Leaf%20Signer"));
  ExpectOk(Did("subject:O:Example%20Org:C:US:ST:California:L:San%20Francisco:OU:Builds"));
  ExpectOk(Did("subject:STREET:1%20Main%20St"));
  ExpectOk(Did("subject:2.5.4.3:Leaf%20Signer"));  // CN by OID
  ExpectError(Did("subject:CN:Leaf%20signer"), ErrorCode::kVerificationFailed,
              "subject CN is \"Leaf Signer\", not \"Leaf signer\"");
  ExpectError(Did("subject:CN:Leaf Signer"), ErrorCode::kMalformed, "outside ALPHA / DIGIT");
  ExpectError(Did("subject:CN:Leaf%20Signer:O"), ErrorCode::kMalformed, "key:value pairs");
  ExpectError(Did("subject:CN:a:CN:b"), ErrorCode::kMalformed, "\"CN\" is repeated");
  ExpectError(Did("subject:EMAIL:x"), ErrorCode::kMalformed, "not CN, L, ST, O, OU, C, STREET");
  ExpectError(Did("subject:CN:Leaf%20Signer:2.5.4.5:123"), ErrorCode::kVerificationFailed,
              "has no 2.5.4.5");
}

TEST_F(DidX509Test, RepeatedSubjectAttributeIsNotSupported) {
  std::vector<Certificate> chain = {repeated_ou_, inter_, root_};
  ExpectError(Did("subject:OU:A"), ErrorCode::kVerificationFailed, "more than one OU", &chain);
  ExpectOk(Did("subject:CN:Two%20Units"), chain);
}

TEST_F(DidX509Test, SanPredicate) {
  ExpectOk(Did("san:email:bob%40example.com"));
  ExpectOk(Did("san:dns:signer.example"));
  ExpectOk(Did("san:uri:https%3A%2F%2Fsigner.example%2Fid%3Fx%3D1"));
  ExpectOk(Did("san:uri:https%3a%2f%2fsigner.example%2fid%3fx%3d1"));  // lower-case hex
  ExpectError(Did("san:email:alice%40example.com"), ErrorCode::kVerificationFailed,
              "no email subject alternative name \"alice@example.com\"");
  ExpectError(Did("san:dns:bob%40example.com"), ErrorCode::kVerificationFailed,
              "no dns subject alternative name");
  ExpectError(Did("san:ip:192.0.2.1"), ErrorCode::kMalformed, "san type \"ip\"");
  ExpectError(Did("san:email:a:b"), ErrorCode::kMalformed, "<type>:<percent-encoded value>");
  ExpectError(Did("san:email:bob@example.com"), ErrorCode::kMalformed, "outside ALPHA");
  ExpectError(Did("san:email:bob%4"), ErrorCode::kMalformed, "%XX");
  ExpectError(Did("san:email:bob%zz"), ErrorCode::kMalformed, "%XX");
}

TEST_F(DidX509Test, FulcioIssuerPredicate) {
  std::vector<Certificate> chain = {fulcio_leaf_, inter_, root_};
  ExpectOk(Did("fulcio-issuer:accounts.google.com::san:email:bob%40example.com"), chain);
  ExpectError(Did("fulcio-issuer:github.com"), ErrorCode::kVerificationFailed,
              "Fulcio issuer is \"https://accounts.google.com\", not \"https://github.com\"",
              &chain);
  ExpectError(Did("fulcio-issuer:accounts.google.com"), ErrorCode::kVerificationFailed,
              "has no Fulcio issuer extension");
}

TEST_F(DidX509Test, EveryPredicateMustHold) {
  ExpectOk(Did("eku:1.3.6.1.5.5.7.3.3::subject:CN:Leaf%20Signer::san:dns:signer.example"));
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3::subject:CN:Other"), ErrorCode::kVerificationFailed,
              "not \"Other\"");
}

TEST_F(DidX509Test, CaFingerprint) {
  ExpectOk(Did("eku:1.3.6.1.5.5.7.3.3", &inter_));
  ExpectOk(Did("eku:1.3.6.1.5.5.7.3.3", &root_, crypto::HashAlgorithm::kSha384, "sha384"));
  ExpectOk(Did("eku:1.3.6.1.5.5.7.3.3", &inter_, crypto::HashAlgorithm::kSha512, "sha512"));
  // The name of the hash must match the hash used.
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3", &root_, crypto::HashAlgorithm::kSha256, "sha384"),
              ErrorCode::kVerificationFailed,
              "no CA certificate in the chain has the sha384 fingerprint");
  // "a non-leaf certificate in the certificate chain".
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3", &leaf_), ErrorCode::kVerificationFailed,
              "no CA certificate in the chain");
  std::string did = Did("eku:1.3.6.1.5.5.7.3.3");
  ExpectError(did.substr(0, 18) + "=" + did.substr(18), ErrorCode::kMalformed, "base64url");
}

TEST_F(DidX509Test, ChainRequirements) {
  std::vector<Certificate> leaf_only = {leaf_};
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3"), ErrorCode::kVerificationFailed,
              "at least two certificates", &leaf_only);
  std::vector<Certificate> unordered = {leaf_, root_, inter_};
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3"), ErrorCode::kVerificationFailed,
              "certificate 1 (\"CN=Root\") did not issue certificate 0", &unordered);
  std::vector<Certificate> critical = {critical_leaf_, inter_, root_};
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3"), ErrorCode::kVerificationFailed,
              "certificate 0 has the critical extension 1.2.3.4.5", &critical);
}

TEST_F(DidX509Test, Syntax) {
  std::string fp = Base64UrlEncode(crypto::Sha256(root_.der()));
  ExpectError("did:web:example.com", ErrorCode::kMalformed, "does not start with \"did:x509:\"");
  ExpectError("did:x509:0:sha256", ErrorCode::kMalformed, "<version>:<hash alg>:<CA fingerprint>");
  ExpectError("did:x509:0:sha256:" + fp, ErrorCode::kMalformed, "at least one predicate");
  ExpectError("did:x509:0:md5:" + fp + "::eku:1.2", ErrorCode::kMalformed, "\"md5\"");
  ExpectError("did:x509:1:sha256:" + fp + "::eku:1.2", ErrorCode::kUnsupported, "version 1");
  ExpectError("did:x509:v0:sha256:" + fp + "::eku:1.2", ErrorCode::kMalformed,
              "version must be a number");
  ExpectError("did:x509:0:sha256:" + fp + "::eku", ErrorCode::kMalformed, "has no value");
  ExpectError("did:x509:0:sha256:" + fp + "::eku:1.3.6.1.5.5.7.3.3::", ErrorCode::kMalformed,
              "has no value");
  ExpectError("did:x509:0:sha256:" + fp + "::issuer:CN:Root", ErrorCode::kMalformed,
              "unknown predicate \"issuer\"");
  ExpectError("did:x509:0:sha256:" + fp + "::subject:CN::O:x", ErrorCode::kMalformed,
              "unknown predicate \"O\"");
  ExpectError("did:x509:0:sha256:" + fp + "::subject:CN:a::b", ErrorCode::kMalformed,
              "predicate \"b\" has no value");
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3#0"), ErrorCode::kMalformed, "outside ALPHA");
  ExpectError(Did("eku:1.3.6.1.5.5.7.3.3/path"), ErrorCode::kMalformed, "outside ALPHA");
}

}  // namespace
}  // namespace scitt::registration
