// CycloneDX XML 1.2-1.6: to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseCycloneDxXml(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: CycloneDX XML is not read yet");
}

}  // namespace scitt::evidence::internal
