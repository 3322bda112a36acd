#include "base/logging.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "base/text.h"

namespace scitt::logging {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// RFC 3339 time in UTC with milliseconds; spdlog's "%l" level names.
constexpr char kTextPattern[] = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
constexpr char kJsonPattern[] = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

std::shared_ptr<spdlog::logger> MakeLogger(Format format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("scitt", std::move(sink));
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      format == Format::kJson ? kJsonPattern : kTextPattern, spdlog::pattern_time_type::utc));
  logger->set_level(spdlog::level::trace);  // filtering happens in Write
  logger->flush_on(spdlog::level::trace);   // a crash must not eat the last lines
  return logger;
}

std::mutex g_logger_mu;  // guards g_logger (replaced by Configure)
std::shared_ptr<spdlog::logger> g_logger;

std::shared_ptr<spdlog::logger> Logger() {
  std::lock_guard lock(g_logger_mu);
  if (!g_logger) g_logger = MakeLogger(g_format.load());
  return g_logger;
}

// RFC 8259 §7 string contents; invalid UTF-8 (a request path, say) becomes
// U+FFFD so every line stays valid JSON.
void AppendJsonString(std::string* out, std::string_view value) {
  out->push_back('"');
  for (char c : ToValidUtf8(value)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", u);
      out->append(escaped);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// logfmt-style: bare when the value has no space, quote, '=' or control
// character, else quoted with JSON escapes.
void AppendTextValue(std::string* out, std::string_view value) {
  bool bare = !value.empty() && IsValidUtf8(value);
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    bare = bare && u > 0x20 && c != '"' && c != '=' && c != '\\' && u != 0x7f;
  }
  if (bare) {
    out->append(value);
  } else {
    AppendJsonString(out, value);
  }
}

}  // namespace

Field::Field(std::string_view key, double value) : key_(key) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  value_ = text;
}

Result<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  return MakeError(ErrorCode::kInvalidArgument,
                   "log level must be debug, info, warn, error or off, not \"" + std::string(name) + "\"");
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return MakeError(ErrorCode::kInvalidArgument, "log format must be text or json, not \"" + std::string(name) + "\"");
}

void Configure(Level level, Format format) {
  g_level = level;
  g_format = format;
  auto logger = MakeLogger(format);
  std::lock_guard lock(g_logger_mu);
  g_logger = std::move(logger);
}

bool Enabled(Level level) { return level != Level::kOff && level >= g_level.load(std::memory_order_relaxed); }

namespace {

std::string RenderFields(Format format, std::string_view message, std::span<const Field> fields) {
  std::string line;
  line.reserve(64 + 24 * fields.size());
  if (format == Format::kJson) {
    line += "\"msg\":";
    AppendJsonString(&line, message);
    for (const Field& field : fields) {
      line.push_back(',');
      AppendJsonString(&line, field.key());
      line.push_back(':');
      if (field.quoted()) {
        AppendJsonString(&line, field.value());
      } else {
        line += field.value();
      }
    }
  } else {
    line += message;
    for (const Field& field : fields) {
      line.push_back(' ');
      line += field.key();
      line.push_back('=');
      AppendTextValue(&line, field.value());
    }
  }
  return line;
}

}  // namespace

std::string Render(Format format, std::string_view message, Fields fields) {
  return RenderFields(format, message, std::span<const Field>(fields.begin(), fields.size()));
}

void Write(Level level, std::string_view message, std::span<const Field> fields) {
  if (!Enabled(level)) return;
  std::string line = RenderFields(g_format.load(std::memory_order_relaxed), message, fields);
  Logger()->log(ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

void Write(Level level, std::string_view message, Fields fields) {
  Write(level, message, std::span<const Field>(fields.begin(), fields.size()));
}

}  // namespace scitt::logging
