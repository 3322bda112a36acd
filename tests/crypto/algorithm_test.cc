#include "crypto/algorithm.h"

#include <gtest/gtest.h>

namespace scitt::crypto {
namespace {

TEST(AlgorithmTest, CoseIdsAndNamesRoundTrip) {
  const std::pair<Algorithm, int64_t> kAll[] = {
      {Algorithm::kES256, -7},  {Algorithm::kES384, -35}, {Algorithm::kES512, -36},
      {Algorithm::kEdDSA, -8},  {Algorithm::kPS256, -37}, {Algorithm::kPS384, -38},
      {Algorithm::kPS512, -39},
  };
  for (const auto& [alg, id] : kAll) {
    EXPECT_EQ(CoseId(alg), id);
    EXPECT_EQ(AlgorithmFromCose(id), alg);
    EXPECT_EQ(AlgorithmFromName(AlgorithmName(alg)), alg);
  }
  EXPECT_EQ(AlgorithmName(Algorithm::kEdDSA), "EdDSA");
  EXPECT_EQ(AlgorithmFromCose(-999), std::nullopt);
  EXPECT_EQ(AlgorithmFromCose(-257), std::nullopt);  // RS256: not supported
  EXPECT_EQ(AlgorithmFromName("es256"), std::nullopt);
  EXPECT_EQ(AlgorithmFromName("RS256"), std::nullopt);
}

TEST(AlgorithmTest, HashAlgorithms) {
  EXPECT_EQ(HashAlgorithmFromCose(-16), HashAlgorithm::kSha256);
  EXPECT_EQ(HashAlgorithmFromCose(-43), HashAlgorithm::kSha384);
  EXPECT_EQ(HashAlgorithmFromCose(-44), HashAlgorithm::kSha512);
  EXPECT_EQ(HashAlgorithmFromCose(-17), std::nullopt);  // SHA-512/256: not supported
  EXPECT_EQ(HashAlgorithmFromName("SHA-384"), HashAlgorithm::kSha384);
  EXPECT_EQ(HashAlgorithmName(HashAlgorithm::kSha512), "SHA-512");
  EXPECT_EQ(HashSize(HashAlgorithm::kSha256), 32u);
  EXPECT_EQ(HashSize(HashAlgorithm::kSha384), 48u);
  EXPECT_EQ(HashSize(HashAlgorithm::kSha512), 64u);
}

}  // namespace
}  // namespace scitt::crypto
