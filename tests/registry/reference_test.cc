// OCI names, tags and digests: the grammars of distribution-spec and
// image-spec descriptor.md, with their edges.
#include "registry/reference.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/hash.h"

namespace scitt::registry {
namespace {

const std::string kHex64 = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

TEST(Names, SpecGrammar) {
  for (const char* good : {"a", "library/ubuntu", "a.b", "a_b", "a__b", "a-b", "a---b", "a/b/c",
                           "0", "my-org/my.repo_name/x9"}) {
    EXPECT_TRUE(IsValidName(good)) << good;
  }
  for (const char* bad : {"", "A", "a/", "/a", "a//b", "a..b", "a___b", "-a", "a-", "a.", "_a",
                          "a b", "a:b", "a/B", "a/.b", "a_.b"}) {
    EXPECT_FALSE(IsValidName(bad)) << bad;
  }
  EXPECT_TRUE(IsValidName(std::string(kMaxNameLength, 'a')));
  EXPECT_FALSE(IsValidName(std::string(kMaxNameLength + 1, 'a')));
}

TEST(Tags, SpecGrammar) {
  for (const char* good : {"latest", "v1.2.3", "_x", "A-b_c.d", "sha256-abc"}) {
    EXPECT_TRUE(IsValidTag(good)) << good;
  }
  for (const char* bad : {"", ".x", "-x", "a/b", "a:b", "a b", "a+b"}) {
    EXPECT_FALSE(IsValidTag(bad)) << bad;
  }
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
}

TEST(Digests, ParseAndPrint) {
  auto digest = Digest::Parse("sha256:" + kHex64);
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  EXPECT_EQ(digest->algorithm(), crypto::HashAlgorithm::kSha256);
  EXPECT_EQ(digest->ToString(), "sha256:" + kHex64);
  EXPECT_EQ(*digest, Digest::Sha256Of(AsBytes("{}")));  // the empty descriptor's digest

  const std::string hex128 = kHex64 + kHex64;
  auto sha512 = Digest::Parse("sha512:" + hex128);
  ASSERT_TRUE(sha512.ok());
  EXPECT_EQ(sha512->algorithm_name(), "sha512");
  EXPECT_EQ(Digest::Of(crypto::HashAlgorithm::kSha512,
                       crypto::Digest(crypto::HashAlgorithm::kSha512, AsBytes("abc")))
                .ToString()
                .substr(0, 20),
            "sha512:ddaf35a193617");
}

TEST(Digests, RefusesMalformedAndUnsupported) {
  for (const std::string& bad : std::vector<std::string>{
           "", "sha256", "sha256:", ":" + kHex64, "SHA256:" + kHex64,
        "sha256:" + kHex64.substr(1), "sha256:" + kHex64 + "0", "sha256:" + std::string(64, 'A'),
        "sha256:" + std::string(63, 'a') + "g", "sha512:" + kHex64, "sha256+:" + kHex64,
        "+sha256:" + kHex64, "sha256:abc/def", "sha256::" + kHex64}) {
    auto parsed = Digest::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  // Well-formed, but not an algorithm this registry computes.
  for (const std::string& other : std::vector<std::string>{"blake3:" + kHex64, "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
                                   "sha384:" + kHex64}) {
    auto parsed = Digest::Parse(other);
    ASSERT_FALSE(parsed.ok()) << other;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported) << other;
  }
}

TEST(TagOrDigest, SplitsOnColon) {
  auto tag = ParseTagOrDigest("v1");
  ASSERT_TRUE(tag.ok());
  EXPECT_FALSE(tag->is_digest());
  EXPECT_EQ(tag->tag, "v1");
  auto digest = ParseTagOrDigest("sha256:" + kHex64);
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(digest->is_digest());
  EXPECT_FALSE(ParseTagOrDigest("-bad").ok());
  EXPECT_FALSE(ParseTagOrDigest("sha256:zz").ok());
}

TEST(ReferrersTag, SpecExample) {
  // distribution-spec "Referrers Tag Schema": <alg>-<ref>.
  auto digest = Digest::Parse("sha256:" + kHex64);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(ReferrersTag(*digest), "sha256-" + kHex64);
  auto sha512 = Digest::Parse("sha512:" + kHex64 + kHex64);
  ASSERT_TRUE(sha512.ok());
  EXPECT_EQ(ReferrersTag(*sha512), "sha512-" + kHex64);  // encoded part cut to 64
  EXPECT_TRUE(IsValidTag(ReferrersTag(*sha512)));
}

}  // namespace
}  // namespace scitt::registry
