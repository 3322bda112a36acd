// `scitt bench register`: a load generator for POST /entries that reports
// registrations/s next to the machine's raw OpenSSL verify rate (the ratio is
// the figure), latency percentiles, errors by status, the server's CPU time,
// and the growth of the signed checkpoint.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/file.h"
#include "cbor/value.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cose/labels.h"
#include "cose/receipt.h"
#include "cose/service_keys.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/key.h"

namespace scitt::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  ClientFlags client;
  std::string key_file;       // a key the service knows (kid); else a fresh key in cnf
  std::string alg = "ES256";  // for the fresh key
  double seconds = 10;
  int connections = 64;
  size_t statement_size = 1024;
  double rate = 0;            // total requests/s; 0 = as fast as possible
  int server_threads = 2;     // threads for the raw verify comparison
  size_t count = 0;           // statements to pre-sign; 0 = enough for the run
};

// One keep-alive HTTP/1.1 connection, blocking, for the benchmark only
// (the library client opens a connection per request).
class Connection {
 public:
  ~Connection() { if (fd_ >= 0) ::close(fd_); }

  Status Open(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      return MakeError(ErrorCode::kIo, "cannot resolve " + host);
    }
    fd_ = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    int ok = fd_ >= 0 ? ::connect(fd_, found->ai_addr, found->ai_addrlen) : -1;
    freeaddrinfo(found);
    if (ok != 0) return MakeError(ErrorCode::kIo, "cannot connect to " + host + ":" + port + ": " + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Status::Ok();
  }

  // Sends one request and reads the response; returns the status code.
  Result<int> Post(const std::string& head, const Bytes& body, std::string* response_body) {
    iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                      {const_cast<uint8_t*>(body.data()), body.size()}};
    size_t total = head.size() + body.size(), sent = 0;
    while (sent < total) {
      ssize_t n = ::writev(fd_, parts, 2);
      if (n <= 0) return MakeError(ErrorCode::kIo, "send failed");
      sent += static_cast<size_t>(n);
      for (auto& part : parts) {
        size_t used = std::min(part.iov_len, static_cast<size_t>(n));
        part.iov_base = static_cast<char*>(part.iov_base) + used;
        part.iov_len -= used;
        n -= static_cast<ssize_t>(used);
      }
    }
    return ReadResponse(response_body);
  }

 private:
  Result<int> ReadResponse(std::string* body) {
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      SCITT_RETURN_IF_ERROR(Fill());
    }
    int status = std::atoi(buffer_.c_str() + 9);
    size_t length = 0;
    std::string headers = buffer_.substr(0, header_end);
    for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = headers.find("\r\ncontent-length:");
    if (at != std::string::npos) length = std::strtoull(headers.c_str() + at + 17, nullptr, 10);
    while (buffer_.size() < header_end + 4 + length) SCITT_RETURN_IF_ERROR(Fill());
    body->assign(buffer_, header_end + 4, length);
    buffer_.erase(0, header_end + 4 + length);
    return status;
  }

  Status Fill() {
    char chunk[16384];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) return MakeError(ErrorCode::kIo, "connection closed");
    buffer_.append(chunk, static_cast<size_t>(n));
    return Status::Ok();
  }

  int fd_ = -1;
  std::string buffer_;
};

