// EAT Attestation Results (EAR): to be written.
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {

Result<EvidenceDocument> ParseEarJson(const Json&) {
  return MakeError(ErrorCode::kUnsupported, "evidence: EAR is not read yet");
}
Result<EvidenceDocument> ParseEarJwt(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: EAR is not read yet");
}
Result<EvidenceDocument> ParseEarCbor(ByteView) {
  return MakeError(ErrorCode::kUnsupported, "evidence: EAR is not read yet");
}

}  // namespace scitt::evidence::internal
