// SPDX 2.2/2.3 tag-value: to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseSpdxTagValue(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: SPDX tag-value is not read yet");
}

}  // namespace scitt::evidence::internal
