#include "http/bearer_tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>

#include "base/bytes.h"

namespace scitt::http {
namespace {

std::array<uint8_t, 32> Sha256(std::string_view s) {
  std::array<uint8_t, 32> digest;
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest.data());
  return digest;
}

// RFC 9110 §11.1: auth schemes compare case-insensitively. `lower` is lowercase.
bool IsScheme(std::string_view scheme, std::string_view lower) {
  if (scheme.size() != lower.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(scheme[i])) != lower[i]) return false;
  }
  return true;
}

}  // namespace

BearerTokens::BearerTokens(const std::vector<std::string>& tokens) {
  digests_.reserve(tokens.size());
  for (const std::string& token : tokens) digests_.push_back(Sha256(token));
}

bool BearerTokens::IsToken68(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) ||
                          std::string_view("-._~+/").find(s[i]) != std::string_view::npos)) {
    ++i;
  }
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

bool BearerTokens::Allows(const std::optional<std::string>& authorization, bool basic) const {
  if (!authorization || digests_.empty()) return false;
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
  std::string_view value = *authorization;
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view scheme = value.substr(0, space);
  std::string_view token = value.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (!IsToken68(token)) return false;
  std::string secret;
  if (IsScheme(scheme, "bearer")) {
    secret = std::string(token);
  } else if (basic && IsScheme(scheme, "basic")) {
    // RFC 7617 §2: base64(user-id ":" password); the password is the token.
    const std::optional<Bytes> decoded = Base64Decode(token);
    if (!decoded) return false;
    const std::string pair(decoded->begin(), decoded->end());
    const size_t colon = pair.find(':');
    if (colon == std::string::npos) return false;
    secret = pair.substr(colon + 1);
  } else {
    return false;
  }
  // Every configured digest is compared, whichever matches.
  const Digest presented = Sha256(secret);
  bool allowed = false;
  for (const Digest& digest : digests_) {
    allowed |= CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0;
  }
  return allowed;
}

}  // namespace scitt::http
