// Fuzzes the COSE parsers: COSE_Sign1, header maps, receipts and proofs.
#include <cstddef>
#include <cstdint>

#include "cose/receipt.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scitt::ByteView input(data, size);
  auto msg = scitt::cose::Sign1::Parse(input);
  if (msg.ok()) {
    // Re-emitting must give a message that parses to the same parts.
    auto again = scitt::cose::Sign1::Parse(msg->RegisteredForm());
    if (!again.ok() || again->signature().size() != msg->signature().size()) __builtin_trap();
    (void)msg->ToBeSigned();
    (void)scitt::cose::LogEntry(*msg);
    for (const auto& r : msg->unprotected_headers().receipts) (void)scitt::cose::Receipt::Parse(r);
  }
  auto receipt = scitt::cose::Receipt::Parse(input);
  if (receipt.ok()) {
    for (const auto& p : receipt->inclusion_proofs) (void)scitt::cose::DecodeInclusionProof(p);
    for (const auto& p : receipt->consistency_proofs) (void)scitt::cose::DecodeConsistencyProof(p);
  }
  (void)scitt::cose::DecodeInclusionProof(input);
  return 0;
}
