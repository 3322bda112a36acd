#include "oci_client/scitt_evidence.h"

#include <set>

#include "cose/verifier.h"
#include "registry/scitt_profile.h"

namespace scitt::oci_client {
namespace {

struct Walk {
  RegistryClient& client;
  const std::string& repository;
  const WalkLimits& limits;
  std::set<registry::Digest> seen;
  size_t nodes = 0;

  Result<std::vector<ReferrerNode>> Children(const registry::Digest& subject,
                                             const std::optional<std::string>& artifact_type, size_t depth) {
    std::vector<ReferrerNode> out;
    SCITT_ASSIGN_OR_RETURN(ReferrersListing listing, client.ListReferrers(repository, subject, artifact_type));
    if (!listing.referrers.empty() && depth >= limits.max_depth) {
      return MakeError(ErrorCode::kUnsupported,
                       "referrers nest deeper than " + std::to_string(limits.max_depth) + " levels");
    }
    for (registry::Descriptor& descriptor : listing.referrers) {
      if (++nodes > limits.max_nodes) {
        return MakeError(ErrorCode::kUnsupported,
                         "more than " + std::to_string(limits.max_nodes) + " referrers in the tree");
      }
      ReferrerNode node{std::move(descriptor), {}};
      if (seen.insert(node.descriptor.digest).second) {
        SCITT_ASSIGN_OR_RETURN(node.referrers, Children(node.descriptor.digest, std::nullopt, depth + 1));
      }
      out.push_back(std::move(node));
    }
    return out;
  }
};

}  // namespace

Result<std::vector<ReferrerNode>> WalkReferrers(RegistryClient& client, const std::string& repository,
                                                const registry::Digest& subject,
                                                const std::optional<std::string>& artifact_type,
                                                const WalkLimits& limits) {
  Walk walk{client, repository, limits, {subject}};
  return walk.Children(subject, artifact_type, 0);
}

Result<LoadedStatement> LoadStatement(RegistryClient& client, const std::string& repository,
                                      const registry::Digest& manifest_digest) {
  LoadedStatement out;
  SCITT_ASSIGN_OR_RETURN(out.manifest, client.GetManifest(repository, manifest_digest.ToString()));
  const std::optional<registry::Descriptor> layer = registry::StatementLayer(out.manifest.parsed);
  if (!layer) {
    return MakeError(ErrorCode::kMalformed, manifest_digest.ToString() + " is not a statement manifest");
  }
  SCITT_ASSIGN_OR_RETURN(out.bytes, client.PullBlob(repository, *layer));
  auto sign1 = cose::Sign1::Parse(out.bytes);
  if (!sign1.ok()) {
    return MakeError(ErrorCode::kMalformed,
                     "the statement in " + manifest_digest.ToString() + ": " + sign1.error().message);
  }
  if (const auto& cwt = sign1->protected_headers().cwt) {
    out.issuer = cwt->iss.value_or("");
    out.subject = cwt->sub.value_or("");
  }
  out.sign1 = std::move(sign1).value();
  return out;
}

Result<LoadedReceipt> LoadReceipt(RegistryClient& client, const std::string& repository,
                                  const registry::Digest& manifest_digest) {
  LoadedReceipt out;
  SCITT_ASSIGN_OR_RETURN(out.manifest, client.GetManifest(repository, manifest_digest.ToString()));
  const std::optional<registry::Descriptor> layer = registry::ReceiptLayer(out.manifest.parsed);
  if (!layer || !out.manifest.parsed.subject) {
    return MakeError(ErrorCode::kMalformed, manifest_digest.ToString() + " is not a receipt manifest");
  }
  SCITT_ASSIGN_OR_RETURN(out.bytes, client.PullBlob(repository, *layer));
  return out;
}

std::string ReceiptVerdict::ToString() const {
  switch (state) {
    case ReceiptState::kVerified: return "verified";
    case ReceiptState::kFailed: return "FAILED: " + detail;
    case ReceiptState::kNotChecked: break;
  }
  return "not checked (no keys)";
}

ReceiptVerdict VerifyReceipt(const cose::Sign1& statement, ByteView receipt,
                             const std::vector<cose::ServiceKey>& keys) {
  if (keys.empty()) return {ReceiptState::kNotChecked, ""};
  const cose::Check check = cose::CheckReceipt("receipt", receipt, statement, keys);
  return {check.passed ? ReceiptState::kVerified : ReceiptState::kFailed, check.detail};
}

EvidenceChecker::EvidenceChecker(RegistryClient& client, std::string repository,
                                 std::vector<cose::ServiceKey> keys)
    : client_(client), repository_(std::move(repository)), keys_(std::move(keys)) {}

Result<const LoadedStatement*> EvidenceChecker::Statement(const registry::Digest& digest) {
  auto found = statements_.find(digest);
  if (found == statements_.end()) {
    SCITT_ASSIGN_OR_RETURN(LoadedStatement loaded, LoadStatement(client_, repository_, digest));
    found = statements_.emplace(digest, std::move(loaded)).first;
  }
  return &found->second;
}

Result<EvidenceChecker::CheckedReceipt> EvidenceChecker::Receipt(const registry::Digest& digest) {
  CheckedReceipt out;
  SCITT_ASSIGN_OR_RETURN(out.receipt, LoadReceipt(client_, repository_, digest));
  const registry::Digest& subject = out.receipt.manifest.parsed.subject->digest;
  auto statement = Statement(subject);
  if (!statement.ok()) {
    if (statement.error().code != ErrorCode::kMalformed) return statement.error();
    out.verdict = {ReceiptState::kFailed, "its subject " + subject.ToString() + ": " + statement.error().message};
    return out;
  }
  out.verdict = VerifyReceipt(*(*statement)->sign1, out.receipt.bytes, keys_);
  return out;
}

std::vector<ReceiptVerdict> EvidenceChecker::EmbeddedReceipts(const cose::Sign1& statement) const {
  std::vector<ReceiptVerdict> out;
  for (const Bytes& receipt : statement.unprotected_headers().receipts) {
    out.push_back(VerifyReceipt(statement, receipt, keys_));
  }
  return out;
}

}  // namespace scitt::oci_client
