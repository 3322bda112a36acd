#include "cose/transparent_statement.h"

#include "cose/labels.h"

namespace scitt::cose {

crypto::Sha256Digest LogEntry(const Sign1& statement) {
  return crypto::Sha256(statement.RegisteredForm());
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