// With `self_asserted`, the key travels in the CWT cnf claim (the service
// must run with --allow-self-asserted); otherwise its kid names it.
Result<std::vector<Bytes>> PresignStatements(const crypto::PrivateKey& key, bool self_asserted, size_t count,
                                             size_t size, int threads) {
  std::vector<Bytes> out(count);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto kid = key.public_key().Thumbprint();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < count && !failed; i = next++) {
        cbor::Map claims = {
            cbor::Entry(cose::claim::kIss, cbor::Value::Text("https://bench.example")),
            cbor::Entry(cose::claim::kSub, cbor::Value::Text("pkg:bench/item@" + std::to_string(i))),
        };
        cbor::Map headers = {
            cbor::Entry(cose::header::kAlg, cbor::Value::Int(crypto::CoseId(key.default_algorithm()))),
            cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/octet-stream")),
        };
        if (self_asserted) {
          cbor::Value cose_key = key.public_key().ToCoseKey();
          claims.push_back(cbor::Entry(cose::claim::kCnf, cbor::Value::FromMap({cbor::Entry(cose::claim::kCnfCoseKey, cose_key)})));
        } else {
          headers.push_back(cbor::Entry(cose::header::kKid, cbor::Value::ByteString(ByteView(kid))));
        }
        headers.push_back(cbor::Entry(cose::header::kCwtClaims, cbor::Value::FromMap(std::move(claims))));
        cose::Sign1Content content;
        content.protected_map = cbor::Value::FromMap(std::move(headers));
        Bytes payload(size, 0);
        for (size_t j = 0; j < size; ++j) payload[j] = static_cast<uint8_t>((i * 131 + j * 7) & 0xff);
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

// Raw verifications per second of the same algorithm on `threads` threads.
double RawVerifyRate(const crypto::PrivateKey& key, int threads, double seconds) {
  crypto::Algorithm alg = key.default_algorithm();
  Bytes message(1100, 'm');
  Bytes signature = *key.Sign(alg, message);
  crypto::PublicKey pub = key.public_key();
  std::atomic<uint64_t> done{0};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t n = 0;
      while (Clock::now() < deadline) {
        if (pub.Verify(alg, message, signature).ok()) ++n;
      }
      done += n;
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
}

Result<double> ServerCpuSeconds(const ClientFlags& flags) {
  SCITT_ASSIGN_OR_RETURN(http::Response res, http::Fetch("GET", http::ResolveUrl(flags.url, "/metrics"), {}, "", flags.options()));
  size_t at = res.body.find("\nprocess_cpu_seconds_total ");
  if (at == std::string::npos) return MakeError(ErrorCode::kNotFound, "no process_cpu_seconds_total in /metrics");
  return std::strtod(res.body.c_str() + at + 27, nullptr);
}

Result<uint64_t> CheckpointSize(const ClientFlags& flags) {
  SCITT_ASSIGN_OR_RETURN(http::Response res, http::Fetch("GET", http::ResolveUrl(flags.url, "/checkpoint"), {}, "", flags.options()));
  size_t line = res.body.find('\n');
  if (res.status != 200 || line == std::string::npos) return uint64_t{0};
  return static_cast<uint64_t>(std::strtoull(res.body.c_str() + line + 1, nullptr, 10));
}

struct Sample {
  size_t statement;
  std::string receipt;
};

struct RunResult {
  std::vector<double> latencies;  // seconds, successful registrations
  std::map<int, uint64_t> statuses;
  uint64_t io_errors = 0;
  std::vector<Sample> samples;
  double elapsed = 0;
  bool ran_out = false;
};

RunResult Drive(const BenchOptions& opts, const std::string& host, const std::string& port,
                const std::vector<Bytes>& statements) {
  RunResult result;
  std::mutex mu;  // guards result
  std::atomic<size_t> next{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(opts.seconds);
  // Open-loop pacing when --rate is given: connection c sends at its share.
  double per_connection_interval = opts.rate > 0 ? opts.connections / opts.rate : 0;
  std::vector<std::thread> workers;
  for (int c = 0; c < opts.connections; ++c) {
    workers.emplace_back([&, c] {
      Connection conn;
      if (!conn.Open(host, port).ok()) {
        std::lock_guard lock(mu);
        ++result.io_errors;
        return;
      }
      std::vector<double> latencies;
      std::map<int, uint64_t> statuses;
      std::vector<Sample> samples;
      std::mt19937 rng(static_cast<uint32_t>(c));
      auto send_at = start + std::chrono::duration<double>(per_connection_interval * c / opts.connections);
      std::string response;
      while (Clock::now() < deadline) {
        if (per_connection_interval > 0) {
          std::this_thread::sleep_until(send_at);
          send_at += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(per_connection_interval));
        }
        size_t i = next++;
        if (i >= statements.size()) {
          std::lock_guard lock(mu);
          result.ran_out = true;
          break;
        }
        std::string head = "POST /entries HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/cose\r\n"
                           "Accept: application/scitt-receipt+cose\r\nContent-Length: " +
                           std::to_string(statements[i].size()) + "\r\n\r\n";
        auto sent = Clock::now();
        auto status = conn.Post(head, statements[i], &response);
        if (!status.ok()) {
          std::lock_guard lock(mu);
          ++result.io_errors;
          break;
        }
        ++statuses[*status];
        if (*status == 201) {
          latencies.push_back(std::chrono::duration<double>(Clock::now() - sent).count());
          if (rng() % 1000 == 0 || samples.empty()) samples.push_back({i, response});
        }
      }
      std::lock_guard lock(mu);
      result.latencies.insert(result.latencies.end(), latencies.begin(), latencies.end());
      for (auto [s, n] : statuses) result.statuses[s] += n;
      result.samples.insert(result.samples.end(), samples.begin(), samples.end());
    });
  }
  for (auto& w : workers) w.join();
  result.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p / 100 * static_cast<double>(sorted.size())));
  return sorted[index];
}

