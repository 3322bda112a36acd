#include "cose/transparent_statement.h"

#include "cbor/encoder.h"
#include "cose/labels.h"

namespace scitt::cose {

crypto::Sha256Digest LogEntry(const Sign1& statement) {
  return statement.RegisteredFormSha256();
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

Result<Bytes> TransparentFromRegistered(ByteView registered,
                                        const std::vector<Bytes>& receipts) {
  auto malformed = [](const std::string& what) {
    return MakeError(ErrorCode::kMalformed, "not a registered statement: " + what);
  };
  if (receipts.empty()) return MakeError(ErrorCode::kInvalidArgument, "no receipts to attach");
  // d2 = tag 18 (COSE_Sign1), 84 = array of 4 items.
  if (registered.size() < 3 || registered[0] != 0xd2 || registered[1] != 0x84) {
    return malformed("it does not start with tag 18 and an array of 4 (d2 84)");
  }
  // The protected bstr's head, in any of the definite-length widths.
  const uint8_t initial = registered[2];
  if ((initial >> 5) != 2 || (initial & 0x1f) > 27) {
    return malformed("the protected header is not a definite-length byte string");
  }
  size_t pos = 3;
  uint64_t length = initial & 0x1f;
  if (length >= 24) {
    const size_t width = size_t{1} << (length - 24);
    if (registered.size() - pos < width) return malformed("truncated protected header");
    length = 0;
    for (size_t i = 0; i < width; ++i) length = (length << 8) | registered[pos++];
  }
  if (length >= registered.size() - pos) return malformed("truncated protected header");
  pos += length;
  if (registered[pos] != 0xa0) {
    return malformed("the unprotected header is not the empty map (a0)");
  }

  cbor::Array all;
  for (const Bytes& receipt : receipts) all.push_back(cbor::Value::ByteString(receipt));
  Bytes unprotected = cbor::Encode(
      cbor::Value::FromMap({cbor::Entry(header::kReceipts, cbor::Value::FromArray(std::move(all)))}));
  Bytes out;
  out.reserve(registered.size() - 1 + unprotected.size());
  out.insert(out.end(), registered.begin(), registered.begin() + pos);
  out.insert(out.end(), unprotected.begin(), unprotected.end());
  out.insert(out.end(), registered.begin() + pos + 1, registered.end());
  return out;
}

}  // namespace scitt::cose
