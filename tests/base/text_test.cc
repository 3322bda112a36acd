#include "base/text.h"

#include <gtest/gtest.h>

namespace scitt {
namespace {

TEST(ParseDecimal, CanonicalOnly) {
  EXPECT_EQ(ParseDecimal("0"), 0u);
  EXPECT_EQ(ParseDecimal("42"), 42u);
  EXPECT_EQ(ParseDecimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseDecimal("18446744073709551616"));  // overflow
  EXPECT_FALSE(ParseDecimal(""));
  EXPECT_FALSE(ParseDecimal("007"));
  EXPECT_FALSE(ParseDecimal("-1"));
  EXPECT_FALSE(ParseDecimal("+1"));
  EXPECT_FALSE(ParseDecimal(" 1"));
  EXPECT_FALSE(ParseDecimal("1x"));
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8(AsBytes("ab\xFF")), 2u);
}

TEST(Utf8, ReplacesInvalidBytes) {
  EXPECT_EQ(ToValidUtf8("/entries/\xFF\xFE"), "/entries/\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(ToValidUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

TEST(Utc, FormatsAndParsesRfc3339) {
  EXPECT_EQ(FormatUtc(1796423337), "2026-12-04T22:28:57Z");
  EXPECT_EQ(ParseUtc("2026-12-04T22:28:57Z"), 1796423337);
  EXPECT_EQ(ParseUtc("2026-12-04T22:28:57.123456789012Z"), 1796423337);  // the fraction dropped
  EXPECT_EQ(ParseUtc("1970-01-01T00:00:00Z"), 0);
  for (const char* bad : {"2026-12-04", "2026-12-04T22:28:57", "2026-12-04T22:28:57+01:00", "2026-02-30T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-12-04t22:28:57z", "2026-12-04T22:28:57.Z", "x026-12-04T22:28:57Z"}) {
    EXPECT_FALSE(ParseUtc(bad)) << bad;
  }
}

}  // namespace
}  // namespace scitt
