#include "cose/transparent_statement.h"

#include "cbor/encoder.h"
#include "cose/labels.h"

namespace scitt::cose {

crypto::Sha256Digest LogEntry(const Sign1& statement) {
  return crypto::Sha256(statement.RegisteredForm());
}

crypto::Sha256Digest SignedContent(const Sign1& statement) {
  // The bytes BuildToBeSigned would produce, without building them.
  static constexpr char kContext[] = "Signature1";
  const ByteView payload = statement.payload().value_or(ByteView());
  Bytes heads;
  cbor::EncodeHead(4, 4, &heads);
  cbor::EncodeHead(3, sizeof(kContext) - 1, &heads);
  heads.insert(heads.end(), kContext, kContext + sizeof(kContext) - 1);
  cbor::EncodeHead(2, statement.protected_bytes().size(), &heads);
  crypto::Sha256Hasher hasher;
  hasher.Update(heads);
  hasher.Update(statement.protected_bytes());
  heads.clear();
  cbor::EncodeHead(2, 0, &heads);  // external_aad: h''
  cbor::EncodeHead(2, payload.size(), &heads);
  hasher.Update(heads);
  hasher.Update(payload);
  return hasher.Finish();
}

Bytes AttachReceipts(const Sign1& statement, const std::vector<Bytes>& receipts) {
  cbor::Map unprotected;
  cbor::Array all;
  for (const Bytes& existing : statement.unprotected_headers().receipts) {
    all.push_back(cbor::Value::ByteString(existing));
  }
  for (const auto& [key, value] : statement.unprotected_headers().map.map()) {
    if (key.AsInt64() == header::kReceipts) continue;
    unprotected.emplace_back(key.raw().empty() ? key : cbor::Value::Encoded(key.raw()),
                             value.raw().empty() ? value : cbor::Value::Encoded(value.raw()));
  }
  for (const Bytes& receipt : receipts) all.push_back(cbor::Value::ByteString(receipt));
  unprotected.push_back(cbor::Entry(header::kReceipts, cbor::Value::FromArray(std::move(all))));
  return statement.WithUnprotected(cbor::Value::FromMap(std::move(unprotected)));
}

}  // namespace scitt::cose
