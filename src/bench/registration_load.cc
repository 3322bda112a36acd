#include "bench/registration_load.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <queue>
#include <random>
#include <thread>

#include "cbor/value.h"
#include "cose/cose_key.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/hash.h"

namespace scitt::bench {

using Clock = std::chrono::steady_clock;

Result<std::vector<Bytes>> PresignStatements(const crypto::PrivateKey& key, const SignerIdentity& identity,
                                             size_t count, size_t size, int threads) {
  cbor::Array chain;
  for (const Bytes& der : identity.x5chain) chain.push_back(cbor::Value::ByteString(der));
  std::vector<Bytes> out(count);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto kid = key.public_key().Thumbprint();
  // Every run's statements differ from the last run's: the log registers a
  // signed content once, so a second run against the same service (as
  // bench/scale.sh does, chunk after chunk) would otherwise only repeat it.
  const uint64_t run = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < count && !failed; i = next++) {
        cbor::Map claims = {
            cbor::Entry(cose::claim::kIss, cbor::Value::Text(identity.issuer)),
            cbor::Entry(cose::claim::kSub, cbor::Value::Text("pkg:bench/item@" + std::to_string(i))),
        };
        cbor::Map headers = {
            cbor::Entry(cose::header::kAlg, cbor::Value::Int(crypto::CoseId(key.default_algorithm()))),
            cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/octet-stream")),
        };
        switch (identity.mode) {
          case SignerIdentity::Mode::kSelfAsserted:
            claims.push_back(cbor::Entry(cose::claim::kCnf, cbor::Value::FromMap({cbor::Entry(
                                                                 cose::claim::kCnfCoseKey, cose::ToCoseKey(key.public_key()))})));
            break;
          case SignerIdentity::Mode::kX5chain:
            headers.push_back(cbor::Entry(cose::header::kX5Chain, cbor::Value::FromArray(chain)));
            break;
          case SignerIdentity::Mode::kKid:
            headers.push_back(cbor::Entry(cose::header::kKid, cbor::Value::ByteString(ByteView(kid))));
            break;
        }
        headers.push_back(cbor::Entry(cose::header::kCwtClaims, cbor::Value::FromMap(std::move(claims))));
        cose::Sign1Content content;
        content.protected_map = cbor::Value::FromMap(std::move(headers));
        Bytes payload(size, 0);
        for (size_t j = 0; j < size; ++j) payload[j] = static_cast<uint8_t>((i * 131 + j * 7) & 0xff);
        std::memcpy(payload.data(), &run, std::min(size, sizeof(run)));
        content.payload = payload;
        auto signed_statement = cose::SignSign1(content, key);
        if (!signed_statement.ok()) { failed = true; return; }
        out[i] = std::move(signed_statement).value();
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) return MakeError(ErrorCode::kInternal, "signing the benchmark statements failed");
  return out;
}

std::vector<Registration> PostRegistrations(const std::string& host, std::vector<Bytes> statements) {
  std::vector<Registration> out;
  out.reserve(statements.size());
  for (Bytes& statement : statements) {
    std::string head = "POST /entries HTTP/1.1\r\nHost: " + host +
                       "\r\nContent-Type: application/cose\r\nAccept: application/scitt-receipt+cose\r\n"
                       "Content-Length: " + std::to_string(statement.size()) + "\r\n\r\n";
    out.push_back({Request{std::move(head), std::move(statement)}});
  }
  return out;
}

std::vector<Registration> PushRegistrations(const std::string& host, const std::string& repository,
                                            const std::string& subject, std::vector<Bytes> statements) {
  constexpr std::string_view kStatement = "application/scitt-statement+cose";
  auto digest = [](ByteView bytes) { return "sha256:" + HexEncode(crypto::Sha256(bytes)); };
  const std::string empty = digest(AsBytes("{}"));
  std::vector<Registration> out;
  out.reserve(statements.size());
  for (Bytes& statement : statements) {
    const std::string layer = digest(statement);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":")" +
        std::string(kStatement) + R"(","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
        empty + R"(","size":2},"layers":[{"mediaType":")" + std::string(kStatement) + R"(","digest":")" + layer +
        R"(","size":)" + std::to_string(statement.size()) + R"(}],"subject":)" + subject + "}";
    Registration registration;
    registration.push_back({"POST /v2/" + repository + "/blobs/uploads/?digest=" + layer + " HTTP/1.1\r\nHost: " +
                                host + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                                std::to_string(statement.size()) + "\r\n\r\n",
                            std::move(statement)});
    registration.push_back({"PUT /v2/" + repository + "/manifests/" + digest(AsBytes(manifest)) +
                                " HTTP/1.1\r\nHost: " + host +
                                "\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: " +
                                std::to_string(manifest.size()) + "\r\n\r\n",
                            ToBytes(manifest)});
    out.push_back(std::move(registration));
  }
  return out;
}

