// http::Server's streamed bodies over real sockets: request bodies taken by a
// BodySink (memory bounded whatever the size, backpressure, limits, Abort on
// every early end, 100-continue, keep-alive after), response bodies from a
// BodySource (memory bounded, HEAD, release on disconnect, queued-bytes
// accounting), and the server's refusals rendered by render_refusal.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "cbor/decoder.h"
#include "crypto/hash.h"
#include "http/server.h"
#include "raw_client.h"

namespace scitt::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RawReply;

constexpr size_t kMiB = 1 << 20;

// One thread that runs tasks in order, as the application's disk pool would;
// joined on destruction.
class TaskThread {
 public:
  TaskThread() : thread_([this] { Run(); }) {}
  ~TaskThread() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    wake_.notify_all();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

// A body whose bytes depend on their offset with a period (a prime) that no
// piece or chunk size divides: a lost, repeated or reordered byte changes
// the hash.
class Pattern {
 public:
  static constexpr size_t kPeriod = 4000037;  // odd, and over 1 MiB (see the constructor)
  Pattern() : bytes_(kPeriod + kMiB) {
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < kPeriod; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      bytes_[i] = static_cast<uint8_t>(x);
    }
    // One more MiB of the next period, so that any `n` up to 1 MiB from any
    // offset is one view.
    std::copy_n(bytes_.begin(), kMiB, bytes_.begin() + kPeriod);
  }
  // The `n` bytes at `offset`: n is at most 1 MiB, or the offset is 0 and n
  // at most the period plus 1 MiB.
  std::string_view At(uint64_t offset, size_t n) const {
    return {reinterpret_cast<const char*>(bytes_.data()) + offset % kPeriod, n};
  }
  std::string Digest(uint64_t size) const {
    crypto::Sha256Hasher hasher;
    for (uint64_t at = 0; at < size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kMiB, size - at));
      hasher.Update(AsBytes(At(at, n)));
      at += n;
    }
    return HexEncode(hasher.Finish());
  }

 private:
  std::vector<uint8_t> bytes_;
};

const Pattern& Body() {
  static const Pattern* pattern = new Pattern();
  return *pattern;
}

// The process's peak resident set since the last ResetPeak, in bytes; the
// server and the test client share it, so the client never holds a body.
void ResetPeak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // Linux: reset VmHWM to the current RSS
}
uint64_t Status(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

// Polls `condition` for up to 10 s (liveness only, never a timing check).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

std::string Title(const std::string& body) {
  Result<cbor::Value> decoded = cbor::Decode(AsBytes(body));
  if (!decoded.ok() || !decoded->is_map() || decoded->Find(-1) == nullptr) return "";
  return decoded->Find(-1)->text();
}

std::string Hex(uint64_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%llx", static_cast<unsigned long long>(n));
  return buffer;
}

// What the test sinks saw, over the whole test.
struct SinkRecord {
  std::mutex mu;
  std::condition_variable changed;
  int created = 0;
  int aborts = 0;
  int writes = 0;
  uint64_t bytes = 0;
  size_t largest_piece = 0;
  bool overlap = false;  // a Write or Abort while a Write was outstanding
  std::vector<BodySink::Done> held;  // Dones kept by a holding sink
  size_t released = 0;               // of them, called by Release

  template <typename F>
  auto With(F f) {
    std::lock_guard lock(mu);
    return f();
  }
  bool WaitHeld(size_t n) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, 10s, [&] { return held.size() >= n; });
  }
  // Calls the held Dones in order, as they come, until `done` holds (false
  // after 10 s).
  bool ReleaseUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      BodySink::Done next;
      {
        std::unique_lock lock(mu);
        changed.wait_for(lock, 10ms, [&] { return held.size() > released; });
        if (held.size() > released) next = std::move(held[released++]);
      }
      if (next) next(std::nullopt);
    }
    return true;
  }
};

// How a test sink behaves.
struct SinkBehaviour {
  uint64_t max_bytes = UINT64_MAX;
  bool hold = false;            // keep every Done in SinkRecord::held for the test
  bool at_once = false;         // write and call Done within Write, on the I/O thread
  int fail_at_write = 0;        // 1-based, per sink: that Write fails with 507
  int drop_at_write = 0;        // 1-based, per sink: that Write's Done is dropped
  int throw_at_write = 0;       // 1-based, per sink: that Write throws (keeping its Done)
};

// Hashes what it is given on a TaskThread, as a disk-writing sink would.
class HashingSink final : public BodySink {
 public:
  HashingSink(SinkRecord& record, SinkBehaviour behaviour, TaskThread& thread)
      : record_(record), behaviour_(behaviour), thread_(thread) {}

