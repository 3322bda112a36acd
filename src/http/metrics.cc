#include "http/metrics.h"

#include <charconv>
#include <cmath>

namespace scitt::http {
namespace {

// Prometheus client_golang's DefBuckets, for histograms observed before
// DefineHistogram.
const std::vector<double>& DefaultBuckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,    2.5,   5,    10};
  return buckets;
}

// Text format 0.0.4: Go's float formatting; shortest round-trip form.
void AppendNumber(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
    out->append(buffer, end);
  }
}

// Label values escape backslash, double quote and line feed; HELP text
// escapes backslash and line feed only.
void AppendEscaped(std::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quote) {
      *out += "\\\"";
    } else {
      out->push_back(c);
    }
  }
}

// `name="value",…` without braces, in the map's (sorted) order.
std::string SerializeLabels(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out.push_back(',');
    out += name;
    out += "=\"";
    AppendEscaped(value, true, &out);
    out.push_back('"');
  }
  return out;
}

void AppendSample(const std::string& name, std::string_view suffix, const std::string& labels,
                  std::string_view extra_label, double value, std::string* out) {
  *out += name;
  *out += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out->push_back('{');
    *out += labels;
    if (!labels.empty() && !extra_label.empty()) out->push_back(',');
    *out += extra_label;
    out->push_back('}');
  }
  out->push_back(' ');
  AppendNumber(value, out);
  out->push_back('\n');
}

}  // namespace

struct Metrics::Family {
  struct Series {
    std::string labels;  // serialized once, when the series is created
    double value = 0;    // counter or gauge
    std::vector<uint64_t> bucket_counts;  // histogram, not cumulative
    double sum = 0;
    uint64_t count = 0;
  };

  std::string type;
  std::string help;
  std::vector<double> buckets;
  // Keyed by the Labels map itself so that a lookup allocates nothing.
  std::map<Labels, Series> series;

  Series& Get(const Labels& labels) {
    auto it = series.find(labels);
    if (it == series.end()) {
      it = series.emplace(labels, Series{}).first;
      it->second.labels = SerializeLabels(labels);
      if (type == "histogram") it->second.bucket_counts.assign(buckets.size(), 0);
    }
    return it->second;
  }
};

void Metrics::Increment(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  if (!family) {
    family = std::make_shared<Family>();
    family->type = "counter";
  }
  if (family->type == "histogram") return;
  family->Get(labels).value += by;
}

void Metrics::SetGauge(const std::string& name, double value, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  if (!family) {
    family = std::make_shared<Family>();
    family->type = "gauge";
  }
  if (family->type == "histogram") return;
  family->Get(labels).value = value;
}

void Metrics::DefineHistogram(const std::string& name, std::vector<double> buckets,
                              const std::string& help) {
  std::lock_guard lock(mu_);
  auto family = std::make_shared<Family>();
  family->type = "histogram";
  family->help = help;
  family->buckets = std::move(buckets);
  families_[name] = std::move(family);
}

void Metrics::Observe(const std::string& name, double value, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  if (!family) {
    family = std::make_shared<Family>();
    family->type = "histogram";
    family->buckets = DefaultBuckets();
  }
  if (family->type != "histogram") return;
  Family::Series& series = family->Get(labels);
  for (size_t i = 0; i < family->buckets.size(); ++i) {
    if (value <= family->buckets[i]) {
      ++series.bucket_counts[i];
      break;
    }
  }
  series.sum += value;
  ++series.count;
}

void Metrics::Describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  if (!family) {
    family = std::make_shared<Family>();
    family->type = type;
    if (type == "histogram") family->buckets = DefaultBuckets();
  }
  // A histogram's series hold bucket counts; it cannot become another type.
  if (family->type != "histogram" && type != "histogram") family->type = type;
  family->help = help;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (!family->help.empty()) {
      out += "# HELP ";
      out += name;
      out.push_back(' ');
      AppendEscaped(family->help, false, &out);
      out.push_back('\n');
    }
    out += "# TYPE ";
    out += name;
    out.push_back(' ');
    out += family->type;
    out.push_back('\n');
    for (const auto& [labels, series] : family->series) {
      if (family->type != "histogram") {
        AppendSample(name, "", series.labels, "", series.value, &out);
        continue;
      }
      uint64_t cumulative = 0;
      std::string le;
      for (size_t i = 0; i < family->buckets.size(); ++i) {
        cumulative += series.bucket_counts[i];
        le = "le=\"";
        AppendNumber(family->buckets[i], &le);
        le.push_back('"');
        AppendSample(name, "_bucket", series.labels, le, static_cast<double>(cumulative), &out);
      }
      AppendSample(name, "_bucket", series.labels, "le=\"+Inf\"", static_cast<double>(series.count),
                   &out);
      AppendSample(name, "_sum", series.labels, "", series.sum, &out);
      AppendSample(name, "_count", series.labels, "", static_cast<double>(series.count), &out);
    }
  }
  return out;
}

}  // namespace scitt::http
