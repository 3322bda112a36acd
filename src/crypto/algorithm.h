// Signature and hash algorithms by their COSE identifiers (RFC 9053, RFC 8230,
// RFC 9054 IANA "COSE Algorithms" registry).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace scitt::crypto {

enum class Algorithm : int64_t {
  kES256 = -7,   // ECDSA P-256 SHA-256, signature raw r||s (64 bytes)
  kES384 = -35,  // ECDSA P-384 SHA-384 (96 bytes)
  kES512 = -36,  // ECDSA P-521 SHA-512 (132 bytes)
  kEdDSA = -8,   // Ed25519 (64 bytes)
  kPS256 = -37,  // RSASSA-PSS SHA-256, MGF1 SHA-256, salt 32
  kPS384 = -38,  // RSASSA-PSS SHA-384, MGF1 SHA-384, salt 48
  kPS512 = -39,  // RSASSA-PSS SHA-512, MGF1 SHA-512, salt 64
};

enum class HashAlgorithm : int64_t {
  kSha256 = -16,
  kSha384 = -43,
  kSha512 = -44,
};

// nullopt for identifiers we do not support.
std::optional<Algorithm> AlgorithmFromCose(int64_t id);
std::optional<Algorithm> AlgorithmFromName(std::string_view name);  // "ES256", …
std::string_view AlgorithmName(Algorithm alg);
inline int64_t CoseId(Algorithm alg) { return static_cast<int64_t>(alg); }

std::optional<HashAlgorithm> HashAlgorithmFromCose(int64_t id);
std::optional<HashAlgorithm> HashAlgorithmFromName(std::string_view name);  // "SHA-256", …
std::string_view HashAlgorithmName(HashAlgorithm alg);
size_t HashSize(HashAlgorithm alg);
inline int64_t CoseId(HashAlgorithm alg) { return static_cast<int64_t>(alg); }

}  // namespace scitt::crypto
