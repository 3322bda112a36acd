// Where the indexer reads a hash envelope's preimage (the document whose
// hash the statement signs): this service's registry, when the statement's
// payload-location (header 260) names one of its blobs
// (registry/payload_locations.h), checked against the signed hash. Evidence
// kept elsewhere is indexed by its statement alone, its payload recorded as
// not retrieved.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"
#include "registry/blob_store.h"
#include "registry/registry_store.h"

namespace scitt::evidence {

class Preimages {
 public:
  virtual ~Preimages() = default;
  // The bytes at `location` when this service holds them; nullopt when the
  // location names content held elsewhere. An error when it names content
  // here that is missing, unreadable, over kMaxDocumentBytes or not `hash`
  // under `alg`. May read from disk.
  virtual Result<std::optional<Bytes>> Fetch(const std::string& location, crypto::HashAlgorithm alg,
                                             ByteView hash) const = 0;
  // The base URLs under which an absolute location is this service's: what
  // the index derived depends on them (StatementIndexer::Derivation).
  virtual const std::vector<std::string>& BaseUrls() const = 0;
};

class RegistryPreimages final : public Preimages {
 public:
  // `blobs` and `store` must outlive this; `base_urls` as for
  // registry::ParseBlobLocation.
  RegistryPreimages(const registry::BlobStore& blobs, const registry::RegistryStore& store,
                    std::vector<std::string> base_urls)
      : blobs_(blobs), store_(store), base_urls_(std::move(base_urls)) {}

  Result<std::optional<Bytes>> Fetch(const std::string& location, crypto::HashAlgorithm alg,
                                     ByteView hash) const override;
  const std::vector<std::string>& BaseUrls() const override { return base_urls_; }

 private:
  const registry::BlobStore& blobs_;
  const registry::RegistryStore& store_;
  const std::vector<std::string> base_urls_;
};

}  // namespace scitt::evidence
