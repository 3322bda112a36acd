// SCITT in OCI (docs/scitt-in-oci.md): a signed statement about an artifact
// is an image manifest with artifactType kStatementArtifactType, the empty
// config, one layer holding the COSE_Sign1 bytes and `subject` = the
// artifact. Pushing one registers the statement; its receipt is then a
// manifest with artifactType kReceiptArtifactType whose subject is the
// statement manifest and whose one layer holds the receipt.
#pragma once

#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "registry/errors.h"
#include "registry/manifest.h"

namespace scitt::cose {
class Sign1;
}
namespace scitt::registration {
class Pipeline;
}

namespace scitt::registry {

inline constexpr std::string_view kStatementArtifactType = "application/scitt-statement+cose";
inline constexpr std::string_view kReceiptArtifactType = "application/scitt-receipt+cose";
// Annotation of a receipt manifest: the log index of the statement's entry.
inline constexpr std::string_view kEntryAnnotation = "org.ietf.scitt.entry";
// Annotations of a statement manifest: what the statement says of itself
// (its CWT iss and sub, its payload's content type: the preimage's for a
// hash envelope). A pushed statement manifest that carries one must agree
// with the statement; the manifests the service writes carry all it has.
inline constexpr std::string_view kIssuerAnnotation = "org.ietf.scitt.issuer";
inline constexpr std::string_view kSubjectAnnotation = "org.ietf.scitt.subject";
inline constexpr std::string_view kContentTypeAnnotation = "org.ietf.scitt.content-type";

// The profile's annotations for `statement` (absent values left out).
Annotations StatementAnnotations(const cose::Sign1& statement);

// A manifest a statement's subject (CWT sub) names: a bare digest
// ("sha256:…"), or a digest-pinned reference "[host[:port]/]name@sha256:…"
// (the host, recognised as the first path component when it holds a '.'
// or ':' or is "localhost", is dropped: a subject names content, and the
// name says where in this registry to look).
struct OciSubject {
  std::optional<std::string> repository;
  Digest digest;
};
std::optional<OciSubject> ParseOciSubject(std::string_view sub);

// A pushed statement manifest must not contradict its statement:
// MANIFEST_INVALID when an annotation of the profile differs from the
// statement's value, or when the statement's subject names a digest other
// than the manifest's subject.
std::optional<OciError> CheckStatementManifest(const Manifest& manifest, const cose::Sign1& statement);

// A manifest of this profile that the service (or `scitt registry attach`)
// writes: what it says, and its bytes, deterministic (keys in this order,
// no whitespace) so that writing it again gives the same digest.
// ParseManifest(kOciManifest, bytes) gives back `manifest`.
struct OwnManifest {
  Manifest manifest;
  std::string bytes;
};

// The statement manifest for the statement blob `layer` about the artifact
// whose manifest is `subject` (written by the service for a statement
// registered by POST /entries, and by `scitt registry attach`):
// artifactType and layer media type kStatementArtifactType, the empty
// config, `annotations` when not empty.
OwnManifest StatementManifest(const Descriptor& subject, const Descriptor& layer, Annotations annotations);

// The layer holding the statement when `manifest` is a statement manifest
// by this profile (artifactType and exactly one layer of that media type);
// nullopt otherwise (then it is stored as any artifact).
std::optional<Descriptor> StatementLayer(const Manifest& manifest);

// The layer holding the receipt when `manifest` is a receipt manifest by
// this profile (artifactType and exactly one layer of that media type).
std::optional<Descriptor> ReceiptLayer(const Manifest& manifest);

// The receipt manifest for the statement manifest `statement` (its
// descriptor) whose receipt is the blob `receipt` and whose entry is
// `index`: pushing the same statement again gives the same receipt
// manifest for the same receipt.
OwnManifest ReceiptManifest(const Descriptor& statement, const Descriptor& receipt, uint64_t index);

// A registered statement: its log index and its receipt.
struct StatementReceipt {
  uint64_t index = 0;
  Bytes receipt;
};

// How the registry registers a pushed statement. Defined here, by its user;
// PipelineRegistrar is the implementation over the service's pipeline.
class StatementRegistrar {
 public:
  virtual ~StatementRegistrar() = default;
  // Registers the statement; `done` runs exactly once: at once on the
  // caller's thread with a refusal (kDenied, with the refusal's title and
  // detail) or kUnavailable (too many statements waiting), or later, once
  // the statement is in the log, on the log's thread (so it must be quick),
  // with its receipt or the log's error.
  using Done = std::function<void(OciResult<StatementReceipt>)>;
  virtual void Register(Bytes statement, Done done) = 0;
};

class PipelineRegistrar final : public StatementRegistrar {
 public:
  // `pipeline` must outlive this.
  explicit PipelineRegistrar(registration::Pipeline& pipeline) : pipeline_(pipeline) {}
  void Register(Bytes statement, Done done) override;

 private:
  registration::Pipeline& pipeline_;
};

}  // namespace scitt::registry
