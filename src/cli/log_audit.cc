#include "cli/log_audit.h"

#include <algorithm>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cose/cose_key.h"
#include "cose/labels.h"
#include "cose/service_keys.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/x509.h"
#include "log/checkpoint.h"
#include "merkle/tree.h"
#include "registration/collateral.h"
#include "registration/registrar.h"
#include "registration/service_statements.h"

namespace scitt::cli {
namespace {

constexpr std::string_view kTrustSubject = registration::kTrustConfiguration.subject;
constexpr std::string_view kPolicySubject = registration::kRegistrationPolicy.subject;

class Auditor {
 public:
  Auditor(AuditSource& source, std::vector<cose::ServiceKey> keys, std::string vkey)
      : source_(source), keys_(std::move(keys)), vkey_(std::move(vkey)) {}

  Status Run(AuditReport* report) {
    report_ = report;
    SCITT_RETURN_IF_ERROR(ReadEntries());
    CheckSignedContentsAreUnique();
    SCITT_RETURN_IF_ERROR(CheckTreeHeads());
    SCITT_RETURN_IF_ERROR(CheckLatestCheckpoint());
    SCITT_RETURN_IF_ERROR(CheckTiles());
    return Status::Ok();
  }

 private:
  void Problem(std::string what) {
    if (report_->problems.size() < 100) report_->problems.push_back(std::move(what));
  }

  Status ReadEntries() {
    for (;;) {
      SCITT_ASSIGN_OR_RETURN(auto page, source_.Entries(tree_.size()));
      if (page.empty()) return Status::Ok();
      for (const auto& entry : page) {
        if (entry.index != tree_.size()) {
          return MakeError(ErrorCode::kMalformed, "entry " + std::to_string(entry.index) + " arrived out of order");
        }
        CheckEntry(entry);
        tree_.Append(merkle::HashLeaf(entry.entry_hash));
        entry_hashes_.push_back(entry.entry_hash);
        ++report_->entries;
      }
    }
  }

  void CheckEntry(const log::LogEntry& entry) {
    std::string where = "entry " + std::to_string(entry.index) + ": ";
    auto statement = cose::Sign1::Parse(entry.statement);
    if (!statement.ok()) return Problem(where + statement.error().message);
    if (statement->RegisteredForm() != entry.statement) return Problem(where + "is not in registered form");
    if (cose::LogEntry(*statement) != entry.entry_hash) return Problem(where + "entry hash differs from SHA-256 of the statement");
    signed_contents_.emplace_back(cose::SignedContent(*statement), entry.index);
    // The service's own statements: signed by a service key (checked in
    // ReplayServiceStatement) about one of the two configuration subjects,
    // or admission verdicts its deployment gates registered (by content type).
    const auto& headers = statement->protected_headers();
    const cose::ServiceKey* service_key = headers.kid ? cose::FindServiceKey(keys_, *headers.kid) : nullptr;
    const bool configuration = headers.cwt && headers.cwt->sub &&
                               (*headers.cwt->sub == kTrustSubject || *headers.cwt->sub == kPolicySubject);
    if (service_key != nullptr && configuration) return ReplayServiceStatement(entry, *statement);
    if (service_key != nullptr &&
        cose::PayloadContentType(*statement) == registration::kAdmissionVerdictContentType) {
      return CheckAdmissionVerdict(entry, *statement, *service_key);
    }
    ReplayRegistration(entry, *statement);
  }

  // docs/profile.md: one registration per signed content. Two entries that
  // sign the same content (e.g. an ECDSA signature and its (r, n - s) twin)
  // mean the log registered a statement twice. Sorted once at the end: 40
  // bytes per entry, no hash map.
  void CheckSignedContentsAreUnique() {
    std::sort(signed_contents_.begin(), signed_contents_.end());
    size_t first = 0;  // the earliest entry with the current content
    for (size_t i = 1; i < signed_contents_.size(); ++i) {
      if (signed_contents_[i].first != signed_contents_[first].first) {
        first = i;
        continue;
      }
      Problem("entry " + std::to_string(signed_contents_[i].second) +
              ": signs the same content as entry " + std::to_string(signed_contents_[first].second) +
              " (the same statement registered twice)");
    }
    signed_contents_ = {};
  }

  // Trust configuration and policy statements: signed by the service.
  void ReplayServiceStatement(const log::LogEntry& entry, const cose::Sign1& statement) {
    std::string where = "entry " + std::to_string(entry.index) + ": ";
    const auto& kid = statement.protected_headers().kid;
    const cose::ServiceKey* key = kid ? cose::FindServiceKey(keys_, *kid) : nullptr;
    if (key == nullptr) return Problem(where + "service statement signed with an unknown key");
    Status signature = statement.VerifySignature(key->key);
    if (!signature.ok()) return Problem(where + "service statement: " + signature.message());
    ByteView payload = statement.payload().value_or(ByteView());
    if (*statement.protected_headers().cwt->sub == kTrustSubject) {
      auto trust = registration::ParseTrustConfig(payload);
      if (!trust.ok()) return Problem(where + trust.error().message);
      trust_ = std::make_shared<registration::TrustConfig>(std::move(trust).value());
      trust_index_ = entry.index;
    } else {
      auto policy = policy::RegistrationPolicy::FromJson(ToString(payload));
      if (!policy.ok()) return Problem(where + "policy: " + policy.error().message);
      policies_[entry.index] = *policy;
    }
  }