// Verifies the sampled receipts against the service keys.
std::pair<size_t, size_t> VerifySamples(const BenchOptions& opts, const std::vector<Bytes>& statements,
                                        const std::vector<Sample>& samples) {
  auto key_set = FetchServiceKeys(opts.client);
  auto keys = key_set.ok() ? cose::ParseServiceKeys(*key_set) : Result<std::vector<cose::ServiceKey>>(key_set.error());
  size_t ok = 0;
  for (const auto& sample : samples) {
    auto receipt = cose::Receipt::Parse(AsBytes(sample.receipt));
    auto statement = cose::Sign1::Parse(statements[sample.statement]);
    if (!keys.ok() || !receipt.ok() || !statement.ok()) continue;
    const auto& kid = receipt->sign1.protected_headers().kid;
    const cose::ServiceKey* key = kid ? cose::FindServiceKey(*keys, *kid) : nullptr;
    if (key != nullptr && cose::VerifyInclusionReceipt(*receipt, cose::LogEntry(*statement), key->key).ok()) ++ok;
  }
  return {ok, samples.size()};
}

int RunBench(const BenchOptions& opts) {
  Result<crypto::PrivateKey> key = MakeError(ErrorCode::kInvalidArgument, "");
  if (!opts.key_file.empty()) {
    auto pem = ReadTextFile(opts.key_file);
    if (!pem.ok()) return ReportError(pem.error());
    key = crypto::PrivateKey::FromPem(*pem);
  } else {
    auto alg = crypto::AlgorithmFromName(opts.alg);
    if (!alg) return ReportError("unknown algorithm " + opts.alg);
    key = crypto::PrivateKey::Generate(*alg);
  }
  if (!key.ok()) return ReportError(opts.key_file + ": " + key.error().message);
  std::string rest = opts.client.url.substr(opts.client.url.find("://") == std::string::npos ? 0 : opts.client.url.find("://") + 3);
  if (opts.client.url.rfind("http://", 0) != 0) return ReportError("bench register needs an http:// URL");
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);

  size_t count = opts.count > 0 ? opts.count : static_cast<size_t>(std::min(2e6, 30000 * opts.seconds));
  std::cout << "pre-signing " << count << " statements of " << opts.statement_size << " bytes (not timed)..." << std::endl;
  auto statements = PresignStatements(*key, opts.key_file.empty(), count, opts.statement_size,
                                      static_cast<int>(std::thread::hardware_concurrency()));
  if (!statements.ok()) return ReportError(statements.error());

  auto size_before = CheckpointSize(opts.client);
  auto cpu_before = ServerCpuSeconds(opts.client);
  RunResult run = Drive(opts, host, port, *statements);
  auto size_after = CheckpointSize(opts.client);
  auto cpu_after = ServerCpuSeconds(opts.client);
  double raw = RawVerifyRate(*key, opts.server_threads, 3);

  std::sort(run.latencies.begin(), run.latencies.end());
  double rate = static_cast<double>(run.latencies.size()) / run.elapsed;
  auto [verified, sampled] = VerifySamples(opts, *statements, run.samples);
  std::cout << "registrations:      " << run.latencies.size() << " in " << run.elapsed << " s = " << rate << "/s\n"
            << "latency (ms):       p50 " << 1e3 * Percentile(run.latencies, 50) << "  p90 "
            << 1e3 * Percentile(run.latencies, 90) << "  p99 " << 1e3 * Percentile(run.latencies, 99) << "  p99.9 "
            << 1e3 * Percentile(run.latencies, 99.9) << "  max "
            << 1e3 * (run.latencies.empty() ? 0 : run.latencies.back()) << "\n";
  std::cout << "responses:         ";
  for (auto [status, n] : run.statuses) std::cout << " " << status << "×" << n;
  std::cout << (run.io_errors ? "  connection errors ×" + std::to_string(run.io_errors) : "") << "\n";
  if (size_before.ok() && size_after.ok()) {
    std::cout << "checkpoint growth:  " << (*size_after - *size_before) << " entries = "
              << static_cast<double>(*size_after - *size_before) / run.elapsed << "/s\n";
  }
  if (cpu_before.ok() && cpu_after.ok()) {
    std::cout << "server CPU:         " << (*cpu_after - *cpu_before) << " s over " << run.elapsed << " s\n";
  }
  std::cout << "raw verify (" << crypto::AlgorithmName(key->default_algorithm()) << ", " << opts.server_threads
            << " threads): " << raw << "/s\n"
            << "ratio:              " << rate / raw << "\n"
            << "receipts verified:  " << verified << " of " << sampled << " sampled\n";
  if (run.ran_out) std::cout << "note: all pre-signed statements were used before the time ran out (use --count)\n";
  return verified == sampled && run.io_errors == 0 ? kExitOk : kExitCheckFailed;
}

}  // namespace

