#include "base/bytes.h"

#include <gtest/gtest.h>

namespace scitt {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(HexEncode(b), "007f80ff");
  EXPECT_EQ(HexDecode("007F80ff"), b);
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(AsBytes(plain[i])), encoded[i]);
    EXPECT_EQ(Base64Decode(encoded[i]), ToBytes(plain[i]));
  }
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Zh==").has_value());  // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST(Base64Url, NoPadding) {
  Bytes b = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(Base64UrlEncode(b), "-__-");
  EXPECT_EQ(Base64UrlDecode("-__-"), b);
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  EXPECT_EQ(Base64UrlDecode("Zg"), ToBytes("f"));
  EXPECT_FALSE(Base64UrlDecode("Zg+/").has_value());
}

}  // namespace
}  // namespace scitt
