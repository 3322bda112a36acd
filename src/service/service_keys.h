// The service's own keys, kept in <data>/keys/ and created on first start:
// receipt-key.pem (ES256, signs receipts) and checkpoint-key.pem (Ed25519,
// signs C2SP checkpoints). Receipt keys moved to <data>/keys/retired/ stay
// published at /.well-known/scitt-keys so old receipts keep verifying.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cbor/value.h"
#include "crypto/key.h"

namespace scitt::service {

struct ServiceKeys {
  crypto::PrivateKey receipt_key;
  crypto::Algorithm receipt_alg = crypto::Algorithm::kES256;
  Bytes receipt_kid;  // RFC 9679 thumbprint
  crypto::PrivateKey checkpoint_key;
  std::vector<crypto::PublicKey> retired;  // earlier receipt keys
  bool created = false;  // true when this start generated the keys
};

Result<ServiceKeys> LoadOrCreateServiceKeys(const std::string& data_dir);
// The same keys for a reader of the data directory (an auditor): creates
// nothing; kNotFound when a key file is missing.
Result<ServiceKeys> LoadServiceKeys(const std::string& data_dir);

// The receipt keys as published at /.well-known/scitt-keys: (kid, COSE_Key
// with kid and, for the current key, alg), current key first.
std::vector<std::pair<Bytes, cbor::Value>> PublishedCoseKeys(const ServiceKeys& keys);

}  // namespace scitt::service
