#include "gates/decision_cache.h"

#include <algorithm>

namespace scitt::gates {
namespace {

std::string KeyOf(const std::string& digest, uint64_t policy_entry) {
  return digest + "\n" + std::to_string(policy_entry);
}

}  // namespace

std::optional<CachedVerdict> DecisionCache::Find(const std::string& digest, uint64_t policy_entry, int64_t now) {
  std::lock_guard lock(mu_);
  const std::string key = KeyOf(digest, policy_entry);
  const auto it = kept_.find(key);
  if (it == kept_.end()) return std::nullopt;
  if (now - it->second.cached.appraised_at >= options_.ttl_s || now < it->second.cached.appraised_at) {
    Drop(key);
    return std::nullopt;
  }
  return it->second.cached;
}

void DecisionCache::Insert(const std::string& digest, uint64_t policy_entry, const appraisal::Verdict& verdict,
                           int64_t appraised_at) {
  if (!verdict.complete || verdict.considered.size() > options_.max_nodes_per_verdict ||
      options_.max_verdicts == 0) {
    return;
  }
  std::lock_guard lock(mu_);
  // Evidence indexed at or above the verdict's tree size, about a node it
  // read, came after it: the verdict is already stale.
  if (forgotten_through_ > verdict.tree_size) return;
  for (const Batch& batch : recent_) {
    if (batch.indexed_size <= verdict.tree_size) continue;
    for (const std::string& node : verdict.considered) {
      if (batch.nodes.contains(node)) return;
    }
  }
  const std::string key = KeyOf(digest, policy_entry);
  if (kept_.contains(key)) Drop(key);
  order_.push_back(key);
  Kept kept{.cached = {verdict, appraised_at}, .nodes = verdict.considered, .age = std::prev(order_.end())};
  for (const std::string& node : kept.nodes) watchers_[node].insert(key);
  kept_.emplace(key, std::move(kept));
  while (kept_.size() > options_.max_verdicts) Drop(order_.front());
}

void DecisionCache::Invalidate(const std::vector<std::string>& nodes, uint64_t indexed_size) {
  std::lock_guard lock(mu_);
  Batch batch;
  batch.indexed_size = indexed_size;
  for (const std::string& node : nodes) {
    if (const auto it = watchers_.find(node); it != watchers_.end()) {
      const std::unordered_set<std::string> keys = it->second;  // Drop edits the set
      for (const std::string& key : keys) Drop(key);
    }
    if (batch.nodes.insert(node).second) batch.bytes += node.size() + sizeof(std::string);
  }
  if (batch.bytes > options_.recent_bytes) {  // a huge document: forget instead
    forgotten_through_ = std::max(forgotten_through_, indexed_size);
    return;
  }
  recent_bytes_ += batch.bytes;
  recent_.push_back(std::move(batch));
  while (recent_.size() > options_.recent_batches || recent_bytes_ > options_.recent_bytes) {
    forgotten_through_ = std::max(forgotten_through_, recent_.front().indexed_size);
    recent_bytes_ -= recent_.front().bytes;
    recent_.pop_front();
  }
}

size_t DecisionCache::size() const {
  std::lock_guard lock(mu_);
  return kept_.size();
}

void DecisionCache::Drop(const std::string& key) {
  const auto it = kept_.find(key);
  if (it == kept_.end()) return;
  for (const std::string& node : it->second.nodes) {
    const auto watching = watchers_.find(node);
    if (watching == watchers_.end()) continue;
    watching->second.erase(key);
    if (watching->second.empty()) watchers_.erase(watching);
  }
  order_.erase(it->second.age);
  kept_.erase(it);
}

}  // namespace scitt::gates
