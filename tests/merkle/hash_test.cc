#include "merkle/hash.h"

#include <gtest/gtest.h>

#include "test_hashes.h"

namespace scitt::merkle {
namespace {

using testing::HashFromHex;

// Hasher vectors from transparency-dev/merkle rfc6962/rfc6962_test.go and the RFC 6962
// reference tree (testonly/constants.go).
TEST(HashTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(EmptyRoot(),
            HashFromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(HashTest, LeafHashPrefixesZeroByte) {
  EXPECT_EQ(HashLeaf(AsBytes("L123456")),
            HashFromHex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
  EXPECT_EQ(HashLeaf({}),
            HashFromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
}

// Upstream's NODE("N123", "N456") = aa217fe8…6bbb hashes 4-byte children, which a Hash-typed
// HashChildren cannot take; the two-leaf root of the reference tree checks the same prefix
// and order on real 32-byte children.
TEST(HashTest, ChildrenHashPrefixesOneByteLeftThenRight) {
  const Hash leaf0 = HashLeaf({});
  const Hash leaf1 = HashLeaf(scitt::testing::Hex("00"));
  EXPECT_EQ(HashChildren(leaf0, leaf1),
            HashFromHex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"));
  EXPECT_NE(HashChildren(leaf1, leaf0), HashChildren(leaf0, leaf1));
}

}  // namespace
}  // namespace scitt::merkle
