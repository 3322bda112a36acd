#include "support/vectors.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "base/file.h"

namespace scitt::testing {

std::string VectorsDir() {
  const char* env = std::getenv("SCITT_VECTORS");
  return env != nullptr && *env != '\0' ? env : SCITT_VECTORS_DEFAULT;
}

std::string VectorPath(const std::string& relative) { return VectorsDir() + "/" + relative; }

Bytes ReadVector(const std::string& relative) {
  auto data = ReadFile(VectorPath(relative));
  EXPECT_TRUE(data.ok()) << "missing test vector " << VectorPath(relative);
  return data.ok() ? *data : Bytes{};
}

nlohmann::json ReadJsonVector(const std::string& relative) {
  Bytes data = ReadVector(relative);
  return nlohmann::json::parse(data.begin(), data.end());
}

Bytes Hex(const std::string& hex) {
  auto b = HexDecode(hex);
  EXPECT_TRUE(b.has_value()) << "bad hex in test: " << hex;
  return b.value_or(Bytes{});
}

}  // namespace scitt::testing
