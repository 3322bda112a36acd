// JSON from outside, parsed once and strictly (nlohmann-json underneath):
// the registry's manifests and the evidence documents share it.
#pragma once

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

}  // namespace scitt
