// Small helpers shared by the merkle tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "merkle/hash.h"
#include "support/vectors.h"

namespace scitt::merkle::testing {

// A Hash from 64 hex digits; fails the current test otherwise.
inline Hash HashFromHex(const std::string& hex) {
  Bytes bytes = scitt::testing::Hex(hex);
  Hash hash{};
  EXPECT_EQ(bytes.size(), hash.size()) << hex;
  std::copy_n(bytes.begin(), std::min(bytes.size(), hash.size()), hash.begin());
  return hash;
}

inline std::vector<Hash> HashesFromHex(const nlohmann::json& list) {
  std::vector<Hash> hashes;
  for (const auto& hex : list) hashes.push_back(HashFromHex(hex.get<std::string>()));
  return hashes;
}

// `count` distinct pseudo-random leaf hashes, reproducible from `seed`.
inline std::vector<Hash> RandomLeafHashes(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash> leaves;
  leaves.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t entry[2] = {rng(), i};
    leaves.push_back(HashLeaf(ByteView(reinterpret_cast<const uint8_t*>(entry), sizeof(entry))));
  }
  return leaves;
}

}  // namespace scitt::merkle::testing
