// Registry credentials, found where users of podman, skopeo and docker keep
// them: flags, then environment variables, then the auth files
// (containers-auth.json(5), docker's config.json).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace scitt::oci_client {

struct Credentials {
  std::string username;
  std::string password;
};

// What the command line gave: --username/--password, or --creds user:pass.
struct CredentialFlags {
  std::string username;
  std::string password;
  std::string creds;
};

// Reads an environment variable; tests give their own.
using Environment = std::function<std::optional<std::string>(const char* name)>;
Environment ProcessEnvironment();

// The auth files to read, in order: $REGISTRY_AUTH_FILE,
// $XDG_RUNTIME_DIR/containers/auth.json, $HOME/.config/containers/auth.json,
// and docker's $DOCKER_CONFIG/config.json (default $HOME/.docker). Unset
// variables leave their file out.
std::vector<std::string> AuthFilePaths(const Environment& env);

struct AuthFileMatch {
  std::optional<Credentials> credentials;
  std::vector<std::string> notes;  // entries found but not usable, and why
};

// The credentials an auth file's JSON holds for `repository` at `registry`:
// the `auths` entry whose key is the most specific match (containers-auth.json:
// "host/ns/repo" before "host/ns" before "host"; docker's "https://host/v1/"
// and "http://host" forms count as "host"), its `auth` being base64
// "user:password". An `identitytoken` (OAuth refresh token) or credential
// helper is not supported: noted, and the lookup goes on. kMalformed for a
// document that is not such JSON or an `auth` that is not base64 "user:pass".
Result<AuthFileMatch> FindInAuthFile(std::string_view json, std::string_view registry,
                                     std::string_view repository);

struct FoundCredentials {
  std::optional<Credentials> credentials;  // nullopt: anonymous
  std::string source;                      // "--creds", "SCITT_REGISTRY_USERNAME", a file path
  std::vector<std::string> notes;
};

// The lookup order: flags (--username with --password, or --creds; both at
// once is kInvalidArgument), then SCITT_REGISTRY_USERNAME with
// SCITT_REGISTRY_PASSWORD, then the first auth file of AuthFilePaths() with
// an entry for the registry. A file that does not exist is skipped; one
// that cannot be read or parsed is an error naming it.
Result<FoundCredentials> LookUpCredentials(const CredentialFlags& flags, const Environment& env,
                                           std::string_view registry, std::string_view repository);

}  // namespace scitt::oci_client
