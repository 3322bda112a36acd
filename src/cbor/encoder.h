// Deterministic CBOR encoder (RFC 8949 §4.2.1): shortest heads, definite
// lengths, map keys sorted by their encoded bytes, preferred float encoding.
#pragma once

#include <string>

#include "base/bytes.h"
#include "cbor/value.h"

namespace scitt::cbor {

// Encodes `value`; Value::Encoded items are spliced in unchanged. Map entries
// are emitted in bytewise order of their encoded keys whatever order they
// were given in.
Bytes Encode(const Value& value);
void EncodeTo(const Value& value, Bytes* out);

// Appends just the head of an item of the given major type (0..7) and
// argument, in shortest form. For streaming encoders of large items.
void EncodeHead(uint8_t major_type, uint64_t argument, Bytes* out);

// RFC 8949 §8 diagnostic notation, for humans (`scitt statement show`).
std::string Diagnostic(const Value& value);

}  // namespace scitt::cbor
