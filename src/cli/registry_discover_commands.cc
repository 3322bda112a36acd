// `scitt registry discover` and `scitt registry pull-evidence`: an image's
// referrers, with each statement's issuer and each receipt checked against
// its statement; pull-evidence also downloads them all (docs/cli.md has the
// output layout).
#include <iostream>
#include <set>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "cli/registry_client.h"
#include "cose/verifier.h"
#include "http/client.h"
#include "log/pages.h"
#include "cose/transparent_statement.h"
#include "oci_client/artifact.h"
#include "oci_client/scitt_evidence.h"
#include "registry/scitt_profile.h"

namespace scitt::cli {
namespace {

using oci_client::ReceiptState;
using oci_client::ReceiptVerdict;
using oci_client::ReferrerNode;

struct DiscoverOptions {
  std::string image;
  bool tree = false;
  bool json = false;
  std::string artifact_type;
  RegistryFlags registry;
  ServiceKeyFlags keys;
};

struct PullOptions {
  std::string image;
  std::string out;
  RegistryFlags registry;
  ServiceKeyFlags keys;
  bool referrers_only = false;             // no statements from the service's evidence graph
  std::vector<uint64_t> policy_entries;    // registered appraisal policies to bring too
};

// What discover says about one referrer beyond its descriptor.
struct Finding {
  std::string issuer;                      // statements
  std::optional<ReceiptVerdict> receipt;   // receipts
  std::vector<ReceiptVerdict> embedded;    // receipts inside a statement
  std::string problem;                     // could not be read
};

bool IsType(const registry::Descriptor& descriptor, std::string_view type) {
  return descriptor.artifact_type && *descriptor.artifact_type == type;
}

// Reads a statement's issuer or checks a receipt. A referrer that cannot
// be read is reported, not fatal: discover shows what is there.
Finding Inspect(oci_client::EvidenceChecker& checker, const registry::Descriptor& descriptor) {
  Finding out;
  if (IsType(descriptor, registry::kStatementArtifactType)) {
    auto statement = checker.Statement(descriptor.digest);
    if (!statement.ok()) {
      out.problem = statement.error().message;
      const auto annotated = descriptor.annotations.find(std::string(registry::kIssuerAnnotation));
      if (annotated != descriptor.annotations.end()) out.issuer = annotated->second;
      return out;
    }
    out.issuer = (*statement)->issuer;
    out.embedded = checker.EmbeddedReceipts(**statement);
  } else if (IsType(descriptor, registry::kReceiptArtifactType)) {
    auto receipt = checker.Receipt(descriptor.digest);
    if (!receipt.ok()) {
      out.receipt = ReceiptVerdict{ReceiptState::kFailed, receipt.error().message};
    } else {
      out.receipt = receipt->verdict;
    }
  }
  return out;
}

size_t CountFailures(const Finding& finding) {
  size_t failures = finding.receipt && finding.receipt->state == ReceiptState::kFailed ? 1 : 0;
  for (const ReceiptVerdict& embedded : finding.embedded) failures += embedded.state == ReceiptState::kFailed;
  return failures;
}

struct Printer {
  oci_client::EvidenceChecker& checker;
  bool json;
  size_t failures = 0;

