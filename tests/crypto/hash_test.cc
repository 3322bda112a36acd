#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace scitt::crypto {
namespace {

using testing::Hex;

TEST(HashTest, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Digest(HashAlgorithm::kSha256, AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Digest(HashAlgorithm::kSha384, AsBytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(HexEncode(Digest(HashAlgorithm::kSha512, AsBytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(HashTest, IncrementalMatchesOneShotAndRestarts) {
  Bytes data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  Sha256Hasher hasher;
  for (size_t i = 0; i < data.size(); i += 4099) {
    hasher.Update(ByteView(data).subspan(i, std::min<size_t>(4099, data.size() - i)));
  }
  EXPECT_EQ(hasher.Finish(), Sha256(data));
  hasher.Update(AsBytes("abc"));
  EXPECT_EQ(hasher.Finish(), Sha256(AsBytes("abc")));
  EXPECT_EQ(hasher.Finish(), Sha256({}));
}

TEST(HashTest, HasherForEveryAlgorithm) {
  Bytes data(70000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13);
  for (HashAlgorithm alg : {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    Hasher hasher(alg);
    for (size_t i = 0; i < data.size(); i += 1000) hasher.Update(ByteView(data).subspan(i, 1000));
    EXPECT_EQ(hasher.Finish(), Digest(alg, data));
    EXPECT_EQ(hasher.Finish(), Digest(alg, {}));  // started over
  }
  // RFC 6234 / FIPS 180-2 "abc" for SHA-512.
  Hasher sha512(HashAlgorithm::kSha512);
  sha512.Update(AsBytes("abc"));
  EXPECT_EQ(HexEncode(sha512.Finish()),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

}  // namespace
}  // namespace scitt::crypto
