// `scitt statement show`: a readable (or JSON) dump of any COSE_Sign1 we know:
// signed statement, transparent statement or receipt.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::cli {

// The JSON model both outputs are rendered from.
Result<nlohmann::ordered_json> DescribeCose(ByteView data);

int ShowStatement(const std::string& path, bool json);

}  // namespace scitt::cli
