// http::Server over real sockets: parsing and framing, keep-alive and
// pipelining, every limit (header, body, chunk lines, trailers, queued
// responses, connections, connections per address, timeouts), admission
// before the body, the access log and Stop(). One file: the cases share the
// raw-socket client and the server fixture at the top.
#include "http/server.h"

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/logging.h"
#include "cbor/decoder.h"
#include "http/client.h"
#include "http/router.h"
#include "raw_client.h"

namespace scitt::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RawReply;

// Threads that answer requests later, as the log's sequencer would; joined
// on destruction.
class Workers {
 public:
  ~Workers() { Join(); }
  void Run(std::function<void()> f) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(f));
  }
  void Join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

Response Text(std::string body, int status = 200) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.Set("Content-Type", "text/plain");
  return response;
}

std::string Title(const std::string& body) {
  Result<cbor::Value> decoded = cbor::Decode(AsBytes(body));
  if (!decoded.ok() || !decoded->is_map() || decoded->Find(-1) == nullptr) return "";
  return decoded->Find(-1)->text();
}

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

// Polls `condition` for up to 10 s (liveness only, never a timing check).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

class ServerTest : public ::testing::Test {
 protected:
  // Routes of the test handler:
  //   /echo         method, path, query and body
  //   /slow?ms=N    answered from another thread after N ms, body "slow N"
  //   /remote       the client address
  //   /drop         the Responder is dropped uncalled
  //   /twice        answered twice
  //   /throw        the handler throws
  //   /bad-header   a header value with CR LF
  //   /hold         the Responder is kept in held_ and answered by the test
//   /big?mib=N&tag=T  N MiB starting with T, answered at once
//   /logged       adds entry=42 to its access-log line
  void Start(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(options, [this](Request request, Responder respond) {
      Handle(std::move(request), std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  void Handle(Request request, Responder respond) {
    if (request.path == "/echo") {
      std::string body = request.method + " " + request.path;
      for (const auto& [name, value] : request.query) body += " " + name + "=" + value;
      body += " [" + request.body + "]";
      if (auto header = request.Header("X-Test")) body += " x-test=" + *header;
      respond(Text(body));
    } else if (request.path == "/slow") {
      const int ms = std::stoi(request.Query("ms").value_or("0"));
      workers_.Run([ms, respond = std::move(respond)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        respond(Text("slow " + std::to_string(ms)));
      });
    } else if (request.path == "/remote") {
      respond(Text(request.remote_address));
    } else if (request.path == "/drop") {
    } else if (request.path == "/twice") {
      respond(Text("first"));
      respond(Text("second"));
    } else if (request.path == "/throw") {
      throw std::runtime_error("handler failure");
    } else if (request.path == "/bad-header") {
      Response response = Text("x");
      response.Set("X-Injected", "a\r\nSet-Cookie: b");
      respond(std::move(response));
    } else if (request.path == "/big") {
      // N MiB answered at once, on the I/O thread; counted in big_calls_.
      ++big_calls_;
      const size_t mib = std::stoul(request.Query("mib").value_or("1"));
      std::string body(mib << 20, 'b');
      body.replace(0, request.Query("tag").value_or("").size(), request.Query("tag").value_or(""));
      respond(Text(std::move(body)));
    } else if (request.path == "/logged") {
      Response response = Text("logged");
      response.log_fields = {{"entry", "42"}};
      respond(std::move(response));
    } else if (request.path == "/hold") {
      {
        std::lock_guard lock(held_mu_);
        held_.push_back(std::move(respond));
      }
      held_cv_.notify_all();
    } else {
      respond(ProblemDetails(404, "Not Found", ""));
    }
  }

  // Waits until `n` requests are held.
  bool WaitHeld(size_t n) {
    std::unique_lock lock(held_mu_);
    return held_cv_.wait_for(lock, 10s, [&] { return held_.size() >= n; });
  }

  std::string Url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + target;
  }

  std::atomic<int> big_calls_{0};
  Workers workers_;  // declared first: joined after the server is gone
  std::mutex held_mu_;
  std::condition_variable held_cv_;
  std::vector<Responder> held_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ClientRoundTrips) {
  Start();
  Result<Response> get = Fetch("GET", Url("/echo?a=1&b=x+y&c=%2F"), {{"X-Test", "yes"}}, "");
  ASSERT_TRUE(get.ok()) << get.error().message;
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /echo a=1 b=x y c=/ [] x-test=yes");
  EXPECT_EQ(get->headers.at("content-type"), "text/plain");
  EXPECT_EQ(get->headers.count("Date"), 1u);

  const std::string payload(100000, 'p');
  Result<Response> post = Fetch("POST", Url("/echo"), {{"Content-Type", "application/cose"}}, payload);
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(post->body, "POST /echo [" + payload + "]");

  Result<Response> missing = Fetch("GET", Url("/missing"), {}, "");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->headers.at("Content-Type"), "application/concise-problem-details+cbor");
  EXPECT_EQ(Title(missing->body), "Not Found");

  Result<Response> remote = Fetch("GET", Url("/remote"), {}, "");
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(remote->body, "127.0.0.1");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client.Send(Get("/echo?i=" + std::to_string(i))));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << i;
    EXPECT_EQ(reply->body, "GET /echo i=" + std::to_string(i) + " []");
    EXPECT_EQ(reply->headers.count("Connection"), 0u);
  }
  const Server::Stats stats = server_->stats();
  EXPECT_EQ(stats.connections_total, 1u);
  EXPECT_EQ(stats.connections_open, 1u);
  EXPECT_EQ(stats.requests_total, 100u);
}

