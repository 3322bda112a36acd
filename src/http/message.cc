#include "http/message.h"

#include <algorithm>
#include <cctype>

#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/param.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>

#include "base/bytes.h"
#include "base/text.h"
#include "cbor/encoder.h"
#include "cbor/value.h"

namespace scitt::http {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

// RFC 9110 §5.6.3: OWS is spaces and horizontal tabs.
std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `s` at `separator` outside quoted-strings (RFC 9110 §5.6.4), so a
// comma inside a quoted media-type parameter does not end the element.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\') {
      ++i;  // quoted-pair
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == separator) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(std::min(start, s.size())));
  return parts;
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
// returned in thousandths.
std::optional<int> ParseQValue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  int value = (s[0] - '0') * 1000;
  if (s.size() == 1) return value;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : s.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return value;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::optional<std::string> Request::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response ProblemDetails(int status, std::string_view title, std::string_view detail) {
  // RFC 9290 §2: title is -1, detail is -2, both CBOR text strings, which
  // RFC 8949 §3.1 requires to be valid UTF-8; a detail may echo a decoded
  // path such as "/entries/%ff", so invalid bytes become U+FFFD.
  cbor::Map entries;
  entries.push_back(cbor::Entry(-1, cbor::Value::Text(ToValidUtf8(title))));
  if (!detail.empty()) entries.push_back(cbor::Entry(-2, cbor::Value::Text(ToValidUtf8(detail))));
  Response response;
  response.status = status;
  response.body = ToString(cbor::Encode(cbor::Value::FromMap(std::move(entries))));
  response.Set("Content-Type", std::string(kProblemDetailsMediaType));
  return response;
}

bool Accepts(const std::optional<std::string>& accept, std::string_view media_type) {
  // RFC 9110 §12.5.1: no Accept field means any media type is acceptable. An
  // empty one is treated alike: clients that send it mean no preference.
  if (!accept || TrimOws(*accept).empty()) return true;
  const size_t slash = media_type.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = media_type.substr(0, slash);
  const std::string_view subtype = media_type.substr(slash + 1);

  // The most specific matching range decides (exact > type/* > */*); among
  // equally specific ranges the highest weight wins. Parameters other than q
  // are not compared: a range naming application/cose with a cose-type still
  // accepts application/cose.
  int best_specificity = -1;
  int best_weight = 0;
  for (std::string_view element : SplitOutsideQuotes(*accept, ',')) {
    std::vector<std::string_view> parts = SplitOutsideQuotes(element, ';');
    const std::string_view range = TrimOws(parts[0]);
    const size_t range_slash = range.find('/');
    if (range.empty() || range_slash == std::string_view::npos) continue;
    const std::string_view range_type = range.substr(0, range_slash);
    const std::string_view range_subtype = range.substr(range_slash + 1);

    int specificity;
    if (range_type == "*" && range_subtype == "*") {
      specificity = 0;
    } else if (EqualsIgnoreCase(range_type, type) && range_subtype == "*") {
      specificity = 1;
    } else if (EqualsIgnoreCase(range_type, type) && EqualsIgnoreCase(range_subtype, subtype)) {
      specificity = 2;
    } else {
      continue;
    }

    int weight = 1000;
    bool valid = true;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string_view parameter = TrimOws(parts[i]);
      const size_t eq = parameter.find('=');
      if (eq == std::string_view::npos) continue;
      if (!EqualsIgnoreCase(TrimOws(parameter.substr(0, eq)), "q")) continue;
      std::optional<int> q = ParseQValue(TrimOws(parameter.substr(eq + 1)));
      if (!q) {
        valid = false;
        break;
      }
      weight = *q;
      break;  // RFC 9110 §12.4.2: q separates media-type parameters from the rest
    }
    if (!valid) continue;
    if (specificity > best_specificity) {
      best_specificity = specificity;
      best_weight = weight;
    } else if (specificity == best_specificity) {
      best_weight = std::max(best_weight, weight);
    }
  }
  return best_specificity >= 0 && best_weight > 0;
}

std::string PercentEncode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  auto escaped = boost::urls::make_pct_string_view(text);
  if (!escaped) return std::nullopt;
  boost::urls::encoding_opts options;
  options.space_as_plus = plus_as_space;
  return escaped->decode(options);
}

Status ParseTarget(std::string_view target, std::string* path,
                   std::multimap<std::string, std::string>* query) {
  path->clear();
  query->clear();
  // RFC 9112 §3.2.1 origin-form, or §3.2.2 absolute-form, which a server
  // must accept; only its path and query matter here (the authority is the
  // Host). Boost.URL checks the RFC 3986 grammar and every percent-escape.
  auto parsed = target.starts_with("/") ? boost::urls::parse_origin_form(target)
                                        : boost::urls::parse_absolute_uri(target);
  if (!parsed) {
    return MakeError(ErrorCode::kMalformed, target.starts_with("/") || target.find("://") != std::string_view::npos
                                                ? "the request-target is not a valid URI path and query"
                                                : "request-target must start with '/'");
  }
  const boost::urls::url_view& url = *parsed;
  // RFC 3986 §3.3: after an authority the path is empty or starts with '/'
  // (Boost.URL 1.81 takes "http://host:x/a" as path "x/a").
  if (!url.encoded_path().empty() && !url.encoded_path().starts_with('/')) {
    return MakeError(ErrorCode::kMalformed, "the request-target is not a valid URI path and query");
  }
  if (url.encoded_path().empty() && url.has_query()) {
    return MakeError(ErrorCode::kMalformed, "request-target has no path");
  }
  std::string decoded = url.encoded_path().empty() ? std::string("/") : url.path();
  if (decoded.find('\0') != std::string::npos) {
    return MakeError(ErrorCode::kMalformed, "NUL in the path");
  }
  // Checked after decoding: "%2e%2e" is a dot-segment too, and a "." or
  // ".." segment could escape a {name...} route. On the string itself:
  // Boost.URL's segments() hides a leading "/." (its "//"-path prefix).
  std::string_view segments = decoded;
  while (!segments.empty()) {
    segments.remove_prefix(1);  // the '/'
    const std::string_view segment = segments.substr(0, segments.find('/'));
    if (segment == "." || segment == "..") {
      return MakeError(ErrorCode::kMalformed, "dot-segment in the path");
    }
    segments.remove_prefix(segment.size());
  }
  // Form-encoded parameters: '+' is a space (params() decodes so); an empty
  // element ("a&&b") is no parameter, "a" alone has an empty value.
  for (const boost::urls::param& param : url.params()) {
    if (param.key.empty() && !param.has_value) continue;
    query->emplace(param.key, param.value);
  }
  *path = std::move(decoded);
  return Status::Ok();
}

}  // namespace scitt::http
