// `scitt appraise SUBJECT|IMAGE_REF --policy FILE | --policy-entry N --url URL`
// (docs/cli.md): asks the service to apply an appraisal policy to what it
// knows about an artifact (POST /appraisals), prints each rule's outcome
// and the entries behind it, and exits 0 for allow, 1 for deny. An image
// reference with a tag is resolved to its digest through its registry
// first (any registry, this service's too).
//
// With --bundle DIR it asks nobody: the statements of a `scitt registry
// pull-evidence` bundle whose receipts verify against the service keys are
// indexed as the service indexes its log (same parsers, same entries) into
// a temporary evidence store, and the same appraiser answers.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "appraisal/appraiser.h"
#include "appraisal/policy.h"
#include "base/file.h"
#include "base/text.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/registry_client.h"
#include "cose/sign1.h"
#include "cose/verifier.h"
#include "evidence/dependency_graph.h"
#include "evidence/statement_indexer.h"
#include "oci_client/image_reference.h"
#include "storage/store.h"

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
  std::string bundle;     // offline: a pull-evidence directory
  ServiceKeyFlags keys;   // its receipts are checked with these
  std::string at;         // the time evidence ages are counted to (default now)
};

// How registries (and, for --service, the service) are reached: the
// client flags' TLS settings and the registry credentials.
RegistryFlags RegistryFlagsOf(const AppraiseOptions& opts) {
  return {.credentials = opts.registry_credentials,
          .plain_http = opts.plain_http,
          .ca_file = opts.client.ca_file,
          .insecure = opts.client.insecure,
          .timeout_seconds = opts.client.timeout_seconds};
}

// The subject to ask about: a registry's image reference
// ("host[:port]/name:tag", "host/name@sha256:…") is its manifest's digest;
// anything else (a digest, "name@digest", a purl) as written.
Result<std::string> SubjectOf(const AppraiseOptions& opts) {
  if (opts.subject.starts_with("pkg:")) return opts.subject;
  auto reference = oci_client::ParseImageReference(opts.subject);
  if (!reference.ok()) return opts.subject;  // not one: no registry named
  if (reference->digest) return reference->digest->ToString();
  SCITT_ASSIGN_OR_RETURN(oci_client::RegistryClient client, MakeRegistryClient(RegistryFlagsOf(opts), *reference));
  SCITT_ASSIGN_OR_RETURN(const oci_client::FetchedManifest manifest, ResolveSubject(client, *reference));
  std::cerr << "scitt: " << opts.subject << " is " << manifest.digest.ToString() << "\n";
  return manifest.digest.ToString();
}

int PrintVerdict(const AppraiseOptions& opts, const std::string& subject, const nlohmann::json& verdict);

struct BundleStatement {
  cose::Sign1 statement;
  cose::VerifiedReceipt receipt;  // the first of its receipts that verified
};

// The bundle's statements (DIR/statements/*.transparent.cose) each with a
// receipt that verifies against `keys`, by log entry. One without is left
// out, and said so: what the service did not vouch for is not evidence.
Result<std::map<uint64_t, BundleStatement>> ReadBundle(const std::string& dir,
                                                      const std::vector<cose::ServiceKey>& keys) {
  std::map<uint64_t, BundleStatement> out;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& item : std::filesystem::directory_iterator(dir + "/statements", ec)) {
    const std::string name = item.path().string();
    if (name.ends_with(".transparent.cose")) files.push_back(name);
  }
  if (ec) return MakeError(ErrorCode::kIo, dir + "/statements: " + ec.message() + " (a `scitt registry pull-evidence` bundle?)");
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    SCITT_ASSIGN_OR_RETURN(const Bytes bytes, ReadFile(file));
    auto statement = cose::Sign1::Parse(bytes);
    if (!statement.ok()) return MakeError(ErrorCode::kMalformed, file + ": " + statement.error().message);
    std::optional<cose::VerifiedReceipt> proven;
    std::string why = "it carries no receipt";
    for (const Bytes& receipt : statement->unprotected_headers().receipts) {
      auto verified = cose::VerifyReceipt(receipt, *statement, keys);
      if (verified.ok()) {
        proven = std::move(*verified);
        break;
      }
      why = verified.error().message;
    }
    if (!proven) {
      std::cerr << "scitt: " << file << ": left out, no receipt verifies (" << why << ")\n";
      continue;
    }
    // Of two copies of one entry, the one whose receipt is the older: its
    // time is the nearer to the registration's, which evidence ages count from.
    const uint64_t entry = proven->leaf_index;
    const auto held = out.find(entry);
    if (held != out.end() && held->second.receipt.issued_at.value_or(0) <= proven->issued_at.value_or(0)) continue;
    out.insert_or_assign(entry, BundleStatement{std::move(*statement), std::move(*proven)});
  }
  return out;
}