TEST_F(ServerTest, PipelinedResponsesKeepRequestOrder) {
  Start();
  RawClient client(server_->port());
  // Handlers answer from other threads after different delays; the answers
  // keep the order of the requests.
  ASSERT_TRUE(client.Send(Get("/slow?ms=300") + Get("/slow?ms=100") + Get("/echo") + Get("/slow?ms=0")));
  std::optional<RawReply> replies[4];
  for (auto& reply : replies) {
    reply = client.Read();
    ASSERT_TRUE(reply);
  }
  EXPECT_EQ(replies[0]->body, "slow 300");
  EXPECT_EQ(replies[1]->body, "slow 100");
  EXPECT_EQ(replies[2]->body, "GET /echo []");
  EXPECT_EQ(replies[3]->body, "slow 0");
}

TEST_F(ServerTest, PipeliningBeyondTheQueueLimitPausesReading) {
  ServerOptions options;
  options.max_pipelined = 2;
  Start(options);
  RawClient client(server_->port());
  std::string requests;
  for (int i = 0; i < 10; ++i) requests += Get("/slow?ms=" + std::to_string((10 - i) * 10));
  ASSERT_TRUE(client.Send(requests));
  for (int i = 0; i < 10; ++i) {
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << i;
    EXPECT_EQ(reply->body, "slow " + std::to_string((10 - i) * 10));
  }
}

// A client that pipelines large reads and does not read the answers: the
// server stops reading its requests while the unwritten responses exceed
// max_queued_response_bytes (16 × 62 MB per connection once took 4 GB).
TEST_F(ServerTest, QueuedResponseBytesPauseReading) {
  ServerOptions options;
  options.max_queued_response_bytes = 1 << 20;
  Start(options);
  RawClient client(server_->port());
  std::string requests;
  for (int i = 0; i < 16; ++i) requests += Get("/big?mib=8&tag=r" + std::to_string(i) + "-");
  ASSERT_TRUE(client.Send(requests));
  std::this_thread::sleep_for(500ms);
  // The kernel's socket buffers take at most a response or two.
  EXPECT_LE(big_calls_.load(), 4);
  for (int i = 0; i < 16; ++i) {
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << i;
    ASSERT_EQ(reply->body.size(), 8u << 20);
    EXPECT_EQ(reply->body.substr(0, reply->body.find('-')), std::string("r").append(std::to_string(i))) << i;
  }
  EXPECT_EQ(big_calls_.load(), 16);
}

