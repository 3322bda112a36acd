// A hash-envelope statement whose payload-location names a blob of this
// registry is checked at registration (docs/scitt-in-oci.md): the blob is
// in the named repository and hashes to the signed hash. The log then holds
// only the reference, and the evidence stays in the registry.
//
// Locations recognised as this registry's: "<base URL>/v2/<name>/blobs/<digest>"
// for each of the service's base URLs, and the path "/v2/<name>/blobs/<digest>"
// alone. Any other location (another registry, an https URL) is not checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registration/pipeline.h"
#include "registry/blob_store.h"
#include "registry/reference.h"
#include "registry/registry_store.h"

namespace scitt::registry {

// A blob of this registry a location names.
struct BlobLocation {
  std::string repository;
  Digest digest;
};
std::optional<BlobLocation> ParseBlobLocation(std::string_view location,
                                              const std::vector<std::string>& base_urls);

class BlobLocations final : public registration::PayloadLocations {
 public:
  // `blobs` and `store` must outlive this.
  BlobLocations(const BlobStore& blobs, const RegistryStore& store, std::vector<std::string> base_urls)
      : blobs_(blobs), store_(store), base_urls_(std::move(base_urls)) {}

  std::optional<std::string> Check(const registration::Accepted::PayloadLocation& payload) const override;

 private:
  const BlobStore& blobs_;
  const RegistryStore& store_;
  const std::vector<std::string> base_urls_;
};

}  // namespace scitt::registry