void AddBenchCommands(CLI::App& app, Action* action) {
  CLI::App* bench = app.add_subcommand("bench", "Load generators");
  bench->require_subcommand(1);
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* reg = bench->add_subcommand(
      "register",
      "Drive POST /entries with pre-signed statements on keep-alive connections; report registrations/s over "
      "the raw OpenSSL verify rate, latency percentiles, errors and server CPU");
  reg->add_option("--url", opts->client.url, "Base URL of the service (http://)")->required();
  reg->add_option("--key", opts->key_file,
                  "Issuer private key the service knows (--issuer-keys); without it a fresh key is sent "
                  "self-asserted in CWT cnf (the service needs --allow-self-asserted)");
  reg->add_option("--alg", opts->alg, "Algorithm of the fresh key: ES256 or EdDSA")->capture_default_str();
  reg->add_option("--seconds", opts->seconds, "Duration of the timed run")->capture_default_str();
  reg->add_option("--connections", opts->connections, "Keep-alive connections")->capture_default_str();
  reg->add_option("--statement-size", opts->statement_size, "Payload bytes per statement")->capture_default_str();
  reg->add_option("--rate", opts->rate, "Target requests/s in total (default: as fast as possible)");
  reg->add_option("--server-threads", opts->server_threads, "Threads for the raw verify comparison")->capture_default_str();
  reg->add_option("--count", opts->count, "Statements to pre-sign (default: 30000 per second of run)");
  reg->callback([opts, action] { *action = [opts] { return RunBench(*opts); }; });
}

}  // namespace scitt::cli
