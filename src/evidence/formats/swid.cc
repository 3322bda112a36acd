// SWID tags (ISO/IEC 19770-2:2015 XML): to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseSwidXml(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: SWID tags are not read yet");
}

}  // namespace scitt::evidence::internal
