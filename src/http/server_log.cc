#include "http/server_log.h"

#include "base/logging.h"

namespace scitt::http::internal {

void ThrottledWarning::Note(std::string_view address) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const uint64_t count = ++count_;
  int64_t last = last_second_.load(std::memory_order_relaxed);
  if (now <= last || !last_second_.compare_exchange_strong(last, now)) return;
  count_ -= count;
  logging::Warn(message_, {{"count", count}, {"last_address", address}});
}

void LogAccess(const AccessRecord& record, const WireResponse& wire,
               const std::vector<std::pair<std::string, std::string>>& extra) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - record.complete).count();
  std::vector<logging::Field> fields;
  fields.reserve(6 + extra.size());
  fields.emplace_back("method", record.method);
  fields.emplace_back("path", record.path);
  fields.emplace_back("status", wire.status);
  fields.emplace_back("ms", ms);
  fields.emplace_back("bytes", wire.wire_bytes());
  fields.emplace_back("remote", record.remote_address);
  for (const auto& [key, value] : extra) fields.emplace_back(key, value);
  logging::Write(logging::Level::kInfo, "request", fields);
}

}  // namespace scitt::http::internal
