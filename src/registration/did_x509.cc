// did:x509 method, version 0 (microsoft/did-x509 specification.md; also
// draft-birkholz-did-x509). The predicate rules quoted below are the spec's.
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "registration/identity.h"
#include "registration/registrar.h"

namespace scitt::registration {
namespace {

Error Malformed(const std::string& message) {
  return MakeError(ErrorCode::kMalformed, "malformed did:x509: " + message);
}
Error Mismatch(const std::string& message) {
  return MakeError(ErrorCode::kVerificationFailed, message);
}

std::vector<std::string_view> Split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + separator.size();
  }
}

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool IsHex(char c) { return HexValue(c) >= 0; }

// ABNF: predicate-value = *(1*idchar ":") 1*idchar, where
// idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
bool ValidPredicateValue(std::string_view value) {
  for (std::string_view segment : Split(value, ":")) {
    if (segment.empty()) return false;
    for (size_t i = 0; i < segment.size(); ++i) {
      char c = segment[i];
      if (c == '%') {
        if (i + 2 >= segment.size() || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2])) {
          return false;
        }
        i += 2;
      } else if (!IsAlnum(c) && c != '.' && c != '-' && c != '_') {
        return false;
      }
    }
  }
  return true;
}

// RFC 3986 §2.1; the value was checked by ValidPredicateValue.
std::string PercentDecode(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%') {
      out += static_cast<char>(HexValue(value[i + 1]) * 16 + HexValue(value[i + 2]));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

// oid = 1*DIGIT *("." 1*DIGIT)
bool IsOid(std::string_view text) {
  if (text.empty()) return false;
  for (std::string_view arc : Split(text, ".")) {
    if (arc.empty() ||
        !std::all_of(arc.begin(), arc.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  return true;
}

// The subject predicate's labels (did:x509 "subject" ABNF) as attribute OIDs.
std::optional<std::string> SubjectKeyOid(std::string_view key) {
  static const std::pair<std::string_view, std::string_view> kLabels[] = {
      {"CN", "2.5.4.3"},  {"L", "2.5.4.7"}, {"ST", "2.5.4.8"},     {"O", "2.5.4.10"},
      {"OU", "2.5.4.11"}, {"C", "2.5.4.6"}, {"STREET", "2.5.4.9"},
  };
  for (const auto& [label, oid] : kLabels) {
    if (label == key) return std::string(oid);
  }
  if (IsOid(key)) return std::string(key);
  return std::nullopt;
}

using ObjectPtr = std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)>;

ObjectPtr Oid(const std::string& dotted) {
  ObjectPtr obj(OBJ_txt2obj(dotted.c_str(), /*no_name=*/1), ASN1_OBJECT_free);
  ERR_clear_error();
  return obj;
}

std::string Utf8(const ASN1_STRING* s) {
  unsigned char* raw = nullptr;
  int len = ASN1_STRING_to_UTF8(&raw, s);
  std::string out = len >= 0 ? std::string(reinterpret_cast<char*>(raw), len) : std::string();
  OPENSSL_free(raw);
  ERR_clear_error();
  return out;
}

std::vector<std::string> SubjectAttribute(const crypto::Certificate& cert, const std::string& oid) {
  std::vector<std::string> values;
  ObjectPtr obj = Oid(oid);
  if (obj == nullptr) return values;
  const X509_NAME* name = X509_get_subject_name(cert.x509());
  for (int i = X509_NAME_get_index_by_OBJ(name, obj.get(), -1); i >= 0;
       i = X509_NAME_get_index_by_OBJ(name, obj.get(), i)) {
    values.push_back(Utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))));
  }
  return values;
}

// Fulcio's issuer: 1.3.6.1.4.1.57264.1.1 holds the raw URL bytes (the OID the
// did:x509 spec names); its successor 1.3.6.1.4.1.57264.1.8 a DER UTF8String.
std::optional<std::string> FulcioIssuer(const crypto::Certificate& cert) {
  for (const char* oid : {"1.3.6.1.4.1.57264.1.1", "1.3.6.1.4.1.57264.1.8"}) {
    ObjectPtr obj = Oid(oid);
    int index = obj != nullptr ? X509_get_ext_by_OBJ(cert.x509(), obj.get(), -1) : -1;
    if (index < 0) continue;
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert.x509(), index));
    const unsigned char* bytes = ASN1_STRING_get0_data(data);
    int length = ASN1_STRING_length(data);
    if (std::string_view(oid).ends_with(".1")) {
      return std::string(reinterpret_cast<const char*>(bytes), length);
    }
    const unsigned char* p = bytes;
    std::unique_ptr<ASN1_UTF8STRING, decltype(&ASN1_UTF8STRING_free)> text(
        d2i_ASN1_UTF8STRING(nullptr, &p, length), ASN1_UTF8STRING_free);
    ERR_clear_error();
    if (text != nullptr) return Utf8(text.get());
  }
  return std::nullopt;
}

