// WWW-Authenticate challenges as registries send them (RFC 9110 §11.6.1,
// the Docker token flow) and token-endpoint answers.
#include "oci_client/auth_challenge.h"

#include <gtest/gtest.h>

namespace scitt::oci_client {
namespace {

TEST(Challenge, DockerBearer) {
  auto challenges = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].params.at("service"), "registry.docker.io");
  // The comma inside the quoted scope does not split it.
  EXPECT_EQ(challenges[0].params.at("scope"), "repository:library/ubuntu:pull,push");
}

TEST(Challenge, BasicWithSpacesAndCase) {
  auto challenges = ParseWwwAuthenticate(R"(BASIC Realm = "scitt registry" , charset="UTF-8")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params.at("realm"), "scitt registry");
  EXPECT_EQ(challenges[0].params.at("charset"), "UTF-8");
}

TEST(Challenge, SeveralChallengesInOneValue) {
  // Two header fields arrive joined by ", ".
  auto challenges = ParseWwwAuthenticate(
      R"(Basic realm="r1", Bearer realm="https://a.example/t",service=reg, Negotiate abc123==)");
  ASSERT_EQ(challenges.size(), 3u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params.at("realm"), "r1");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].params.at("service"), "reg");  // a token, unquoted
  EXPECT_EQ(challenges[2].scheme, "negotiate");
}

TEST(Challenge, QuotedPairsAndBareScheme) {
  auto challenges = ParseWwwAuthenticate(R"(Bearer realm="a \"quoted\" \\ realm")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].params.at("realm"), R"(a "quoted" \ realm)");
  auto bare = ParseWwwAuthenticate("Basic");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].scheme, "basic");
  EXPECT_TRUE(bare[0].params.empty());
  auto token68 = ParseWwwAuthenticate("Negotiate a/b+c");
  ASSERT_EQ(token68.size(), 1u);
  EXPECT_EQ(token68[0].token68, "a/b+c");
}

TEST(Challenge, BrokenInputStopsWithoutCrashing) {
  EXPECT_TRUE(ParseWwwAuthenticate("").empty());
  EXPECT_TRUE(ParseWwwAuthenticate("   ,, ").empty());
  auto unterminated = ParseWwwAuthenticate(R"(Bearer realm="https://a.example/t)");
  ASSERT_EQ(unterminated.size(), 1u);
  EXPECT_EQ(unterminated[0].params.count("realm"), 0u);
  auto junk = ParseWwwAuthenticate("Basic realm=x, =y");
  ASSERT_GE(junk.size(), 1u);
  EXPECT_EQ(junk[0].params.at("realm"), "x");
}

TEST(TokenResponse, TokenOrAccessToken) {
  EXPECT_EQ(*ParseTokenResponse(R"({"token":"abc","expires_in":300})"), "abc");
  EXPECT_EQ(*ParseTokenResponse(R"({"access_token":"xyz"})"), "xyz");
  EXPECT_FALSE(ParseTokenResponse(R"({"token":""})").ok());
  EXPECT_FALSE(ParseTokenResponse("nope").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"token":5})").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"token":"abc\r\nX-Evil: 1"})").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"token":"a b"})").ok());
}

}  // namespace
}  // namespace scitt::oci_client
