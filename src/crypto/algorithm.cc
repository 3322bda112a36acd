#include "crypto/algorithm.h"

#include <array>
#include <utility>

namespace scitt::crypto {
namespace {

// Names as registered in the IANA "COSE Algorithms" registry (RFC 9053,
// RFC 8230, RFC 9054).
constexpr std::array<std::pair<Algorithm, std::string_view>, 7> kAlgorithms = {{
    {Algorithm::kES256, "ES256"},
    {Algorithm::kES384, "ES384"},
    {Algorithm::kES512, "ES512"},
    {Algorithm::kEdDSA, "EdDSA"},
    {Algorithm::kPS256, "PS256"},
    {Algorithm::kPS384, "PS384"},
    {Algorithm::kPS512, "PS512"},
}};

constexpr std::array<std::pair<HashAlgorithm, std::string_view>, 3> kHashAlgorithms = {{
    {HashAlgorithm::kSha256, "SHA-256"},
    {HashAlgorithm::kSha384, "SHA-384"},
    {HashAlgorithm::kSha512, "SHA-512"},
}};

}  // namespace

std::optional<Algorithm> AlgorithmFromCose(int64_t id) {
  for (const auto& [alg, name] : kAlgorithms) {
    if (CoseId(alg) == id) return alg;
  }
  return std::nullopt;
}

std::optional<Algorithm> AlgorithmFromName(std::string_view name) {
  for (const auto& [alg, alg_name] : kAlgorithms) {
    if (alg_name == name) return alg;
  }
  return std::nullopt;
}

std::string_view AlgorithmName(Algorithm alg) {
  for (const auto& [a, name] : kAlgorithms) {
    if (a == alg) return name;
  }
  return "unknown";
}

std::optional<HashAlgorithm> HashAlgorithmFromCose(int64_t id) {
  for (const auto& [alg, name] : kHashAlgorithms) {
    if (CoseId(alg) == id) return alg;
  }
  return std::nullopt;
}

std::optional<HashAlgorithm> HashAlgorithmFromName(std::string_view name) {
  for (const auto& [alg, alg_name] : kHashAlgorithms) {
    if (alg_name == name) return alg;
  }
  return std::nullopt;
}

std::string_view HashAlgorithmName(HashAlgorithm alg) {
  for (const auto& [a, name] : kHashAlgorithms) {
    if (a == alg) return name;
  }
  return "unknown";
}

size_t HashSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return 32;
    case HashAlgorithm::kSha384: return 48;
    case HashAlgorithm::kSha512: return 64;
  }
  return 0;
}

}  // namespace scitt::crypto
