#include "registry/scitt_profile.h"

#include <future>
#include <memory>

#include <nlohmann/json.hpp>

#include "registration/pipeline.h"

namespace scitt::registry {

std::optional<Descriptor> StatementLayer(const Manifest& manifest) {
  if (manifest.kind != ManifestKind::kImage || manifest.artifact_type != kStatementArtifactType ||
      manifest.layers.size() != 1 || manifest.layers[0].media_type != kStatementArtifactType) {
    return std::nullopt;
  }
  return manifest.layers[0];
}

std::optional<Descriptor> ReceiptLayer(const Manifest& manifest) {
  if (manifest.kind != ManifestKind::kImage || manifest.artifact_type != kReceiptArtifactType ||
      manifest.layers.size() != 1 || manifest.layers[0].media_type != kReceiptArtifactType) {
    return std::nullopt;
  }
  return manifest.layers[0];
}

std::string StatementManifest(const Descriptor& subject, const Descriptor& statement,
                              const Annotations& annotations) {
  const Digest empty = Digest::Sha256Of(AsBytes("{}"));
  nlohmann::ordered_json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"artifactType", kStatementArtifactType},
      {"config", {{"mediaType", kOciEmpty}, {"digest", empty.ToString()}, {"size", 2}}},
      {"layers", nlohmann::ordered_json::array(
                     {{{"mediaType", kStatementArtifactType}, {"digest", statement.digest.ToString()},
                       {"size", statement.size}}})},
      {"subject", {{"mediaType", subject.media_type}, {"digest", subject.digest.ToString()},
                   {"size", subject.size}}}};
  if (!annotations.empty()) manifest["annotations"] = annotations;
  return manifest.dump();
}

std::string ReceiptManifest(const Descriptor& statement, const Descriptor& receipt, uint64_t index) {
  const Digest empty = Digest::Sha256Of(AsBytes("{}"));
  nlohmann::ordered_json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"artifactType", kReceiptArtifactType},
      {"config", {{"mediaType", kOciEmpty}, {"digest", empty.ToString()}, {"size", 2}}},
      {"layers", nlohmann::ordered_json::array(
                     {{{"mediaType", kReceiptArtifactType}, {"digest", receipt.digest.ToString()},
                       {"size", receipt.size}}})},
      {"subject", {{"mediaType", statement.media_type}, {"digest", statement.digest.ToString()},
                   {"size", statement.size}}},
      {"annotations", {{std::string(kEntryAnnotation), std::to_string(index)}}}};
  return manifest.dump();
}

PipelineRegistrar::PipelineRegistrar(registration::Pipeline& pipeline, std::chrono::milliseconds wait)
    : pipeline_(pipeline), wait_(wait) {}

OciResult<StatementReceipt> PipelineRegistrar::Register(ByteView statement) {
  auto done = std::make_shared<std::promise<Result<registration::Registered>>>();
  std::future<Result<registration::Registered>> receipt = done->get_future();
  auto outcome = pipeline_.Register(statement, [done](Result<registration::Registered> registered) {
    done->set_value(std::move(registered));
  });
  if (const auto* refusal = std::get_if<registration::Refusal>(&outcome)) {
    return OciError{OciCode::kDenied, "registration refused: " + refusal->title + ": " + refusal->detail};
  }
  if (const auto* error = std::get_if<Error>(&outcome)) return FromError(*error);
  if (receipt.wait_for(wait_) != std::future_status::ready) {
    return OciError{OciCode::kUnavailable,
                    "the statement was accepted but its receipt is not ready yet; push again to get it"};
  }
  Result<registration::Registered> registered = receipt.get();
  if (!registered.ok()) return FromError(registered.error());
  return StatementReceipt{registered->index, std::move(registered->receipt)};
}

}  // namespace scitt::registry
