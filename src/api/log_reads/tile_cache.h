// Full tiles never change (C2SP tlog-tiles), so the most recently served ones
// are kept, bounded, instead of being rebuilt from 256 node reads each time.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace scitt::api {

class FullTileCache {
 public:
  std::optional<std::string> Get(const std::string& path) const;
  void Put(const std::string& path, std::string tile);

 private:
  static constexpr size_t kMaxTiles = 1024;  // 8 MiB of level tiles at most
  mutable std::mutex mu_;  // guards both members
  std::map<std::string, std::string> tiles_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace scitt::api
