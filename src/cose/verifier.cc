#include "cose/verifier.h"

#include <algorithm>
#include <ctime>

#include "cose/issuer_keys.h"
#include "cose/labels.h"
#include "cose/receipt.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"

namespace scitt::cose {
namespace {

bool Equal(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

Check Pass(std::string name, std::string detail) { return Check{std::move(name), true, std::move(detail)}; }
Check Fail(std::string name, std::string detail) { return Check{std::move(name), false, std::move(detail)}; }

// One receipt against the statement's log entry; vds selects the profile.
Result<std::pair<Receipt, VerifiedReceipt>> VerifyParsedReceipt(ByteView encoded, const Sign1& statement,
                                                                 const std::vector<ServiceKey>& keys) {
  SCITT_ASSIGN_OR_RETURN(Receipt receipt, Receipt::Parse(encoded));
  const auto& kid = receipt.sign1.protected_headers().kid;
  const ServiceKey* key = nullptr;
  if (kid) {
    key = FindServiceKey(keys, *kid);
  } else if (keys.size() == 1) {
    key = &keys[0];
  }
  if (key == nullptr) {
    return MakeError(ErrorCode::kVerificationFailed, kid ? "no service key matches kid " + HexEncode(*kid)
                                                         : "receipt has no kid and several service keys are given");
  }
  auto entry = LogEntry(statement);
  Result<VerifiedReceipt> verified =
      receipt.vds == vds::kRfc9162Sha256  ? VerifyInclusionReceipt(receipt, entry, key->key)
      : receipt.vds == vds::kCcfLedgerSha256 ? VerifyCcfReceipt(receipt, entry, key->key)
          : Result<VerifiedReceipt>(MakeError(ErrorCode::kUnsupported,
                                              "unsupported vds " + std::to_string(receipt.vds)));
  if (!verified.ok()) return verified.error();
  return std::make_pair(std::move(receipt), std::move(*verified));
}

Check CheckOneReceipt(const std::string& name, ByteView encoded, const Sign1& statement,
                      const std::vector<ServiceKey>& keys, std::optional<int64_t>* first_iat) {
  auto checked = VerifyParsedReceipt(encoded, statement, keys);
  if (!checked.ok()) return Fail(name, checked.error().message);
  const auto& [receipt, verified] = *checked;
  if (!*first_iat && verified.issued_at) *first_iat = verified.issued_at;
  std::string detail = receipt.vds == vds::kRfc9162Sha256
                           ? "RFC 9162 inclusion, root " + HexEncode(verified.root)
                           : "CCF inclusion, root " + HexEncode(verified.root);
  if (verified.issuer) detail += ", service " + *verified.issuer;
  return Pass(name, detail);
}

// The x5chain the statement's identity rests on: protected, or unprotected
// when a protected x5t pins its leaf (RFC 9943 §"Signed Statements").
Result<std::vector<Bytes>> IdentityChain(const Sign1& statement) {
  const HeaderMap& prot = statement.protected_headers();
  if (!prot.x5chain.empty()) return prot.x5chain;
  const auto& chain = statement.unprotected_headers().x5chain;
  if (chain.empty()) return MakeError(ErrorCode::kInvalidArgument, "statement has no x5chain");
  if (!prot.x5t) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "x5chain is unprotected and no protected x5t pins it");
  }
  auto hash_alg = crypto::HashAlgorithmFromCose(prot.x5t->first);
  if (!hash_alg || !Equal(crypto::Digest(*hash_alg, chain[0]), prot.x5t->second)) {
    return MakeError(ErrorCode::kVerificationFailed, "x5t does not match the x5chain leaf");
  }
  return chain;
}

Check CheckIssuerWithChain(const Sign1& statement, const VerifyRequest& request, int64_t at_time) {
  const std::string name = "issuer signature";
  auto chain_der = IdentityChain(statement);
  if (!chain_der.ok()) return Fail(name, chain_der.error().message);
  std::vector<crypto::Certificate> chain;
  for (const Bytes& der : *chain_der) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok()) return Fail(name, "x5chain: " + cert.error().message);
    chain.push_back(std::move(cert).value());
  }
  crypto::ChainValidationOptions options;
  options.at_time = at_time;
  auto anchor = crypto::ValidateChain(chain, request.trust_anchors, options);
  if (!anchor.ok()) return Fail(name, "x5chain does not validate: " + anchor.error().message);
  // The same keyUsage rule as registration (RFC 5280 §4.2.1.3).
  if (Status usage = crypto::CheckSigningCertificate(chain[0]); !usage.ok()) {
    return Fail(name, usage.message());
  }
  Sign1VerifyOptions verify_options;
  if (request.payload) verify_options.detached_payload = ByteView(*request.payload);
  Status status = statement.VerifySignature(chain[0].public_key(), verify_options);
  if (!status.ok()) return Fail(name, status.message());
  return Pass(name, "x5chain leaf " + chain[0].subject() + " validates to " +
                        request.trust_anchors[*anchor].subject());
}

