// SCITT objects among an artifact's referrers (docs/scitt-in-oci.md): the
// referrers tree (image ← statement ← receipt), the statement or receipt a
// manifest holds, and each receipt checked against the statement it is
// about, offline, with the service's keys.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/service_keys.h"
#include "cose/sign1.h"
#include "oci_client/registry_client.h"

namespace scitt::oci_client {

struct ReferrerNode {
  registry::Descriptor descriptor;  // as its subject's referrers list gives it
  std::vector<ReferrerNode> referrers;
};

struct WalkLimits {
  size_t max_depth = 8;     // referrers of referrers … this many levels
  size_t max_nodes = 2000;  // in the whole tree
};

// The referrers of `subject` (only those of `artifact_type` at the top
// level, when given) and, depth first, theirs. A digest met again (a cycle,
// or a manifest listed under two subjects) is listed without walking it a
// second time. kUnsupported when the tree is larger than `limits` allow.
Result<std::vector<ReferrerNode>> WalkReferrers(RegistryClient& client, const std::string& repository,
                                                const registry::Digest& subject,
                                                const std::optional<std::string>& artifact_type,
                                                const WalkLimits& limits = {});

// The statement a statement manifest holds (registry::StatementLayer).
struct LoadedStatement {
  FetchedManifest manifest;
  Bytes bytes;  // the layer, as pushed
  std::optional<cose::Sign1> sign1;
  std::string issuer;   // CWT iss, "" when absent
  std::string subject;  // CWT sub, "" when absent
};
Result<LoadedStatement> LoadStatement(RegistryClient& client, const std::string& repository,
                                      const registry::Digest& manifest_digest);

// The receipt a receipt manifest holds (registry::ReceiptLayer); the
// manifest must have a subject (the statement manifest).
struct LoadedReceipt {
  FetchedManifest manifest;
  Bytes bytes;
};
Result<LoadedReceipt> LoadReceipt(RegistryClient& client, const std::string& repository,
                                  const registry::Digest& manifest_digest);

enum class ReceiptState { kVerified, kFailed, kNotChecked };

struct ReceiptVerdict {
  ReceiptState state = ReceiptState::kNotChecked;
  std::string detail;
  // "verified", "FAILED: <reason>" or "not checked (no keys)".
  std::string ToString() const;
};

// `receipt` against `statement`'s log entry; not checked when `keys` is
// empty.
ReceiptVerdict VerifyReceipt(const cose::Sign1& statement, ByteView receipt,
                             const std::vector<cose::ServiceKey>& keys);

// Reads the statements and receipts of one repository, each statement
// once, and checks every receipt against the statement manifest it is a
// referrer of.
class EvidenceChecker {
 public:
  // `client` must outlive this. No keys: receipts are not checked.
  EvidenceChecker(RegistryClient& client, std::string repository, std::vector<cose::ServiceKey> keys);

  bool has_keys() const { return !keys_.empty(); }

  // The statement in statement manifest `digest`.
  Result<const LoadedStatement*> Statement(const registry::Digest& digest);

  struct CheckedReceipt {
    LoadedReceipt receipt;
    ReceiptVerdict verdict;
  };
  // The receipt in receipt manifest `digest`, checked against the
  // statement its manifest's subject holds. A subject that is no statement
  // manifest fails the check (the receipt proves nothing about it).
  Result<CheckedReceipt> Receipt(const registry::Digest& digest);

  // The receipts inside `statement` (header 394), each checked.
  std::vector<ReceiptVerdict> EmbeddedReceipts(const LoadedStatement& statement) const {
    return EmbeddedReceipts(*statement.sign1);
  }
  std::vector<ReceiptVerdict> EmbeddedReceipts(const cose::Sign1& statement) const;

 private:
  RegistryClient& client_;
  const std::string repository_;
  const std::vector<cose::ServiceKey> keys_;
  std::map<registry::Digest, LoadedStatement> statements_;  // read once: a statement has many receipts
};

}  // namespace scitt::oci_client