// Resolution step 2: a critical extension must be one did:x509 models (eku,
// san) or one of basicConstraints, keyUsage, nameConstraints,
// policyConstraints, policyMappings, certificatePolicies, inhibitAnyPolicy.
Status CheckCriticalExtensions(const std::vector<crypto::Certificate>& chain) {
  static const std::set<int> kAllowed = {
      NID_ext_key_usage,   NID_subject_alt_name,     NID_basic_constraints,
      NID_key_usage,       NID_name_constraints,     NID_policy_constraints,
      NID_policy_mappings, NID_certificate_policies, NID_inhibit_any_policy,
  };
  for (size_t i = 0; i < chain.size(); ++i) {
    X509* cert = chain[i].x509();
    for (int e = 0; e < X509_get_ext_count(cert); ++e) {
      X509_EXTENSION* ext = X509_get_ext(cert, e);
      if (X509_EXTENSION_get_critical(ext) == 0) continue;
      const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
      if (kAllowed.count(OBJ_obj2nid(obj)) != 0) continue;
      char oid[128] = "?";
      OBJ_obj2txt(oid, sizeof oid, obj, 1);
      return Mismatch("certificate " + std::to_string(i) + " has the critical extension " + oid +
                      ", which did:x509 does not allow");
    }
  }
  return Status::Ok();
}

struct Predicate {
  std::string_view name;
  std::string_view value;
};

Status CheckSubject(std::string_view value, const crypto::Certificate& leaf) {
  std::vector<std::string_view> items = Split(value, ":");
  if (items.size() % 2 != 0) return Malformed("subject predicate needs key:value pairs");
  std::vector<std::pair<std::string, std::string>> wanted;  // (key, OID)
  std::set<std::string_view> seen;
  for (size_t i = 0; i < items.size(); i += 2) {
    std::string key(items[i]);
    auto oid = SubjectKeyOid(key);
    if (!oid)
      return Malformed("subject key \"" + key +
                       "\" is not CN, L, ST, O, OU, C, STREET or a dotted OID");
    if (!seen.insert(items[i]).second) return Malformed("subject key \"" + key + "\" is repeated");
    wanted.emplace_back(key, *oid);
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [key, oid] = wanted[i];
    std::string expected = PercentDecode(items[2 * i + 1]);
    std::vector<std::string> values = SubjectAttribute(leaf, oid);
    if (values.empty()) return Mismatch("the leaf certificate subject has no " + key);
    if (values.size() > 1) {
      return Mismatch("the leaf certificate subject has more than one " + key +
                      ", which did:x509 does not support");
    }
    if (values.front() != expected) {
      return Mismatch("the leaf certificate subject " + key + " is \"" + values.front() +
                      "\", not \"" + expected + "\"");
    }
  }
  return Status::Ok();
}

Status CheckSan(std::string_view value, const crypto::Certificate& leaf) {
  std::vector<std::string_view> parts = Split(value, ":");
  if (parts.size() != 2) return Malformed("san predicate must be <type>:<percent-encoded value>");
  std::string type(parts[0]);
  if (type != "email" && type != "dns" && type != "uri") {
    return Malformed("san type \"" + type + "\" is not email, dns or uri");
  }
  std::string expected = PercentDecode(parts[1]);
  for (const auto& [t, v] : leaf.SubjectAltNames()) {
    if (t == type && v == expected) return Status::Ok();
  }
  return Mismatch("the leaf certificate has no " + type + " subject alternative name \"" +
                  expected + "\"");
}

Status CheckEku(std::string_view value, const crypto::Certificate& leaf) {
  if (!IsOid(value)) return Malformed("eku predicate must be a dotted OID");
  std::vector<std::string> ekus = leaf.ExtendedKeyUsages();
  if (std::find(ekus.begin(), ekus.end(), value) != ekus.end()) return Status::Ok();
  std::string have;
  for (const auto& oid : ekus) have += (have.empty() ? "" : ", ") + oid;
  return Mismatch("the leaf certificate lacks extended key usage " + std::string(value) +
                  " (it has: " + (have.empty() ? "none" : have) + ")");
}

