// An object in a registry (distribution-spec: a manifest and the blobs it
// references) read whole and copied to another repository or registry.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "oci_client/registry_client.h"

namespace scitt::oci_client {

inline constexpr size_t kMaxArtifactManifests = 1000;
inline constexpr size_t kMaxIndexDepth = 4;

struct Artifact {
  // The root and, for an index, its child manifests (recursively): children
  // before their parents, the root last, which is the order to push them.
  std::vector<FetchedManifest> manifests;
  // The config and layers of every image manifest, each once; layers with
  // `urls` (non-distributable, kept elsewhere) are left out.
  std::vector<registry::Descriptor> blobs;
  const FetchedManifest& root() const { return manifests.back(); }
};

// Reads `root`'s children (only manifests; blobs are listed, not pulled).
// kUnsupported for more than kMaxArtifactManifests manifests or indexes
// nested deeper than kMaxIndexDepth.
Result<Artifact> ReadArtifact(RegistryClient& client, const std::string& repository, FetchedManifest root);

// Pushes `artifact` to `destination`: each blob the destination lacks
// (pulled from `source` one at a time, through a temporary file), then the manifests in order, the
// root to `root_reference` (a tag or its digest) and the others by digest.
// Returns the root's push answer.
Result<PushedManifest> CopyArtifact(RegistryClient& source, const std::string& source_repository,
                                    RegistryClient& destination, const std::string& destination_repository,
                                    const Artifact& artifact, const std::string& root_reference);

}  // namespace scitt::oci_client