  // An admission verdict: the service's signature, and a verdict in it
  // (its decision can be replayed with `scitt appraise --tree-size --at`).
  void CheckAdmissionVerdict(const log::LogEntry& entry, const cose::Sign1& statement, const cose::ServiceKey& key) {
    std::string where = "entry " + std::to_string(entry.index) + ": admission verdict: ";
    Status signature = statement.VerifySignature(key.key);
    if (!signature.ok()) return Problem(where + signature.message());
    const ByteView payload = statement.payload().value_or(ByteView());
    const auto verdict = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (!verdict.is_object() || !verdict.contains("decision") || !verdict["decision"].is_string()) {
      return Problem(where + "the payload is not a verdict");
    }
    ++report_->admission_verdicts;
  }

  // Every other statement must pass registration again, at its
  // registration time, under the trust and policy in force then.
  void ReplayRegistration(const log::LogEntry& entry, const cose::Sign1& statement) {
    std::string where = "entry " + std::to_string(entry.index) + ": ";
    if (!trust_) return Problem(where + "registered before any trust configuration");
    auto policy = policies_.find(entry.policy_index);
    if (policy == policies_.end() || entry.policy_index >= entry.index) {
      return Problem(where + "names policy entry " + std::to_string(entry.policy_index) + ", which is not a policy");
    }
    auto& registrar = registrars_[{trust_index_, entry.policy_index}];
    if (!registrar) registrar = std::make_unique<registration::Registrar>(*trust_, policy->second);
    auto submitted = registration::StatementAsChecked(statement, entry.collateral);
    if (!submitted.ok()) return Problem(where + submitted.error().message);
    auto checked = registrar->Check(*submitted, entry.registered_at);
    if (auto* refusal = std::get_if<registration::Refusal>(&checked)) {
      return Problem(where + "would be refused: " + refusal->title + ": " + refusal->detail);
    }
    ++report_->registrations_replayed;
  }

  // Empty when the head's receipt-form signature verifies; else the problem.
  std::string HeadSignatureProblem(const log::TreeHead& head) {
    auto protected_map = cbor::Decode(head.receipt_protected);
    const cbor::Value* kid = protected_map.ok() ? protected_map->Find(cose::header::kKid) : nullptr;
    const cbor::Value* alg = protected_map.ok() ? protected_map->Find(cose::header::kAlg) : nullptr;
    const cose::ServiceKey* key = kid != nullptr && kid->is_bytes() ? cose::FindServiceKey(keys_, kid->bytes()) : nullptr;
    auto algorithm = alg != nullptr && alg->AsInt64() ? crypto::AlgorithmFromCose(*alg->AsInt64()) : std::nullopt;
    if (key == nullptr || !algorithm) return "signed with an unknown key or algorithm";
    Bytes tbs = cose::BuildToBeSigned(head.receipt_protected, {}, head.root);
    Status verified = key->key.Verify(*algorithm, tbs, head.receipt_signature);
    return verified.ok() ? "" : "signature: " + verified.message();
  }

  void CheckNote(const std::string& note, uint64_t size, const merkle::Hash& root, const std::string& where) {
    auto body = log::VerifyNote(note, vkey_);
    if (!body.ok()) return Problem(where + "checkpoint: " + body.error().message);
    auto checkpoint = log::ParseCheckpoint(*body);
    if (!checkpoint.ok()) return Problem(where + "checkpoint: " + checkpoint.error().message);
    if (checkpoint->tree_size != size || checkpoint->root != root) {
      Problem(where + "checkpoint names size " + std::to_string(checkpoint->tree_size) + " root " +
              HexEncode(checkpoint->root) + ", not the tree head's");
    }
  }

  // Every signed tree head must be the root of a prefix of the one tree
  // recomputed from the entries: then no two heads can be inconsistent.
  Status CheckTreeHeads() {
    uint64_t from = 0;
    for (;;) {
      SCITT_ASSIGN_OR_RETURN(auto page, source_.TreeHeads(from));
      if (page.empty()) return Status::Ok();
      for (const auto& head : page) {
        std::string where = "tree head " + std::to_string(head.tree_size) + ": ";
        from = head.tree_size + 1;
        ++report_->tree_heads;
        auto root = tree_.RootAt(head.tree_size);
        if (!root.ok()) { Problem(where + "beyond the entries served"); continue; }
        if (*root != head.root) { Problem(where + "root differs from the recomputed tree"); continue; }
        if (std::string problem = HeadSignatureProblem(head); !problem.empty()) Problem(where + problem);
        CheckNote(head.checkpoint, head.tree_size, head.root, where);
      }
    }
  }