namespace {

// One keep-alive HTTP/1.1 connection of the load: a request goes out, its
// response comes back, then the next request (closed loop, or paced).
struct LoadConnection {
  int fd = -1;
  const Request* request = nullptr;  // the request being written
  size_t written = 0;           // bytes of head + body written so far
  std::string input;            // bytes read, not yet consumed
  size_t statement = 0;         // index of the registration in flight
  size_t step = 0;              // its request in flight
  Clock::time_point sent;
  bool in_flight = false;
  bool want_write = false;      // EPOLLOUT armed
  Clock::time_point next_due;   // paced: when the next request is due
};

Status OpenConnection(const addrinfo& address, LoadConnection& conn) {
  conn.fd = ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC, address.ai_protocol);
  if (conn.fd < 0 || ::connect(conn.fd, address.ai_addr, address.ai_addrlen) != 0) {
    return MakeError(ErrorCode::kIo, std::string("cannot connect: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(conn.fd, F_SETFL, ::fcntl(conn.fd, F_GETFL) | O_NONBLOCK);
  return Status::Ok();
}

// One event-loop thread driving its share of the connections: epoll instead
// of a thread per connection, because the load generator shares the cores
// with the service and a context switch per request was a tenth of them.
class LoadLoop {
 public:
  LoadLoop(const LoadOptions& opts, const std::vector<Registration>& registrations, std::atomic<size_t>& next,
           Clock::time_point start, Clock::time_point deadline)
      : opts_(opts), statements_(registrations), next_(next), start_(start),
        deadline_(deadline), rng_(static_cast<uint32_t>(std::hash<std::thread::id>()(std::this_thread::get_id()))) {}
  ~LoadLoop() {
    for (auto& conn : conns_) if (conn.fd >= 0) ::close(conn.fd);
    if (epoll_ >= 0) ::close(epoll_);
  }

  // Opens `count` connections, drives them until the deadline and their last
  // responses, and adds what happened to `result` (under `mu`).
  void Run(const addrinfo& address, int count, int first_index, RunResult& result, std::mutex& mu) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    conns_.resize(static_cast<size_t>(count));
    const double interval = opts_.rate > 0 ? opts_.connections / opts_.rate : 0;
    for (size_t c = 0; c < conns_.size(); ++c) {
      if (!OpenConnection(address, conns_[c]).ok()) {
        ++io_errors_;
        Drop(conns_[c]);
        continue;
      }
      epoll_event event{EPOLLIN, {.u64 = c}};
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, conns_[c].fd, &event);
      // Paced: connection k of n first sends at start + interval * k / n.
      const auto first = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                      interval * (first_index + static_cast<int>(c)) / opts_.connections));
      timers_.push({first, c});
    }
    std::vector<epoll_event> events(256);
    for (;;) {
      const auto now = Clock::now();
      while (!timers_.empty() && timers_.top().first <= now) {
        const size_t c = timers_.top().second;
        const auto due = timers_.top().first;
        timers_.pop();
        if (conns_[c].fd >= 0 && Send(c) && interval > 0) {
          conns_[c].next_due = due + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
        }
      }
      // Done when nothing is in flight and nothing more will be sent.
      if (InFlight() == 0 && (now >= deadline_ || ran_out_ || Open() == 0)) break;
      if (now >= deadline_ + std::chrono::seconds(30)) {  // responses that never came
        io_errors_ += InFlight();
        break;
      }
      int timeout_ms = 100;
      if (!timers_.empty()) {
        // Rounded up: a zero timeout before a sub-millisecond deadline would spin.
        const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(timers_.top().first - now).count();
        timeout_ms = static_cast<int>(std::max<int64_t>(0, (wait + 999) / 1000));
      }
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      for (int e = 0; e < n; ++e) {
        const size_t c = events[e].data.u64;
        if (conns_[c].fd < 0) continue;
        if (events[e].events & EPOLLOUT) Flush(conns_[c]);
        if (conns_[c].fd >= 0 && (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) Receive(c, interval);
      }
    }
    std::lock_guard lock(mu);
    result.latencies.insert(result.latencies.end(), latencies_.begin(), latencies_.end());
    for (auto [status, n] : statuses_) result.statuses[status] += n;
    result.samples.insert(result.samples.end(), samples_.begin(), samples_.end());
    result.io_errors += io_errors_;
    result.ran_out = result.ran_out || ran_out_;
  }

 private:
  size_t Open() const {
    return static_cast<size_t>(std::count_if(conns_.begin(), conns_.end(),
                                             [](const LoadConnection& c) { return c.fd >= 0; }));
  }

  size_t InFlight() const {
    return static_cast<size_t>(std::count_if(conns_.begin(), conns_.end(),
                                             [](const LoadConnection& c) { return c.fd >= 0 && c.in_flight; }));
  }

  void Drop(LoadConnection& conn) {
    if (conn.fd >= 0) ::close(conn.fd);
    conn.fd = -1;
    conn.in_flight = false;
  }

  // Starts the next request on connection c; false when none was sent.
  bool Send(size_t c) {
    LoadConnection& conn = conns_[c];
    if (Clock::now() >= deadline_) return false;
    const size_t i = next_++;
    if (i >= statements_.size()) {
      ran_out_ = true;
      return false;
    }
    conn.statement = i;
    conn.step = 0;
    conn.sent = Clock::now();
    SendStep(conn);
    return true;
  }

