// Collateral: what verifying a statement used beyond the registered
// statement itself, stored beside it for auditors (DESIGN.md §3: the
// registered statement has an empty unprotected header). Written here once,
// for the registration that records it and the auditor that replays it:
//
//   collateral = {"x5chain": [+ bstr]}   ; the unprotected x5chain, leaf first
#pragma once

#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/sign1.h"

namespace scitt::registration {

// The collateral of a statement verified with an unprotected x5chain.
Bytes EncodeCollateral(const std::vector<Bytes>& x5chain_der);

// The statement as registration checked it: `registered` with the
// collateral's x5chain back in its unprotected header (an empty collateral
// leaves it as it is). kMalformed for collateral of any other form.
Result<Bytes> StatementAsChecked(const cose::Sign1& registered, ByteView collateral);

}  // namespace scitt::registration