  uint64_t max_bytes() const noexcept override { return behaviour_.max_bytes; }

  void Write(ByteView piece, Done done) override {
    int write;
    {
      std::lock_guard lock(record_.mu);
      if (writing_) record_.overlap = true;
      writing_ = true;
      ++record_.writes;
      write = ++writes_;
      record_.largest_piece = std::max(record_.largest_piece, piece.size());
      if (write == behaviour_.throw_at_write) {
        writing_ = false;
        kept_ = std::move(done);  // a Done kept by a Write that throws must not stall the server
        throw std::runtime_error("injected Write failure");
      }
    }
    if (behaviour_.hold) {
      hasher_.Update(piece);
      bytes_ += piece.size();
      std::lock_guard lock(record_.mu);
      record_.bytes += piece.size();
      // The test calls it; until then the Write is outstanding.
      record_.held.push_back([this, done = std::move(done)](std::optional<Response> failure) {
        Finish();
        done(std::move(failure));
      });
      record_.changed.notify_all();
      return;
    }
    auto work = [this, piece, done = std::move(done), write]() mutable {
      if (write == behaviour_.drop_at_write) {
        Finish();
        return;  // `done` is dropped here
      }
      hasher_.Update(piece);
      bytes_ += piece.size();
      Finish(piece.size());
      if (write == behaviour_.fail_at_write) {
        Response full;
        full.status = 507;
        full.body = "disk full";
        done(std::move(full));
      } else {
        done(std::nullopt);
      }
    };
    if (behaviour_.at_once) {
      work();
    } else {
      thread_.Post(std::move(work));
    }
  }

  void Abort() override {
    std::lock_guard lock(record_.mu);
    if (writing_) record_.overlap = true;
    ++record_.aborts;
    record_.changed.notify_all();
  }

  // The sink's total and hash, for the handler's response.
  std::string Summary() { return std::to_string(bytes_) + " " + HexEncode(hasher_.Finish()); }

 private:
  void Finish(size_t bytes = 0) {
    std::lock_guard lock(record_.mu);
    writing_ = false;
    record_.bytes += bytes;
    record_.changed.notify_all();
  }

  SinkRecord& record_;
  const SinkBehaviour behaviour_;
  TaskThread& thread_;
  bool writing_ = false;  // guarded by record_.mu
  int writes_ = 0;        // this sink's, guarded by record_.mu
  Done kept_;
  crypto::Sha256Hasher hasher_;
  uint64_t bytes_ = 0;
};

// What the test sources saw.
struct SourceRecord {
  std::atomic<int> created{0};
  std::atomic<int> released{0};
  std::atomic<int> reads{0};
  std::atomic<uint64_t> produced{0};  // bytes handed to the server
  std::atomic<int> fail_at_read{0};   // 1-based: that Read fails
  std::atomic<int> throw_at_read{0};  // 1-based: that Read throws
};

// The pattern bytes, produced on a TaskThread as a pread-based source would.
class PatternSource final : public BodySource {
 public:
  // `at_once`: each Read fills and calls Done before it returns.
  PatternSource(SourceRecord& record, uint64_t size, TaskThread& thread, bool at_once = false)
      : record_(record), size_(size), thread_(thread), at_once_(at_once) {
    ++record_.created;
  }
  ~PatternSource() override { ++record_.released; }

  uint64_t size() const override { return size_; }

  void Read(std::span<uint8_t> into, Done done) override {
    const int read = ++record_.reads;
    if (read == record_.throw_at_read) throw std::runtime_error("injected Read failure");
    auto work = [this, into, done = std::move(done), read] {
      if (read == record_.fail_at_read) {
        done(MakeError(ErrorCode::kIo, "injected read error"));
        return;
      }
      size_t filled = 0;
      while (filled < into.size()) {
        const size_t n = std::min(into.size() - filled, kMiB);
        const std::string_view bytes = Body().At(offset_, n);
        std::copy(bytes.begin(), bytes.end(), into.begin() + static_cast<ptrdiff_t>(filled));
        filled += n;
        offset_ += n;
      }
      record_.produced += filled;
      done(filled);
    };
    if (at_once_) {
      work();
    } else {
      thread_.Post(std::move(work));
    }
  }

 private:
  SourceRecord& record_;
  const uint64_t size_;
  TaskThread& thread_;
  const bool at_once_;
  uint64_t offset_ = 0;
};

