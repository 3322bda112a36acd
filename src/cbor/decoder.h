// Strict CBOR decoder for untrusted input (RFC 8949).
//
// Accepts only well-formed and valid data (§5.3): definite and indefinite
// lengths, shortest or longer heads, valid UTF-8 text, no duplicate map keys,
// and no trailing bytes after the top-level item. Every decoded Value records
// the exact bytes it came from (Value::raw()), so callers can re-emit or hash
// parts of the input byte for byte.
//
// Cost: time and memory are linear in the input. Every item takes at least
// one input byte, and its decoded Value at most sizeof(Value) (72 bytes on
// 64-bit Linux, asserted in decoder.cc) plus a copy of its string content, so
// a decoded tree is at most about 73 times its input and max_items bounds it
// further. Callers that expect small structures (COSE headers) set tight
// max_items and max_depth; exceeding a limit is kInvalidArgument, with a
// message naming the limit.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/value.h"

namespace scitt::cbor {

struct DecodeOptions {
  // Nesting depth of arrays, maps and tags; the top-level item is depth 1.
  size_t max_depth = 64;
  // Total number of items (every array element, key, value and tag counts).
  size_t max_items = 1u << 20;
  // Indefinite-length strings, arrays and maps.
  bool allow_indefinite = true;
  // Require the shortest head for every argument (RFC 8949 §4.2.1 rule 1).
  bool require_shortest_heads = false;
  // False: definite-length byte strings decode with an empty bytes(), their
  // content left where it is (the tail of raw()). For a caller that reads
  // large strings in place: a COSE_Sign1's payload may be hundreds of
  // megabytes, and a copy of it would double what parsing one costs.
  bool copy_byte_strings = true;
};

// Decodes exactly one item that spans all of `input`. The returned Value's
// raw() spans point into `input`, which must outlive their use.
Result<Value> Decode(ByteView input, const DecodeOptions& options = {});

// Decodes the first item of `input` and reports how many bytes it used;
// the rest of `input` is not examined.
Result<Value> DecodePrefix(ByteView input, size_t* consumed,
                           const DecodeOptions& options = {});

}  // namespace scitt::cbor
