// One image through a deployment gate: its reference resolved to a digest
// (a tag through this service's registry or any other), then appraised
// under a registered policy (docs/deployment-gates.md). Every call may
// block on the store and the network: a worker pool's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appraisal/appraiser.h"
#include "appraisal/policy.h"
#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"
#include "gates/decision_cache.h"
#include "gates/gate_config.h"
#include "log/transparency_log.h"
#include "oci_client/image_reference.h"
#include "registry/registry.h"

namespace scitt::gates {

struct ImageDecision {
  std::string image;   // as asked
  std::string digest;  // "sha256:…" once resolved
  std::optional<uint64_t> policy_entry;
  std::optional<appraisal::Verdict> verdict;  // unset when no verdict could be reached
  std::string error;                          // then: why
  int64_t appraised_at = 0;                   // when the verdict was reached (seconds since the epoch)
  bool cached = false;                        // the verdict came from the decision cache
  bool allowed() const { return verdict && verdict->allow; }
  // "allow", "deny", or "error" when no verdict was reached.
  std::string_view Outcome() const { return verdict ? (verdict->allow ? "allow" : "deny") : "error"; }
  // One line: "allow", or the first failed rule's reason, or the error.
  std::string Summary() const;
};

struct GateSources {
  const log::TransparencyLog* log = nullptr;  // registered policies
  const evidence::EvidenceStore* store = nullptr;
  evidence::DependencyGraph* graph = nullptr;
  const registry::Registry* registry = nullptr;  // this service's: tags of local registries
  std::string service_host;                      // the service URL's "host[:port]": a local registry
  std::function<int64_t()> now;                  // seconds since the epoch
};

class ImageGate {
 public:
  ImageGate(GateSources sources, GateConfig config);

  const GateConfig& config() const { return config_; }

  // The verdict of the policy at `policy_entry` on `image` (a Kubernetes
  // image reference). Unset policy_entry: an error decision.
  ImageDecision Decide(std::string_view image, std::optional<uint64_t> policy_entry);

  // Decide for each image, `parallelism` at a time (each distinct image
  // once; the answer in the order asked). An image not begun within the
  // configuration's decision_timeout_s is an error decision.
  std::vector<ImageDecision> DecideAll(const std::vector<std::string>& images, std::optional<uint64_t> policy_entry,
                                       size_t parallelism = 4);

  // The indexer added evidence (StatementIndexer::Observer): cached
  // verdicts that read any of it are dropped.
  void EvidenceAdded(const std::vector<evidence::IndexedStatement>& added, uint64_t indexed_size);

 private:
  Result<registry::Digest> Resolve(const oci_client::ImageReference& reference) const;
  bool IsLocal(std::string_view registry_host) const;
  Result<std::shared_ptr<const appraisal::Policy>> PolicyAt(uint64_t entry);

  GateSources sources_;
  GateConfig config_;
  DecisionCache cache_;
  std::mutex mu_;
  // Registered policies never change: parsed once per entry.
  std::map<uint64_t, std::shared_ptr<const appraisal::Policy>> policies_;
};

}  // namespace scitt::gates