class ServerStreamTest : public ::testing::Test {
 protected:
  // Routes:
  //   /upload...      (any method) the body goes to a HashingSink; answered
  //                   "<bytes> <sha256>" from the sink
  //   /echo           method, path and the buffered body
  //   /download?bytes=N[&at_once]  N pattern bytes from a PatternSource
  //   /drop           the Responder is dropped uncalled
  void Start(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.stream_body = [this](const Request& head) -> std::shared_ptr<BodySink> {
      if (!head.path.starts_with("/upload")) return nullptr;
      SinkBehaviour behaviour;
      {
        std::lock_guard lock(sinks_.mu);
        ++sinks_.created;
        behaviour = behaviour_;
      }
      return std::make_shared<HashingSink>(sinks_, behaviour, disk_);
    };
    server_ = std::make_unique<Server>(options, [this](Request request, Responder respond) {
      Handle(std::move(request), std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  void Handle(Request request, Responder respond) {
    ++handled_;
    Response response;
    if (request.path.starts_with("/upload")) {
      if (!request.body_stream || !request.body.empty()) {
        response.status = 500;
        response.body = "no body stream";
      } else {
        response.body = static_cast<HashingSink&>(*request.body_stream).Summary();
      }
    } else if (request.path == "/echo") {
      response.body = request.method + " " + request.path + " [" + request.body + "]" +
                      (request.body_stream ? " streamed" : "");
    } else if (request.path == "/download") {
      const uint64_t size = std::stoull(request.Query("bytes").value_or("0"));
      response.body_source = std::make_shared<PatternSource>(sources_, size, disk_, request.Query("at_once").has_value());
      response.Set("Content-Type", "application/octet-stream");
    } else if (request.path.ends_with("/drop")) {
      return;
    } else {
      response.status = 404;
    }
    respond(std::move(response));
  }

  void SetSinkBehaviour(SinkBehaviour behaviour) {
    std::lock_guard lock(sinks_.mu);
    behaviour_ = behaviour;
  }

  // Sends `size` pattern bytes as a Content-Length body, or as chunks of
  // varying sizes; false when the server stopped taking them.
  static bool SendBody(RawClient& client, uint64_t size, bool chunked) {
    constexpr size_t kSlice = 200000;
    for (uint64_t at = 0; at < size;) {
      // Chunked: sizes vary so that chunks straddle pieces.
      const size_t n = static_cast<size_t>(std::min<uint64_t>(chunked ? kSlice - (at / kSlice % 7) * 9999 : kSlice,
                                                               size - at));
      const std::string_view bytes = Body().At(at, n);
      if (chunked) {
        if (!client.Send(Hex(n) + "\r\n") || !client.Send(bytes) || !client.Send("\r\n")) return false;
      } else if (!client.Send(bytes)) {
        return false;
      }
      at += n;
    }
    return !chunked || client.Send("0\r\n\r\n");
  }

  static std::string UploadHead(uint64_t size, bool chunked, const std::string& extra = "") {
    return "PUT /upload HTTP/1.1\r\nHost: t\r\n" + extra +
           (chunked ? std::string("Transfer-Encoding: chunked\r\n") : "Content-Length: " + std::to_string(size) + "\r\n") +
           "\r\n";
  }

  std::atomic<int> handled_{0};
  SinkRecord sinks_;
  SourceRecord sources_;
  SinkBehaviour behaviour_;  // guarded by sinks_.mu
  TaskThread disk_;          // declared before the server: outlives it
  std::unique_ptr<Server> server_;
};

// A body far larger than the piece goes through a sink that hashes it: the
// process (server and client) grows by far less than the body, and every
// byte arrives once, in order, whether framed by Content-Length or chunked.
TEST_F(ServerStreamTest, LargeUploadStaysInBoundedMemory) {
  ServerOptions options;
  options.stream_piece_bytes = 256 * 1024;
  Start(options);
  const Pattern& pattern = Body();
  constexpr uint64_t kSize = 300 * kMiB + 12345;
  const std::string expected = std::to_string(kSize) + " " + pattern.Digest(kSize);
  for (const bool chunked : {false, true}) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(kSize, chunked)));
    ResetPeak();
    const uint64_t before = Status("VmHWM");
    ASSERT_TRUE(SendBody(client, kSize, chunked));
    std::optional<RawReply> reply = client.Read();
    const uint64_t growth = Status("VmHWM") - before;
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200) << reply->body;
    EXPECT_EQ(reply->body, expected) << "chunked=" << chunked;
    std::printf("[ measured ] %s upload of %llu MiB: peak RSS grew by %.1f MiB\n", chunked ? "chunked" : "Content-Length",
                static_cast<unsigned long long>(kSize / kMiB), static_cast<double>(growth) / kMiB);
    EXPECT_LT(growth, 32 * kMiB) << "chunked=" << chunked;
  }
  EXPECT_LE(sinks_.With([&] { return sinks_.largest_piece; }), options.stream_piece_bytes);
  EXPECT_EQ(sinks_.With([&] { return sinks_.aborts; }), 0);
  EXPECT_FALSE(sinks_.With([&] { return sinks_.overlap; }));
}