  Status CheckLatestCheckpoint() {
    SCITT_ASSIGN_OR_RETURN(std::string note, source_.Checkpoint());
    auto body = log::VerifyNote(note, vkey_);
    if (!body.ok()) return MakeError(ErrorCode::kVerificationFailed, "latest checkpoint: " + body.error().message);
    SCITT_ASSIGN_OR_RETURN(log::Checkpoint checkpoint, log::ParseCheckpoint(*body));
    report_->tree_size = checkpoint.tree_size;
    report_->root_hex = HexEncode(checkpoint.root);
    auto root = tree_.RootAt(checkpoint.tree_size);
    if (!root.ok() || *root != checkpoint.root) Problem("latest checkpoint root differs from the recomputed tree");
    checkpoint_size_ = checkpoint.tree_size;
    return Status::Ok();
  }

  // C2SP tiles for the latest checkpoint must hold exactly the recomputed
  // nodes, and entry bundles the entry hashes.
  Status CheckTiles() {
    for (uint8_t level = 0; level < 8; ++level) {
      auto [full, partial] = merkle::TilesAtLevel(checkpoint_size_, level);
      if (full == 0 && partial == 0) break;
      for (uint64_t n = 0; n <= full; ++n) {
        uint16_t width = n < full ? 0 : partial;
        if (n == full && width == 0) break;
        merkle::TileCoord coord{false, level, n, width};
        SCITT_ASSIGN_OR_RETURN(Bytes served, source_.Tile(coord));
        SCITT_ASSIGN_OR_RETURN(auto hashes, merkle::TileHashes(level, n, width, tree_));
        const Bytes expected = merkle::EncodeHashTile(hashes);
        if (served != expected) Problem(merkle::TilePath(level, n, width) + " differs from the recomputed tree");
        ++report_->tiles;
      }
    }
    // Entry bundles: the entry hashes, 256 a bundle, the level-0 tiles' shape.
    auto [full, partial] = merkle::TilesAtLevel(checkpoint_size_, 0);
    for (uint64_t n = 0; n < full + (partial != 0 ? 1 : 0); ++n) {
      const uint16_t width = n < full ? 0 : partial;
      SCITT_ASSIGN_OR_RETURN(Bytes served, source_.Tile(merkle::TileCoord{true, 0, n, width}));
      const size_t first = static_cast<size_t>(n * merkle::kTileWidth);
      const size_t count = width == 0 ? merkle::kTileWidth : width;
      std::vector<ByteView> expected_entries;
      for (size_t i = first; i < first + count && i < entry_hashes_.size(); ++i) {
        expected_entries.emplace_back(entry_hashes_[i]);
      }
      SCITT_ASSIGN_OR_RETURN(Bytes expected, merkle::EncodeEntryBundle(expected_entries));
      if (served != expected) Problem(merkle::EntryBundlePath(n, width) + " differs from the entries");
      ++report_->tiles;
    }
    return Status::Ok();
  }

  AuditSource& source_;
  std::vector<cose::ServiceKey> keys_;
  std::string vkey_;
  AuditReport* report_ = nullptr;
  merkle::InMemoryTree tree_;
  std::vector<crypto::Sha256Digest> entry_hashes_;  // in log order, for the entry bundles
  // (signed content, index) of every entry, for CheckSignedContentsAreUnique.
  std::vector<std::pair<crypto::Sha256Digest, uint64_t>> signed_contents_;
  uint64_t checkpoint_size_ = 0;
  std::shared_ptr<registration::TrustConfig> trust_;
  uint64_t trust_index_ = 0;
  std::map<uint64_t, std::shared_ptr<const policy::RegistrationPolicy>> policies_;
  std::map<std::pair<uint64_t, uint64_t>, std::unique_ptr<registration::Registrar>> registrars_;
};

}  // namespace

Result<AuditReport> AuditLog(AuditSource& source, const std::string& checkpoint_key, std::vector<std::string>* notes) {
  std::string vkey = checkpoint_key;
  if (vkey.empty()) {
    SCITT_ASSIGN_OR_RETURN(vkey, source.CheckpointVerifierKey());
    notes->push_back("checkpoint key taken from " + source.Describe() + " (trust on first use): " + vkey);
  }
  SCITT_ASSIGN_OR_RETURN(Bytes key_set, source.ServiceKeys());
  SCITT_ASSIGN_OR_RETURN(auto keys, cose::ParseServiceKeys(key_set));
  AuditReport report;
  Auditor auditor(source, std::move(keys), vkey);
  SCITT_RETURN_IF_ERROR(auditor.Run(&report));
  return report;
}

}  // namespace scitt::cli
