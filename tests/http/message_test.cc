#include "http/message.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/decoder.h"

namespace scitt::http {
namespace {

TEST(Headers, CompareCaseInsensitively) {
  Request request;
  request.headers["Content-Type"] = "application/cose";
  EXPECT_EQ(request.Header("content-type"), "application/cose");
  EXPECT_EQ(request.Header("CONTENT-TYPE"), "application/cose");
  EXPECT_FALSE(request.Header("Accept"));
  request.headers["content-type"] = "application/cbor";
  EXPECT_EQ(request.headers.size(), 1u);
}

TEST(ProblemDetails, EncodesTitleAndDetail) {
  Response response = ProblemDetails(404, "Not Found", "x");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.at("Content-Type"), "application/concise-problem-details+cbor");
  // {-1: "Not Found", -2: "x"}, deterministic.
  EXPECT_EQ(HexEncode(AsBytes(response.body)), "a220694e6f7420466f756e64216178");

  Result<cbor::Value> decoded = cbor::Decode(AsBytes(response.body));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->is_map());
  EXPECT_EQ(decoded->map().size(), 2u);
  EXPECT_EQ(decoded->Find(-1)->text(), "Not Found");
  EXPECT_EQ(decoded->Find(-2)->text(), "x");
}

TEST(ProblemDetails, LeavesOutAnEmptyDetail) {
  Response response = ProblemDetails(500, "Internal Server Error", "");
  Result<cbor::Value> decoded = cbor::Decode(AsBytes(response.body));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->map().size(), 1u);
  EXPECT_EQ(decoded->Find(-1)->text(), "Internal Server Error");
}

// RFC 8949 §3.1: a text string must be valid UTF-8; a detail that echoes a
// decoded path ("/entries/%ff%fe") must not make the body invalid CBOR.
TEST(ProblemDetails, TextIsAlwaysValidUtf8) {
  Response response = ProblemDetails(404, "Not \xc3", "no entry /entries/\xff\xfe");
  Result<cbor::Value> decoded = cbor::Decode(AsBytes(response.body));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->Find(-1)->text(), "Not \xef\xbf\xbd");
  EXPECT_EQ(decoded->Find(-2)->text(), "no entry /entries/\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(Accepts, MediaRanges) {
  const std::string cose = "application/cose";
  struct {
    std::optional<std::string> accept;
    bool expected;
  } cases[] = {
      {std::nullopt, true},
      {"", true},
      {"  ", true},
      {"application/cose", true},
      {"Application/COSE", true},
      {"application/cbor", false},
      {"application/*", true},
      {"*/*", true},
      {"text/*", false},
      {"text/plain, application/cose", true},
      {" application/cose ; q=1 ", true},
      {"application/cose;q=0", false},
      {"application/cose; q=0.000", false},
      {"application/cose;q=0.001", true},
      {"application/cose;Q=0", false},
      {"*/*;q=0, application/cose", true},
      {"application/cose;q=0, */*", false},  // the more specific range wins
      {"application/*;q=0, application/cose;q=0.5", true},
      {"application/*;q=0.5, application/*;q=0", true},  // the higher weight
      {"application/cose; cose-type=\"cose-sign1\"", true},
      {"application/cose; cose-type=\"a,b\"; q=0", false},
      {"text/plain; x=\"a,application/cose\"", false},
      {"application/cose;q=2", false},  // an invalid weight voids the element
      {"application/cose;q=1.5", false},
      {"application/cose;q=abc, */*;q=0.1", true},
      {"application", false},
      {",,,", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Accepts(c.accept, cose), c.expected) << (c.accept ? *c.accept : "(absent)");
  }
}

TEST(PercentDecode, Escapes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2f", false), "a b/c/");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%2B", true), "+");
  EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%2", false));
  EXPECT_FALSE(PercentDecode("abc%", false));
  EXPECT_FALSE(PercentDecode("%zz", false));
  EXPECT_FALSE(PercentDecode("%-1", false));
}

TEST(ParseTarget, PathAndQuery) {
  std::string path;
  std::multimap<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/a%20b/c?x=1&y=a+b&z=%2B&flag&&e=", &path, &query).ok());
  EXPECT_EQ(path, "/a b/c");
  const std::multimap<std::string, std::string> expected = {
      {"x", "1"}, {"y", "a b"}, {"z", "+"}, {"flag", ""}, {"e", ""}};
  EXPECT_EQ(query, expected);

  ASSERT_TRUE(ParseTarget("/a+b", &path, &query).ok());
  EXPECT_EQ(path, "/a+b");
  EXPECT_TRUE(query.empty());

  ASSERT_TRUE(ParseTarget("/?a=1&a=2", &path, &query).ok());
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query.count("a"), 2u);
  Request request;
  request.query = query;
  EXPECT_EQ(request.Query("a"), "1");
  EXPECT_FALSE(request.Query("b"));
}

TEST(ParseTarget, AbsoluteForm) {
  std::string path;
  std::multimap<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("http://ts.example/entries/1?x=y", &path, &query).ok());
  EXPECT_EQ(path, "/entries/1");
  EXPECT_EQ(query.find("x")->second, "y");
  ASSERT_TRUE(ParseTarget("https://ts.example", &path, &query).ok());
  EXPECT_EQ(path, "/");
}

TEST(ParseTarget, Rejects) {
  std::string path;
  std::multimap<std::string, std::string> query;
  for (const char* target : {"", "*", "entries", "/a%2", "/a%zz", "/%00", "/a/../b", "/a/./b", "/..",
                             "/a/%2e%2E/b", "/a/%2E", "/?a=%", "/?%zz=1", "http://host?x",
                             // RFC 3986 §3.3 characters a path cannot hold, and a
                             // path that does not follow the authority with '/'.
                             "/a\"b", "/{id}", "/a|b", "/a\\b", "/a#frag", "http://host:x/a",
                             // Boost.URL's segments() would hide the leading "/.".
                             "/./a", "http:/./ts.e/x"}) {
    Status status = ParseTarget(target, &path, &query);
    ASSERT_FALSE(status.ok()) << target;
    EXPECT_EQ(status.error().code, ErrorCode::kMalformed) << target;
  }
  // Dots inside a segment are just characters.
  EXPECT_TRUE(ParseTarget("/a/..b/c.d/...", &path, &query).ok());
}

}  // namespace
}  // namespace scitt::http
