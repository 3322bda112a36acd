#include "http/metrics.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace scitt::http {
namespace {

TEST(Metrics, RendersTextFormat004) {
  Metrics metrics;
  metrics.Describe("scitt_requests_total", "counter", "Requests by route.");
  metrics.Increment("scitt_requests_total", {{"route", "/entries"}, {"code", "201"}});
  metrics.Increment("scitt_requests_total", {{"route", "/entries"}, {"code", "201"}});
  metrics.Increment("scitt_requests_total", {{"route", "a\"b\\c\nd"}, {"code", "400"}}, 3);
  metrics.SetGauge("scitt_tree_size", 41);
  metrics.SetGauge("scitt_tree_size", 42);
  metrics.DefineHistogram("scitt_latency_seconds", {0.5, 1}, "Latency,\nin seconds \\ wall.");
  metrics.Observe("scitt_latency_seconds", 0.25);
  metrics.Observe("scitt_latency_seconds", 0.5);
  metrics.Observe("scitt_latency_seconds", 4);
  metrics.Observe("scitt_latency_seconds", 0.75, {{"route", "x"}});

  EXPECT_EQ(metrics.Render(),
            "# HELP scitt_latency_seconds Latency,\\nin seconds \\\\ wall.\n"
            "# TYPE scitt_latency_seconds histogram\n"
            "scitt_latency_seconds_bucket{le=\"0.5\"} 2\n"
            "scitt_latency_seconds_bucket{le=\"1\"} 2\n"
            "scitt_latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "scitt_latency_seconds_sum 4.75\n"
            "scitt_latency_seconds_count 3\n"
            "scitt_latency_seconds_bucket{route=\"x\",le=\"0.5\"} 0\n"
            "scitt_latency_seconds_bucket{route=\"x\",le=\"1\"} 1\n"
            "scitt_latency_seconds_bucket{route=\"x\",le=\"+Inf\"} 1\n"
            "scitt_latency_seconds_sum{route=\"x\"} 0.75\n"
            "scitt_latency_seconds_count{route=\"x\"} 1\n"
            "# HELP scitt_requests_total Requests by route.\n"
            "# TYPE scitt_requests_total counter\n"
            "scitt_requests_total{code=\"201\",route=\"/entries\"} 2\n"
            "scitt_requests_total{code=\"400\",route=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# TYPE scitt_tree_size gauge\n"
            "scitt_tree_size 42\n");
}

TEST(Metrics, ObserveWithoutDefinitionUsesDefaultBuckets) {
  Metrics metrics;
  metrics.Observe("h", 0.003);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE h histogram\n"), std::string::npos);
  EXPECT_NE(text.find("h_bucket{le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("h_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("h_count 1\n"), std::string::npos);
}

TEST(Metrics, SpecialValues) {
  Metrics metrics;
  metrics.SetGauge("g", -1.5, {{"k", "a"}});
  metrics.SetGauge("g", 1e21, {{"k", "b"}});
  metrics.SetGauge("g", 1.0 / 0.0, {{"k", "c"}});
  EXPECT_EQ(metrics.Render(),
            "# TYPE g gauge\n"
            "g{k=\"a\"} -1.5\n"
            "g{k=\"b\"} 1e+21\n"
            "g{k=\"c\"} +Inf\n");
}

TEST(Metrics, ConcurrentIncrements) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      const Labels labels = {{"thread", std::to_string(t % 2)}};
      for (int i = 0; i < 10000; ++i) {
        metrics.Increment("c_total", labels);
        metrics.Observe("h", i % 3);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("c_total{thread=\"0\"} 20000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c_total{thread=\"1\"} 20000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_count 40000\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace scitt::http