  nlohmann::ordered_json Node(const ReferrerNode& node, size_t depth) {
    const Finding finding = Inspect(checker, node.descriptor);
    failures += CountFailures(finding);
    nlohmann::ordered_json out = {{"digest", node.descriptor.digest.ToString()},
                                  {"mediaType", node.descriptor.media_type},
                                  {"artifactType", node.descriptor.artifact_type.value_or("")},
                                  {"size", node.descriptor.size},
                                  {"annotations", node.descriptor.annotations}};
    const std::string indent(2 * depth + 2, ' ');
    if (!json) {
      std::cout << indent << "- " << node.descriptor.artifact_type.value_or(node.descriptor.media_type) << " "
                << node.descriptor.digest.ToString() << "\n";
      for (const auto& [key, value] : node.descriptor.annotations) {
        std::cout << indent << "    " << key << ": " << value << "\n";
      }
    }
    auto line = [&](const std::string& label, const std::string& text) {
      if (!json) std::cout << indent << "    " << label << ": " << text << "\n";
    };
    if (!finding.issuer.empty()) {
      out["issuer"] = finding.issuer;
      line("issuer", finding.issuer);
    }
    if (finding.receipt) {
      out["receipt"] = finding.receipt->ToString();
      line("receipt", finding.receipt->ToString());
    }
    if (!finding.embedded.empty()) {
      out["embeddedReceipts"] = nlohmann::ordered_json::array();
      for (size_t i = 0; i < finding.embedded.size(); ++i) {
        out["embeddedReceipts"].push_back(finding.embedded[i].ToString());
        line("embedded receipt " + std::to_string(i + 1), finding.embedded[i].ToString());
      }
    }
    if (!finding.problem.empty()) {
      out["problem"] = finding.problem;
      line("problem", finding.problem);
    }
    nlohmann::ordered_json children = nlohmann::ordered_json::array();
    for (const ReferrerNode& child : node.referrers) children.push_back(Node(child, depth + 1));
    out["referrers"] = std::move(children);
    return out;
  }
};

int Discover(const DiscoverOptions& opts) {
  auto reference = oci_client::ParseImageReference(opts.image);
  if (!reference.ok()) return ReportFailure("discover", reference.error());
  auto keys = LoadServiceKeys(opts.keys, opts.registry);
  if (!keys.ok()) return ReportFailure("discover", keys.error());
  auto client = MakeRegistryClient(opts.registry, *reference);
  if (!client.ok()) return ReportFailure("discover", client.error());
  auto subject = ResolveSubject(*client, *reference);
  if (!subject.ok()) return ReportFailure("discover", subject.error());
  const std::optional<std::string> artifact_type =
      opts.artifact_type.empty() ? std::nullopt : std::optional(opts.artifact_type);
  std::vector<ReferrerNode> tree;
  if (opts.tree) {
    auto walked = oci_client::WalkReferrers(*client, reference->repository, subject->digest, artifact_type);
    if (!walked.ok()) return ReportFailure("discover", walked.error());
    tree = std::move(walked).value();
  } else {
    auto listing = client->ListReferrers(reference->repository, subject->digest, artifact_type);
    if (!listing.ok()) return ReportFailure("discover", listing.error());
    for (registry::Descriptor& descriptor : listing->referrers) tree.push_back({std::move(descriptor), {}});
  }

  oci_client::EvidenceChecker checker(*client, reference->repository, std::move(keys).value());
  Printer printer{checker, opts.json};
  if (!opts.json) {
    std::cout << reference->ToString() << " " << subject->digest.ToString() << " (" << subject->media_type << ")\n";
  }
  nlohmann::ordered_json referrers = nlohmann::ordered_json::array();
  for (const ReferrerNode& node : tree) referrers.push_back(printer.Node(node, 0));
  if (opts.json) {
    nlohmann::ordered_json out = {
        {"reference", reference->ToString()},
        {"subject", {{"digest", subject->digest.ToString()}, {"mediaType", subject->media_type},
                     {"size", subject->bytes.size()}}},
        {"referrers", std::move(referrers)}};
    std::cout << out.dump(2) << "\n";
  }
  if (printer.failures > 0) {
    std::cerr << "scitt: discover: " << printer.failures << " receipt(s) FAILED verification\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

// ---- pull-evidence

// blobs/<algorithm>/<encoded>, as image-spec image-layout.md lays them out.
Status WriteBlob(const std::string& dir, const registry::Digest& digest, ByteView content) {
  const std::string folder = dir + "/blobs/" + std::string(digest.algorithm_name());
  SCITT_RETURN_IF_ERROR(CreateDirectories(folder));
  return WriteFile(folder + "/" + digest.encoded(), content);
}

struct Puller {
  oci_client::RegistryClient& client;
  const std::string& repository;
  const std::string& dir;
  oci_client::EvidenceChecker& checker;
  nlohmann::ordered_json index_entries = nlohmann::ordered_json::array();
  nlohmann::ordered_json evidence = nlohmann::ordered_json::array();
  size_t statements = 0, receipts = 0, verified = 0, failures = 0, others = 0;
  std::set<Bytes> registered;  // the statements written, in their registered form

  Status WriteManifestAndBlobs(const registry::Digest& digest) {
    SCITT_ASSIGN_OR_RETURN(oci_client::FetchedManifest manifest, client.GetManifest(repository, digest.ToString()));
    SCITT_ASSIGN_OR_RETURN(oci_client::Artifact artifact,
                           oci_client::ReadArtifact(client, repository, std::move(manifest)));
    for (const oci_client::FetchedManifest& m : artifact.manifests) {
      SCITT_RETURN_IF_ERROR(WriteBlob(dir, m.digest, m.bytes));
    }
    for (const registry::Descriptor& blob : artifact.blobs) {
      const std::string folder = dir + "/blobs/" + std::string(blob.digest.algorithm_name());
      SCITT_RETURN_IF_ERROR(CreateDirectories(folder));
      SCITT_RETURN_IF_ERROR(client.PullBlobToFile(repository, blob, folder + "/" + blob.digest.encoded()));
    }
    return Status::Ok();
  }

  // Writes `node`, then its referrers; `subject` is what it refers to.
  Status Pull(const ReferrerNode& node, const registry::Digest& subject) {
    const registry::Descriptor& d = node.descriptor;
    SCITT_RETURN_IF_ERROR(WriteManifestAndBlobs(d.digest));
    nlohmann::ordered_json entry = {{"mediaType", d.media_type}, {"digest", d.digest.ToString()}, {"size", d.size}};
    if (d.artifact_type) entry["artifactType"] = *d.artifact_type;
    nlohmann::ordered_json annotations = d.annotations;
    // image-spec PR #1171 (open) proposes this annotation for referrers in
    // a layout's index.json; ORAS lists them untagged.
    annotations["org.opencontainers.image.referrer.subject"] = subject.ToString();
    entry["annotations"] = std::move(annotations);
    index_entries.push_back(entry);

    nlohmann::ordered_json record = {{"digest", d.digest.ToString()},
                                     {"artifactType", d.artifact_type.value_or("")},
                                     {"subject", subject.ToString()}};
    if (IsType(d, registry::kStatementArtifactType)) {
      SCITT_RETURN_IF_ERROR(PullStatement(node, &record));
    } else if (IsType(d, registry::kReceiptArtifactType)) {
      ++receipts;
      SCITT_ASSIGN_OR_RETURN(auto checked, checker.Receipt(d.digest));
      Count(checked.verdict);
      record["receipt"] = checked.verdict.ToString();
      std::cout << "receipt   " << d.digest.ToString() << ": " << checked.verdict.ToString() << "\n";
    } else {
      ++others;
    }
    evidence.push_back(std::move(record));
    for (const ReferrerNode& child : node.referrers) SCITT_RETURN_IF_ERROR(Pull(child, d.digest));
    return Status::Ok();
  }

  void Count(const ReceiptVerdict& verdict) {
    verified += verdict.state == ReceiptState::kVerified;
    failures += verdict.state == ReceiptState::kFailed;
  }

  // statements/<hex>.cose as pushed, and statements/<hex>.transparent.cose
  // with every receipt that did not fail attached (header 394).
  Status PullStatement(const ReferrerNode& node, nlohmann::ordered_json* record) {
    ++statements;
    const registry::Digest& digest = node.descriptor.digest;
    SCITT_ASSIGN_OR_RETURN(const oci_client::LoadedStatement* statement, checker.Statement(digest));
    const std::string base = dir + "/statements/" + digest.encoded();
    SCITT_RETURN_IF_ERROR(WriteFile(base + ".cose", statement->bytes));
    registered.insert(statement->sign1->RegisteredForm());
    (*record)["issuer"] = statement->issuer;
    (*record)["file"] = "statements/" + digest.encoded() + ".cose";
    for (const ReceiptVerdict& verdict : checker.EmbeddedReceipts(*statement)) {
      ++receipts;
      Count(verdict);
      std::cout << "receipt   (inside " << digest.ToString() << "): " << verdict.ToString() << "\n";
    }
    std::vector<Bytes> attach;
    for (const ReferrerNode& child : node.referrers) {
      if (!IsType(child.descriptor, registry::kReceiptArtifactType)) continue;
      SCITT_ASSIGN_OR_RETURN(auto checked, checker.Receipt(child.descriptor.digest));
      if (checked.verdict.state != ReceiptState::kFailed) attach.push_back(std::move(checked.receipt.bytes));
    }
    std::cout << "statement " << digest.ToString() << ": issuer " << statement->issuer << "\n";
    if (attach.empty()) return Status::Ok();
    (*record)["transparent"] = "statements/" + digest.encoded() + ".transparent.cose";
    return WriteFile(base + ".transparent.cose", cose::AttachReceipts(*statement->sign1, attach));
  }

  // statements/entry-<N>.transparent.cose for each of `entries` not already
  // in the bundle as a referrer (compared by registered form), from
  // `service`, with its receipt from the tree head that registered it (GET
  // /tree-heads, then GET /entries/N/statement?tree-size=…): its time is the
  // registration's, which evidence ages count from. Receipts are checked.
  Status PullEntries(const ClientFlags& service, const std::set<uint64_t>& entries) {
    const auto get = [&](const std::string& path, const char* accept) -> Result<Bytes> {
      SCITT_ASSIGN_OR_RETURN(http::Response res, GetFollowing(service, path, {{"Accept", accept}}));
      if (res.status != 200) return MakeError(ErrorCode::kIo, "GET " + path + ": " + DescribeFailure(res));
      return Bytes(res.body.begin(), res.body.end());
    };
    uint64_t batch_end = 0;  // the size of the tree head that registered the last entry
    for (const uint64_t entry : entries) {
      if (entry >= batch_end) {
        SCITT_ASSIGN_OR_RETURN(const Bytes page, get("/tree-heads?from=" + std::to_string(entry + 1) + "&limit=1",
                                                     "application/cbor"));
        SCITT_ASSIGN_OR_RETURN(const log::TreeHeadPage heads, log::DecodeTreeHeadPage(page));
        if (heads.tree_heads.empty() || heads.tree_heads[0].tree_size <= entry) {
          return MakeError(ErrorCode::kNotFound, "no signed tree head holds entry " + std::to_string(entry));
        }
        batch_end = heads.tree_heads[0].tree_size;
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes bytes, get("/entries/" + std::to_string(entry) + "/statement?tree-size=" +
                                                        std::to_string(batch_end),
                                                    "application/scitt-statement+cose"));
      SCITT_ASSIGN_OR_RETURN(const cose::Sign1 statement, cose::Sign1::Parse(bytes));
      if (registered.contains(statement.RegisteredForm())) {
        std::cout << "entry     " << entry << ": in the bundle as a referrer\n";
        continue;
      }
      for (const ReceiptVerdict& verdict : checker.EmbeddedReceipts(statement)) {
        failures += verdict.state == ReceiptState::kFailed;
        std::cout << "entry     " << entry << ": receipt " << verdict.ToString() << "\n";
      }
      SCITT_RETURN_IF_ERROR(WriteFile(dir + "/statements/entry-" + std::to_string(entry) + ".transparent.cose", bytes));
    }
    return Status::Ok();
  }
};

// A bundle is not a copy of the log: past this many statements from the
// evidence graph, pull-evidence stops and says so.
constexpr size_t kMaxGraphStatements = 10'000;

// The entries of the statements an appraisal of `subject` reads, at the
// service's current tree size: those about it (GET /statements, as the
// evidence and revocation rules and a script read them), those whose edges
// its dependency walk takes (each reached node's `via`) and the facts about
// every node reached (GET /dependencies, 10 deep: findings, VEX, licences,
// attestation results, builders). nullopt when `service` answers 404: a
// registry that is not a SCITT service.
struct GraphEntries {
  uint64_t tree_size = 0;
  std::set<uint64_t> entries;
};
Result<std::optional<GraphEntries>> FindGraphEntries(const ClientFlags& service, const std::string& subject) {
  GraphEntries out;
  const auto get = [&](const std::string& path) -> Result<std::optional<nlohmann::json>> {
    SCITT_ASSIGN_OR_RETURN(http::Response res, GetFollowing(service, path, {{"Accept", "application/json"}}));
    if (res.status == 404) return std::optional<nlohmann::json>();
    if (res.status != 200) return MakeError(ErrorCode::kIo, "GET " + path + ": " + DescribeFailure(res));
    auto answer = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    if (!answer.is_object() || !answer.contains("tree_size") || !answer["tree_size"].is_number_unsigned()) {
      return MakeError(ErrorCode::kMalformed, "GET " + path + ": not an answer of the evidence API");
    }
    return std::optional<nlohmann::json>(std::move(answer));
  };
  const auto add = [&](const nlohmann::json& edge) {
    if (edge.is_object() && edge.contains("entry") && edge["entry"].is_number_unsigned()) {
      out.entries.insert(edge["entry"].get<uint64_t>());
    }
  };
  // `path` and the pages its "next" links name, each handed to `visit`,
  // until the last page or the bound; false when the service answers 404.
  const auto pages = [&](std::string path, const auto& visit) -> Result<bool> {
    while (out.entries.size() <= kMaxGraphStatements) {
      SCITT_ASSIGN_OR_RETURN(auto answer, get(path));
      if (!answer) return false;
      visit(*answer);
      if (!answer->contains("next") || !(*answer)["next"].is_string()) break;
      path = (*answer)["next"].get<std::string>();
    }
    return true;
  };
  const std::string node = http::PercentEncode(subject);
  bool first = true;
  SCITT_ASSIGN_OR_RETURN(bool found, pages("/dependencies?node=" + node + "&limit=10000", [&](const nlohmann::json& answer) {
    if (first) out.tree_size = answer["tree_size"].get<uint64_t>();
    first = false;
    for (const auto& reached : answer.value("dependencies", nlohmann::json::array())) {
      if (reached.is_object() && reached.contains("via")) add(reached["via"]);
    }
    for (const auto& fact : answer.value("facts", nlohmann::json::array())) add(fact);
  }));
  if (!found) return std::optional<GraphEntries>();
  SCITT_ASSIGN_OR_RETURN(found, pages("/statements?subject=" + node + "&limit=1000", [&](const nlohmann::json& answer) {
    for (const auto& statement : answer.value("statements", nlohmann::json::array())) add(statement);
  }));
  if (!found) return std::optional<GraphEntries>();
  // One graph: what was registered while the pages were read is not in it.
  std::erase_if(out.entries, [&](uint64_t entry) { return entry >= out.tree_size; });
  if (out.entries.size() > kMaxGraphStatements) {
    return MakeError(ErrorCode::kInvalidArgument, "the evidence graph of " + subject + " rests on more than " +
                                                      std::to_string(kMaxGraphStatements) +
                                                      " statements: too many for a bundle (--referrers-only)");
  }
  return std::optional<GraphEntries>(std::move(out));
}

int PullEvidence(const PullOptions& opts) {
  auto reference = oci_client::ParseImageReference(opts.image);
  if (!reference.ok()) return ReportFailure("pull-evidence", reference.error());
  auto keys = LoadServiceKeys(opts.keys, opts.registry);
  if (!keys.ok()) return ReportFailure("pull-evidence", keys.error());
  auto client = MakeRegistryClient(opts.registry, *reference);
  if (!client.ok()) return ReportFailure("pull-evidence", client.error());
  auto subject = ResolveSubject(*client, *reference);
  if (!subject.ok()) return ReportFailure("pull-evidence", subject.error());
  auto tree = oci_client::WalkReferrers(*client, reference->repository, subject->digest, std::nullopt);
  if (!tree.ok()) return ReportFailure("pull-evidence", tree.error());
  if (Status made = CreateDirectories(opts.out + "/statements"); !made.ok()) {
    return ReportFailure("pull-evidence", made.error());
  }
  const bool checked = !keys->empty();
  oci_client::EvidenceChecker checker(*client, reference->repository, std::move(keys).value());
  Puller puller{*client, reference->repository, opts.out, checker};
  // The subject's manifest, named by the reference (not its layers: the
  // evidence, not the image).
  Status written = WriteBlob(opts.out, subject->digest, subject->bytes);
  nlohmann::ordered_json root = {{"mediaType", subject->media_type}, {"digest", subject->digest.ToString()},
                                 {"size", subject->bytes.size()},
                                 {"annotations", {{"org.opencontainers.image.ref.name", reference->ToString()}}}};
  puller.index_entries.push_back(root);
  for (const ReferrerNode& node : *tree) {
    if (!written.ok()) break;
    written = puller.Pull(node, subject->digest);
  }
  if (!written.ok()) return ReportFailure("pull-evidence", written.error());
  // The service's evidence graph: its own URL (--service), else the
  // registry's, which for this service is the same endpoint.
  ClientFlags service;
  service.url = opts.keys.url.empty() ? client->base_url() : opts.keys.url;
  service.ca_file = opts.registry.ca_file;
  service.insecure = opts.registry.insecure;
  service.timeout_seconds = opts.registry.timeout_seconds;
  nlohmann::ordered_json graph = nullptr;
  std::set<uint64_t> entries(opts.policy_entries.begin(), opts.policy_entries.end());
  if (!opts.referrers_only) {
    auto found = FindGraphEntries(service, subject->digest.ToString());
    if (!found.ok()) return ReportFailure("pull-evidence", found.error());
    if (!*found) {
      std::cerr << "scitt: pull-evidence: " << service.url
                << " has no evidence API (not a SCITT service): the bundle holds the image's referrers only\n";
    } else {
      entries.insert((*found)->entries.begin(), (*found)->entries.end());
      graph = {{"service", service.url}, {"tree_size", (*found)->tree_size}, {"entries", (*found)->entries}};
    }
  }
  if (Status pulled = puller.PullEntries(service, entries); !pulled.ok()) {
    return ReportFailure("pull-evidence", pulled.error());
  }
  const nlohmann::ordered_json index = {{"schemaVersion", 2}, {"mediaType", registry::kOciIndex},
                                        {"manifests", puller.index_entries}};
  const nlohmann::ordered_json summary = {{"reference", reference->ToString()},
                                          {"subject", subject->digest.ToString()},
                                          {"referrers", puller.evidence},
                                          {"graph", graph},
                                          {"entries", entries}};
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
                                   {"index.json", index.dump()}, {"evidence.json", summary.dump(2) + "\n"}}) {
    if (Status file = WriteFile(opts.out + "/" + name, AsBytes(text)); !file.ok()) {
      return ReportFailure("pull-evidence", file.error());
    }
  }
  std::cout << puller.statements << " statement(s), " << puller.receipts << " receipt(s) ("
            << (checked ? std::to_string(puller.verified) + " verified" : std::string("not checked: no keys"))
            << "), " << puller.others << " other referrer(s), " << entries.size()
            << " statement(s) of the evidence graph and policies written to " << opts.out << "\n";
  if (puller.failures > 0) {
    std::cerr << "scitt: pull-evidence: " << puller.failures << " receipt(s) FAILED verification\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

void AddRegistryDiscoverCommands(CLI::App* registry_cmd, Action* action) {
  auto discover = std::make_shared<DiscoverOptions>();
  CLI::App* cmd = registry_cmd->add_subcommand(
      "discover", "List an image's referrers: statements with their issuer, receipts checked against them");
  cmd->add_option("IMAGE_REF", discover->image, "host[:port]/name[:tag][@digest]")->required();
  cmd->add_flag("--tree", discover->tree, "Also the referrers of referrers (receipts of statements, …)");
  cmd->add_flag("--json", discover->json, "Print JSON");
  cmd->add_option("--artifact-type", discover->artifact_type, "Only referrers of this artifact type (top level)");
  AddServiceKeyFlags(cmd, &discover->keys);
  AddRegistryFlags(cmd, &discover->registry);
  cmd->callback([discover, action] { *action = [discover] { return Discover(*discover); }; });

  auto pull = std::make_shared<PullOptions>();
  CLI::App* pull_cmd = registry_cmd->add_subcommand(
      "pull-evidence",
      "Download every referrer of an image (statements, receipts, evidence) and the statements its evidence graph "
      "rests on, and verify the receipts");
  pull_cmd->add_option("IMAGE_REF", pull->image, "host[:port]/name[:tag][@digest]")->required();
  pull_cmd->add_option("--out", pull->out, "Directory to write (an OCI image layout plus statements/)")->required();
  pull_cmd->add_flag("--referrers-only", pull->referrers_only,
                     "Only the image's referrers, not the statements of its evidence graph from the service");
  pull_cmd->add_option("--policy-entry", pull->policy_entries,
                       "Also this registered appraisal policy (repeatable), for `scitt appraise --bundle`");
  AddServiceKeyFlags(pull_cmd, &pull->keys);
  AddRegistryFlags(pull_cmd, &pull->registry);
  pull_cmd->callback([pull, action] { *action = [pull] { return PullEvidence(*pull); }; });
}

}  // namespace scitt::cli
