#include "cli/registry_client.h"

#include <iostream>

#include "base/file.h"

namespace scitt::cli {

void AddRegistryFlags(CLI::App* cmd, RegistryFlags* flags) {
  cmd->add_option("--username", flags->credentials.username, "Registry user name (with --password)");
  cmd->add_option("--password", flags->credentials.password, "Registry password or token (with --username)");
  cmd->add_option("--creds", flags->credentials.creds, "Registry credentials as user:password");
  cmd->add_flag("--plain-http", flags->plain_http,
                "Use http:// for every registry (default: http only for localhost, 127.0.0.0/8, [::1])");
  cmd->add_option("--ca-file", flags->ca_file, "CA certificate (PEM) to trust for https");
  cmd->add_flag("--insecure", flags->insecure, "Do not verify TLS certificates (testing only)");
  cmd->add_option("--timeout", flags->timeout_seconds, "Give up on one request after this many seconds")
      ->capture_default_str();
}

Result<oci_client::RegistryClient> MakeRegistryClient(const RegistryFlags& flags,
                                                      const oci_client::ImageReference& reference) {
  SCITT_ASSIGN_OR_RETURN(oci_client::FoundCredentials found,
                         oci_client::LookUpCredentials(flags.credentials, oci_client::ProcessEnvironment(),
                                                       reference.registry, reference.repository));
  for (const std::string& note : found.notes) std::cerr << "scitt: note: " << note << "\n";
  oci_client::RegistryOptions options;
  options.http.timeout = std::chrono::seconds(flags.timeout_seconds);
  options.http.ca_file = flags.ca_file;
  options.http.verify_tls = !flags.insecure;
  options.plain_http = flags.plain_http || oci_client::IsLoopbackRegistry(reference.registry);
  options.credentials = std::move(found.credentials);
  oci_client::RegistryClient client(reference.registry, std::move(options));
  // First GET /v2/, as registry clients do: a URL that is no registry, or
  // credentials it refuses, fail here with a message that says so.
  SCITT_RETURN_IF_ERROR(client.Ping());
  return client;
}

void AddServiceKeyFlags(CLI::App* cmd, ServiceKeyFlags* flags) {
  auto* file = cmd->add_option("--service-keys", flags->file,
                               "The service's receipt keys (COSE_KeySet from /.well-known/scitt-keys, JWKS, PEM)");
  cmd->add_option("--service", flags->url, "Fetch the receipt keys from this transparency service")->excludes(file);
}

Result<std::vector<cose::ServiceKey>> LoadServiceKeys(const ServiceKeyFlags& flags, const RegistryFlags& tls) {
  Bytes data;
  std::string source = flags.file;
  if (!flags.file.empty()) {
    SCITT_ASSIGN_OR_RETURN(data, ReadFile(flags.file));
  } else if (!flags.url.empty()) {
    ClientFlags service;
    service.url = flags.url;
    service.ca_file = tls.ca_file;
    service.insecure = tls.insecure;
    service.timeout_seconds = tls.timeout_seconds;
    SCITT_ASSIGN_OR_RETURN(data, FetchServiceKeys(service));
    source = flags.url + "/.well-known/scitt-keys";
  } else {
    return std::vector<cose::ServiceKey>();
  }
  auto keys = cose::ParseServiceKeys(data);
  if (!keys.ok()) return MakeError(ErrorCode::kMalformed, source + ": " + keys.error().message);
  return keys;
}

int ReportFailure(const std::string& verb, const Error& error) {
  std::cerr << "scitt: " << verb << ": " << error.message << "\n";
  return error.code == ErrorCode::kVerificationFailed ? kExitCheckFailed : kExitUnusable;
}

Result<oci_client::FetchedManifest> ResolveSubject(oci_client::RegistryClient& client,
                                                   const oci_client::ImageReference& reference) {
  auto manifest = client.GetManifest(reference.repository, reference.TagOrDigest());
  if (!manifest.ok() && manifest.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound, reference.ToString() + " does not exist (" + manifest.error().message + ")");
  }
  return manifest;
}

}  // namespace scitt::cli
