// Decodes untrusted bytes. Whatever decodes must span exactly the input,
// re-encode deterministically to bytes the strictest options accept and that
// decode to the same value, and show in diagnostic notation without crashing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/bytes.h"
#include "cbor/decoder.h"
#include "cbor/encoder.h"

namespace {

using scitt::Bytes;
using scitt::ByteView;
using scitt::Result;
using scitt::cbor::Decode;
using scitt::cbor::DecodeOptions;
using scitt::cbor::DecodePrefix;
using scitt::cbor::Encode;
using scitt::cbor::Map;
using scitt::cbor::Value;

void Check(bool condition) {
  if (!condition) std::abort();
}

// `v` with every map's entries in deterministic order, which is how a
// decoded deterministic encoding of `v` lists them.
Value Sorted(const Value& v) {
  switch (v.type()) {
    case Value::Type::kArray: {
      scitt::cbor::Array items;
      for (const Value& item : v.array()) items.push_back(Sorted(item));
      return Value::FromArray(std::move(items));
    }
    case Value::Type::kMap: {
      Map entries;
      for (const auto& [key, item] : v.map()) entries.emplace_back(Sorted(key), Sorted(item));
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return Encode(a.first) < Encode(b.first);
      });
      return Value::FromMap(std::move(entries));
    }
    case Value::Type::kTag:
      return Value::Tagged(v.tag(), Sorted(v.tag_content()));
    default:
      return v;
  }
}

DecodeOptions Strict() {
  DecodeOptions options;
  options.require_shortest_heads = true;
  options.allow_indefinite = false;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);

  size_t consumed = 0;
  Result<Value> prefix = DecodePrefix(input, &consumed);
  Result<Value> value = Decode(input);
  // Decode succeeds exactly when the first item decodes and spans the input.
  Check(value.ok() == (prefix.ok() && consumed == size));
  if (prefix.ok()) {
    Check(consumed <= size);
    Check(prefix->raw().data() == data && prefix->raw().size() == consumed);
  }

  // The strict options accept a subset of what the defaults accept.
  Result<Value> strict = Decode(input, Strict());
  if (strict.ok()) {
    Check(value.ok() && *strict == *value);
  }
  if (!value.ok()) return 0;

  Check(value->raw().data() == data && value->raw().size() == size);
  const Bytes encoded = Encode(*value);
  Result<Value> again = Decode(encoded, Strict());
  Check(again.ok());
  Check(*again == Sorted(*value));
  Check(Encode(*again) == encoded);
  (void)scitt::cbor::Diagnostic(*value);
  return 0;
}
