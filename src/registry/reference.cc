#include "registry/reference.h"

#include "crypto/hash.h"

namespace scitt::registry {
namespace {

// Hand-written matchers: the grammars are small, and std::regex recurses per
// character (a long hostile name could exhaust the stack).
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidComponent(std::string_view part) {
  size_t i = 0;
  for (;;) {
    const size_t start = i;
    while (i < part.size() && IsLowerAlnum(part[i])) ++i;
    if (i == start) return false;  // a run of [a-z0-9] is required here
    if (i == part.size()) return true;
    // A separator: ".", "_", "__" or one or more "-".
    if (part[i] == '.') {
      ++i;
    } else if (part[i] == '_') {
      ++i;
      if (i < part.size() && part[i] == '_') ++i;
    } else if (part[i] == '-') {
      while (i < part.size() && part[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    if (!IsValidComponent(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  if (!IsAlnum(tag[0]) && tag[0] != '_') return false;
  for (char c : tag.substr(1)) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

Result<Digest> Digest::Parse(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid digest \"" + std::string(text.substr(0, 200)) + "\": " + why);
  };
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return invalid("no ':' between algorithm and encoded part");
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view encoded = text.substr(colon + 1);
  // algorithm := component (separator component)*, component := [a-z0-9]+,
  // separator := [+._-]
  bool component_started = false;
  for (char c : algorithm) {
    if (IsLowerAlnum(c)) {
      component_started = true;
    } else if ((c == '+' || c == '.' || c == '_' || c == '-') && component_started) {
      component_started = false;
    } else {
      return invalid("malformed algorithm");
    }
  }
  if (!component_started) return invalid("malformed algorithm");
  // encoded := [a-zA-Z0-9=_-]+
  if (encoded.empty()) return invalid("empty encoded part");
  for (char c : encoded) {
    if (!IsAlnum(c) && c != '=' && c != '_' && c != '-') return invalid("malformed encoded part");
  }
  Digest digest;
  size_t hex_length = 0;
  if (algorithm == "sha256") {
    digest.algorithm_ = crypto::HashAlgorithm::kSha256;
    hex_length = 64;
  } else if (algorithm == "sha512") {
    digest.algorithm_ = crypto::HashAlgorithm::kSha512;
    hex_length = 128;
  } else {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported digest algorithm \"" + std::string(algorithm.substr(0, 64)) +
                         "\" (sha256 and sha512 are)");
  }
  // image-spec: the encoded part of sha256/sha512 is lowercase hex of the
  // exact length.
  if (encoded.size() != hex_length) {
    return invalid(std::string(algorithm) + " needs " + std::to_string(hex_length) + " hex digits");
  }
  for (char c : encoded) {
    if (!IsLowerHex(c)) return invalid(std::string(algorithm) + " needs lowercase hex digits");
  }
  digest.encoded_ = std::string(encoded);
  return digest;
}

Digest Digest::Of(crypto::HashAlgorithm algorithm, ByteView hash) {
  Digest digest;
  digest.algorithm_ = algorithm;
  digest.encoded_ = HexEncode(hash);
  return digest;
}

Digest Digest::Sha256Of(ByteView content) {
  return Of(crypto::HashAlgorithm::kSha256, crypto::Sha256(content));
}

std::string_view Digest::algorithm_name() const {
  return algorithm_ == crypto::HashAlgorithm::kSha512 ? "sha512" : "sha256";
}

std::string Digest::ToString() const {
  std::string out(algorithm_name());
  out += ':';
  out += encoded_;
  return out;
}

Result<TagOrDigest> ParseTagOrDigest(std::string_view text) {
  TagOrDigest out;
  if (text.find(':') != std::string_view::npos) {
    SCITT_ASSIGN_OR_RETURN(out.digest, Digest::Parse(text));
    return out;
  }
  if (!IsValidTag(text)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid tag \"" + std::string(text.substr(0, 200)) +
                         "\" (tags match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
  }
  out.tag = std::string(text);
  return out;
}

std::string ReferrersTag(const Digest& digest) {
  std::string tag(digest.algorithm_name().substr(0, 32));
  tag += '-';
  tag += digest.encoded().substr(0, 64);
  for (char& c : tag) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') c = '-';
  }
  return tag;
}

}  // namespace scitt::registry
