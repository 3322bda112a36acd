#include "http/bearer_tokens.h"

#include <gtest/gtest.h>

namespace scitt::http {
namespace {

TEST(BearerTokens, SchemeIsCaseInsensitiveTokenIsExact) {
  BearerTokens tokens({"secret-token-1", "abc+/="});
  EXPECT_EQ(tokens.size(), 2u);
  // RFC 9110 §11.1: the scheme in any case; one or more spaces.
  for (const char* value : {"Bearer secret-token-1", "bearer secret-token-1", "BEARER secret-token-1",
                            "bEaReR   secret-token-1", "Bearer abc+/="}) {
    EXPECT_TRUE(tokens.Allows(std::string(value))) << value;
  }
  for (const char* value : {"Bearer secret-token-2", "Bearer Secret-token-1", "Bearer secret-token-1x",
                            "Bearer secret-token", "Basic secret-token-1", "Bearer", "Bearer ",
                            "Bearersecret-token-1", "secret-token-1", "Bearer secret-token-1 extra",
                            "Bearer\tsecret-token-1", "Bearer abc+/=x", ""}) {
    EXPECT_FALSE(tokens.Allows(std::string(value))) << value;
  }
  EXPECT_FALSE(tokens.Allows(std::nullopt));
}

TEST(BearerTokens, NoneConfiguredAllowsNothing) {
  BearerTokens none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.Allows(std::string("Bearer x")));
}

TEST(BearerTokens, Token68Syntax) {
  for (const char* ok : {"a", "A-._~+/9", "abc==", "x="}) EXPECT_TRUE(BearerTokens::IsToken68(ok)) << ok;
  for (const char* bad : {"", "=", "a b", "a=b", "a,b", "\"a\"", "é"}) {
    EXPECT_FALSE(BearerTokens::IsToken68(bad)) << bad;
  }
}

}  // namespace
}  // namespace scitt::http
