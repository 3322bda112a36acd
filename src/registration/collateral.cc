#include "registration/collateral.h"

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cose/labels.h"

namespace scitt::registration {

namespace {
constexpr char kX5Chain[] = "x5chain";
}  // namespace

Bytes EncodeCollateral(const std::vector<Bytes>& x5chain_der) {
  cbor::Array certs;
  for (const auto& cert : x5chain_der) certs.push_back(cbor::Value::ByteString(cert));
  return cbor::Encode(cbor::Value::FromMap({cbor::Entry(kX5Chain, cbor::Value::FromArray(std::move(certs)))}));
}

Result<Bytes> StatementAsChecked(const cose::Sign1& registered, ByteView collateral) {
  if (collateral.empty()) return registered.RegisteredForm();
  auto decoded = cbor::Decode(collateral);
  const cbor::Value* chain = decoded.ok() && decoded->is_map() ? decoded->Find(kX5Chain) : nullptr;
  if (chain == nullptr || !chain->is_array() || chain->array().empty()) {
    return MakeError(ErrorCode::kMalformed, "collateral is not {\"x5chain\": [certificates]}");
  }
  for (const cbor::Value& cert : chain->array()) {
    if (!cert.is_bytes()) return MakeError(ErrorCode::kMalformed, "collateral x5chain holds a non-byte-string");
  }
  return registered.WithUnprotected(cbor::Value::FromMap({cbor::Entry(cose::header::kX5Chain, *chain)}));
}

}  // namespace scitt::registration