// While the sink has not called Done, the server reads nothing more: the
// client's sends stall once the kernel's socket buffers are full, far short
// of the body, and the process does not grow by what the client sent.
TEST_F(ServerStreamTest, SinkBackpressureStopsReading) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  Start(options);
  SinkBehaviour behaviour;
  behaviour.hold = true;
  SetSinkBehaviour(behaviour);
  constexpr uint64_t kSize = 256 * kMiB;
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(kSize, false)));
  ResetPeak();
  const uint64_t before = Status("VmHWM");
  uint64_t sent = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (sent < kSize && std::chrono::steady_clock::now() - last_progress < 500ms) {
    const size_t n = client.SendAvailable(Body().At(sent, static_cast<size_t>(std::min<uint64_t>(kMiB, kSize - sent))));
    if (n == 0) {
      std::this_thread::sleep_for(5ms);
      continue;
    }
    sent += n;
    last_progress = std::chrono::steady_clock::now();
  }
  const uint64_t growth = Status("VmHWM") - before;
  std::printf("[ measured ] with the sink holding its first piece the client got %.1f MiB of 256 MiB into the "
              "kernel; peak RSS grew by %.1f MiB\n",
              static_cast<double>(sent) / kMiB, static_cast<double>(growth) / kMiB);
  // Loopback buffers (tcp_rmem up to 32 MiB here, tcp_wmem 4 MiB) take some.
  EXPECT_LT(sent, 64 * kMiB);
  EXPECT_LT(growth, 16 * kMiB);
  ASSERT_TRUE(sinks_.WaitHeld(1));
  EXPECT_EQ(sinks_.With([&] { return sinks_.writes; }), 1);

  // Releasing each piece lets the rest through.
  std::thread releaser([&] {
    sinks_.ReleaseUntil(
        [&] { return sinks_.With([&] { return sinks_.bytes == kSize && sinks_.released == sinks_.held.size(); }); });
  });
  bool rest_sent = true;
  while (rest_sent && sent < kSize) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kMiB, kSize - sent));
    rest_sent = client.Send(Body().At(sent, n));
    sent += n;
  }
  std::optional<RawReply> reply = client.Read();
  releaser.join();
  ASSERT_TRUE(rest_sent);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, std::to_string(kSize) + " " + Body().Digest(kSize));
  EXPECT_FALSE(sinks_.With([&] { return sinks_.overlap; }));
}

// A Content-Length over the sink's max_bytes is refused before any body
// byte is read (no 100 Continue); a chunked body as soon as it grows past
// it. Either way the sink is aborted once and the handler never called.
TEST_F(ServerStreamTest, SinkMaxBytesGets413) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  options.max_body_bytes = 1024;  // does not apply to streamed bodies
  Start(options);
  SinkBehaviour behaviour;
  behaviour.max_bytes = kMiB;
  SetSinkBehaviour(behaviour);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(kMiB + 1, false, "Expect: 100-continue\r\n")));
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 413);  // not 100
    EXPECT_EQ(Title(reply->body), "Content Too Large");
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_EQ(sinks_.With([&] { return sinks_.writes; }), 0);
    EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 1; }));
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(0, true)));
    SendBody(client, 2 * kMiB, true);  // may fail once the server has answered
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 413);
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 2; }));
    // Mid-body: the first pieces were written before the limit was crossed.
    const uint64_t bytes = sinks_.With([&] { return sinks_.bytes; });
    EXPECT_GT(bytes, 0u);
    EXPECT_LE(bytes, kMiB);
  }
  // Exactly at the limit is fine, and a buffered body keeps max_body_bytes.
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(kMiB, false)));
  ASSERT_TRUE(SendBody(client, kMiB, false));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n"));
  reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(handled_.load(), 1);
  EXPECT_EQ(sinks_.With([&] { return sinks_.aborts; }), 2);
  EXPECT_FALSE(sinks_.With([&] { return sinks_.overlap; }));
}

