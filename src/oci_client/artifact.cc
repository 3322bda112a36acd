#include "oci_client/artifact.h"

#include <set>

namespace scitt::oci_client {
namespace {

struct Reader {
  RegistryClient& client;
  const std::string& repository;
  Artifact out;
  std::set<registry::Digest> blobs;

  Status Add(FetchedManifest manifest, size_t depth) {
    if (manifest.parsed.kind == registry::ManifestKind::kIndex) {
      if (depth >= kMaxIndexDepth) {
        return MakeError(ErrorCode::kUnsupported, "indexes nest deeper than " + std::to_string(kMaxIndexDepth));
      }
      for (const registry::Descriptor& child : manifest.parsed.manifests) {
        if (out.manifests.size() + 1 >= kMaxArtifactManifests) {
          return MakeError(ErrorCode::kUnsupported,
                           "more than " + std::to_string(kMaxArtifactManifests) + " manifests in one artifact");
        }
        SCITT_ASSIGN_OR_RETURN(FetchedManifest fetched, client.GetManifest(repository, child.digest.ToString()));
        SCITT_RETURN_IF_ERROR(Add(std::move(fetched), depth + 1));
      }
    } else {
      std::vector<registry::Descriptor> referenced = manifest.parsed.layers;
      if (manifest.parsed.config) referenced.insert(referenced.begin(), *manifest.parsed.config);
      for (registry::Descriptor& blob : referenced) {
        if (blob.urls.empty() && blobs.insert(blob.digest).second) out.blobs.push_back(std::move(blob));
      }
    }
    out.manifests.push_back(std::move(manifest));
    return Status::Ok();
  }
};

}  // namespace

Result<Artifact> ReadArtifact(RegistryClient& client, const std::string& repository, FetchedManifest root) {
  Reader reader{client, repository, {}, {}};
  SCITT_RETURN_IF_ERROR(reader.Add(std::move(root), 0));
  return std::move(reader.out);
}

Result<PushedManifest> CopyArtifact(RegistryClient& source, const std::string& source_repository,
                                    RegistryClient& destination, const std::string& destination_repository,
                                    const Artifact& artifact, const std::string& root_reference) {
  for (const registry::Descriptor& blob : artifact.blobs) {
    SCITT_ASSIGN_OR_RETURN(const bool present, destination.HasBlob(destination_repository, blob.digest));
    if (present) continue;
    SCITT_ASSIGN_OR_RETURN(const Bytes content, source.PullBlob(source_repository, blob));
    SCITT_RETURN_IF_ERROR(destination.PushBlob(destination_repository, blob.digest, content));
  }
  PushedManifest pushed;
  for (size_t i = 0; i < artifact.manifests.size(); ++i) {
    const FetchedManifest& manifest = artifact.manifests[i];
    const bool root = i + 1 == artifact.manifests.size();
    SCITT_ASSIGN_OR_RETURN(pushed, destination.PutManifest(destination_repository,
                                                           root ? root_reference : manifest.digest.ToString(),
                                                           manifest.bytes, manifest.media_type));
  }
  return pushed;
}

}  // namespace scitt::oci_client