  void SendStep(LoadConnection& conn) {
    conn.request = &statements_[conn.statement][conn.step];
    conn.written = 0;
    conn.in_flight = true;
    Flush(conn);
  }

  // Writes what is left of the request; waits for EPOLLOUT when the socket is full.
  void Flush(LoadConnection& conn) {
    const std::string& head = conn.request->head;
    const Bytes& body = conn.request->body;
    const size_t total = head.size() + body.size();
    while (conn.written < total) {
      iovec parts[2];
      int count = 0;
      if (conn.written < head.size()) {
        parts[count++] = {const_cast<char*>(head.data()) + conn.written, head.size() - conn.written};
        parts[count++] = {const_cast<uint8_t*>(body.data()), body.size()};
      } else {
        const size_t at = conn.written - head.size();
        parts[count++] = {const_cast<uint8_t*>(body.data()) + at, body.size() - at};
      }
      const ssize_t n = ::writev(conn.fd, parts, count);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        ++io_errors_;
        return Drop(conn);
      }
      conn.written += static_cast<size_t>(n);
    }
    const bool want_write = conn.written < total;
    if (want_write != conn.want_write) {
      conn.want_write = want_write;
      epoll_event event{want_write ? EPOLLIN | EPOLLOUT : EPOLLIN, {.u64 = static_cast<uint64_t>(&conn - conns_.data())}};
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &event);
    }
  }

  void Receive(size_t c, double interval) {
    LoadConnection& conn = conns_[c];
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::read(conn.fd, chunk, sizeof chunk);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {  // the service closed the connection or failed
        ++io_errors_;
        return Drop(conn);
      }
      conn.input.append(chunk, static_cast<size_t>(n));
    }
    const size_t header_end = conn.input.find("\r\n\r\n");
    if (header_end == std::string::npos) return;
    size_t length = 0;
    for (size_t line = conn.input.find("\r\n"); line < header_end; line = conn.input.find("\r\n", line + 2)) {
      static constexpr std::string_view kLength = "content-length:";
      if (header_end - line - 2 >= kLength.size() &&
          std::equal(kLength.begin(), kLength.end(), conn.input.begin() + static_cast<ptrdiff_t>(line + 2),
                     [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
        length = std::strtoull(conn.input.c_str() + line + 2 + kLength.size(), nullptr, 10);
      }
    }
    if (conn.input.size() < header_end + 4 + length) return;
    if (!conn.in_flight) {  // a response nobody asked for
      ++io_errors_;
      return Drop(conn);
    }
    const int status = std::atoi(conn.input.c_str() + 9);
    if (status == 201 && conn.step + 1 < statements_[conn.statement].size()) {
      conn.input.erase(0, header_end + 4 + length);
      ++conn.step;
      return SendStep(conn);
    }
    ++statuses_[status];
    if (status == 201) {
      latencies_.push_back(std::chrono::duration<double>(Clock::now() - conn.sent).count());
      if (rng_() % 1000 == 0 || samples_.empty()) {
        samples_.push_back({conn.statement, conn.input.substr(header_end + 4, length)});
      }
    }
    conn.input.erase(0, header_end + 4 + length);
    conn.in_flight = false;
    if (interval > 0) {
      timers_.push({conn.next_due, c});
    } else {
      Send(c);
    }
  }

  const LoadOptions& opts_;
  const std::vector<Registration>& statements_;
  std::atomic<size_t>& next_;
  const Clock::time_point start_, deadline_;
  std::mt19937 rng_;
  int epoll_ = -1;
  std::vector<LoadConnection> conns_;
  // Paced sends: (due, connection), earliest first.
  using Timer = std::pair<Clock::time_point, size_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<double> latencies_;
  std::map<int, uint64_t> statuses_;
  std::vector<Sample> samples_;
  uint64_t io_errors_ = 0;
  bool ran_out_ = false;
};

}  // namespace

RunResult DriveRegistrations(const LoadOptions& opts, const std::string& host, const std::string& port,
                             const std::vector<Registration>& statements) {
  RunResult result;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    result.io_errors = static_cast<uint64_t>(opts.connections);
    return result;
  }
  std::mutex mu;  // guards result
  std::atomic<size_t> next{0};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.seconds));
  const int threads = std::max(1, std::min(opts.client_threads, opts.connections));
  std::vector<std::thread> workers;
  for (int t = 0, first = 0; t < threads; ++t) {
    const int count = opts.connections / threads + (t < opts.connections % threads ? 1 : 0);
    workers.emplace_back([&, count, first] {
      LoadLoop(opts, statements, next, start, deadline).Run(*found, count, first, result, mu);
    });
    first += count;
  }
  for (auto& w : workers) w.join();
  freeaddrinfo(found);
  result.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p / 100 * static_cast<double>(sorted.size())));
  return sorted[index];
}

}  // namespace scitt::bench