// A client that goes away mid-body, one that stops sending for body_timeout,
// and one whose chunked framing breaks mid-body: each aborts the sink
// exactly once, after any Write in progress, and the handler is not called.
TEST_F(ServerStreamTest, EarlyEndsAbortTheSinkOnce) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  options.body_timeout = 1s;
  Start(options);
  {
    // Gone while no Write is outstanding.
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(10 * kMiB, false)));
    ASSERT_TRUE(SendBody(client, kMiB, false));
    EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.bytes; }) >= 512 * 1024; }));
  }
  EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 1; }));

  // Gone while the sink holds a piece: Abort waits for its Done.
  SinkBehaviour behaviour;
  behaviour.hold = true;
  SetSinkBehaviour(behaviour);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(10 * kMiB, false)));
    ASSERT_TRUE(SendBody(client, kMiB, false));
    ASSERT_TRUE(sinks_.WaitHeld(1));
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sinks_.With([&] { return sinks_.aborts; }), 1);
  // Released, the server reads on: the pieces already received are written
  // first, then it finds the client gone.
  EXPECT_TRUE(sinks_.ReleaseUntil([&] { return sinks_.With([&] { return sinks_.aborts; }) == 2; }));
  SetSinkBehaviour(SinkBehaviour{});

  {
    // Silent for longer than body_timeout.
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(10 * kMiB, false)));
    ASSERT_TRUE(SendBody(client, 100000, false));
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 3; }));
  }
  // A malformed chunk after a good one.
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(0, true) + "10000\r\n" + std::string(0x10000, 'x') + "\r\nzz\r\nbad\r\n"));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(Title(reply->body), "Malformed request");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 4; }));
  EXPECT_EQ(sinks_.With([&] { return sinks_.created; }), 4);
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_FALSE(sinks_.With([&] { return sinks_.overlap; }));
}

// body_timeout is an idle timeout for a streamed body: an upload that takes
// several times as long but keeps sending is not cut off.
TEST_F(ServerStreamTest, SlowSteadyUploadOutlivesTheBodyTimeout) {
  ServerOptions options;
  options.body_timeout = 1s;
  Start(options);
  RawClient client(server_->port());
  constexpr uint64_t kSize = 30 * 1000;
  ASSERT_TRUE(client.Send(UploadHead(kSize, false)));
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t at = 0; at < kSize; at += 1000) {
    ASSERT_TRUE(client.Send(Body().At(at, 1000)));
    std::this_thread::sleep_for(100ms);
  }
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_GT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(reply->body, std::to_string(kSize) + " " + Body().Digest(kSize));
}

// A Write whose Done reports a failure ends the request with the sink's
// response; one whose Done is dropped with 500. Both close the connection
// and abort the sink; the handler is not called.
TEST_F(ServerStreamTest, FailedWriteEndsTheRequest) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  Start(options);
  SinkBehaviour behaviour;
  behaviour.fail_at_write = 2;
  SetSinkBehaviour(behaviour);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(kMiB, false)));
    SendBody(client, kMiB, false);
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 507);
    EXPECT_EQ(reply->body, "disk full");
    EXPECT_EQ(reply->headers.at("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 1; }));
    EXPECT_EQ(sinks_.With([&] { return sinks_.writes; }), 2);
  }
  behaviour.fail_at_write = 0;
  behaviour.drop_at_write = 1;
  SetSinkBehaviour(behaviour);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(kMiB, false)));
  SendBody(client, kMiB, false);
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->headers.at("Content-Type"), kProblemDetailsMediaType);
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 2; }));

  behaviour.drop_at_write = 0;
  behaviour.throw_at_write = 3;
  SetSinkBehaviour(behaviour);
  RawClient thrown(server_->port());
  ASSERT_TRUE(thrown.Send(UploadHead(kMiB, false)));
  SendBody(thrown, kMiB, false);
  reply = thrown.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_TRUE(thrown.WaitClosed());
  EXPECT_TRUE(Eventually([&] { return sinks_.With([&] { return sinks_.aborts; }) == 3; }));
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_FALSE(sinks_.With([&] { return sinks_.overlap; }));
}

