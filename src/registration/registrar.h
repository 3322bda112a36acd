// The registration pipeline (DESIGN.md §2): decode → identify → verify →
// policy. Checks run cheap ones first; every refusal says exactly what was
// wrong, with the RFC 9290 title and detail the HTTP-facing layer sends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/mapped_bytes.h"
#include "cose/issuer_keys.h"
#include "crypto/algorithm.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "policy/registration_policy.h"

namespace scitt::cose {
class Sign1;
}  // namespace scitt::cose

namespace scitt::registration {

// Who may register: X.509 trust anchors, known issuer keys (by kid), and
// whether self-asserted CWT cnf keys are allowed.
struct TrustConfig {
  std::vector<crypto::Certificate> trust_anchors;
  std::vector<crypto::KeyWithId> issuer_keys;
  bool allow_self_asserted = false;
  // Canonical JSON of the above (anchors as base64 DER, keys as JWKs,
  // sorted keys): what gets registered as the trust statement.
  std::string CanonicalJson() const;
};

struct Accepted {
  Bytes registered_statement;          // tag 18, unprotected = {}
  // Instead of `registered_statement` (then empty): the registered form
  // inside the file mapping the statement was submitted in.
  std::shared_ptr<const MappedBytes> mapped_registered_statement;
  crypto::Sha256Digest entry_hash{};   // SHA-256(registered_statement)
  crypto::Sha256Digest signed_content{};  // cose::SignedContent: the duplicate check's key
  Bytes collateral;                    // CBOR {"x5chain": [bstr…]} when an unprotected
                                       // chain was used; empty otherwise
  std::string issuer;
  std::string subject;
  std::string identity;                // "x509", "issuer-key", "self-asserted"
  // A hash envelope (RFC 9995) that says where its preimage is: the signed
  // hash, its algorithm, and the payload-location (260).
  struct PayloadLocation {
    crypto::HashAlgorithm alg;
    Bytes hash;
    std::string location;
  };
  std::optional<PayloadLocation> payload_location;

  ByteView registered_bytes() const {
    return mapped_registered_statement ? mapped_registered_statement->bytes() : ByteView(registered_statement);
  }
};

// Why a statement was refused, as a class the HTTP-facing layer maps to a
// status once (api/problems.cc); this layer knows nothing of HTTP.
enum class RefusalCode {
  kTooLarge,  // over the size limit, refused before parsing
  kInvalid,   // any other check: structure, headers, identity, signature, policy
};

struct Refusal {
  RefusalCode code = RefusalCode::kInvalid;
  std::string title;   // RFC 9290 title, e.g. "Bad Signature Algorithm"
  std::string detail;  // what exactly was wrong
  std::string reason;  // short label for metrics, e.g. "bad_signature"
};

class IdentityCache;

class Registrar {
 public:
  // `identity_cache_entries`: x5chain validations, and CWT cnf keys, kept
  // (identity_cache.h), of each; 0: none.
  Registrar(TrustConfig trust, std::shared_ptr<const policy::RegistrationPolicy> policy,
            size_t max_statement_bytes = 1 << 20, size_t identity_cache_entries = 4096);
  ~Registrar();

  // Runs every check on a submitted statement, in this order: size (413),
  // COSE structure (tag 18 required, no trailing bytes), required headers
  // (alg; CWT claims with iss and sub; kid, x5t, x5chain or cnf), crit,
  // algorithm allowed, detached payload refused, issuer identity, signature,
  // policy. Thread-safe; no I/O. The statement is taken: the signature is
  // checked inside it and it becomes Accepted::registered_statement, so a
  // statement of hundreds of megabytes is held once.
  std::variant<Accepted, Refusal> Check(Bytes statement, int64_t now) const;
  // The same for a statement submitted into a file mapping
  // (ScratchFile::MapWritable; its bytes() the statement, within a mapping
  // that begins at least 16 bytes before it, room for the tag the
  // registered form may add): the registered form is made inside the
  // mapping (Accepted::mapped_registered_statement), so a statement of
  // hundreds of megabytes never enters the heap.
  std::variant<Accepted, Refusal> Check(std::shared_ptr<MappedBytes> statement, int64_t now) const;

  const TrustConfig& trust() const { return trust_; }
  const policy::RegistrationPolicy& policy() const { return *policy_; }
  // What the identity caches hold, for /metrics.
  const IdentityCache& chain_cache() const { return *chains_; }
  const IdentityCache& cnf_key_cache() const { return *cnf_keys_; }

 private:
  // Check's steps over `statement`, writable so that the signature is
  // checked in place; `take` stores the registered form in the Accepted,
  // last, while `parsed` still views the statement.
  using Take = std::function<void(const cose::Sign1& parsed, Accepted& accepted)>;
  std::variant<Accepted, Refusal> CheckIn(std::span<uint8_t> statement, int64_t now, const Take& take) const;

  TrustConfig trust_;
  cose::IssuerKeys issuer_keys_;  // trust_.issuer_keys, with their thumbprints
  std::shared_ptr<const policy::RegistrationPolicy> policy_;
  size_t max_statement_bytes_;
  std::unique_ptr<IdentityCache> chains_;    // x5chain validations under trust_'s anchors
  std::unique_ptr<IdentityCache> cnf_keys_;  // CWT cnf COSE_Keys, parsed
};

// did:x509 (DIF did:x509 method, version 0): "did:x509:0:<hash alg>:<base64url
// hash of one CA certificate in the chain>::<policy>:<value>[::…]" with
// policies subject (key:value pairs, e.g. "subject:CN:Leaf:O:Example"), san
// (type:value), eku (dotted OID). `chain` is leaf first and already
// validated. Ok when the DID matches the chain.
Status VerifyDidX509(std::string_view did, const std::vector<crypto::Certificate>& chain);

}  // namespace scitt::registration