TEST_F(ServerTest, HalfClosedClientStillGetsItsResponses) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/slow?ms=100") + Get("/echo")));
  client.ShutdownWrite();
  std::optional<RawReply> first = client.Read();
  std::optional<RawReply> second = client.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "slow 100");
  EXPECT_EQ(second->body, "GET /echo []");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, ConnectionCloseAndHttp10) {
  Start();
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/echo", "Connection: close\r\n")));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /echo HTTP/1.0\r\n\r\n"));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "GET /echo []");
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->headers.at("Connection"), "keep-alive");
    ASSERT_TRUE(client.Send("GET /echo HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(client.Read());
  }
}

TEST_F(ServerTest, ExpectContinue) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::optional<RawReply> interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "POST /echo [hello]");
}

// The admission check runs on the header, before 100 Continue and before
// any body byte is read (an unauthenticated upload once had to send its
// whole body to learn it was refused).
TEST_F(ServerTest, AdmissionRefusesBeforeTheBody) {
  std::atomic<int> checks{0};
  ServerOptions options;
  options.admit = [&checks](const Request& head) -> std::optional<Response> {
    ++checks;
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.remote_address, "127.0.0.1");
    if (head.path == "/echo" && head.Query("refuse")) return ProblemDetails(429, "Too Many Requests", "x");
    if (head.method == "POST" && head.Header("X-Key") != "ok") {
      return ProblemDetails(401, "Unauthorized", "no key");
    }
    return std::nullopt;
  };
  Start(options);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 401);  // not 100 Continue
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    // Without Expect: answered while the body is still on its way.
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n" +
                            std::string(1000, 'x')));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 401);
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    // A refused request without a body keeps its connection.
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/echo?refuse") + Get("/echo")));
    std::optional<RawReply> refused = client.Read();
    std::optional<RawReply> served = client.Read();
    ASSERT_TRUE(refused && served);
    EXPECT_EQ(refused->status, 429);
    EXPECT_EQ(refused->headers.count("Connection"), 0u);
    EXPECT_EQ(served->body, "GET /echo []");
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: ok\r\nContent-Length: 5\r\n"
                            "Expect: 100-continue\r\n\r\n"));
    std::optional<RawReply> interim = client.Read();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(client.Send("hello"));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "POST /echo [hello]");
  }
  // A target that does not parse is answered 400 without the check.
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/a/../b")));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(checks.load(), 5);
}

// One access line per request, the server's own refusals included; header
// fields (Authorization) and the query are never logged.
TEST_F(ServerTest, AccessLog) {
  logging::Configure(logging::Level::kInfo, logging::Format::kText);
  Start();
  ::testing::internal::CaptureStderr();
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/logged?secret=q", "Authorization: Bearer hunter2\r\n") + Get("/echo%zz")));
    ASSERT_TRUE(client.Read());
    ASSERT_TRUE(client.Read());
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("GARBAGE\r\n\r\n"));
    ASSERT_TRUE(client.Read());
    EXPECT_TRUE(client.WaitClosed());
  }
  logging::Configure(logging::Level::kWarn, logging::Format::kText);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/echo?quiet")));
    ASSERT_TRUE(client.Read());
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  logging::Configure(logging::Level::kInfo, logging::Format::kText);
  EXPECT_NE(log.find("info request method=GET path=/logged status=200 ms="), std::string::npos) << log;
  EXPECT_NE(log.find(" bytes="), std::string::npos) << log;
  EXPECT_NE(log.find(" remote=127.0.0.1 entry=42\n"), std::string::npos) << log;
  EXPECT_NE(log.find("request method=GET path=/echo%zz status=400"), std::string::npos) << log;
  EXPECT_NE(log.find("request method=\"\" path=\"\" status=400"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
  EXPECT_EQ(log.find("quiet"), std::string::npos) << log;  // info lines off
}

TEST_F(ServerTest, HeadThroughTheRouterHasLengthButNoBody) {
  Router router;
  router.Add("GET", "/entries/{id}", [](Request request, Responder respond) {
    respond(Text("entry " + request.params.at("id")));
  });
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  Server server(options, [&router](Request request, Responder respond) {
    router.Dispatch(std::move(request), std::move(respond));
  });
  ASSERT_TRUE(server.Start().ok());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("HEAD /entries/42 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawReply> head = client.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.at("Content-Length"), "8");
  // The next response follows directly: no body bytes were sent for HEAD.
  ASSERT_TRUE(client.Send(Get("/entries/7")));
  std::optional<RawReply> get = client.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "entry 7");
}

TEST_F(ServerTest, ResponderContract) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/drop")));
  std::optional<RawReply> dropped = client.Read();
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(dropped->headers.at("Content-Type"), kProblemDetailsMediaType);

  ASSERT_TRUE(client.Send(Get("/twice") + Get("/echo")));
  std::optional<RawReply> twice = client.Read();
  std::optional<RawReply> next = client.Read();
  ASSERT_TRUE(twice && next);
  EXPECT_EQ(twice->body, "first");
  EXPECT_EQ(next->body, "GET /echo []");

  ASSERT_TRUE(client.Send(Get("/throw")));
  std::optional<RawReply> thrown = client.Read();
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 500);

  ASSERT_TRUE(client.Send(Get("/bad-header")));
  std::optional<RawReply> bad = client.Read();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->headers.count("Set-Cookie"), 0u);
}

