// Whole-file reads and atomic writes for the CLI and tests.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt {

Result<Bytes> ReadFile(const std::string& path);
Result<std::string> ReadTextFile(const std::string& path);
// Writes to a temporary file in the same directory, then renames it over `path`.
Status WriteFile(const std::string& path, ByteView data, bool private_mode = false);

}  // namespace scitt