// The key is picked exactly as registration picks it (cose::IssuerKeys), and
// held to the alg it states, as registration does.
Check CheckIssuerWithKeys(const Sign1& statement, const VerifyRequest& request) {
  const std::string name = "issuer signature";
  const HeaderMap& prot = statement.protected_headers();
  const IssuerKeys issuer_keys(request.issuer_keys);
  const crypto::KeyWithId* key = issuer_keys.Find(prot.kid);
  if (key == nullptr) {
    return Fail(name, prot.kid ? "no issuer key matches kid " + HexEncode(*prot.kid) +
                                     ", by kid or by RFC 9679 thumbprint"
                               : "the statement has no protected kid, so it names none of the issuer "
                                 "keys (RFC 9943: kid is required unless x5t or x5chain is protected)");
  }
  if (prot.alg && !AllowsAlgorithm(*key, *prot.alg)) {
    return Fail(name, "the issuer key is for " + std::string(crypto::AlgorithmName(*key->alg)) +
                          " only; the statement uses alg " + std::to_string(*prot.alg));
  }
  Sign1VerifyOptions options;
  if (request.payload) options.detached_payload = ByteView(*request.payload);
  Status status = statement.VerifySignature(key->key, options);
  if (!status.ok()) return Fail(name, status.message());
  return Pass(name, "verified with key " + HexEncode(key->key.Thumbprint()));
}

// With --payload: the artifact must be what the statement signs (its hash
// for a hash envelope, the payload itself otherwise).
std::optional<Check> CheckPayload(const Sign1& statement, const VerifyRequest& request) {
  if (!request.payload) return std::nullopt;
  const std::string name = "payload";
  auto payload = statement.payload();
  if (!payload) return Pass(name, "detached payload supplied for the signature check");
  if (statement.is_hash_envelope()) {
    auto alg = crypto::HashAlgorithmFromCose(*statement.protected_headers().payload_hash_alg);
    if (!alg) return Fail(name, "unsupported payload-hash-alg");
    if (!Equal(crypto::Digest(*alg, *request.payload), *payload)) {
      return Fail(name, std::string(crypto::HashAlgorithmName(*alg)) + " of the file does not match the statement");
    }
    return Pass(name, std::string(crypto::HashAlgorithmName(*alg)) + " of the file matches the hash envelope");
  }
  if (!Equal(*request.payload, *payload)) return Fail(name, "the file differs from the statement payload");
  return Pass(name, "the file equals the statement payload");
}

}  // namespace

Result<VerifiedReceipt> VerifyReceipt(ByteView receipt, const Sign1& statement, const std::vector<ServiceKey>& keys) {
  SCITT_ASSIGN_OR_RETURN(auto checked, VerifyParsedReceipt(receipt, statement, keys));
  return std::move(checked.second);
}

Check CheckReceipt(const std::string& name, ByteView receipt, const Sign1& statement,
                   const std::vector<ServiceKey>& keys) {
  std::optional<int64_t> issued_at;
  return CheckOneReceipt(name, receipt, statement, keys, &issued_at);
}

bool VerifyReport::ok() const {
  return !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

Result<VerifyReport> VerifyStatement(const VerifyRequest& request) {
  auto parsed = Sign1::Parse(request.statement);
  if (!parsed.ok()) return parsed.error();
  const Sign1& statement = *parsed;
  VerifyReport report;

  std::vector<Bytes> receipts = statement.unprotected_headers().receipts;
  receipts.insert(receipts.end(), request.extra_receipts.begin(), request.extra_receipts.end());
  std::optional<int64_t> first_iat;
  if (receipts.empty()) {
    if (!request.service_keys.empty()) report.checks.push_back(Fail("receipts", "the statement carries no receipt"));
    else report.notes.push_back("no receipts: only the issuer signature was checked");
  } else if (request.service_keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the statement has receipts: give the service keys");
  }
  for (size_t i = 0; i < receipts.size() && !request.service_keys.empty(); ++i) {
    report.checks.push_back(CheckOneReceipt("receipt " + std::to_string(i + 1), receipts[i],
                                         statement, request.service_keys, &first_iat));
  }

  if (!request.trust_anchors.empty()) {
    int64_t at = request.at_time.value_or(first_iat.value_or(static_cast<int64_t>(std::time(nullptr))));
    report.checks.push_back(CheckIssuerWithChain(statement, request, at));
  } else if (!request.issuer_keys.empty()) {
    report.checks.push_back(CheckIssuerWithKeys(statement, request));
  } else {
    report.notes.push_back("issuer signature not checked: no issuer key or trust anchors given");
  }
  if (auto payload_check = CheckPayload(statement, request)) report.checks.push_back(*payload_check);
  if (report.checks.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "nothing to verify: give service keys, an issuer key or trust anchors");
  }
  return report;
}

}  // namespace scitt::cose
