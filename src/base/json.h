// JSON from outside, parsed once and strictly (nlohmann-json underneath):
// the registry's manifests and the evidence documents share it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt {

// Parses `bytes` as JSON, refusing what nlohmann accepts but makes a
// document ambiguous or costly: a key repeated in one object (two readers
// could take different values) and containers nested more than `max_depth`
// levels. The depth is checked as the parser goes, so neither parsing nor
// destroying the value recurses without bound. kMalformed, with a message
// that says which ("not valid JSON", "nested deeper than 64 levels", "the
// key "x" appears twice in one object"), for the caller to prefix.
Result<nlohmann::json> ParseStrictJson(ByteView bytes, int max_depth);

// A document without the arrays of its top-level object: for a reader that
// decides from the top-level fields how to read, then reads those arrays
// (an SBOM's components, dependencies, …) an element at a time with
// ForEachTopLevelElement instead of holding them whole.
struct JsonOutline {
  // The document, each array that is the value of a member of the
  // top-level object replaced by an empty array; all else as written.
  nlohmann::json value;
  // The top-level object's keys in document order (nlohmann objects keep
  // theirs sorted).
  std::vector<std::string> keys;
};

// Checks `bytes` as ParseStrictJson does, with the same errors, and returns
// the outline. Memory is the outline's and the open objects' keys, not the
// document's.
Result<JsonOutline> OutlineStrictJson(ByteView bytes, int max_depth);

// What ForEachTopLevelElement calls, in document order. A call returning
// false stops the walk.
class TopLevelElementVisitor {
 public:
  virtual ~TopLevelElementVisitor() = default;
  // Whether to read the array that is the value of top-level member `key`;
  // one that is not wanted is skipped without building anything.
  virtual bool Wants(const std::string& key) = 0;
  // Element `index` of `key`'s array, built as its own value.
  virtual bool Element(const std::string& key, size_t index, nlohmann::json element) = 0;
  // After the last element of `key`'s array.
  virtual bool End(const std::string& key) = 0;
};

// Walks `bytes`, a document OutlineStrictJson accepted, handing `visitor`
// each element of the wanted top-level arrays; only one element is built at
// a time. False when the visitor stopped the walk.
bool ForEachTopLevelElement(ByteView bytes, TopLevelElementVisitor& visitor);

}  // namespace scitt
