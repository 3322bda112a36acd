// Image references as registry clients write them on the command line:
// `host[:port]/name[:tag][@digest]` (the grammar of docker/distribution's
// reference package, without its docker.io defaults).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "registry/reference.h"

namespace scitt::oci_client {

struct ImageReference {
  std::string registry;    // "host", "host:port", "[::1]:5000"
  std::string repository;  // distribution-spec <name>
  std::string tag;         // empty when not written
  std::optional<registry::Digest> digest;

  // What a manifest route takes: the digest when there is one (it pins the
  // content), else the tag, else "latest".
  std::string TagOrDigest() const;
  std::string ToString() const;
};

// The first path component is the registry when it holds a '.' or a ':',
// starts with '[' (an IPv6 literal) or is "localhost"; otherwise there is no
// registry in the reference, and since this client assumes no default
// registry (docker.io), that is kInvalidArgument with a message saying so.
// A reference with neither tag nor digest means the tag "latest". The name,
// tag and digest must follow the distribution-spec grammars.
Result<ImageReference> ParseImageReference(std::string_view text);

// True for loopback registries (localhost, 127.0.0.0/8, [::1]), which are
// reached over plain http by default, as podman and @sigstore/oci do;
// every other registry over https unless --plain-http.
bool IsLoopbackRegistry(std::string_view registry);

// "http://<registry>" or "https://<registry>".
std::string RegistryBaseUrl(std::string_view registry, bool plain_http);

}  // namespace scitt::oci_client
