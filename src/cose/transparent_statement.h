// Transparent statements (RFC 9943): a signed statement with receipts in
// unprotected header 394, and the log entry a statement is registered as.
#pragma once

#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/sign1.h"
#include "crypto/hash.h"

namespace scitt::cose {

// DESIGN.md §3: entry = SHA-256(registered statement), the tagged COSE_Sign1
// with its unprotected header replaced by {} and every other item as received.
crypto::Sha256Digest LogEntry(const Sign1& statement);

// SHA-256 of what the statement's signature covers: its Sig_structure
// (RFC 9052 §4.4) ["Signature1", protected, external_aad = h'', payload], with
// the protected bytes and payload as received (a nil payload counts as h'').
// Statements with equal values are one registration, whatever their
// signatures: an ECDSA signature (r, s) has the twin (r, n - s), and a signer
// may sign the same content again (docs/profile.md). Hashed piece by piece:
// the payload is not copied.
crypto::Sha256Digest SignedContent(const Sign1& statement);

// The statement with `receipts` (each a tagged COSE_Sign1 receipt) appended
// to 394 as byte strings; other unprotected parameters are kept.
Bytes AttachReceipts(const Sign1& statement, const std::vector<Bytes>& receipts);

// The transparent statement for a stored registered statement (DESIGN.md §3:
// exactly `d2 84 <protected bstr> a0 <payload> <signature>`), with
// unprotected {394: [receipts as bstr]} spliced in place of the `a0` byte.
// The same bytes AttachReceipts gives for the parsed statement, but only the
// prefix is read (tag, array head, the protected bstr's head, the a0 byte),
// so the cost does not depend on what the statement holds. kMalformed when
// the bytes do not start that way; kInvalidArgument for no receipts.
Result<Bytes> TransparentFromRegistered(ByteView registered, const std::vector<Bytes>& receipts);

}  // namespace scitt::cose
