#include "registration/identity.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "cbor/encoder.h"
#include "cose/cose_key.h"
#include "cose/labels.h"
#include "crypto/hash.h"
#include "registration/collateral.h"
#include "registration/identity_cache.h"
#include "registration/refusals.h"

namespace scitt::registration {
namespace {

constexpr std::string_view kDidX509Prefix = "did:x509:";

// "0a0b…" plus the text form when every byte is printable ASCII.
std::string DescribeKid(ByteView kid) {
  std::string out = HexEncode(kid);
  bool printable = !kid.empty() && std::all_of(kid.begin(), kid.end(),
                                               [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
  if (printable) out += " (\"" + ToString(kid) + "\")";
  return out;
}

std::optional<Bytes> CertificateHash(int64_t cose_hash_alg, const crypto::Certificate& cert) {
  auto alg = crypto::HashAlgorithmFromCose(cose_hash_alg);
  if (!alg) return std::nullopt;
  return crypto::Digest(*alg, cert.der());
}

Refusal UnsupportedX5tHash(int64_t alg) {
  return Refuse(title::kMalformed,
                "x5t (34) uses hash algorithm " + std::to_string(alg) +
                    ", which is not supported (SHA-256 -16, SHA-384 -43, SHA-512 -44)",
                "unsupported_x5t_hash");
}

Result<std::vector<crypto::Certificate>> ParseChain(const std::vector<Bytes>& der) {
  std::vector<crypto::Certificate> chain;
  for (size_t i = 0; i < der.size(); ++i) {
    auto cert = crypto::Certificate::FromDer(der[i]);
    if (!cert.ok()) {
      return MakeError(ErrorCode::kMalformed, "x5chain (33) certificate " + std::to_string(i) +
                                                  ": " + cert.error().message);
    }
    chain.push_back(std::move(*cert));
  }
  return chain;
}

// The certification path did:x509 is checked against: the submitted chain,
// plus the anchor it validated to when that anchor is not already in it and
// issued the chain's last certificate (a chain sent without its root).
std::vector<crypto::Certificate> DidPath(std::vector<crypto::Certificate> chain,
                                         const crypto::Certificate& anchor) {
  bool present = std::any_of(chain.begin(), chain.end(),
                             [&](const crypto::Certificate& c) { return c.der() == anchor.der(); });
  if (!present && IssuedBy(chain.back(), anchor)) chain.push_back(anchor);
  return chain;
}

// The times a chain validation holds for: within every certificate's
// validity, the anchor's included.
struct Window {
  int64_t from = INT64_MIN, until = INT64_MAX;
  void Narrow(const crypto::Certificate& cert) {
    from = std::max(from, cert.not_before());
    until = std::min(until, cert.not_after());
  }
};

// The x509 identity: the chain (leaf first) validated to a trust anchor at
// `now`, and a did:x509 issuer verified against it; `window` (when not
// null) the times the validation holds for.
std::variant<Identity, Refusal> X509Identity(const std::vector<crypto::Certificate>& chain,
                                             const TrustConfig& trust, const std::string& iss,
                                             int64_t now, Window* window = nullptr) {
  if (trust.trust_anchors.empty()) {
    return Refuse(title::kUntrustedChain,
                  "the statement is identified by an X.509 certificate, and this service has no "
                  "trust anchors configured",
                  "untrusted_chain");
  }
  crypto::ChainValidationOptions options;
  options.at_time = now;
  auto anchor = crypto::ValidateChain(chain, trust.trust_anchors, options);
  if (!anchor.ok()) {
    return Refuse(title::kUntrustedChain,
                  "the x5chain does not validate to a configured trust anchor at time " +
                      std::to_string(now) + ": " + anchor.error().message,
                  "untrusted_chain");
  }
  const crypto::Certificate& leaf = chain.front();
  // RFC 5280 §4.2.1.3: a key whose keyUsage lacks digitalSignature (a CA's
  // keyCertSign-only key, say) may not sign statements.
  if (Status usage = crypto::CheckSigningCertificate(leaf); !usage.ok()) {
    return Refuse(title::kUntrustedChain, usage.message(), "leaf_key_usage");
  }
  Identity identity;
  identity.mode = kIdentityX509;
  identity.key = leaf.public_key();
  identity.description = "x5chain leaf \"" + leaf.subject() + "\"";
  if (!identity.key.valid()) {
    return Refuse(title::kBadAlgorithm,
                  "the key type of the " + identity.description + " is not supported",
                  "unsupported_key");
  }
  if (iss.starts_with(kDidX509Prefix)) {
    Status did = VerifyDidX509(iss, DidPath(chain, trust.trust_anchors[*anchor]));
    if (!did.ok()) {
      return Refuse(title::kIssuerMismatch,
                    "CWT iss \"" + iss + "\" does not match the x5chain: " + did.message(),
                    "did_x509_mismatch");
    }
  }
  if (window != nullptr) {
    for (const crypto::Certificate& cert : chain) window->Narrow(cert);
    window->Narrow(trust.trust_anchors[*anchor]);
  }
  return identity;
}

// The identity an x5chain gives: from `cache` when it validated this chain
// for this issuer and still holds at `now`; else parsed and validated, and
// kept. A protected x5t must pin the leaf as carried.
std::variant<Identity, Refusal> ChainIdentity(const std::vector<Bytes>& chain_der, const cose::HeaderMap& prot,
                                              bool unprotected_chain, const TrustConfig& trust,
                                              const std::string& iss, int64_t now, IdentityCache* cache) {
  std::optional<IdentityCache::Key> key;
  std::optional<Identity> cached;
  if (cache != nullptr) {
    key = IdentityCache::KeyOf(chain_der, iss);
    cached = cache->Find(*key, now);
  }
  std::vector<crypto::Certificate> chain;
  if (!cached) {
    auto parsed = ParseChain(chain_der);
    if (!parsed.ok()) return Refuse(title::kMalformed, parsed.error().message, "bad_certificate");
    chain = std::move(*parsed);
  }
  if (prot.x5t) {
    auto alg = crypto::HashAlgorithmFromCose(prot.x5t->first);
    if (!alg) return UnsupportedX5tHash(prot.x5t->first);
    if (crypto::Digest(*alg, chain_der.front()) != prot.x5t->second) {
      return Refuse(title::kInconsistentIdentity,
                    std::string("x5t (34) does not match the leaf of the ") +
                        (unprotected_chain ? "unprotected" : "protected") + " x5chain (33)",
                    "x5t_mismatch");
    }
  }
  if (cached) return std::move(*cached);
  Window window;
  auto resolved = X509Identity(chain, trust, iss, now, &window);
  if (cache != nullptr && std::holds_alternative<Identity>(resolved)) {
    cache->Insert(*key, std::get<Identity>(resolved), window.from, window.until);
  }
  return resolved;
}

// The CWT cnf key, held to the alg its COSE_Key states: RFC 9052 §7.1, "alg:
// This parameter is used to restrict the algorithm that is used with the
// key", as for configured issuer keys. An alg we cannot compare (text, or an
// algorithm we do not know) restricts the key to something that is not the
// statement's alg either.
std::variant<Identity, Refusal> CnfIdentity(const cbor::Value& cose_key, int64_t statement_alg,
                                            IdentityCache* cache) {
  Result<crypto::PublicKey> key = MakeError(ErrorCode::kInternal, "");
  std::optional<Identity> cached;
  IdentityCache::Key cache_key{};
  if (cache != nullptr) {
    cache_key = IdentityCache::KeyOf({cbor::Encode(cose_key)}, "cnf");
    cached = cache->Find(cache_key, 0);
  }
  if (cached) {
    key = std::move(cached->key);
  } else {
    key = cose::PublicKeyFromCoseKey(cose_key);
    if (key.ok() && cache != nullptr) {
      // A key holds for all time: only the statement's alg is checked anew.
      cache->Insert(cache_key, Identity{kIdentitySelfAsserted, *key, "CWT cnf key", {}}, INT64_MIN, INT64_MAX);
    }
  }
  if (!key.ok()) {
    return Refuse(title::kMalformed, "CWT cnf (8) COSE_Key: " + key.error().message, "bad_cnf_key");
  }
  if (const cbor::Value* alg = cose_key.Find(cose::key_param::kAlg); alg != nullptr && alg->AsInt64() != statement_alg) {
    auto id = alg->AsInt64();
    auto known = id ? crypto::AlgorithmFromCose(*id) : std::nullopt;
    std::string stated = known ? std::string(crypto::AlgorithmName(*known)) + " (" + std::to_string(*id) + ")"
                         : id  ? std::to_string(*id)
                         : alg->is_text() ? "\"" + alg->text() + "\""
                                          : "a value out of range";
    return Refuse(title::kBadAlgorithm,
                  "the CWT cnf (8) COSE_Key is restricted by its alg (3) to " + stated +
                      "; the statement uses " +
                      std::string(crypto::AlgorithmName(*crypto::AlgorithmFromCose(statement_alg))),
                  "alg_key_mismatch");
  }
  return Identity{kIdentitySelfAsserted, std::move(*key), "CWT cnf key", {}};
}

}  // namespace

bool IssuedBy(const crypto::Certificate& child, const crypto::Certificate& issuer) {
  bool issued = X509_check_issued(issuer.x509(), child.x509()) == X509_V_OK;
  EVP_PKEY* key = X509_get0_pubkey(issuer.x509());
  issued = issued && key != nullptr && X509_verify(child.x509(), key) == 1;
  ERR_clear_error();
  return issued;
}

std::variant<Identity, Refusal> ResolveIdentity(const cose::Sign1& statement,
                                                const TrustConfig& trust,
                                                const cose::IssuerKeys& issuer_keys, int64_t now,
                                                IdentityCache* chains, IdentityCache* cnf_keys) {
  const cose::HeaderMap& prot = statement.protected_headers();
  const cose::HeaderMap& unprot = statement.unprotected_headers();
  const cose::CwtClaims& cwt = *prot.cwt;
  const std::string& iss = *cwt.iss;

  // RFC 9943: with X.509, x5t or x5chain is protected; an unprotected
  // x5chain counts only when a protected x5t pins its leaf.
  const std::vector<Bytes>* chain_der = nullptr;
  bool unprotected_chain = false;
  if (!prot.x5chain.empty()) {
    chain_der = &prot.x5chain;
  } else if (!unprot.x5chain.empty() && prot.x5t) {
    chain_der = &unprot.x5chain;
    unprotected_chain = true;
  }
  bool x509 = chain_der != nullptr || prot.x5t.has_value();
  // did:x509 spec, "Use of identifier contents": a did:x509 string means
  // nothing until resolved against a verified chain.
  if (iss.starts_with(kDidX509Prefix) && !x509) {
    return Refuse(title::kIssuerMismatch,
                  "CWT iss \"" + iss +
                      "\" is a did:x509 identifier, which is verified against "
                      "an x5chain (33), and this statement has none",
                  "did_x509_without_chain");
  }

  Identity identity;
  const crypto::KeyWithId* issuer_key = nullptr;
  if (x509) {
    std::variant<Identity, Refusal> resolved;
    if (chain_der != nullptr) {
      resolved = ChainIdentity(*chain_der, prot, unprotected_chain, trust, iss, now, chains);
    } else {
      // Only a protected x5t: it must pin a configured anchor (a pinned leaf).
      std::vector<crypto::Certificate> chain;
      for (const auto& anchor : trust.trust_anchors) {
        auto hash = CertificateHash(prot.x5t->first, anchor);
        if (!hash) return UnsupportedX5tHash(prot.x5t->first);
        if (*hash == prot.x5t->second) chain.push_back(anchor);
      }
      if (chain.empty()) {
        return Refuse(title::kUnknownCertificate,
                      "x5t (34) names certificate " + HexEncode(prot.x5t->second) +
                          ", which is neither carried in an x5chain (33) nor a configured trust "
                          "anchor",
                      "unknown_certificate");
      }
      chain.resize(1);
      resolved = X509Identity(chain, trust, iss, now);
    }
    if (auto* refusal = std::get_if<Refusal>(&resolved)) return std::move(*refusal);
    identity = std::move(std::get<Identity>(resolved));
    if (unprotected_chain) identity.collateral = EncodeCollateral(*chain_der);
  } else if (prot.kid) {
    issuer_key = issuer_keys.Find(prot.kid);
    if (issuer_key != nullptr) {
      identity = Identity{
          kIdentityIssuerKey, issuer_key->key, "issuer key with kid " + DescribeKid(*prot.kid), {}};
    } else {
      // A kid that is the thumbprint of the statement's own cnf key names
      // that key (CCF's attested services do this).
      std::optional<crypto::PublicKey> cnf_key;
      if (cwt.cnf_key) {
        auto key = cose::PublicKeyFromCoseKey(*cwt.cnf_key);
        if (key.ok()) cnf_key = std::move(*key);
      }
      auto thumbprint = cnf_key ? cnf_key->Thumbprint() : std::array<uint8_t, 32>{};
      if (!cnf_key ||
          !std::equal(prot.kid->begin(), prot.kid->end(), thumbprint.begin(), thumbprint.end())) {
        return Refuse(title::kUnknownKey,
                      "kid " + DescribeKid(*prot.kid) +
                          " matches no configured issuer key, by kid or by RFC 9679 thumbprint",
                      "unknown_kid");
      }
    }
  }
  if (identity.mode.empty()) {
    if (!trust.allow_self_asserted) {
      return Refuse(title::kSelfAssertedNotAllowed,
                    "the statement is identified only by the key in its CWT cnf (8) claim, and "
                    "this service does not accept self-asserted keys",
                    "self_asserted_not_allowed");
    }
    auto resolved = CnfIdentity(*cwt.cnf_key, *prot.alg, cnf_keys);
    if (auto* refusal = std::get_if<Refusal>(&resolved)) return std::move(*refusal);
    identity = std::move(std::get<Identity>(resolved));
  }

  // RFC 9943: "each one the TS knows about must be checked". A kid naming a
  // configured key must name this key; a kid the service cannot resolve is
  // ignored next to a certificate (signers put many things in kid).
  if (prot.kid && identity.mode != kIdentityIssuerKey) {
    const crypto::KeyWithId* named = issuer_keys.Find(prot.kid);
    if (named != nullptr && !(named->key == identity.key)) {
      return Refuse(title::kInconsistentIdentity,
                    "kid " + DescribeKid(*prot.kid) +
                        " names a configured issuer key that is not the " + identity.description,
                    "inconsistent_identity");
    }
  }
  // A confirmation key is the signer's own claim about its key: it must be
  // the key that signed.
  if (cwt.cnf_key && identity.mode != kIdentitySelfAsserted) {
    auto resolved = CnfIdentity(*cwt.cnf_key, *prot.alg, cnf_keys);
    if (auto* refusal = std::get_if<Refusal>(&resolved)) return std::move(*refusal);
    if (!(std::get<Identity>(resolved).key == identity.key)) {
      return Refuse(title::kInconsistentIdentity,
                    "the CWT cnf (8) key is not the " + identity.description,
                    "inconsistent_identity");
    }
  }
  if (issuer_key != nullptr && !cose::AllowsAlgorithm(*issuer_key, *prot.alg)) {
    return Refuse(title::kBadAlgorithm,
                  "the " + identity.description + " is configured for " +
                      std::string(crypto::AlgorithmName(*issuer_key->alg)) +
                      " only; the statement uses " +
                      std::string(crypto::AlgorithmName(*crypto::AlgorithmFromCose(*prot.alg))),
                  "alg_key_mismatch");
  }
  return identity;
}

}  // namespace scitt::registration
