#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace scitt::http {

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate),
      burst_(std::max(burst, 1.0)),
      next_sweep_(std::chrono::steady_clock::now() + std::chrono::minutes(1)) {}

bool RateLimiter::Allow(const std::string& client, int* retry_after_seconds) {
  if (rate_ <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (buckets_.size() >= sweep_size_ || now >= next_sweep_) EvictFull(now);

  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.last = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  if (retry_after_seconds != nullptr) {
    const double wait = std::ceil((1 - bucket.tokens) / rate_);
    *retry_after_seconds = static_cast<int>(std::clamp(wait, 1.0, 86400.0));
  }
  return false;
}

void RateLimiter::EvictFull(std::chrono::steady_clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    return bucket.tokens + elapsed * rate_ >= burst_;
  });
  sweep_size_ = std::max<size_t>(1024, 2 * buckets_.size());
  next_sweep_ = now + std::chrono::minutes(1);
}

}  // namespace scitt::http
