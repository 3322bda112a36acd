// Garbage collection of blob bytes (`scitt registry gc`): removes every
// stored blob that no repository holds, no manifest is and no manifest
// references. Offline: the caller holds the data directory exclusively
// (an upload committed but not yet linked would otherwise look unused).
#pragma once

#include <cstdint>

#include "base/result.h"
#include "registry/blob_store.h"
#include "registry/registry_store.h"

namespace scitt::registry {

struct GcReport {
  uint64_t kept = 0;           // blobs still in use
  uint64_t removed = 0;        // blobs removed (or, dry, that would be)
  uint64_t freed_bytes = 0;    // their sizes
};

Result<GcReport> CollectGarbage(BlobStore& blobs, const RegistryStore& store, bool dry_run);

}  // namespace scitt::registry
