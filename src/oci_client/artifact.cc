#include "oci_client/artifact.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <utility>

namespace scitt::oci_client {
namespace {

// A file in $TMPDIR (mkstemp: created exclusively, mode 0600) for one blob
// on its way between registries; removed with this object.
class TemporaryFile {
 public:
  static Result<TemporaryFile> Create() {
    std::string name = (std::filesystem::temp_directory_path() / "scitt-blob-XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    if (fd < 0) return MakeError(ErrorCode::kIo, "cannot create a temporary file in " + name);
    ::close(fd);
    return TemporaryFile(std::move(name));
  }
  TemporaryFile(TemporaryFile&& other) noexcept : path_(std::exchange(other.path_, "")) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

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
    // Through a file: a layer may be gigabytes.
    SCITT_ASSIGN_OR_RETURN(const TemporaryFile file, TemporaryFile::Create());
    SCITT_RETURN_IF_ERROR(source.PullBlobToFile(source_repository, blob, file.path()));
    SCITT_RETURN_IF_ERROR(destination.PushBlobFromFile(destination_repository, blob.digest, file.path()));
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
