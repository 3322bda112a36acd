// Keys shared by the key tests (tests/crypto, tests/cose): the RFC 9679 §3.1
// example key and one generated key per algorithm, made once per process.
#pragma once

#include <map>

#include <gtest/gtest.h>

#include "crypto/key.h"
#include "support/vectors.h"

namespace scitt::testing {

// RFC 9679 §3.1: the P-256 key whose thumbprint the RFC gives.
inline constexpr char kRfc9679X[] =
    "65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d";
inline constexpr char kRfc9679Y[] =
    "1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c";

inline crypto::PublicKey Rfc9679Key() {
  auto key = crypto::PublicKey::FromEc2(crypto::Curve::kP256, Hex(kRfc9679X), Hex(kRfc9679Y));
  EXPECT_TRUE(key.ok()) << key.error().message;
  return key.ok() ? *key : crypto::PublicKey();
}

inline const crypto::PrivateKey& Generated(crypto::Algorithm alg) {
  static std::map<crypto::Algorithm, crypto::PrivateKey> keys;
  auto it = keys.find(alg);
  if (it == keys.end()) it = keys.emplace(alg, *crypto::PrivateKey::Generate(alg)).first;
  return it->second;
}

}  // namespace scitt::testing
