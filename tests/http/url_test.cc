#include <gtest/gtest.h>

#include "http/client.h"

namespace scitt::http {
namespace {

TEST(ResolveUrl, LocationHeaders) {
  EXPECT_EQ(ResolveUrl("https://ts.example/entries", "/entries/abc"), "https://ts.example/entries/abc");
  EXPECT_EQ(ResolveUrl("https://ts.example:8443/entries", "/entries/abc"),
            "https://ts.example:8443/entries/abc");
  EXPECT_EQ(ResolveUrl("https://ts.example/entries", "http://other.example/x"), "http://other.example/x");
  EXPECT_EQ(ResolveUrl("https://ts.example/entries/", "abc"), "https://ts.example/entries/abc");
  EXPECT_EQ(ResolveUrl("https://ts.example/entries", "abc"), "https://ts.example/abc");
  EXPECT_EQ(ResolveUrl("https://ts.example", "abc"), "https://ts.example/abc");
  EXPECT_EQ(ResolveUrl("https://ts.example/a", "//cdn.example/p"), "https://cdn.example/p");
}

// RFC 3986 §3.3: a path without an authority cannot begin with "//"; the
// dot-segments of "h:/..//:." would leave one (found by the fuzzer).
TEST(ResolveUrl, NoAuthorityPathKeepsItsMeaning) {
  EXPECT_EQ(ResolveUrl("https://ts.example/a/b?q", "h:h:/..//:./..//:."), "h:/.//:.");
}

// RFC 3986 §5.4.1 and §5.4.2.
TEST(ResolveUrl, Rfc3986Examples) {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},
  };
  for (const auto& [reference, expected] : cases) {
    EXPECT_EQ(ResolveUrl(base, reference), expected) << reference;
  }
}

TEST(ResolveUrl, InvalidReferenceComesBackUnchanged) {
  EXPECT_EQ(ResolveUrl("https://ts.example/a", "/a b"), "/a b");
  EXPECT_EQ(ResolveUrl("not a url", "/x"), "/x");
  // Boost.URL 1.81 would take "//h:./../1" as host "h", path "./../1".
  EXPECT_EQ(ResolveUrl("https://ts.example/a", "hs.://:./../1"), "hs.://:./../1");
}

TEST(Fetch, RejectsUnsupportedUrls) {
  for (const char* url : {"ftp://example.com/", "http://", "http:///x", "example.com/x", "http://u:p@host/",
                          "http://host:99999/", "http://host:x/", "http://[::1/"}) {
    Result<Response> response = Fetch("GET", url, {}, "");
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

}  // namespace
}  // namespace scitt::http
