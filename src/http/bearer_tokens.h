// Bearer-token authentication (RFC 6750 §2.1), and Basic with a token as
// the password, against a configured set of tokens, compared in constant time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scitt::http {

class BearerTokens {
 public:
  BearerTokens() = default;  // none configured
  explicit BearerTokens(const std::vector<std::string>& tokens);

  bool empty() const { return digests_.empty(); }
  size_t size() const { return digests_.size(); }

  // True when `authorization` (an Authorization field value) holds
  // credentials of the Bearer scheme, in any letter case (RFC 9110 §11.1),
  // whose token68 (§11.2) is one of the configured tokens; with `basic`,
  // also of the Basic scheme (RFC 7617) whose password is one (any user
  // name: what `docker login` and `skopeo --creds` send). The time taken
  // does not depend on which token matched or where a guess differs.
  bool Allows(const std::optional<std::string>& authorization, bool basic = false) const;

  // RFC 9110 §11.2 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+"
  // / "/" ) *"=" (RFC 6750's b64token). A configured token that is not one
  // can never be presented.
  static bool IsToken68(std::string_view s);

 private:
  using Digest = std::array<uint8_t, 32>;
  // SHA-256 of each token: compared with CRYPTO_memcmp, never looked up
  // (a set lookup's time leaks how much of a guess matched).
  std::vector<Digest> digests_;
};

}  // namespace scitt::http
