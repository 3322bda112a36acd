// Access to the independent test vectors in ../shared/vectors.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/bytes.h"

namespace scitt::testing {

// The vectors directory: $SCITT_VECTORS, else the configured default. A test
// that needs a vector fails (never skips) when the file is missing.
std::string VectorsDir();
std::string VectorPath(const std::string& relative);
Bytes ReadVector(const std::string& relative);
nlohmann::json ReadJsonVector(const std::string& relative);
// Hex to bytes; fails the current test on bad hex.
Bytes Hex(const std::string& hex);

}  // namespace scitt::testing
