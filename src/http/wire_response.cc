#include "http/wire_response.h"

#include <cctype>
#include <ctime>
#include <string_view>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include "http/asio_util.h"

namespace scitt::http::internal {
namespace {

// RFC 9110 §5.6.2 token characters, for header names.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// RFC 9110 §5.5: no CR, LF or NUL in a field value (response splitting).
bool IsFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// RFC 9110 §5.6.7 IMF-fixdate, recomputed once a second per thread.
const std::string& HttpDate() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[64];
    const size_t n = std::strftime(buffer, sizeof(buffer), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buffer, n);
    cached_second = now;
  }
  return cached;
}

// Bodies up to this size are appended to the head: one buffer, one TLS
// record, for the common small response. Larger ones are moved, not copied,
// and go out in the same gather write as the head.
constexpr size_t kInlineBodyBytes = 16 * 1024;

}  // namespace

bool IsValid(const Response& response) {
  if (response.status < 200 || response.status > 599) return false;
  if (response.body_source && !response.body.empty()) return false;
  for (const auto& [name, value] : response.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) return false;
  }
  for (const auto& [name, value] : response.repeated_headers) {
    if (!IsToken(name) || !IsFieldValue(value)) return false;
  }
  return true;
}

WireResponse Serialize(Response response, const Framing& framing) {
  if (!IsValid(response)) {
    response = ProblemDetails(500, "Internal Server Error", "The handler produced an invalid response");
  }
  // RFC 9110 §6.4.1: 204 and 304 never have content.
  const bool no_content = response.status == 204 || response.status == 304;
  const std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));

  WireResponse wire;
  wire.status = response.status;
  std::string& out = wire.head;
  out.reserve(256 + (response.body.size() <= kInlineBodyBytes ? response.body.size() : 0));
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out.push_back(' ');
  if (reason != "<unknown-status>") out += reason;
  out += "\r\nDate: ";
  out += HttpDate();
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    // The server owns the framing of the message.
    if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
        beast::iequals(name, "Connection") || beast::iequals(name, "Date")) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  for (const auto& [name, value] : response.repeated_headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const uint64_t body_size = response.body_source ? response.body_source->size() : response.body.size();
  if (!no_content) {
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
  if (framing.close) {
    out += "Connection: close\r\n";
  } else if (framing.http10_keep_alive) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!no_content && !framing.head && body_size > 0) {
    if (response.body_source) {
      wire.body_source = std::move(response.body_source);
    } else if (response.body.size() <= kInlineBodyBytes) {
      out += response.body;
    } else {
      wire.body = std::move(response.body);
    }
  }
  return wire;
}

}  // namespace scitt::http::internal
