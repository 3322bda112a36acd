#include "oci_client/image_reference.h"

#include <cctype>

namespace scitt::oci_client {
namespace {

Error Invalid(std::string_view text, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid image reference \"" + std::string(text.substr(0, 300)) + "\": " + why);
}

// The host part of "host[:port]": without the port and the IPv6 brackets.
std::string_view HostOf(std::string_view registry) {
  if (registry.starts_with('[')) {
    const size_t close = registry.find(']');
    return close == std::string_view::npos ? registry : registry.substr(1, close - 1);
  }
  return registry.substr(0, registry.find(':'));
}

bool IsValidRegistry(std::string_view registry) {
  std::string_view rest = registry;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : rest.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    rest.remove_prefix(close + 1);
  } else {
    const size_t colon = rest.find(':');
    const std::string_view host = rest.substr(0, colon);
    if (host.empty()) return false;
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    }
    rest.remove_prefix(host.size());
  }
  if (rest.empty()) return true;
  if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) return false;
  for (char c : rest.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string ImageReference::TagOrDigest() const {
  return digest ? digest->ToString() : tag.empty() ? "latest" : tag;
}

std::string ImageReference::ToString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out.append(":").append(tag);
  if (digest) out.append("@").append(digest->ToString());
  return out;
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  ImageReference out;
  const size_t slash = text.find('/');
  const std::string_view first = text.substr(0, slash);
  const bool has_registry = slash != std::string_view::npos &&
                            (first.find_first_of(".:") != std::string_view::npos ||
                             first.starts_with('[') || first == "localhost");
  if (!has_registry) {
    return Invalid(text, "no registry host; write host[:port]/name[:tag][@digest] "
                         "(no default registry such as docker.io is assumed)");
  }
  if (!IsValidRegistry(first)) return Invalid(text, "\"" + std::string(first) + "\" is not host[:port]");
  out.registry = std::string(first);
  std::string_view rest = text.substr(slash + 1);
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    auto digest = registry::Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) return Invalid(text, digest.error().message);
    out.digest = *digest;
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (the registry is gone).
  const size_t colon = rest.find(':', rest.rfind('/') == std::string_view::npos ? 0 : rest.rfind('/'));
  if (colon != std::string_view::npos) {
    out.tag = std::string(rest.substr(colon + 1));
    if (!registry::IsValidTag(out.tag)) return Invalid(text, "\"" + out.tag + "\" is not a valid tag");
    rest = rest.substr(0, colon);
  }
  if (!registry::IsValidName(rest)) {
    return Invalid(text, "\"" + std::string(rest) + "\" is not a valid repository name (lowercase, digits, . _ - /)");
  }
  out.repository = std::string(rest);
  return out;
}

bool IsLoopbackRegistry(std::string_view registry) {
  const std::string_view host = HostOf(registry);
  // 127.0.0.0/8 as an address literal only: "127.example.com" is a name.
  const bool ipv4_literal = host.find_first_not_of("0123456789.") == std::string_view::npos;
  return host == "localhost" || host == "::1" || (ipv4_literal && host.starts_with("127."));
}

std::string RegistryBaseUrl(std::string_view registry, bool plain_http) {
  return (plain_http ? "http://" : "https://") + std::string(registry);
}

}  // namespace scitt::oci_client
