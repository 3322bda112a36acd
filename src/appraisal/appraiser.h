// Appraisal (docs/appraisal.md): a policy's rules applied to what the
// evidence index holds about one artifact, pinned to one tree size, so the
// same question at the same size always gets the same verdict, and every
// rule's outcome names the log entries it rests on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appraisal/policy.h"
#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"

namespace scitt::appraisal {

struct Question {
  // A digest ("sha256:…"), an OCI subject ("demo/app@sha256:…": its
  // statements by name, its graph by digest) or a purl.
  std::string subject;
  std::optional<uint64_t> as_of;  // default: everything indexed
  int64_t now = 0;                // seconds since the epoch: evidence ages are counted to it
};

struct RuleOutcome {
  std::string rule;                // "evidence[0]", "vulnerabilities", "deny_packages"
  bool passed = false;
  std::string reason;              // one line a person reads
  std::vector<uint64_t> entries;   // the log entries it rests on, ascending
};

struct Verdict {
  std::string subject;
  std::string policy;         // its name
  uint64_t tree_size = 0;     // the evidence it saw: entries below it
  bool allow = false;         // every rule passed
  std::vector<RuleOutcome> rules;
  // The nodes whose evidence it read: the artifact and every node its walk
  // reached (new evidence about any of them may change it). Empty when the
  // walk stopped short (truncated): then anything may.
  std::vector<std::string> considered;
  bool complete = true;  // false: the walk was truncated
};

// Calls may block on the store: never on an HTTP I/O thread.
Result<Verdict> Appraise(const evidence::EvidenceStore& store, evidence::DependencyGraph& graph,
                         const Policy& policy, const Question& question);

// The verdict as the API answers it (docs/api.md "Appraisal"):
// {"decision": "allow"|"deny", "subject", "policy", "tree_size",
//  "rules": [{"rule", "outcome": "pass"|"fail", "reason", "entries"}]}.
nlohmann::json DescribeVerdict(const Verdict& verdict);

}  // namespace scitt::appraisal
