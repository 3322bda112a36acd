#include "registration/registrar.h"

#include <utility>

#include "cose/labels.h"
#include "cose/transparent_statement.h"
#include "registration/identity.h"
#include "registration/identity_cache.h"
#include "registration/refusals.h"

namespace scitt::registration {
namespace {

constexpr size_t kMaxIssuerLength = 8192;  // RFC 9943: iss is 1..8192 characters

std::string LabelText(const cbor::Value& label) {
  if (label.is_text()) return "\"" + label.text() + "\"";
  auto v = label.AsInt64();
  std::string name = v ? cose::HeaderName(*v) : "";
  return (v ? std::to_string(*v) : "?") + (name.empty() ? "" : " (" + name + ")");
}

std::string SupportedAlgorithms() {
  std::string out;
  for (int64_t id : {-7, -35, -36, -8, -37, -38, -39}) {
    out += (out.empty() ? "" : ", ") +
           std::string(crypto::AlgorithmName(*crypto::AlgorithmFromCose(id)));
  }
  return out;
}

std::optional<std::string> MediaTypeText(const std::optional<cbor::Value>& value) {
  if (!value) return std::nullopt;
  if (value->is_text()) return value->text();
  return std::to_string(value->argument());  // a CoAP Content-Format number
}

std::optional<Refusal> CheckRequiredHeaders(const cose::Sign1& statement) {
  const cose::HeaderMap& prot = statement.protected_headers();
  const cose::HeaderMap& unprot = statement.unprotected_headers();
  if (!prot.alg) {
    return Refuse(title::kMalformed,
                  unprot.has(cose::header::kAlg)
                      ? "alg (label 1) must be in the protected header, not the unprotected one"
                      : "the protected header has no alg (label 1)",
                  "missing_alg");
  }
  if (!prot.cwt) {
    std::string detail =
        unprot.has(cose::header::kCwtClaims)
            ? "CWT claims (label 15) must be in the protected header, not the unprotected one"
            : "the protected header has no CWT claims (label 15) with iss and sub (RFC 9943, "
              "RFC 9597)";
    // Early SCITT drafts carried the issuer and feed as headers 391 and 392
    // (pyscitt without --uses-cwt still does); 13 and 14 held CWT claims
    // before RFC 9597 assigned 15.
    if (prot.has(391) || prot.has(392)) {
      detail +=
          "; the statement uses the pre-RFC issuer (391) and feed (392) headers instead, "
          "which are not accepted: put iss and sub in CWT claims (pyscitt: --uses-cwt)";
    } else if (prot.has(13) || prot.has(14)) {
      detail += "; labels 13 and 14 held CWT claims before RFC 9597 assigned label 15";
    }
    return Refuse(title::kMalformed, std::move(detail), "missing_cwt_claims");
  }
  const cose::CwtClaims& cwt = *prot.cwt;
  if (!cwt.iss || cwt.iss->empty()) {
    return Refuse(
        title::kMalformed,
        cwt.iss ? "CWT claim iss (1) is empty" : "CWT claims (label 15) have no iss (claim 1)",
        "missing_iss");
  }
  if (cwt.iss->size() > kMaxIssuerLength) {
    return Refuse(title::kMalformed,
                  "CWT claim iss (1) is " + std::to_string(cwt.iss->size()) +
                      " characters; RFC 9943 allows at most 8192",
                  "bad_iss");
  }
  if (!cwt.sub || cwt.sub->empty()) {
    return Refuse(
        title::kMalformed,
        cwt.sub ? "CWT claim sub (2) is empty" : "CWT claims (label 15) have no sub (claim 2)",
        "missing_sub");
  }
  if (!prot.kid && !prot.x5t && prot.x5chain.empty() && !cwt.cnf_key) {
    std::string detail =
        "the protected header identifies no issuer key: it needs kid (4), x5t (34), x5chain (33) "
        "or a CWT cnf (8) COSE_Key";
    if (unprot.kid) {
      detail +=
          "; an unprotected kid is not covered by the signature and is dropped from the "
          "registered statement";
    }
    if (!unprot.x5chain.empty()) {
      detail += "; an unprotected x5chain counts only when a protected x5t (34) pins its leaf";
    }
    return Refuse(title::kConfirmationMissing, std::move(detail), "missing_identity");
  }
  return std::nullopt;
}

}  // namespace

Registrar::Registrar(TrustConfig trust, std::shared_ptr<const policy::RegistrationPolicy> policy,
                     size_t max_statement_bytes, size_t identity_cache_entries)
    : trust_(std::move(trust)),
      issuer_keys_(trust_.issuer_keys),
      policy_(std::move(policy)),
      max_statement_bytes_(max_statement_bytes),
      chains_(std::make_unique<IdentityCache>(identity_cache_entries)),
      cnf_keys_(std::make_unique<IdentityCache>(identity_cache_entries)) {}

Registrar::~Registrar() = default;

std::variant<Accepted, Refusal> Registrar::Check(Bytes statement, int64_t now) const {
  return CheckIn(statement, now, [&statement](const cose::Sign1& parsed, Accepted& accepted) {
    accepted.registered_statement = parsed.TakeRegisteredForm(std::move(statement));
  });
}

std::variant<Accepted, Refusal> Registrar::Check(std::shared_ptr<MappedBytes> statement, int64_t now) const {
  const std::span<uint8_t> mapping = statement->writable();
  const auto offset = static_cast<size_t>(statement->bytes().data() - mapping.data());
  return CheckIn(mapping.subspan(offset, statement->bytes().size()), now,
                 [&statement, mapping](const cose::Sign1& parsed, Accepted& accepted) {
                   if (auto form = parsed.RegisteredFormInPlace(mapping)) {
                     statement->Narrow(*form);
                     accepted.mapped_registered_statement = std::move(statement);
                   } else {
                     accepted.registered_statement = parsed.RegisteredForm();
                   }
                 });
}

std::variant<Accepted, Refusal> Registrar::CheckIn(std::span<uint8_t> statement_bytes, int64_t now,
                                                   const Take& take) const {
  // 1. Size, before any parsing.
  if (statement_bytes.size() > max_statement_bytes_) {
    return Refuse(title::kTooLarge,
                  "the statement is " + std::to_string(statement_bytes.size()) +
                      " bytes; this service accepts at most " +
                      std::to_string(max_statement_bytes_),
                  "too_large", RefusalCode::kTooLarge);
  }

  // 2. Structure. RFC 9943's CDDL: Signed_Statement = #6.18(COSE_Sign1).
  cose::Sign1ParseOptions options;
  options.require_tag = true;
  // Borrowed: the statement's buffer becomes the registered statement at
  // the end, and a copy would be a second statement-sized buffer.
  auto parsed = cose::Sign1::ParseBorrowed(ByteView(statement_bytes), options);
  if (!parsed.ok()) {
    std::string detail = parsed.error().message;
    if (!statement_bytes.empty() && statement_bytes[0] == 0x84) {
      detail +=
          " (this is an untagged COSE_Sign1 array; RFC 9943 requires CBOR tag 18 on a "
          "signed statement)";
    }
    return Refuse(title::kMalformed, std::move(detail), "malformed");
  }
  const cose::Sign1& statement = *parsed;
  const cose::HeaderMap& prot = statement.protected_headers();

  // 3. Required headers.
  if (auto refusal = CheckRequiredHeaders(statement)) return std::move(*refusal);

  // 4. crit: RFC 9052 §3.1, a recipient that does not understand a listed
  // label must reject the message.
  for (const auto& label : prot.crit) {
    if (!cose::IsUnderstoodCriticalLabel(label)) {
      return Refuse(
          title::kUnsupportedCritical,
          "crit lists header " + LabelText(label) + ", which this service does not understand",
          "unknown_crit");
    }
  }

  // 5. Algorithm.
  auto alg = crypto::AlgorithmFromCose(*prot.alg);
  if (!alg) {
    return Refuse(title::kBadAlgorithm,
                  "signature algorithm " + std::to_string(*prot.alg) +
                      " is not supported (supported: " + SupportedAlgorithms() + ")",
                  "unsupported_alg");
  }
  if (!policy_->AlgorithmAllowed(*prot.alg)) {
    return Refuse(title::kBadAlgorithm,
                  "signature algorithm " + std::string(crypto::AlgorithmName(*alg)) +
                      " is not allowed by the registration policy",
                  "alg_not_allowed");
  }

  // 6. Payload.
  if (!statement.payload()) {
    return Refuse(title::kPayloadMissing,
                  "detached payloads are not supported: the service cannot verify what it does "
                  "not see; use a hash envelope (RFC 9995)",
                  "payload_missing");
  }
  // RFC 9995 §3: the payload of a hash envelope is the digest itself. An
  // unknown payload-hash-alg is refused, not passed through: the service
  // could not check the digest's size, and no relying party could check the
  // digest (docs/profile.md names the supported ones).
  if (statement.is_hash_envelope()) {
    auto hash = crypto::HashAlgorithmFromCose(*prot.payload_hash_alg);
    if (!hash) {
      return Refuse(title::kMalformed,
                    "payload-hash-alg (258) " + std::to_string(*prot.payload_hash_alg) +
                        " is not a hash algorithm this service supports (SHA-256 -16, SHA-384 -43, "
                        "SHA-512 -44)",
                    "unsupported_payload_hash_alg");
    }
    if (statement.payload()->size() != crypto::HashSize(*hash)) {
      return Refuse(title::kMalformed,
                    "a hash envelope's payload is the " + std::to_string(crypto::HashSize(*hash)) +
                        "-byte " + std::string(crypto::HashAlgorithmName(*hash)) +
                        " digest named by payload-hash-alg (258); this one is " +
                        std::to_string(statement.payload()->size()) + " bytes",
                    "bad_hash_envelope");
    }
  }

  // 7. Issuer identity.
  const bool cached = chains_->capacity() > 0;
  auto resolved = ResolveIdentity(statement, trust_, issuer_keys_, now, cached ? chains_.get() : nullptr,
                                  cached ? cnf_keys_.get() : nullptr);
  if (auto* refusal = std::get_if<Refusal>(&resolved)) return std::move(*refusal);
  Identity& identity = std::get<Identity>(resolved);

  // 8. Signature, over the protected bytes exactly as received.
  cose::Sign1VerifyOptions in_place;
  in_place.writable_source = statement_bytes;
  Status signature = statement.VerifySignature(identity.key, in_place);
  if (!signature.ok()) {
    return Refuse(title::kBadSignature,
                  signature.message() + " (key: the " + identity.description + ")",
                  "bad_signature");
  }

  // 9. Registration policy.
  policy::StatementFacts facts;
  facts.statement = &statement;
  facts.alg = *prot.alg;
  facts.issuer = *prot.cwt->iss;
  facts.subject = *prot.cwt->sub;
  facts.content_type = MediaTypeText(prot.content_type);
  facts.preimage_content_type = MediaTypeText(prot.preimage_content_type);
  facts.hash_envelope = statement.is_hash_envelope();
  facts.payload_size = statement.payload()->size();
  facts.identity = identity.mode;
  policy::Decision decision = policy_->Evaluate(facts);
  if (!decision.allowed) return Refuse(title::kRejected, decision.reason, "policy");

  Accepted accepted;
  accepted.entry_hash = cose::LogEntry(statement);
  accepted.signed_content = cose::SignedContent(statement);
  accepted.collateral = std::move(identity.collateral);
  accepted.issuer = facts.issuer;
  accepted.subject = facts.subject;
  accepted.identity = identity.mode;
  if (statement.is_hash_envelope() && prot.payload_location) {
    if (auto alg = crypto::HashAlgorithmFromCose(*prot.payload_hash_alg)) {
      const ByteView hash = *statement.payload();
      accepted.payload_location = Accepted::PayloadLocation{*alg, Bytes(hash.begin(), hash.end()),
                                                            *prot.payload_location};
    }
  }
  // Last: the statement's views end here.
  take(statement, accepted);
  return accepted;
}

}  // namespace scitt::registration