// 100 Continue goes out after admission and the stream decision; the body
// then streams as usual. A sink chosen for an empty body gets no Write.
TEST_F(ServerStreamTest, ExpectContinueAndEmptyBodies) {
  ServerOptions options;
  options.admit = [](const Request& head) -> std::optional<Response> {
    if (head.Header("X-Key") == "ok") return std::nullopt;
    Response refused;
    refused.status = 401;
    return refused;
  };
  Start(options);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(UploadHead(500000, false, "Expect: 100-continue\r\n")));
    std::optional<RawReply> refused = client.Read();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_EQ(sinks_.With([&] { return sinks_.created; }), 0);  // no sink for a refused request
  }
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(500000, false, "X-Key: ok\r\nExpect: 100-continue\r\n")));
  std::optional<RawReply> interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  EXPECT_EQ(sinks_.With([&] { return sinks_.created; }), 1);
  ASSERT_TRUE(SendBody(client, 500000, false));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "500000 " + Body().Digest(500000));

  ASSERT_TRUE(client.Send(UploadHead(0, false, "X-Key: ok\r\n") + UploadHead(0, true, "X-Key: ok\r\n") + "0\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "0 " + Body().Digest(0));
  }
  EXPECT_EQ(sinks_.With([&] { return sinks_.writes; }), 500000 / (256 * 1024) + 1);
}

// Requests pipelined after streamed bodies, and after streamed responses,
// are served in order on the same connection.
TEST_F(ServerStreamTest, KeepAliveAfterStreamedBodies) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  Start(options);
  RawClient client(server_->port());
  constexpr uint64_t kSize = kMiB + 3;
  std::string requests = UploadHead(kSize, false);
  requests += Body().At(0, kSize);
  requests += "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n";
  requests += UploadHead(0, true) + Hex(kSize) + "\r\n";
  requests += Body().At(0, kSize);
  requests += "\r\n0\r\n\r\n";
  requests += "GET /download?bytes=" + std::to_string(kSize) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  requests += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  requests += "GET /download?bytes=100 HTTP/1.1\r\nHost: t\r\n\r\n";
  requests += "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(client.Send(requests));
  const std::string uploaded = std::to_string(kSize) + " " + Body().Digest(kSize);
  const std::string expected[] = {uploaded,
                                  "GET /echo []",
                                  uploaded,
                                  std::string(Body().At(0, kSize)),
                                  "POST /echo [hello]",
                                  std::string(Body().At(0, 100)),
                                  "GET /echo []"};
  for (const std::string& body : expected) {
    std::optional<RawReply> reply = client.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(reply->body == body) << reply->body.substr(0, 40);
  }
  EXPECT_EQ(server_->stats().connections_total, 1u);
}

