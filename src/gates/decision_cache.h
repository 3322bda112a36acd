// Admission verdicts kept per (image digest, policy entry) while nothing
// they rest on has changed (docs/deployment-gates.md "Decisions cached"): a
// verdict remembers every node whose evidence it read (the artifact and
// each node its dependency walk reached), and new evidence about any of
// them, as the indexer adds it, drops it. A verdict also lives at most
// `ttl`, so that evidence ages (max_age_days) are applied to within it.
//
// A verdict computed while the indexer added evidence it did not see is
// not kept: the cache remembers the nodes of recently indexed batches and
// refuses a verdict older than a batch that touched one of its nodes.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "appraisal/appraiser.h"

namespace scitt::gates {

struct CachedVerdict {
  appraisal::Verdict verdict;
  int64_t appraised_at = 0;  // seconds since the epoch
};

struct DecisionCacheOptions {
  size_t max_verdicts = 10'000;
  int64_t ttl_s = 60;
  size_t max_nodes_per_verdict = 20'000;  // a larger walk is appraised every time
  size_t recent_batches = 4096;           // indexed batches remembered for verdicts in flight
  size_t recent_bytes = 64 << 20;         // and the bytes of their node names
};

// Thread-safe.
class DecisionCache {
 public:
  explicit DecisionCache(DecisionCacheOptions options = {}) : options_(options) {}

  std::optional<CachedVerdict> Find(const std::string& digest, uint64_t policy_entry, int64_t now);
  // Keeps `verdict` unless evidence about one of its nodes was indexed at
  // or above its tree size since (or it read too many nodes).
  void Insert(const std::string& digest, uint64_t policy_entry, const appraisal::Verdict& verdict,
              int64_t appraised_at);
  // The indexer added the evidence of entries below `indexed_size`, about
  // `nodes` (statement subjects, both ends of each edge).
  void Invalidate(const std::vector<std::string>& nodes, uint64_t indexed_size);

  size_t size() const;

 private:
  struct Kept {
    CachedVerdict cached;
    std::vector<std::string> nodes;
    std::list<std::string>::iterator age;  // in order_
  };
  struct Batch {
    uint64_t indexed_size = 0;
    std::unordered_set<std::string> nodes;
    size_t bytes = 0;
  };
  void Drop(const std::string& key);

  const DecisionCacheOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Kept> kept_;  // by digest + '\n' + policy entry
  std::list<std::string> order_;                // oldest insertion first
  std::unordered_map<std::string, std::unordered_set<std::string>> watchers_;  // node -> keys
  std::deque<Batch> recent_;
  size_t recent_bytes_ = 0;
  uint64_t forgotten_through_ = 0;  // batches indexed below this size are no longer in recent_
};

}  // namespace scitt::gates