TEST_F(ServerTest, ResponderAfterTheClientLeftIsDropped) {
  Start();
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/hold")));
    ASSERT_TRUE(WaitHeld(1));
  }
  // A close looks like a half-close until a write fails, so the connection
  // waits for its response; writing it to the departed client closes it.
  held_[0](Text("too late"));
  EXPECT_TRUE(Eventually([&] { return server_->stats().connections_open == 0; }));

  // After the server is gone too.
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Get("/hold")));
    ASSERT_TRUE(WaitHeld(2));
  }
  server_->Stop(100ms);
  server_.reset();
  held_[1](Text("too late"));
}

TEST_F(ServerTest, BadRequestTargets) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/echo%zz") + Get("/a/%2e%2e/echo") + Get("/echo")));
  for (int i = 0; i < 2; ++i) {
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 400);
    EXPECT_EQ(Title(reply->body), "Malformed request");
  }
  // A bad target is not a framing error: the connection stays usable.
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
}

TEST_F(ServerTest, MalformedRequestsGet400AndClose) {
  Start();
  for (const std::string& request : {std::string("GARBAGE\r\n\r\n"),
                                     std::string("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n"),
                                     std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
                                     // RFC 9112 §6.3: a request body must end with chunked.
                                     std::string("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"),
                                     std::string("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
                                                 "Content-Length: 2\r\n\r\nab")}) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(request));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << request;
    EXPECT_EQ(reply->status, 400) << request;
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_EQ(Title(reply->body), "Malformed request");
    EXPECT_TRUE(client.WaitClosed());
  }
}

// RFC 9112 §3.2 (Host) and §6.1 (Transfer-Encoding in HTTP/1.0).
TEST_F(ServerTest, HostAndHttp10FramingRules) {
  Start();
  for (const std::string& request :
       {std::string("GET /echo HTTP/1.1\r\n\r\n"),
        std::string("GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        std::string("GET /echo HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"),
        std::string("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        std::string("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc")}) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(request));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << request;
    EXPECT_EQ(reply->status, 400) << request;
    EXPECT_EQ(reply->headers.at("Connection"), "close") << request;
    EXPECT_TRUE(client.WaitClosed()) << request;
  }
  // An empty Host is valid (RFC 9112 §3.2), and HTTP/1.0 needs none.
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("GET /echo HTTP/1.1\r\nHost:\r\n\r\nGET /echo HTTP/1.0\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
  }
}

TEST_F(ServerTest, TransferCodingsOtherThanChunkedGet501) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                          "0\r\n\r\n"));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 501);
  EXPECT_TRUE(client.WaitClosed());

  RawClient chunked(server_->port());
  ASSERT_TRUE(chunked.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  reply = chunked.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "POST /echo [abcde]");
}

TEST_F(ServerTest, BodyOverTheLimitGets413WithoutReadingIt) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n" +
                          std::string(4096, 'x')));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->headers.at("Content-Type"), kProblemDetailsMediaType);
  EXPECT_EQ(Title(reply->body), "Content Too Large");
  EXPECT_TRUE(client.WaitClosed());

  // Within the limit is fine.
  Result<Response> ok = Fetch("POST", Url("/echo"), {}, std::string(1024, 'y'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "800\r\n" + std::string(2048, 'x') + "\r\n0\r\n\r\n"));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
}

