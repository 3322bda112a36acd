// CoSWID (RFC 9393 CBOR): to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseCoSwid(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: CoSWID is not read yet");
}

}  // namespace scitt::evidence::internal
