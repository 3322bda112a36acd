#include "registry/scitt_profile.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "cose/sign1.h"
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

namespace {

nlohmann::ordered_json Describe(const Descriptor& descriptor) {
  return {{"mediaType", descriptor.media_type}, {"digest", descriptor.digest.ToString()},
          {"size", descriptor.size}};
}

// The one shape of the profile's manifests: the empty config, one layer of
// `artifact_type`, a subject, annotations when there are any. Built as
// what it says, then encoded from that, so the two cannot disagree.
OwnManifest ProfileManifest(std::string_view artifact_type, const Descriptor& subject, const Descriptor& layer,
                            Annotations annotations) {
  OwnManifest out;
  Manifest& manifest = out.manifest;
  manifest.kind = ManifestKind::kImage;
  manifest.media_type = kOciManifest;
  manifest.artifact_type = std::string(artifact_type);
  manifest.config = Descriptor{std::string(kOciEmpty), Digest::Sha256Of(AsBytes("{}")), 2, {}, {}, {}};
  manifest.layers = {Descriptor{std::string(artifact_type), layer.digest, layer.size, {}, {}, {}}};
  manifest.subject = Descriptor{subject.media_type, subject.digest, subject.size, {}, {}, {}};
  manifest.annotations = std::move(annotations);
  nlohmann::ordered_json json = {{"schemaVersion", 2},
                                 {"mediaType", manifest.media_type},
                                 {"artifactType", *manifest.artifact_type},
                                 {"config", Describe(*manifest.config)},
                                 {"layers", nlohmann::ordered_json::array({Describe(manifest.layers[0])})},
                                 {"subject", Describe(*manifest.subject)}};
  if (!manifest.annotations.empty()) json["annotations"] = manifest.annotations;  // std::map: sorted keys
  out.bytes = json.dump();
  return out;
}

}  // namespace

Annotations StatementAnnotations(const cose::Sign1& statement) {
  Annotations out;
  const cose::HeaderMap& headers = statement.protected_headers();
  if (headers.cwt) {
    if (headers.cwt->iss) out.emplace(kIssuerAnnotation, *headers.cwt->iss);
    if (headers.cwt->sub) out.emplace(kSubjectAnnotation, *headers.cwt->sub);
  }
  if (auto type = cose::PayloadContentType(statement)) out.emplace(kContentTypeAnnotation, *type);
  return out;
}

std::optional<OciSubject> ParseOciSubject(std::string_view sub) {
  if (auto digest = Digest::Parse(sub); digest.ok()) return OciSubject{std::nullopt, *digest};
  const size_t at = sub.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto digest = Digest::Parse(sub.substr(at + 1));
  if (!digest.ok()) return std::nullopt;
  std::string_view name = sub.substr(0, at);
  if (const size_t slash = name.find('/'); slash != std::string_view::npos) {
    const std::string_view first = name.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      name = name.substr(slash + 1);
    }
  }
  if (!IsValidName(name)) return std::nullopt;
  return OciSubject{std::string(name), *digest};
}

std::optional<OciError> CheckStatementManifest(const Manifest& manifest, const cose::Sign1& statement) {
  for (const auto& [key, value] : StatementAnnotations(statement)) {
    auto claimed = manifest.annotations.find(key);
    if (claimed != manifest.annotations.end() && claimed->second != value) {
      return OciError{OciCode::kManifestInvalid, "the annotation " + key + " is \"" + claimed->second +
                                                     "\" but the statement says \"" + value + "\""};
    }
  }
  const cose::HeaderMap& headers = statement.protected_headers();
  if (manifest.subject && headers.cwt && headers.cwt->sub) {
    auto named = ParseOciSubject(*headers.cwt->sub);
    if (named && named->digest != manifest.subject->digest) {
      return OciError{OciCode::kManifestInvalid, "the statement is about " + named->digest.ToString() +
                                                     ", not the manifest's subject " +
                                                     manifest.subject->digest.ToString()};
    }
  }
  return std::nullopt;
}

OwnManifest StatementManifest(const Descriptor& subject, const Descriptor& layer, Annotations annotations) {
  return ProfileManifest(kStatementArtifactType, subject, layer, std::move(annotations));
}

OwnManifest ReceiptManifest(const Descriptor& statement, const Descriptor& receipt, uint64_t index) {
  return ProfileManifest(kReceiptArtifactType, statement, receipt,
                         {{std::string(kEntryAnnotation), std::to_string(index)}});
}

void PipelineRegistrar::Register(Bytes statement, Done done) {
  auto outcome = pipeline_.Register(std::move(statement), [done](Result<registration::Registered> registered) {
    if (!registered.ok()) return done(FromError(registered.error()));
    done(StatementReceipt{registered->index, std::move(registered->receipt)});
  });
  if (const auto* refusal = std::get_if<registration::Refusal>(&outcome)) {
    return done(OciError{OciCode::kDenied, "registration refused: " + refusal->title + ": " + refusal->detail});
  }
  if (const auto* error = std::get_if<Error>(&outcome)) return done(FromError(*error));
}

}  // namespace scitt::registry
