#include "gates/image_gate.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "gates/kubernetes.h"
#include "gates/verdict_record.h"
#include "oci_client/credentials.h"
#include "oci_client/registry_client.h"

namespace scitt::gates {

std::string ImageDecision::Summary() const {
  if (!verdict) return "no verdict: " + error;
  if (verdict->allow) return "allow";
  for (const appraisal::RuleOutcome& rule : verdict->rules) {
    if (!rule.passed) return rule.rule + ": " + rule.reason;
  }
  return "deny";
}

ImageGate::ImageGate(GateSources sources, GateConfig config)
    : sources_(std::move(sources)), config_(std::move(config)) {}

bool ImageGate::IsLocal(std::string_view registry_host) const {
  return registry_host == sources_.service_host ||
         std::find(config_.local_registries.begin(), config_.local_registries.end(), registry_host) !=
             config_.local_registries.end();
}

Result<registry::Digest> ImageGate::Resolve(const oci_client::ImageReference& reference) const {
  if (reference.digest) return *reference.digest;  // a digest pins the content: nothing to look up
  const std::string tag = reference.tag.empty() ? "latest" : reference.tag;
  if (IsLocal(reference.registry)) {
    registry::TagOrDigest by_tag;
    by_tag.tag = tag;
    auto manifest = sources_.registry->GetManifest(reference.repository, by_tag);
    if (!manifest.ok()) {
      return MakeError(ErrorCode::kNotFound, "tag " + tag + " of " + reference.repository +
                                                 " is not in this registry: " + manifest.error().message);
    }
    return manifest->record.digest;
  }
  // docker.io is served at registry-1.docker.io (as docker and podman reach it).
  const std::string host = reference.registry == "docker.io" ? "registry-1.docker.io" : reference.registry;
  oci_client::RegistryOptions options;
  options.http.timeout = std::chrono::seconds(config_.resolve_timeout_s);
  options.http.max_response_bytes = 4 << 20;  // a manifest
  // Loopback registries over http, as podman and the CLI reach them.
  options.plain_http = oci_client::IsLoopbackRegistry(reference.registry) ||
                       std::find(config_.plain_http_registries.begin(), config_.plain_http_registries.end(),
                                 reference.registry) != config_.plain_http_registries.end();
  SCITT_ASSIGN_OR_RETURN(const oci_client::FoundCredentials found,
                         oci_client::LookUpCredentials({}, oci_client::ProcessEnvironment(), reference.registry,
                                                       reference.repository));
  options.credentials = found.credentials;
  oci_client::RegistryClient client(host, std::move(options));
  SCITT_ASSIGN_OR_RETURN(const oci_client::FetchedManifest manifest, client.GetManifest(reference.repository, tag));
  return manifest.digest;
}

Result<std::shared_ptr<const appraisal::Policy>> ImageGate::PolicyAt(uint64_t entry) {
  {
    std::lock_guard lock(mu_);
    if (auto it = policies_.find(entry); it != policies_.end()) return it->second;
  }
  SCITT_ASSIGN_OR_RETURN(appraisal::Policy policy, appraisal::RegisteredPolicy(*sources_.log, entry));
  // The operator named this policy in the gate configuration: its script may run.
  SCITT_RETURN_IF_ERROR(appraisal::CompileScript(policy));
  auto shared = std::make_shared<const appraisal::Policy>(std::move(policy));
  std::lock_guard lock(mu_);
  return policies_.emplace(entry, std::move(shared)).first->second;
}

ImageDecision ImageGate::Decide(std::string_view image, std::optional<uint64_t> policy_entry) {
  ImageDecision out;
  out.image = std::string(image);
  out.policy_entry = policy_entry;
  auto decide = [&]() -> Status {
    if (!policy_entry) return MakeError(ErrorCode::kInvalidArgument, "no appraisal policy is set for this namespace");
    SCITT_ASSIGN_OR_RETURN(const oci_client::ImageReference reference, ParseKubernetesImage(image));
    SCITT_ASSIGN_OR_RETURN(const registry::Digest digest, Resolve(reference));
    out.digest = digest.ToString();
    SCITT_ASSIGN_OR_RETURN(const auto policy, PolicyAt(*policy_entry));
    const int64_t now = sources_.now();
    if (auto cached = cache_.Find(out.digest, *policy_entry, now)) {
      out.verdict = std::move(cached->verdict);
      out.appraised_at = cached->appraised_at;
      out.cached = true;
      return Status::Ok();
    }
    const appraisal::Question question{.subject = out.digest, .as_of = std::nullopt, .now = now};
    SCITT_ASSIGN_OR_RETURN(out.verdict, appraisal::Appraise(*sources_.store, *sources_.graph, *policy, question));
    out.appraised_at = now;
    cache_.Insert(out.digest, *policy_entry, *out.verdict, now);
    return Status::Ok();
  }();
  if (!decide.ok()) {
    out.error = decide.error().message;
    out.appraised_at = sources_.now();
  }
  return out;
}

std::vector<ImageDecision> ImageGate::DecideAll(const std::vector<std::string>& images,
                                                std::optional<uint64_t> policy_entry, size_t parallelism) {
  std::map<std::string, size_t> first;  // each distinct image's slot
  std::vector<std::string> distinct;
  for (const std::string& image : images) {
    if (first.emplace(image, distinct.size()).second) distinct.push_back(image);
  }
  std::vector<ImageDecision> decided(distinct.size());
  std::atomic<size_t> next{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.decision_timeout_s);
  auto work = [&] {
    for (size_t i = next++; i < distinct.size(); i = next++) {
      if (std::chrono::steady_clock::now() < deadline) {
        decided[i] = Decide(distinct[i], policy_entry);
        continue;
      }
      decided[i].image = distinct[i];
      decided[i].policy_entry = policy_entry;
      decided[i].appraised_at = sources_.now();
      decided[i].error = "not decided within " + std::to_string(config_.decision_timeout_s) +
                         " s (decision_timeout_s): other images of the request took the time";
    }
  };
  // Appraisals of different images share nothing but the store and the
  // graph, both read concurrently: a pod's images, or Gatekeeper's 100
  // keys, take the time of the slowest share, not of all.
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < std::min(parallelism, distinct.size()); ++i) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  std::vector<ImageDecision> out;
  out.reserve(images.size());
  for (const std::string& image : images) out.push_back(decided[first.at(image)]);
  return out;
}

void ImageGate::EvidenceAdded(const std::vector<evidence::IndexedStatement>& added, uint64_t indexed_size) {
  std::vector<std::string> nodes;
  for (const evidence::IndexedStatement& statement : added) {
    // Any statement about a node may change a verdict (a revocation is not
    // parsed, yet it denies), except the verdicts the gate registers itself.
    if (statement.content_type != kVerdictContentType) {
      for (const auto* subject : {&statement.subject, &statement.subject_digest}) {
        if (*subject) nodes.push_back(**subject);
      }
    }
    for (const evidence::IndexedEdge& edge : statement.edges) {
      nodes.push_back(edge.from);
      nodes.push_back(edge.to);
    }
  }
  cache_.Invalidate(nodes, indexed_size);
}

}  // namespace scitt::gates
