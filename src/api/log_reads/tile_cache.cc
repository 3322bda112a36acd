#include "api/log_reads/tile_cache.h"

namespace scitt::api {

std::optional<std::string> FullTileCache::Get(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tiles_.find(path);
  if (it == tiles_.end()) return std::nullopt;
  return it->second;
}

void FullTileCache::Put(const std::string& path, std::string tile) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tiles_.emplace(path, std::move(tile)).second) return;
  order_.push_back(path);
  if (order_.size() > kMaxTiles) {
    tiles_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace scitt::api
