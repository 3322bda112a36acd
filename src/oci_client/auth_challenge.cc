#include "oci_client/auth_challenge.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace scitt::oci_client {
namespace {

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 9110 §11.2 token68 adds '/' and trailing '='s.
bool IsToken68Char(char c) { return IsTokenChar(c) || c == '/'; }

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void reset(size_t pos) { pos_ = pos; }
  void SkipSpaces() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void SkipSpacesAndCommas() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',')) ++pos_;
  }
  std::string_view Token() {
    const size_t start = pos_;
    while (!done() && IsTokenChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A token68 ends at the end or at a comma, after optional '='s.
  std::optional<std::string_view> Token68() {
    const size_t start = pos_;
    while (!done() && IsToken68Char(text_[pos_])) ++pos_;
    if (pos_ == start) return std::nullopt;
    while (!done() && text_[pos_] == '=') ++pos_;
    const size_t end = pos_;
    SkipSpaces();
    if (!done() && peek() != ',') {
      pos_ = start;
      return std::nullopt;
    }
    return text_.substr(start, end - start);
  }
  // RFC 9110 §5.6.4 quoted-string with quoted-pairs; nullopt if unterminated.
  std::optional<std::string> Quoted() {
    std::string out;
    ++pos_;  // the opening quote
    while (!done()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) return std::nullopt;
        out += text_[pos_++];
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<AuthChallenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<AuthChallenge> out;
  Scanner in(header);
  in.SkipSpacesAndCommas();
  while (!in.done()) {
    const std::string_view scheme = in.Token();
    if (scheme.empty()) return out;
    AuthChallenge challenge;
    challenge.scheme = AsciiLower(scheme);
    in.SkipSpaces();
    // Either a token68, or auth-params until a token not followed by '='
    // (which starts the next challenge).
    const size_t before = in.pos();
    const std::string_view name = in.Token();
    in.SkipSpaces();
    const bool param_follows = !name.empty() && in.peek() == '=';
    in.reset(before);
    if (!param_follows) {
      if (auto token68 = in.Token68()) challenge.token68 = std::string(*token68);
    } else {
      for (;;) {
        const size_t start = in.pos();
        const std::string_view param = in.Token();
        in.SkipSpaces();
        if (param.empty() || in.peek() != '=') {
          in.reset(start);  // the next challenge's scheme
          break;
        }
        in.reset(in.pos() + 1);
        in.SkipSpaces();
        std::string value;
        if (in.peek() == '"') {
          auto quoted = in.Quoted();
          if (!quoted) {
            out.push_back(std::move(challenge));
            return out;
          }
          value = std::move(*quoted);
        } else {
          value = std::string(in.Token());
        }
        challenge.params[AsciiLower(param)] = std::move(value);
        in.SkipSpaces();
        if (in.peek() != ',') break;
        in.SkipSpacesAndCommas();
      }
    }
    out.push_back(std::move(challenge));
    in.SkipSpacesAndCommas();
  }
  return out;
}

Result<std::string> ParseTokenResponse(std::string_view body) {
  const auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_object()) {
    for (const char* field : {"token", "access_token"}) {
      const auto it = document.find(field);
      if (it == document.end() || !it->is_string() || it->get<std::string>().empty()) continue;
      // It goes into a header line: visible ASCII only (no CR/LF smuggling).
      const std::string token = it->get<std::string>();
      const bool visible = std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
      if (!visible) return MakeError(ErrorCode::kMalformed, "the token endpoint's token holds characters a header cannot");
      return token;
    }
  }
  return MakeError(ErrorCode::kMalformed, "the token endpoint's answer holds no \"token\"");
}

}  // namespace scitt::oci_client
