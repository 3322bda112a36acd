// `scitt appraise SUBJECT|IMAGE_REF --policy FILE | --policy-entry N --url URL`
// (docs/cli.md): asks the service to apply an appraisal policy to what it
// knows about an artifact (POST /appraisals), prints each rule's outcome
// and the entries behind it, and exits 0 for allow, 1 for deny. An image
// reference with a tag is resolved to its digest through its registry
// first (any registry, this service's too).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "appraisal/policy.h"
#include "base/file.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/registry_client.h"
#include "oci_client/image_reference.h"

namespace scitt::cli {
namespace {

struct AppraiseOptions {
  ClientFlags client;
  oci_client::CredentialFlags registry_credentials;
  bool plain_http = false;
  std::string subject;
  std::string policy_file;
  int64_t policy_entry = -1;
  int64_t tree_size = -1;
  bool json = false;
};

// The subject to ask about: a registry's image reference
// ("host[:port]/name:tag", "host/name@sha256:…") is its manifest's digest;
// anything else (a digest, "name@digest", a purl) as written.
Result<std::string> SubjectOf(const AppraiseOptions& opts) {
  if (opts.subject.starts_with("pkg:")) return opts.subject;
  auto reference = oci_client::ParseImageReference(opts.subject);
  if (!reference.ok()) return opts.subject;  // not one: no registry named
  if (reference->digest) return reference->digest->ToString();
  RegistryFlags registry{.credentials = opts.registry_credentials,
                         .plain_http = opts.plain_http,
                         .ca_file = opts.client.ca_file,
                         .insecure = opts.client.insecure,
                         .timeout_seconds = opts.client.timeout_seconds};
  SCITT_ASSIGN_OR_RETURN(oci_client::RegistryClient client, MakeRegistryClient(registry, *reference));
  SCITT_ASSIGN_OR_RETURN(const oci_client::FetchedManifest manifest, ResolveSubject(client, *reference));
  std::cerr << "scitt: " << opts.subject << " is " << manifest.digest.ToString() << "\n";
  return manifest.digest.ToString();
}

int Appraise(const AppraiseOptions& opts) {
  auto subject = SubjectOf(opts);
  if (!subject.ok()) return ReportError(subject.error());
  nlohmann::json request = {{"subject", *subject}};
  if (!opts.policy_file.empty()) {
    auto bytes = ReadFile(opts.policy_file);
    if (!bytes.ok()) return ReportError(bytes.error());
    // Checked here too, so that a mistake is named before anything is sent.
    if (auto policy = appraisal::ParsePolicy(*bytes); !policy.ok()) return ReportError(policy.error());
    request["policy"] = nlohmann::json::parse(ToString(*bytes));
  } else {
    request["policy_entry"] = opts.policy_entry;
  }
  if (opts.tree_size >= 0) request["tree_size"] = opts.tree_size;
  auto res = http::Fetch("POST", http::ResolveUrl(opts.client.url, "/appraisals"),
                         {{"Content-Type", "application/json"}, {"Accept", "application/json"}}, request.dump(),
                         opts.client.options());
  if (!res.ok()) return ReportError(res.error());
  if (res->status != 200) return ReportError("POST /appraisals: " + DescribeFailure(*res));
  const auto verdict = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (!verdict.is_object() || !verdict.contains("decision") || !verdict["decision"].is_string() ||
      !verdict.contains("rules") || !verdict["rules"].is_array()) {
    return ReportError("the service's answer to POST /appraisals is not a verdict");
  }
  const bool allow = verdict["decision"] == "allow";
  if (opts.json) {
    std::cout << verdict.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << (allow ? "ALLOW " : "DENY ") << *subject << " under policy " << verdict.value("policy", "?")
              << " at tree size " << verdict.value("tree_size", uint64_t{0}) << "\n";
    for (const auto& rule : verdict["rules"]) {
      if (!rule.is_object()) continue;
      std::cout << "  " << rule.value("outcome", "?") << "  " << rule.value("rule", "?") << ": "
                << rule.value("reason", "") << "  (entries " << rule.value("entries", nlohmann::json::array()).dump()
                << ")\n";
    }
  }
  return allow ? kExitOk : kExitCheckFailed;
}

}  // namespace

void AddAppraiseCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<AppraiseOptions>();
  CLI::App* cmd = app.add_subcommand(
      "appraise", "May this artifact be used? An appraisal policy applied to the evidence the service holds");
  AddClientFlags(cmd, &opts->client);
  cmd->add_option("subject", opts->subject,
                  "The artifact: a digest, an OCI name@digest, a purl, or an image reference "
                  "(host[:port]/name:tag), resolved to its digest through its registry")
      ->required();
  cmd->add_option("--creds", opts->registry_credentials.creds, "Registry credentials as user:password");
  cmd->add_option("--username", opts->registry_credentials.username, "Registry user name (with --password)");
  cmd->add_option("--password", opts->registry_credentials.password, "Registry password or token");
  cmd->add_flag("--plain-http", opts->plain_http,
                "Reach the image's registry over http (default: http only for loopback registries)");
  auto* file = cmd->add_option("--policy", opts->policy_file, "The policy, a JSON file (docs/appraisal.md)");
  auto* entry = cmd->add_option("--policy-entry", opts->policy_entry,
                                "The log entry that registered the policy as a statement");
  file->excludes(entry);
  entry->excludes(file);
  cmd->add_option("--tree-size", opts->tree_size, "Appraise the evidence as the log held it at this size");
  cmd->add_flag("--json", opts->json, "Print the service's verdict as JSON");
  cmd->callback([action, opts, file, entry] {
    if (file->count() == 0 && entry->count() == 0) throw CLI::ValidationError("--policy or --policy-entry is required");
    *action = [opts] { return Appraise(*opts); };
  });
}

}  // namespace scitt::cli
