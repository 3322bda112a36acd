// Transparent statements (RFC 9943): a signed statement with receipts in
// unprotected header 394, and the log entry a statement is registered as.
#pragma once

#include <vector>

#include "base/bytes.h"
#include "cose/sign1.h"
#include "crypto/hash.h"

namespace scitt::cose {

// DESIGN.md §3: entry = SHA-256(registered statement), the tagged COSE_Sign1
// with its unprotected header replaced by {} and every other item as received.
crypto::Sha256Digest LogEntry(const Sign1& statement);

// The statement with `receipts` (each a tagged COSE_Sign1 receipt) appended
// to 394 as byte strings; other unprotected parameters are kept.
Bytes AttachReceipts(const Sign1& statement, const std::vector<Bytes>& receipts);

}  // namespace scitt::cose
