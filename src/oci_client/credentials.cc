#include "oci_client/credentials.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/file.h"

namespace scitt::oci_client {
namespace {

Error Malformed(const std::string& why) { return MakeError(ErrorCode::kMalformed, why); }

// An auths key as containers-auth.json writes it: "host[/path]". Docker
// writes "https://host/v1/" or "http://host"; the scheme and the API path
// say nothing about which credentials to use.
std::string NormalizeKey(std::string_view key) {
  bool had_scheme = false;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      had_scheme = true;
    }
  }
  while (key.ends_with('/')) key.remove_suffix(1);
  if (had_scheme) {
    for (std::string_view api : {"/v1", "/v2"}) {
      if (key.ends_with(api)) key.remove_suffix(api.size());
    }
  }
  return std::string(key);
}

// How specifically `key` names `repository` at `registry`: the number of
// repository components it includes (0 = the registry itself); nullopt when
// it does not name it.
std::optional<size_t> MatchLength(const std::string& key, std::string_view registry,
                                  std::string_view repository) {
  if (key == registry) return 0;
  const std::string prefix = std::string(registry) + "/";
  if (!key.starts_with(prefix)) return std::nullopt;
  const std::string_view path = std::string_view(key).substr(prefix.size());
  // At component boundaries: "host/ns" names "ns/app" but not "nsx/app".
  if (!repository.starts_with(path) || (repository.size() != path.size() && repository[path.size()] != '/')) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/') + 1);
}

Result<Credentials> DecodeAuth(const std::string& key, const std::string& auth) {
  const std::optional<Bytes> decoded = Base64Decode(auth);
  if (!decoded) return Malformed("the auth of \"" + key + "\" is not base64");
  const std::string text = ToString(*decoded);
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return Malformed("the auth of \"" + key + "\" is not base64 of user:password");
  return Credentials{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

std::vector<std::string> AuthFilePaths(const Environment& env) {
  std::vector<std::string> out;
  if (auto file = env("REGISTRY_AUTH_FILE")) out.push_back(*file);
  if (auto runtime = env("XDG_RUNTIME_DIR")) out.push_back(*runtime + "/containers/auth.json");
  const std::optional<std::string> home = env("HOME");
  if (home) out.push_back(*home + "/.config/containers/auth.json");
  if (auto docker = env("DOCKER_CONFIG")) {
    out.push_back(*docker + "/config.json");
  } else if (home) {
    out.push_back(*home + "/.docker/config.json");
  }
  return out;
}

Result<AuthFileMatch> FindInAuthFile(std::string_view json, std::string_view registry,
                                     std::string_view repository) {
  const auto document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return Malformed("not a JSON object");
  AuthFileMatch out;
  const auto auths = document.find("auths");
  if (auths != document.end() && !auths->is_object()) return Malformed("\"auths\" is not an object");
  std::optional<size_t> best_length;
  if (auths != document.end()) {
    for (const auto& [key, entry] : auths->items()) {
      const std::optional<size_t> length = MatchLength(NormalizeKey(key), registry, repository);
      if (!length || (best_length && *length <= *best_length)) continue;
      if (!entry.is_object()) return Malformed("the entry \"" + key + "\" is not an object");
      const auto auth = entry.find("auth");
      if (auth != entry.end() && auth->is_string() && !auth->get<std::string>().empty()) {
        SCITT_ASSIGN_OR_RETURN(out.credentials, DecodeAuth(key, auth->get<std::string>()));
        best_length = length;
      } else if (entry.contains("identitytoken")) {
        out.notes.push_back("the identitytoken of \"" + key + "\" is ignored (not supported); log in with a password");
      }
    }
  }
  for (const char* helpers : {"credHelpers", "credsStore"}) {
    if (!out.credentials && document.contains(helpers)) {
      out.notes.push_back(std::string("credential helpers (\"") + helpers + "\") are not supported");
    }
  }
  return out;
}

Result<FoundCredentials> LookUpCredentials(const CredentialFlags& flags, const Environment& env,
                                           std::string_view registry, std::string_view repository) {
  FoundCredentials out;
  const bool user_flags = !flags.username.empty() || !flags.password.empty();
  if (user_flags && !flags.creds.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "give --creds or --username/--password, not both");
  }
  if (user_flags) {
    if (flags.username.empty() || flags.password.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "--username and --password go together");
    }
    out.credentials = Credentials{flags.username, flags.password};
    out.source = "--username/--password";
    return out;
  }
  if (!flags.creds.empty()) {
    const size_t colon = flags.creds.find(':');
    if (colon == std::string::npos) return MakeError(ErrorCode::kInvalidArgument, "--creds takes user:password");
    out.credentials = Credentials{flags.creds.substr(0, colon), flags.creds.substr(colon + 1)};
    out.source = "--creds";
    return out;
  }
  const auto user = env("SCITT_REGISTRY_USERNAME");
  const auto password = env("SCITT_REGISTRY_PASSWORD");
  if (user || password) {
    if (!user || !password) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "SCITT_REGISTRY_USERNAME and SCITT_REGISTRY_PASSWORD go together");
    }
    out.credentials = Credentials{*user, *password};
    out.source = "SCITT_REGISTRY_USERNAME";
    return out;
  }
  for (const std::string& path : AuthFilePaths(env)) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    auto text = ReadTextFile(path);
    if (!text.ok()) return text.error();
    auto match = FindInAuthFile(*text, registry, repository);
    if (!match.ok()) return MakeError(ErrorCode::kMalformed, path + ": " + match.error().message);
    for (std::string& note : match->notes) out.notes.push_back(path + ": " + note);
    if (match->credentials) {
      out.credentials = std::move(match->credentials);
      out.source = path;
      return out;
    }
  }
  return out;
}

}  // namespace scitt::oci_client