// Beast buffers an incomplete chunk line or trailer without limit; the
// server bounds both (an endless chunk extension once took 1.2 GB).
TEST_F(ServerTest, ChunkLinesAndTrailersAreBounded) {
  Start();
  const std::string head = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string endless(200000, '0');
  struct {
    std::string body;
    int status;
  } cases[] = {
      {"1;ext=" + std::string(200000, 'a'), 400},               // an extension that never ends
      {endless, 400},                                           // a chunk size of endless zeros
      {"3\r\nabc\r\n" + endless, 400},                          // the same after a chunk
      {"1;e=" + std::string(2000, 'a') + "\r\nx\r\n0\r\n\r\n", 400},  // a long but complete line
      {"0\r\nX-Trailer: " + std::string(200000, 'a'), 431},    // a trailer that never ends
  };
  for (const auto& c : cases) {
    RawClient client(server_->port());
    client.Send(head + c.body);  // may fail once the server has answered
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply) << c.body.substr(0, 40);
    EXPECT_EQ(reply->status, c.status) << c.body.substr(0, 40);
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_EQ(reply->headers.at("Content-Type"), kProblemDetailsMediaType);
    EXPECT_TRUE(client.WaitClosed());
  }

  // Many small trailer fields in one piece, and many small extensions.
  std::string fields;
  for (int i = 0; i < 100; ++i) fields.append("T").append(std::to_string(i)).append(": v\r\n");
  std::string chunks;
  for (int i = 0; i < 100; ++i) chunks.append("1;").append(200, 'e').append("\r\nx\r\n");
  for (const auto& [body, status] : {std::pair{"0\r\n" + fields + "\r\n", 431},
                                     std::pair{chunks + "0\r\n\r\n", 400}}) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(head + body));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, status);
  }

  // Within the bounds: extensions are ignored and trailer fields discarded.
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(head + "3;name=value\r\nabc\r\n0\r\nX-Test: trailer\r\n\r\n" + Get("/echo")));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "POST /echo [abc]");
  EXPECT_TRUE(client.Read());
}

TEST_F(ServerTest, HugeHeaderGets431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/echo", "X-Big: " + std::string(4000, 'a') + "\r\n")));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_EQ(Title(reply->body), "Request Header Fields Too Large");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, SlowHeaderIsCutOff) {
  ServerOptions options;
  options.header_timeout = 1s;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("GET /echo HTTP/1.1\r\n"));
  // Trickle a header byte every 100 ms: the deadline runs from the first byte.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    std::this_thread::sleep_for(100ms);
    closed = !client.Send("X");
  }
  EXPECT_TRUE(closed || client.WaitClosed());
  EXPECT_TRUE(Eventually([&] { return server_->stats().connections_open == 0; }));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout = 1s;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/echo")));
  ASSERT_TRUE(client.Read());
  EXPECT_TRUE(client.WaitClosed());
}

// A deadline that moves later does not reset the timer: the wait set for
// the first request fires, finds the deadline moved and waits again. A
// connection busy for three idle timeouts stays open, then closes once idle.
TEST_F(ServerTest, BusyKeepAliveConnectionOutlivesItsFirstIdleDeadline) {
  ServerOptions options;
  options.idle_timeout = 1s;
  Start(options);
  RawClient client(server_->port());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(client.Send(Get("/echo"))) << "request " << i;
    ASSERT_TRUE(client.Read()) << "request " << i;
    std::this_thread::sleep_for(600ms);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, SlowHandlerIsNotAnIdleConnection) {
  ServerOptions options;
  options.idle_timeout = 1s;
  options.body_timeout = 1s;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/slow?ms=1500")));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "slow 1500");
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions options;
  options.max_connections = 2;
  Start(options);
  auto first = std::make_unique<RawClient>(server_->port());
  RawClient second(server_->port());
  for (RawClient* client : {first.get(), &second}) {
    ASSERT_TRUE(client->Send(Get("/echo")));
    ASSERT_TRUE(client->Read());
  }
  RawClient third(server_->port());
  ASSERT_TRUE(third.connected());  // the kernel completes the handshake
  EXPECT_TRUE(third.WaitClosed());
  EXPECT_EQ(server_->stats().rejected_connections, 1u);

  first.reset();
  ASSERT_TRUE(Eventually([&] { return server_->stats().connections_open == 1; }));
  RawClient fourth(server_->port());
  ASSERT_TRUE(fourth.Send(Get("/echo")));
  EXPECT_TRUE(fourth.Read());
}