Status CheckFulcioIssuer(std::string_view value, const crypto::Certificate& leaf) {
  std::string expected = "https://" + PercentDecode(value);
  auto issuer = FulcioIssuer(leaf);
  if (!issuer) return Mismatch("the leaf certificate has no Fulcio issuer extension");
  if (*issuer != expected) {
    return Mismatch("the leaf certificate's Fulcio issuer is \"" + *issuer + "\", not \"" +
                    expected + "\"");
  }
  return Status::Ok();
}

}  // namespace

Status VerifyDidX509(std::string_view did, const std::vector<crypto::Certificate>& chain) {
  // did-x509 = "did:x509:" version ":" ca-fingerprint-alg ":" ca-fingerprint
  //            1*("::" predicate-name ":" predicate-value)
  constexpr std::string_view kPrefix = "did:x509:";
  if (!did.starts_with(kPrefix)) return Malformed("does not start with \"did:x509:\"");
  std::vector<std::string_view> parts = Split(did.substr(kPrefix.size()), "::");
  std::vector<std::string_view> head = Split(parts[0], ":");
  if (head.size() != 3) return Malformed("expected <version>:<hash alg>:<CA fingerprint>");
  if (head[0] != "0") {
    bool numeric = !head[0].empty() && std::all_of(head[0].begin(), head[0].end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) return Malformed("version must be a number");
    return MakeError(ErrorCode::kUnsupported,
                     "did:x509 version " + std::string(head[0]) + " is not supported (only 0)");
  }
  std::optional<crypto::HashAlgorithm> alg;
  if (head[1] == "sha256") alg = crypto::HashAlgorithm::kSha256;
  if (head[1] == "sha384") alg = crypto::HashAlgorithm::kSha384;
  if (head[1] == "sha512") alg = crypto::HashAlgorithm::kSha512;
  if (!alg)
    return Malformed("hash algorithm \"" + std::string(head[1]) +
                     "\" is not sha256, sha384 or sha512");
  std::string_view fingerprint = head[2];
  if (fingerprint.empty() || !std::all_of(fingerprint.begin(), fingerprint.end(), [](char c) {
        return IsAlnum(c) || c == '-' || c == '_';
      })) {
    return Malformed("CA fingerprint must be base64url without padding");
  }
  if (parts.size() < 2) return Malformed("at least one predicate (::<name>:<value>) is required");
  std::vector<Predicate> predicates;
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t colon = parts[i].find(':');
    if (colon == std::string_view::npos) {
      return Malformed("predicate \"" + std::string(parts[i]) + "\" has no value");
    }
    Predicate p{parts[i].substr(0, colon), parts[i].substr(colon + 1)};
    if (p.name != "subject" && p.name != "san" && p.name != "eku" && p.name != "fulcio-issuer") {
      return Malformed("unknown predicate \"" + std::string(p.name) +
                       "\" (known: subject, san, eku, fulcio-issuer)");
    }
    if (!ValidPredicateValue(p.value)) {
      return Malformed("the value of predicate " + std::string(p.name) +
                       " has a character outside ALPHA / DIGIT / . - _ / %XX");
    }
    predicates.push_back(p);
  }

  // Resolution step 1: at least two certificates; step 2: they form a chain.
  if (chain.size() < 2) {
    return Mismatch(
        "did:x509 needs a certificate chain of at least two certificates (leaf and CA)");
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!IssuedBy(chain[i], chain[i + 1])) {
      return Mismatch("certificate " + std::to_string(i + 1) + " (\"" + chain[i + 1].subject() +
                      "\") did not issue certificate " + std::to_string(i) + " (\"" +
                      chain[i].subject() +
                      "\"): the chain must be leaf first, each certificate followed by its issuer");
    }
  }
  SCITT_RETURN_IF_ERROR(CheckCriticalExtensions(chain));

  // "ca-fingerprint ... is a base64url-encoded digest of a non-leaf
  // certificate in the certificate chain".
  bool pinned = std::any_of(chain.begin() + 1, chain.end(), [&](const crypto::Certificate& ca) {
    return Base64UrlEncode(crypto::Digest(*alg, ca.der())) == fingerprint;
  });
  if (!pinned) {
    return Mismatch("no CA certificate in the chain has the " + std::string(head[1]) +
                    " fingerprint " + std::string(fingerprint));
  }
  const crypto::Certificate& leaf = chain.front();
  for (const Predicate& p : predicates) {
    Status status = p.name == "subject" ? CheckSubject(p.value, leaf)
                    : p.name == "san"   ? CheckSan(p.value, leaf)
                    : p.name == "eku"   ? CheckEku(p.value, leaf)
                                        : CheckFulcioIssuer(p.value, leaf);
    SCITT_RETURN_IF_ERROR(status);
  }
  return Status::Ok();
}

}  // namespace scitt::registration
