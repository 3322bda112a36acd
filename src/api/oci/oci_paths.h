// Which distribution-spec endpoint a /v2/ path names. Repository names hold
// slashes, so the endpoint is read from the right: the segments after the
// name are fixed ("blobs/<digest>", "manifests/<ref>", "blobs/uploads/",
// "blobs/uploads/<id>", "tags/list", "referrers/<digest>").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scitt::api {

struct OciPath {
  enum class Endpoint {
    kBlob, kManifest, kUploads, kUpload, kTags, kReferrers,
    kDiscover,          // /v2/_oci/ext/discover, /v2/<name>/_oci/ext/discover
    kScittStatements,   // /v2/<name>/_scitt/statements/<digest>
  };
  Endpoint endpoint;
  std::string name;  // the repository, not yet validated; empty for the registry-wide discover
  std::string last;  // digest, tag-or-digest or upload id; empty for kUploads and kTags
};

// nullopt when `path` (percent-decoded, starting "/v2/") names none of them.
std::optional<OciPath> ParseOciPath(std::string_view path);

}  // namespace scitt::api
