#include "http/router.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/decoder.h"

namespace scitt::http {
namespace {

// Dispatches synchronously (the handlers here respond inline).
Response Call(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  std::optional<Response> out;
  router.Dispatch(std::move(request), [&](Response r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value());
  return out.value_or(Response{});
}

std::string Title(const Response& response) {
  Result<cbor::Value> decoded = cbor::Decode(AsBytes(response.body));
  if (!decoded.ok() || decoded->Find(-1) == nullptr) return "";
  return decoded->Find(-1)->text();
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("GET", "/.well-known/scitt-keys");
    Add("GET", "/.well-known/scitt-keys/{kid}");
    Add("POST", "/entries");
    Add("GET", "/entries/{id}");
    Add("GET", "/entries/{id}/statement");
    Add("GET", "/tile/{path...}");
    Add("GET", "/");
  }

  // Each handler answers "<pattern> <params>".
  void Add(const std::string& method, const std::string& pattern) {
    router_.Add(method, pattern, [pattern](Request request, Responder respond) {
      std::string body = pattern;
      for (const auto& [name, value] : request.params) body += " " + name + "=" + value;
      Response response;
      response.body = body;
      respond(std::move(response));
    });
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralsAndParameters) {
  EXPECT_EQ(Call(router_, "GET", "/.well-known/scitt-keys").body, "/.well-known/scitt-keys");
  EXPECT_EQ(Call(router_, "GET", "/.well-known/scitt-keys/abc").body, "/.well-known/scitt-keys/{kid} kid=abc");
  EXPECT_EQ(Call(router_, "POST", "/entries").body, "/entries");
  EXPECT_EQ(Call(router_, "GET", "/entries/7").body, "/entries/{id} id=7");
  EXPECT_EQ(Call(router_, "GET", "/entries/7/statement").body, "/entries/{id}/statement id=7");
  EXPECT_EQ(Call(router_, "GET", "/").body, "/");
}

TEST_F(RouterTest, RestParameterTakesTheRemainingPath) {
  EXPECT_EQ(Call(router_, "GET", "/tile/0/x001/234").body, "/tile/{path...} path=0/x001/234");
  EXPECT_EQ(Call(router_, "GET", "/tile/entries/000.p/5").body, "/tile/{path...} path=entries/000.p/5");
  EXPECT_EQ(Call(router_, "GET", "/tile/a").body, "/tile/{path...} path=a");
  EXPECT_EQ(Call(router_, "GET", "/tile").status, 404);
  EXPECT_EQ(Call(router_, "GET", "/tile/").status, 404);
}

TEST_F(RouterTest, NotFound) {
  for (const char* path : {"/nope", "/entries/", "/entries/7/x", "/.well-known/scitt-keys/", "//"}) {
    Response response = Call(router_, "GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(Title(response), "Not Found") << path;
    EXPECT_EQ(response.headers.at("Content-Type"), kProblemDetailsMediaType);
  }
}

TEST_F(RouterTest, MethodNotAllowedListsTheAllowedMethods) {
  Response response = Call(router_, "GET", "/entries");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Title(response), "Method Not Allowed");
  EXPECT_EQ(response.headers.at("Allow"), "POST");

  response = Call(router_, "DELETE", "/entries/7");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.at("Allow"), "GET, HEAD");

  response = Call(router_, "POST", "/.well-known/scitt-keys");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.at("Allow"), "GET, HEAD");
}

TEST_F(RouterTest, HeadUsesTheGetRoute) {
  EXPECT_EQ(Call(router_, "HEAD", "/entries/9").body, "/entries/{id} id=9");
  EXPECT_EQ(Call(router_, "HEAD", "/entries").status, 405);
  router_.Add("HEAD", "/entries/{id}", [](Request, Responder respond) {
    Response response;
    response.body = "explicit";
    respond(std::move(response));
  });
  EXPECT_EQ(Call(router_, "HEAD", "/entries/9").body, "explicit");
}

TEST_F(RouterTest, FirstMatchingRouteWins) {
  router_.Add("GET", "/entries/special", [](Request, Responder respond) { respond(Response{}); });
  EXPECT_EQ(Call(router_, "GET", "/entries/special").body, "/entries/{id} id=special");
}

}  // namespace
}  // namespace scitt::http
