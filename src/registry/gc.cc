#include "registry/gc.h"

#include <algorithm>
#include <vector>

namespace scitt::registry {

Result<GcReport> CollectGarbage(BlobStore& blobs, const RegistryStore& store, bool dry_run) {
  SCITT_ASSIGN_OR_RETURN(std::vector<Digest> live, store.LiveDigests());
  std::sort(live.begin(), live.end());
  SCITT_ASSIGN_OR_RETURN(const std::vector<Digest> stored, blobs.List());
  GcReport report;
  for (const Digest& digest : stored) {
    if (std::binary_search(live.begin(), live.end(), digest)) {
      ++report.kept;
      continue;
    }
    SCITT_ASSIGN_OR_RETURN(const std::optional<uint64_t> size, blobs.Size(digest));
    if (!dry_run) SCITT_RETURN_IF_ERROR(blobs.Remove(digest));
    ++report.removed;
    report.freed_bytes += size.value_or(0);
  }
  return report;
}

}  // namespace scitt::registry
