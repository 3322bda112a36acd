// Prometheus metrics (text exposition format 0.0.4): counters, gauges and
// histograms with labels, thread-safe, rendered for GET /metrics.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace scitt::http {

using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  void Increment(const std::string& name, const Labels& labels = {}, double by = 1);
  void SetGauge(const std::string& name, double value, const Labels& labels = {});
  // Buckets are upper bounds in increasing order (le); +Inf is implied.
  void DefineHistogram(const std::string& name, std::vector<double> buckets, const std::string& help);
  void Observe(const std::string& name, double value, const Labels& labels = {});
  void Describe(const std::string& name, const std::string& type, const std::string& help);
  std::string Render() const;

 private:
  struct Family;
  mutable std::mutex mu_;  // guards families_
  std::map<std::string, std::shared_ptr<Family>> families_;
};

}  // namespace scitt::http
