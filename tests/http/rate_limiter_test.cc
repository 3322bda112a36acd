#include "http/rate_limiter.h"

#include <thread>

#include <gtest/gtest.h>

namespace scitt::http {
namespace {

TEST(RateLimiter, BurstThenRefusals) {
  // One token per 1000 s: nothing refills during the test.
  RateLimiter limiter(0.001, 3);
  int retry_after = 0;
  EXPECT_TRUE(limiter.Allow("10.0.0.1", &retry_after));
  EXPECT_TRUE(limiter.Allow("10.0.0.1", &retry_after));
  EXPECT_TRUE(limiter.Allow("10.0.0.1", &retry_after));
  EXPECT_FALSE(limiter.Allow("10.0.0.1", &retry_after));
  EXPECT_GE(retry_after, 1);
  EXPECT_GE(retry_after, 999);  // a whole token at 0.001/s
  EXPECT_FALSE(limiter.Allow("10.0.0.1", &retry_after));
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.Allow("10.0.0.2", &retry_after));
}

TEST(RateLimiter, RetryAfterIsAtLeastOneSecond) {
  RateLimiter limiter(100, 1);
  int retry_after = 0;
  EXPECT_TRUE(limiter.Allow("c", &retry_after));
  // Refused unless 10 ms passed between the calls; then a token is 10 ms away.
  if (!limiter.Allow("c", &retry_after)) {
    EXPECT_EQ(retry_after, 1);
  }
}

TEST(RateLimiter, ZeroRateAllowsEverything) {
  RateLimiter limiter(0, 1);
  int retry_after = 0;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Allow("c", &retry_after));
}

TEST(RateLimiter, Refills) {
  RateLimiter limiter(1000, 1);
  int retry_after = 0;
  EXPECT_TRUE(limiter.Allow("c", &retry_after));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(limiter.Allow("c", &retry_after));
}

TEST(RateLimiter, ManyClientsStayCorrectAcrossSweeps) {
  // Sweeps run as the map grows; a client that has used its burst must
  // still be refused afterwards (only full buckets are forgotten).
  RateLimiter limiter(0.001, 1);
  int retry_after = 0;
  EXPECT_TRUE(limiter.Allow("first", &retry_after));
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(limiter.Allow("client-" + std::to_string(i), &retry_after));
  EXPECT_FALSE(limiter.Allow("first", &retry_after));
  EXPECT_FALSE(limiter.Allow("client-0", &retry_after));
}

}  // namespace
}  // namespace scitt::http