TEST_F(ServerTest, OneAddressCannotTakeEveryConnection) {
  ServerOptions options;
  options.max_connections_per_address = 3;
  Start(options);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(server_->port()));
    ASSERT_TRUE(held.back()->Send(Get("/echo")));
    ASSERT_TRUE(held.back()->Read());
  }
  for (int i = 0; i < 5; ++i) {
    RawClient over(server_->port());
    ASSERT_TRUE(over.connected());  // the kernel completes the handshake
    EXPECT_TRUE(over.WaitClosed());
  }
  EXPECT_EQ(server_->stats().rejected_connections_per_address, 5u);
  EXPECT_EQ(server_->stats().rejected_connections, 0u);

  // Another address is still served.
  RawClient other(server_->port(), "127.0.0.2");
  ASSERT_TRUE(other.connected());
  ASSERT_TRUE(other.Send(Get("/remote")));
  std::optional<RawReply> reply = other.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "127.0.0.2");

  // The limited address is served again once one of its connections closes.
  held.pop_back();
  ASSERT_TRUE(Eventually([&] { return server_->stats().connections_open == 3; }));
  RawClient again(server_->port());
  ASSERT_TRUE(again.Send(Get("/echo")));
  EXPECT_TRUE(again.Read());
}

TEST_F(ServerTest, StopFinishesInFlightRequests) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/hold")));
  ASSERT_TRUE(WaitHeld(1));
  // A grace far longer than the test: a late connection made before the
  // listener closes may wait out its read timeout below, and on a loaded
  // machine that once outlasted a 10 s grace and cut the held request.
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(60s); });
  // New connections are no longer served once Stop has begun.
  ASSERT_TRUE(Eventually([&] {
    RawClient late(server_->port());
    return !late.connected() || late.WaitClosed();
  }));
  held_[0](Text("finished"));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "finished");
  EXPECT_TRUE(client.WaitClosed());
  stopped.get();
  server_->Stop();  // idempotent
  EXPECT_EQ(server_->stats().connections_open, 0u);
}

TEST_F(ServerTest, StopGivesUpAfterTheGracePeriod) {
  Start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/hold")));
  ASSERT_TRUE(WaitHeld(1));
  server_->Stop(100ms);
  EXPECT_TRUE(client.WaitClosed());
  held_[0](Text("never sent"));
}

TEST_F(ServerTest, StopWithoutStartAndStartErrors) {
  ServerOptions options;
  Server idle(options, [](Request, Responder respond) { respond(Response{}); });
  idle.Stop();

  Start();
  options.host = "127.0.0.1";
  options.port = server_->port();
  Server clash(options, [](Request, Responder respond) { respond(Response{}); });
  Status status = clash.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kIo);

  options.port = 0;
  options.tls_cert_file = "/nonexistent/cert.pem";
  Server half_tls(options, [](Request, Responder respond) { respond(Response{}); });
  EXPECT_FALSE(half_tls.Start().ok());
}

TEST_F(ServerTest, ClientTimeoutAndRefusedConnection) {
  Start();
  ClientOptions options;
  options.timeout = 1s;
  Result<Response> held = Fetch("GET", Url("/hold"), {}, "", options);
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code, ErrorCode::kIo);

  ASSERT_TRUE(WaitHeld(1));
  held_[0](Text("late"));  // the client is gone; nothing is sent
  const std::string url = Url("/echo");
  server_.reset();
  Result<Response> refused = Fetch("GET", url, {}, "", options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace scitt::http
