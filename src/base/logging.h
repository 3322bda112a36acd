// The one logging facility (DESIGN.md §2, base): levels, structured fields,
// text or JSON lines on standard error. Every layer that reports anything
// uses it; nothing prints on its own. Backed by Debian's spdlog (its sink,
// level filter and UTC timestamps), behind this header so no layer includes
// spdlog and its compile cost.
//
//   logging::Info("request", {{"method", "GET"}, {"status", 200}});
//   text: 2026-12-04T12:00:00.123Z info request method=GET status=200
//   json: {"time":"2026-12-04T12:00:00.123Z","level":"info","msg":"request","method":"GET","status":200}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace scitt::logging {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// "debug", "info", "warn", "error", "off"; kInvalidArgument otherwise.
Result<Level> ParseLevel(std::string_view name);
// "text", "json"; kInvalidArgument otherwise.
Result<Format> ParseFormat(std::string_view name);

// Process-wide; thread-safe. Default: kInfo, kText.
void Configure(Level level, Format format);
// True when a line at `level` would be written (to skip building fields).
bool Enabled(Level level);

// One key and its value; numbers stay numbers in JSON.
class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), value_(value), quoted_(true) {}
  Field(std::string_view key, const char* value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, int value) : Field(key, static_cast<int64_t>(value)) {}
  Field(std::string_view key, int64_t value) : key_(key), value_(std::to_string(value)) {}
  Field(std::string_view key, uint64_t value) : key_(key), value_(std::to_string(value)) {}
  Field(std::string_view key, double value);
  Field(std::string_view key, bool value) : key_(key), value_(value ? "true" : "false") {}

  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  bool quoted() const { return quoted_; }

 private:
  std::string_view key_;
  std::string value_;
  bool quoted_ = false;  // a string, not a number or boolean
};

using Fields = std::initializer_list<Field>;

// Writes one line: `message` is a short event name ("request", "listening").
void Write(Level level, std::string_view message, Fields fields = {});
// The same with fields gathered at run time (an access line with the fields
// a handler added).
void Write(Level level, std::string_view message, std::span<const Field> fields);

inline void Debug(std::string_view message, Fields fields = {}) { Write(Level::kDebug, message, fields); }
inline void Info(std::string_view message, Fields fields = {}) { Write(Level::kInfo, message, fields); }
inline void Warn(std::string_view message, Fields fields = {}) { Write(Level::kWarn, message, fields); }
inline void Error(std::string_view message, Fields fields = {}) { Write(Level::kError, message, fields); }

// The line Write would print without the timestamp and level, for tests:
// "message k=v …" or "\"msg\":\"message\",\"k\":v,…".
std::string Render(Format format, std::string_view message, Fields fields);

}  // namespace scitt::logging
