// Internal to src/http: what the server writes to the log (base/logging.h):
// one access line per request, and warnings an attack cannot flood.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/wire_response.h"

namespace scitt::http::internal {

// A warning about an event an attack can repeat at will (connection limits):
// at most one line a second, carrying how often it happened since the last.
class ThrottledWarning {
 public:
  explicit ThrottledWarning(std::string_view message) : message_(message) {}
  // Counts one event from `address`; writes the line when a second has
  // passed since the last. Thread-safe.
  void Note(std::string_view address);

 private:
  const std::string_view message_;
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> last_second_{-1};
};

// What a request's access-log line needs besides its response; recorded
// only while info lines are written.
struct AccessRecord {
  std::string method;
  std::string path;  // the target as sent, without its query
  std::string remote_address;
  std::chrono::steady_clock::time_point complete;  // when the request was read whole
};

// One line per request, refusals by the server itself included: method,
// path, status, ms from the request being read to its response being ready,
// response bytes, client address, then the handler's log_fields. Header
// fields (Authorization above all) are never logged.
void LogAccess(const AccessRecord& record, const WireResponse& wire,
               const std::vector<std::pair<std::string, std::string>>& extra);

}  // namespace scitt::http::internal
