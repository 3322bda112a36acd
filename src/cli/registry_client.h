// Private to cli: what the registry client verbs (attach, discover,
// pull-evidence, copy) share: the flags that reach a registry, the
// service keys receipts are checked with, and how they print.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cose/service_keys.h"
#include "oci_client/image_reference.h"
#include "oci_client/registry_client.h"

namespace scitt::cli {

struct RegistryFlags {
  oci_client::CredentialFlags credentials;
  bool plain_http = false;
  std::string ca_file;
  bool insecure = false;
  int timeout_seconds = 60;
};

void AddRegistryFlags(CLI::App* cmd, RegistryFlags* flags);

// A client of `reference`'s registry with the credentials the lookup
// order finds (oci_client::LookUpCredentials; its notes go to stderr),
// once the registry has answered GET /v2/.
Result<oci_client::RegistryClient> MakeRegistryClient(const RegistryFlags& flags,
                                                      const oci_client::ImageReference& reference);

// --service-keys FILE (COSE_KeySet, JWKS, PEM, …) or --service URL (its
// /.well-known/scitt-keys).
struct ServiceKeyFlags {
  std::string file;
  std::string url;
};

void AddServiceKeyFlags(CLI::App* cmd, ServiceKeyFlags* flags);

// The keys, or none when neither flag was given.
Result<std::vector<cose::ServiceKey>> LoadServiceKeys(const ServiceKeyFlags& flags, const RegistryFlags& tls);

// "scitt: <verb>: <message>" on stderr; kExitCheckFailed for a failed
// verification, kExitUnusable otherwise.
int ReportFailure(const std::string& verb, const Error& error);

// The registry's subject manifest of `reference`, with a message that
// names the reference when it cannot be read.
Result<oci_client::FetchedManifest> ResolveSubject(oci_client::RegistryClient& client,
                                                   const oci_client::ImageReference& reference);

}  // namespace scitt::cli