// The policy: a JSON file, or a registered policy from the bundle by entry.
Result<std::pair<appraisal::Policy, std::optional<uint64_t>>> BundlePolicy(
    const AppraiseOptions& opts, const std::map<uint64_t, BundleStatement>& bundle) {
  if (!opts.policy_file.empty()) {
    SCITT_ASSIGN_OR_RETURN(const Bytes bytes, ReadFile(opts.policy_file));
    SCITT_ASSIGN_OR_RETURN(appraisal::Policy policy, appraisal::ParsePolicy(bytes));
    return std::make_pair(std::move(policy), std::optional<uint64_t>());
  }
  const auto entry = static_cast<uint64_t>(opts.policy_entry);
  const auto it = bundle.find(entry);
  if (it == bundle.end()) {
    return MakeError(ErrorCode::kNotFound, "entry " + std::to_string(entry) +
                                               " is not in the bundle: put the policy's transparent statement in " +
                                               opts.bundle + "/statements/, or give --policy FILE");
  }
  SCITT_ASSIGN_OR_RETURN(appraisal::Policy policy, appraisal::PolicyInStatement(it->second.statement, entry));
  return std::make_pair(std::move(policy), std::optional<uint64_t>(entry));
}

Result<nlohmann::json> AppraiseBundle(const AppraiseOptions& opts, const std::string& subject) {
  SCITT_ASSIGN_OR_RETURN(const auto keys, LoadServiceKeys(opts.keys, RegistryFlagsOf(opts)));
  if (keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--bundle needs --service-keys FILE (or --service URL): a statement whose receipt is not "
                     "checked is not evidence");
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (!opts.at.empty()) {
    const auto at = ParseUtc(opts.at);
    if (!at) return MakeError(ErrorCode::kInvalidArgument, "--at: not an RFC 3339 UTC time: " + opts.at);
    now = *at;
  }
  SCITT_ASSIGN_OR_RETURN(const auto bundle, ReadBundle(opts.bundle, keys));
  SCITT_ASSIGN_OR_RETURN(auto policy, BundlePolicy(opts, bundle));
  SCITT_RETURN_IF_ERROR(appraisal::CompileScript(policy.first));  // offline, on the user's own machine

  // Indexed as the service indexes its log: the same DescribeStatement,
  // each statement at its entry, registered when its receipt's tree head
  // was signed (the time the service gives the batch it registered).
  std::vector<evidence::IndexedStatement> indexed;
  uint64_t next = 0;
  for (const auto& [entry, item] : bundle) {
    log::LogEntry log_entry;
    log_entry.index = entry;
    log_entry.statement = item.statement.RegisteredForm();
    log_entry.registered_at = item.receipt.issued_at.value_or(0);
    if (auto described = evidence::DescribeStatement(std::move(log_entry))) indexed.push_back(std::move(*described));
    next = entry + 1;
  }
  SCITT_ASSIGN_OR_RETURN(const std::unique_ptr<TemporaryDirectory> temp, TemporaryDirectory::Make("scitt-bundle-"));
  SCITT_ASSIGN_OR_RETURN(auto store, storage::OpenEvidenceStore("file:" + temp->path()));
  SCITT_RETURN_IF_ERROR(store->Add(indexed, next));
  evidence::DependencyGraph graph(*store);
  const appraisal::Question question{
      .subject = subject,
      .as_of = opts.tree_size >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(opts.tree_size)) : std::nullopt,
      .now = now};
  SCITT_ASSIGN_OR_RETURN(const appraisal::Verdict verdict, appraisal::Appraise(*store, graph, policy.first, question));
  nlohmann::json out = appraisal::DescribeVerdict(verdict);
  if (policy.second) out["policy_entry"] = *policy.second;
  out["appraised_at"] = FormatUtc(now);
  out["bundle"] = {{"directory", opts.bundle}, {"statements", indexed.size()}};
  return out;
}

int Appraise(const AppraiseOptions& opts) {
  if (!opts.bundle.empty()) {
    // Offline: the subject is what the bundle's statements name (a digest
    // or a purl); a tag cannot be resolved without a registry.
    auto verdict = AppraiseBundle(opts, opts.subject);
    if (!verdict.ok()) return ReportError(verdict.error());
    return PrintVerdict(opts, opts.subject, *verdict);
  }
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
  if (!opts.at.empty()) request["at"] = opts.at;
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
  return PrintVerdict(opts, *subject, verdict);
}

int PrintVerdict(const AppraiseOptions& opts, const std::string& subject, const nlohmann::json& verdict) {
  const bool allow = verdict["decision"] == "allow";
  if (opts.json) {
    std::cout << verdict.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << (allow ? "ALLOW " : "DENY ") << subject << " under policy " << verdict.value("policy", "?")
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
  cmd->get_option("--url")->required(false);  // not with --bundle: checked below
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
  cmd->add_option("--bundle", opts->bundle,
                  "Offline: appraise against a `scitt registry pull-evidence` directory instead of a service "
                  "(needs --service-keys; the subject is a digest or a purl)");
  AddServiceKeyFlags(cmd, &opts->keys);
  cmd->add_option("--at", opts->at,
                  "Count evidence ages to this time (RFC 3339 UTC), e.g. a verdict's appraised_at: a decision replayed");
  cmd->add_flag("--json", opts->json, "Print the service's verdict as JSON");
  cmd->callback([action, opts, file, entry] {
    if (file->count() == 0 && entry->count() == 0) throw CLI::ValidationError("--policy or --policy-entry is required");
    if (opts->bundle.empty() == opts->client.url.empty()) {
      throw CLI::ValidationError("give --url (ask the service) or --bundle (offline), one of them");
    }
    *action = [opts] { return Appraise(*opts); };
  });
}

}  // namespace scitt::cli
