// OCI image manifests and indexes (image-spec manifest.md, image-index.md,
// descriptor.md), and the Docker v2 forms registries still receive: parsed
// to what the registry needs (references, subject, artifact type,
// annotations) while the bytes stay exactly as pushed.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "registry/reference.h"

namespace scitt::registry {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";

using Annotations = std::map<std::string, std::string>;

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::optional<std::string> artifact_type;
  Annotations annotations;
  std::vector<std::string> urls;  // where a non-distributable layer lives instead
  bool operator==(const Descriptor&) const = default;
};

enum class ManifestKind { kImage, kIndex };

struct Manifest {
  ManifestKind kind = ManifestKind::kImage;
  // The manifest's media type: its `mediaType` field, else the Content-Type
  // it was pushed with. Served back as Content-Type.
  std::string media_type;
  std::optional<std::string> artifact_type;
  std::optional<Descriptor> config;     // image manifests
  std::vector<Descriptor> layers;       // image manifests
  std::vector<Descriptor> manifests;    // indexes
  std::optional<Descriptor> subject;
  Annotations annotations;
  bool operator==(const Manifest&) const = default;
};

// Parses a pushed manifest. `content_type` is the request's Content-Type
// (parameters ignored; may be empty). kInvalidArgument (MANIFEST_INVALID)
// for anything that is not a well-formed OCI or Docker v2 manifest or index:
// invalid JSON or UTF-8, a repeated object key, nesting over 64 levels,
// schemaVersion other than 2, a `mediaType` that differs from
// `content_type`, a malformed descriptor (media type, digest, size ≥ 0), or a
// descriptor `data` field that does not match its digest and size.
Result<Manifest> ParseManifest(std::string_view content_type, ByteView bytes);

// The descriptor the referrers API lists for `manifest`, stored as `digest`
// with `size` bytes (distribution-spec "Listing Referrers"): its media type,
// its artifactType (for an image manifest without one, its config's media
// type; an index without one has none) and all its annotations.
Descriptor ReferrerDescriptor(const Manifest& manifest, const Digest& digest, int64_t size);

// An image index (schemaVersion 2, mediaType kOciIndex) listing
// `manifests`, as the referrers API answers it.
std::string EncodeIndex(std::span<const Descriptor> manifests);

}  // namespace scitt::registry