// A response body of hundreds of MiB read slowly by the client: the source
// is asked for a piece only when the last one is written, so it runs at
// most a piece (plus the kernel's buffers) ahead of the client, the process
// stays small, and the bytes arrive exactly.
TEST_F(ServerStreamTest, LargeDownloadStaysInBoundedMemory) {
  ServerOptions options;
  options.stream_piece_bytes = 256 * 1024;
  Start(options);
  constexpr uint64_t kSize = 300 * kMiB + 777;
  RawClient client(server_->port());
  ResetPeak();
  const uint64_t before = Status("VmHWM");
  ASSERT_TRUE(client.Send("GET /download?bytes=" + std::to_string(kSize) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawReply> head = client.ReadHeader();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.at("Content-Length"), std::to_string(kSize));
  EXPECT_EQ(head->headers.at("Content-Type"), "application/octet-stream");
  crypto::Sha256Hasher hasher;
  uint64_t received = 0;
  uint64_t largest_lead = 0;  // how far the source ran ahead of the client
  std::vector<char> buffer(kMiB);
  // Slowly for the first 2 s: 16 KiB every 10 ms.
  const auto slow_until = std::chrono::steady_clock::now() + 2s;
  while (received < kSize) {
    const bool slow = std::chrono::steady_clock::now() < slow_until;
    const size_t n = client.ReadSome(
        std::span(buffer).first(static_cast<size_t>(std::min<uint64_t>(slow ? 16 * 1024 : kMiB, kSize - received))));
    ASSERT_GT(n, 0u) << "at " << received;
    hasher.Update(AsBytes(std::string_view(buffer.data(), n)));
    received += n;
    if (slow) {
      largest_lead = std::max(largest_lead, sources_.produced.load() - received);
      std::this_thread::sleep_for(10ms);
    }
  }
  const uint64_t growth = Status("VmHWM") - before;
  std::printf("[ measured ] download of %llu MiB: peak RSS grew by %.1f MiB; while the client read slowly the "
              "source ran at most %.1f MiB ahead of it\n",
              static_cast<unsigned long long>(kSize / kMiB), static_cast<double>(growth) / kMiB,
              static_cast<double>(largest_lead) / kMiB);
  EXPECT_EQ(HexEncode(hasher.Finish()), Body().Digest(kSize));
  EXPECT_LT(growth, 32 * kMiB);
  EXPECT_LT(largest_lead, 48 * kMiB);  // one piece plus the loopback buffers
  EXPECT_TRUE(Eventually([&] { return sources_.released.load() == 1; }));
  // The connection goes on.
  ASSERT_TRUE(client.Send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawReply> next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET /echo []");
}

// HEAD and an empty source send no body and release the source unread;
// a client that leaves mid-body releases it too, and so does a source that
// fails (the connection closes: the client sees a short body).
TEST_F(ServerStreamTest, SourcesAreReleased) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  Start(options);
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("HEAD /download?bytes=5000000 HTTP/1.1\r\nHost: t\r\n\r\n"
                            "GET /download?bytes=0 HTTP/1.1\r\nHost: t\r\n\r\n"
                            "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::optional<RawReply> head = client.Read(/*head=*/true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->headers.at("Content-Length"), "5000000");
    std::optional<RawReply> empty = client.Read();
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->headers.at("Content-Length"), "0");
    std::optional<RawReply> next = client.Read();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body, "GET /echo []");  // no body bytes came before it
    EXPECT_EQ(sources_.reads.load(), 0);
    EXPECT_EQ(sources_.released.load(), 2);
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /download?bytes=1000000000 HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(client.ReadHeader());
    std::vector<char> buffer(64 * 1024);
    for (uint64_t received = 0; received < kMiB;) {
      const size_t n = client.ReadSome(buffer);
      ASSERT_GT(n, 0u);
      received += n;
    }
  }
  EXPECT_TRUE(Eventually([&] { return sources_.released.load() == 3; }));
  EXPECT_TRUE(Eventually([&] { return server_->stats().connections_open == 0; }));
  EXPECT_LT(sources_.produced.load(), 100 * kMiB);

  // A Read that fails, then one that throws.
  for (std::atomic<int>* fault : {&sources_.fail_at_read, &sources_.throw_at_read}) {
    *fault = sources_.reads.load() + 3;
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /download?bytes=" + std::to_string(kMiB) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::optional<RawReply> reply = client.ReadHeader();
    ASSERT_TRUE(reply);
    uint64_t received = 0;
    std::vector<char> buffer(64 * 1024);
    for (size_t n; (n = client.ReadSome(buffer)) > 0;) received += n;
    EXPECT_EQ(received, 2u * 64 * 1024);  // two pieces, then the close
  }
  EXPECT_TRUE(Eventually([&] { return sources_.released.load() == 5; }));
}

// A sink and a source may complete within Write or Read, on the I/O thread
// (data already in memory), also when the handler answers at once.
TEST_F(ServerStreamTest, CompletionsWithinTheCall) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  Start(options);
  SinkBehaviour behaviour;
  behaviour.at_once = true;
  SetSinkBehaviour(behaviour);
  constexpr uint64_t kSize = 3 * kMiB + 5;
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(UploadHead(kSize, true)));
  ASSERT_TRUE(SendBody(client, kSize, true));
  std::optional<RawReply> reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, std::to_string(kSize) + " " + Body().Digest(kSize));
  ASSERT_TRUE(client.Send("GET /download?at_once&bytes=" + std::to_string(kSize) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  reply = client.Read();
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->body.size(), kSize);
  crypto::Sha256Hasher hasher;
  hasher.Update(AsBytes(reply->body));
  EXPECT_EQ(HexEncode(hasher.Finish()), Body().Digest(kSize));
}

