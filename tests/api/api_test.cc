// The HTTP-facing layer's shared pieces: errors and refusals to problem
// details (once), parameters, and handing work to a pool.
#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "api/scrapi/scrapi_routes.h"
#include "cbor/decoder.h"

namespace scitt::api {
namespace {

std::string Title(const http::Response& res) {
  auto doc = cbor::Decode(AsBytes(res.body));
  const cbor::Value* title = doc.ok() ? doc->Find(-1) : nullptr;
  return title != nullptr && title->is_text() ? title->text() : "";
}

TEST(Problems, RefusalCodesMapToStatusesHere) {
  registration::Refusal too_large{registration::RefusalCode::kTooLarge, "Payload Too Large", "big", "too_large"};
  EXPECT_EQ(ProblemFor(too_large).status, 413);
  registration::Refusal bad{registration::RefusalCode::kInvalid, "Bad Signature", "no", "bad_signature"};
  http::Response res = ProblemFor(bad);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(Title(res), "Bad Signature");
  EXPECT_EQ(res.headers.at("Content-Type"), http::kProblemDetailsMediaType);
}

// A registration body the spool cannot take (here: no such directory; in
// production a full disk) ends its request with a 503 that says why, and
// nothing else is sunk: small bodies and other routes are buffered as usual.
TEST(StatementSink, AScratchFileThatCannotBeWrittenIs503) {
  WorkerPool pool({"spool", 1, 16, 1 << 20});
  const StatementSpool spool{"/nonexistent-scitt-spool", &pool};
  http::Request head;
  head.method = "POST";
  head.path = "/entries";
  head.headers["Content-Length"] = std::to_string(kStatementSinkFrom);
  auto sink = StatementBodySink(head, 8 << 20, spool);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->max_bytes(), 8u << 20);
  const Bytes piece(1000, 0xd2);
  std::promise<std::optional<http::Response>> written;
  sink->Write(piece, [&written](std::optional<http::Response> failure) { written.set_value(std::move(failure)); });
  const std::optional<http::Response> failure = written.get_future().get();
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->status, 503);
  EXPECT_NE(failure->body.find("nonexistent-scitt-spool"), std::string::npos);
  sink->Abort();

  head.headers["Content-Length"] = std::to_string(kStatementSinkFrom - 1);
  EXPECT_EQ(StatementBodySink(head, 8 << 20, spool), nullptr);
  head.headers["Content-Length"] = std::to_string(kStatementSinkFrom);
  head.path = "/entries/1";
  EXPECT_EQ(StatementBodySink(head, 8 << 20, spool), nullptr);
  head.path = "/v2/_scitt/entries";
  EXPECT_NE(StatementBodySink(head, 8 << 20, spool), nullptr);
}

TEST(Problems, ErrorCodesMapToStatuses) {
  EXPECT_EQ(ProblemFor(MakeError(ErrorCode::kNotFound, "x")).status, 404);
  EXPECT_EQ(ProblemFor(MakeError(ErrorCode::kMalformed, "x")).status, 400);
  EXPECT_EQ(ProblemFor(MakeError(ErrorCode::kInvalidArgument, "x")).status, 400);
  http::Response busy = ProblemFor(MakeError(ErrorCode::kUnavailable, "x"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.at("Retry-After"), "1");
  EXPECT_EQ(ProblemFor(MakeError(ErrorCode::kIo, "x")).status, 500);
}

TEST(Params, QueryNumbersAreCanonicalDecimals) {
  http::Request req;
  req.query = {{"from", "18446744073709551615"}, {"big", "18446744073709551616"}, {"plus", "+1"},
               {"zero", "0"}, {"lead", "01"}, {"empty", ""}};
  EXPECT_EQ(**QueryNumber(req, "from"), UINT64_MAX);
  EXPECT_EQ(**QueryNumber(req, "zero"), 0u);
  EXPECT_FALSE(QueryNumber(req, "absent")->has_value());
  for (const char* bad : {"big", "plus", "lead", "empty"}) EXPECT_FALSE(QueryNumber(req, bad).ok()) << bad;
  EXPECT_EQ(*QueryNumberOr(req, "absent", 7), 7u);
  EXPECT_FALSE(RequiredQueryNumber(req, "absent").ok());
}

// Work that may block runs on the pool; a full pool answers 503 at once.
TEST(Dispatch, FullPoolAnswers503) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::promise<int> first, second, third;
  WorkerPool pool({"test", 1, 1, 1 << 20});  // declared last: joined before what its tasks use
  auto slow = OnPool(pool, [&](http::Request, http::Responder respond) {
    started.set_value();
    gate.wait();
    respond(http::Response{});
  });
  auto record = [](std::promise<int>& p) { return [&p](http::Response res) { p.set_value(res.status); }; };
  slow(http::Request{}, record(first));
  started.get_future().wait();
  auto quick = OnPool(pool, [](http::Request, http::Responder respond) { respond(http::Response{}); });
  quick(http::Request{}, record(second));  // queued
  quick(http::Request{}, record(third));   // the queue holds one: refused
  EXPECT_EQ(third.get_future().get(), 503);
  release.set_value();
  EXPECT_EQ(first.get_future().get(), 200);
  EXPECT_EQ(second.get_future().get(), 200);
}

}  // namespace
}  // namespace scitt::api
