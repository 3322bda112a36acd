// Per-client token buckets: `rate` requests per second with a burst of
// `burst`, keyed by client address. Thread-safe; idle clients are forgotten.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace scitt::http {

class RateLimiter {
 public:
  // rate 0 disables limiting (every request is allowed).
  RateLimiter(double rate, double burst);
  // True when the request may proceed; otherwise *retry_after_seconds says
  // when the next token arrives (rounded up, at least 1).
  bool Allow(const std::string& client, int* retry_after_seconds);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  // Drops the buckets that have refilled to `burst_`: they are
  // indistinguishable from a new client's, so forgetting them changes nothing.
  void EvictFull(std::chrono::steady_clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mu_;  // guards buckets_, next_sweep_, sweep_size_
  std::unordered_map<std::string, Bucket> buckets_;
  // A sweep runs when the map has doubled since the last one, or a minute
  // has passed: memory stays proportional to the clients seen recently.
  std::chrono::steady_clock::time_point next_sweep_;
  size_t sweep_size_ = 1024;
};

}  // namespace scitt::http
