// SCITT in OCI (docs/scitt-in-oci.md): a signed statement about an artifact
// is an image manifest with artifactType kStatementArtifactType, the empty
// config, one layer holding the COSE_Sign1 bytes and `subject` = the
// artifact. Pushing one registers the statement; its receipt is then a
// manifest with artifactType kReceiptArtifactType whose subject is the
// statement manifest and whose one layer holds the receipt.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "registry/errors.h"
#include "registry/manifest.h"

namespace scitt::registration {
class Pipeline;
}

namespace scitt::registry {

inline constexpr std::string_view kStatementArtifactType = "application/scitt-statement+cose";
inline constexpr std::string_view kReceiptArtifactType = "application/scitt-receipt+cose";
// Annotation of a receipt manifest: the log index of the statement's entry.
inline constexpr std::string_view kEntryAnnotation = "org.ietf.scitt.entry";
// Annotations `scitt registry attach` puts on a statement manifest: the
// statement's CWT iss and sub, so clients can show and filter without CBOR.
inline constexpr std::string_view kIssuerAnnotation = "org.ietf.scitt.iss";
inline constexpr std::string_view kSubjectAnnotation = "org.ietf.scitt.sub";

// The layer holding the statement when `manifest` is a statement manifest
// by this profile (artifactType and exactly one layer of that media type);
// nullopt otherwise (then it is stored as any artifact).
std::optional<Descriptor> StatementLayer(const Manifest& manifest);

// The layer holding the receipt when `manifest` is a receipt manifest by
// this profile (artifactType and exactly one layer of that media type).
std::optional<Descriptor> ReceiptLayer(const Manifest& manifest);

// The statement manifest for the statement blob `statement` about the
// artifact whose manifest is `subject`: artifactType and layer media type
// kStatementArtifactType, the empty config, `annotations` when not empty.
std::string StatementManifest(const Descriptor& subject, const Descriptor& statement,
                              const Annotations& annotations);

// The receipt manifest for the statement manifest `statement` (its
// descriptor) whose receipt is the blob `receipt` and whose entry is
// `index`: deterministic bytes, so pushing the same statement again gives
// the same receipt manifest for the same receipt.
std::string ReceiptManifest(const Descriptor& statement, const Descriptor& receipt, uint64_t index);

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
  // Blocks until the statement is in the log (or refused). A refusal is
  // kDenied with the refusal's title and detail; too many statements
  // waiting, or no receipt within the wait, is kUnavailable (pushing again
  // returns the same entry).
  virtual OciResult<StatementReceipt> Register(ByteView statement) = 0;
};

class PipelineRegistrar final : public StatementRegistrar {
 public:
  // `pipeline` must outlive this.
  PipelineRegistrar(registration::Pipeline& pipeline, std::chrono::milliseconds wait);
  OciResult<StatementReceipt> Register(ByteView statement) override;

 private:
  registration::Pipeline& pipeline_;
  const std::chrono::milliseconds wait_;
};

}  // namespace scitt::registry