// max_queued_response_bytes counts what a streamed response holds (its
// head and one piece), not its length: a 64 MiB download does not stop the
// connection from reading the next request under a 1 MiB bound.
TEST_F(ServerStreamTest, QueuedBytesCountOnlyWhatIsBuffered) {
  ServerOptions options;
  options.stream_piece_bytes = 64 * 1024;
  options.max_queued_response_bytes = kMiB;
  Start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("GET /download?bytes=" + std::to_string(64 * kMiB) +
                          " HTTP/1.1\r\nHost: t\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  // The client reads nothing, yet the second request is handled.
  EXPECT_TRUE(Eventually([&] { return handled_.load() == 2; }));
  EXPECT_LT(sources_.produced.load(), 64 * kMiB);
  std::optional<RawReply> head = client.ReadHeader();
  ASSERT_TRUE(head);
  std::vector<char> buffer(kMiB);
  for (uint64_t received = 0; received < 64 * kMiB;) {
    const size_t n =
        client.ReadSome(std::span(buffer).first(static_cast<size_t>(std::min<uint64_t>(kMiB, 64 * kMiB - received))));
    ASSERT_GT(n, 0u);
    received += n;
  }
  std::optional<RawReply> next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET /echo []");
}

// The server's own refusals go through render_refusal, which answers JSON
// for /v2/ paths here (as an OCI registry would) and leaves the rest to
// problem details; `head` is null when the header did not parse.
class ServerRefusalTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 1000;
    options.max_header_bytes = 2000;
    options.render_refusal = [this](const Request* head, int status, std::string_view title,
                                    std::string_view detail) {
      {
        std::lock_guard lock(mu_);
        calls_.push_back(head ? head->method + " " + head->path + " " + std::to_string(head->headers.size())
                              : std::string("null"));
      }
      if (head && head->path == "/v2/throw") throw std::runtime_error("renderer failure");
      if (head == nullptr || !head->path.starts_with("/v2/")) return ProblemDetails(status, title, detail);
      Response response;
      response.status = status;
      response.Set("Content-Type", "application/json");
      response.body = R"({"errors":[{"code":")" + std::to_string(status) + R"(","message":")" + std::string(title) +
                      R"("}]})";
      return response;
    };
    server_ = std::make_unique<Server>(options, [](Request request, Responder respond) {
      if (request.path.ends_with("/drop")) return;
      Response response;
      response.body = "ok";
      respond(std::move(response));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  RawReply Exchange(const std::string& request) {
    RawClient client(server_->port());
    client.Send(request);  // may fail once the server has answered
    std::optional<RawReply> reply = client.Read();
    return reply ? *reply : RawReply{};
  }

  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  std::mutex mu_;
  std::vector<std::string> calls_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerRefusalTest, RendersByPath) {
  Start(ServerOptions{});
  const std::string big = "Content-Length: 5000\r\n\r\n" + std::string(5000, 'x');
  RawReply oci413 = Exchange("PUT /v2/a/blobs/uploads/1 HTTP/1.1\r\nHost: t\r\n" + big);
  EXPECT_EQ(oci413.status, 413);
  EXPECT_EQ(oci413.headers["Content-Type"], "application/json");
  EXPECT_EQ(oci413.body, R"({"errors":[{"code":"413","message":"Content Too Large"}]})");

  RawReply cbor413 = Exchange("PUT /entries HTTP/1.1\r\nHost: t\r\n" + big);
  EXPECT_EQ(cbor413.status, 413);
  EXPECT_EQ(cbor413.headers["Content-Type"], kProblemDetailsMediaType);
  EXPECT_EQ(Title(cbor413.body), "Content Too Large");

  const std::string bad_chunk = "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n";
  RawReply oci400 = Exchange("PATCH /v2/a/blobs/uploads/1 HTTP/1.1\r\nHost: t\r\n" + bad_chunk);
  EXPECT_EQ(oci400.status, 400);
  EXPECT_EQ(oci400.body, R"({"errors":[{"code":"400","message":"Malformed request"}]})");
  RawReply cbor400 = Exchange("PATCH /entries HTTP/1.1\r\nHost: t\r\n" + bad_chunk);
  EXPECT_EQ(cbor400.status, 400);
  EXPECT_EQ(Title(cbor400.body), "Malformed request");

  // No header to go by: problem details, with a null head.
  RawReply garbage = Exchange("GARBAGE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Title(garbage.body), "Malformed request");
  RawReply huge = Exchange("GET /v2/ HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge.status, 431);
  EXPECT_EQ(Title(huge.body), "Request Header Fields Too Large");

  // A dropped Responder: a 500 by the hook, whose head has no fields then.
  RawReply dropped = Exchange("GET /v2/a/drop HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(dropped.status, 500);
  EXPECT_EQ(dropped.body, R"({"errors":[{"code":"500","message":"Internal Server Error"}]})");

  // A renderer that throws gets problem details instead.
  RawReply thrown = Exchange("PUT /v2/throw HTTP/1.1\r\nHost: t\r\n" + big);
  EXPECT_EQ(thrown.status, 413);
  EXPECT_EQ(Title(thrown.body), "Content Too Large");

  EXPECT_EQ(Calls(), (std::vector<std::string>{"PUT /v2/a/blobs/uploads/1 2", "PUT /entries 2",
                                               "PATCH /v2/a/blobs/uploads/1 2", "PATCH /entries 2", "null", "null",
                                               "GET /v2/a/drop 0", "PUT /v2/throw 2"}));
}

}  // namespace
}  // namespace scitt::http
