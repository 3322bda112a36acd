// Offline verification of a signed or transparent statement: the issuer's
// signature and identity, the payload, and every receipt. Used by
// `scitt verify` and by tests; each check is reported separately.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cose/receipt.h"
#include "cose/service_keys.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace scitt::cose {

struct VerifyRequest {
  ByteView statement;                      // signed or transparent statement
  std::vector<Bytes> extra_receipts;       // receipts supplied beside it
  std::vector<ServiceKey> service_keys;    // trusted receipt signers
  // Issuer identity: keys (the one the statement's protected kid names, by
  // the rule registration uses: cose/issuer_keys.h), or trust anchors for
  // its x5chain. With neither, the issuer check is skipped and reported as
  // such.
  std::vector<crypto::KeyWithId> issuer_keys;
  std::vector<crypto::Certificate> trust_anchors;
  std::optional<Bytes> payload;            // the artifact / detached payload
  // Time for X.509 validity; default: the iat of the first verified
  // receipt (when the service vouched for registration), else now.
  std::optional<int64_t> at_time;
};

struct Check {
  std::string name;    // "issuer signature", "receipt 1", …
  bool passed = false;
  std::string detail;  // what was checked, or why it failed
};

struct VerifyReport {
  std::vector<Check> checks;
  std::vector<std::string> notes;  // skipped checks and caveats
  bool ok() const;
};

class Sign1;

// One receipt (tagged COSE_Sign1, vds 1 or 2) against `statement`'s log
// entry: the key is the one the receipt's kid names in `keys` (a receipt
// without a kid is checked only against a lone key). The check is named
// `name`; its detail says what was proven or why it failed.
Check CheckReceipt(const std::string& name, ByteView receipt, const Sign1& statement,
                   const std::vector<ServiceKey>& keys);

// The same receipt check, returning what it proves (the root, and the
// leaf index and tree size its proof was verified with) or why it failed.
Result<VerifiedReceipt> VerifyReceipt(ByteView receipt, const Sign1& statement, const std::vector<ServiceKey>& keys);

// An error only when the input is unusable (not a COSE_Sign1, bad keys);
// failed checks are reported in the VerifyReport.
Result<VerifyReport> VerifyStatement(const VerifyRequest& request);

}  // namespace scitt::cose
