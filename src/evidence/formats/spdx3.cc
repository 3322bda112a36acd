// SPDX 3.0 JSON-LD: to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseSpdx3(const Json&) {
  return MakeError(ErrorCode::kUnsupported, "evidence: SPDX 3 JSON-LD is not read yet");
}

}  // namespace scitt::evidence::internal
