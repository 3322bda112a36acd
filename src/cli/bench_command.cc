// `scitt bench register`: a load generator for POST /entries that reports
// registrations/s next to the machine's raw OpenSSL verify rate (the ratio is
// the figure), latency percentiles, errors by status, the server's CPU time,
// and the growth of the signed checkpoint.
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "base/file.h"
#include "bench/raw_verify.h"
#include "bench/registration_load.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cose/receipt.h"
#include "cose/service_keys.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace scitt::cli {
namespace {

struct BenchOptions {
  ClientFlags client;
  std::string key_file;       // a key the service knows (kid), or the x5chain leaf's; else a fresh key in cnf
  std::string x5chain_file;   // PEM, leaf first: statements carry it in a protected x5chain
  std::string issuer;         // CWT iss; default https://bench.example, or a did:x509 of the chain
  std::string alg = "ES256";  // for the fresh key
  bench::LoadOptions load;
  size_t statement_size = 1024;
  int server_threads = 2;     // threads for the raw verify comparison
  size_t count = 0;           // statements to pre-sign; 0 = enough for the run
  std::string repository;     // push statement manifests there instead of POST /entries
};

// The registry mode's fixtures: the empty config and a small image, the
// statements' subject. Returns the image's descriptor (JSON).
Result<std::string> PushSubject(const BenchOptions& opts) {
  const std::string base = http::ResolveUrl(opts.client.url, "/v2/" + opts.repository);
  auto push = [&](const std::string& method, const std::string& url, const std::string& type,
                  const std::string& body) -> Status {
    SCITT_ASSIGN_OR_RETURN(http::Response res,
                           http::Fetch(method, url, {{"Content-Type", type}}, body, opts.client.options()));
    if (res.status != 201) return MakeError(ErrorCode::kIo, method + " " + url + ": " + std::to_string(res.status) + " " + res.body);
    return Status::Ok();
  };
  auto digest = [](const std::string& bytes) { return "sha256:" + HexEncode(crypto::Sha256(AsBytes(bytes))); };
  const std::string empty = "{}";
  const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  for (const std::string* blob : {&empty, &config}) {
    SCITT_RETURN_IF_ERROR(push("POST", base + "/blobs/uploads/?digest=" + digest(*blob), "application/octet-stream", *blob));
  }
  const std::string image =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      digest(config) + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[]})";
  SCITT_RETURN_IF_ERROR(push("PUT", base + "/manifests/bench", "application/vnd.oci.image.manifest.v1+json", image));
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest(image) +
         R"(","size":)" + std::to_string(image.size()) + "}";
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

double ProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Verifies the sampled receipts (POST /entries) against the service keys.
std::pair<size_t, size_t> VerifySamples(const BenchOptions& opts, const std::vector<bench::Registration>& statements,
                                        const std::vector<bench::Sample>& samples) {
  auto key_set = FetchServiceKeys(opts.client);
  auto keys = key_set.ok() ? cose::ParseServiceKeys(*key_set) : Result<std::vector<cose::ServiceKey>>(key_set.error());
  size_t ok = 0;
  for (const auto& sample : samples) {
    auto receipt = cose::Receipt::Parse(AsBytes(sample.receipt));
    auto statement = cose::Sign1::Parse(statements[sample.statement].front().body);
    if (!keys.ok() || !receipt.ok() || !statement.ok()) continue;
    const auto& kid = receipt->sign1.protected_headers().kid;
    const cose::ServiceKey* key = kid ? cose::FindServiceKey(*keys, *kid) : nullptr;
    if (key != nullptr && cose::VerifyInclusionReceipt(*receipt, cose::LogEntry(*statement), key->key).ok()) ++ok;
  }
  return {ok, samples.size()};
}

// did:x509 of `chain` (leaf first): its last certificate's SHA-256
// fingerprint and the leaf's subject CN (DIF did:x509 v0, values
// percent-encoded but for ALPHA / DIGIT / "-" / "." / "_").
Result<std::string> DidX509Of(const std::vector<crypto::Certificate>& chain) {
  const std::vector<std::string> cn = chain.front().SubjectValues("CN");
  if (cn.size() != 1) return MakeError(ErrorCode::kInvalidArgument, "--x5chain: the leaf has no single CN; give --issuer");
  std::string value;
  for (const unsigned char c : cn.front()) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_') {
      value += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";  // RFC 3986 §2.1: upper case
      value += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return "did:x509:0:sha256:" + Base64UrlEncode(crypto::Sha256(chain.back().der())) + "::subject:CN:" + value;
}

// The identity the statements carry, from the options.
Result<bench::SignerIdentity> IdentityOf(const BenchOptions& opts, const crypto::PrivateKey& key) {
  bench::SignerIdentity identity;
  identity.mode = opts.key_file.empty() ? bench::SignerIdentity::Mode::kSelfAsserted : bench::SignerIdentity::Mode::kKid;
  if (!opts.x5chain_file.empty()) {
    if (opts.key_file.empty()) return MakeError(ErrorCode::kInvalidArgument, "--x5chain needs --key, its leaf's key");
    SCITT_ASSIGN_OR_RETURN(const std::string pem, ReadTextFile(opts.x5chain_file));
    SCITT_ASSIGN_OR_RETURN(const auto chain, crypto::Certificate::ParsePemBundle(pem));
    if (!(chain.front().public_key() == key.public_key())) {
      return MakeError(ErrorCode::kInvalidArgument, "--key is not the key of the --x5chain leaf");
    }
    identity.mode = bench::SignerIdentity::Mode::kX5chain;
    for (const crypto::Certificate& cert : chain) identity.x5chain.push_back(cert.der());
    SCITT_ASSIGN_OR_RETURN(identity.issuer, DidX509Of(chain));
  }
  if (!opts.issuer.empty()) identity.issuer = opts.issuer;
  return identity;
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

  size_t count = opts.count > 0 ? opts.count : static_cast<size_t>(std::min(2e6, 30000 * opts.load.seconds));
  std::cout << "pre-signing " << count << " statements of " << opts.statement_size << " bytes (not timed)..." << std::endl;
  auto identity = IdentityOf(opts, *key);
  if (!identity.ok()) return ReportError(identity.error());
  auto statements = bench::PresignStatements(*key, *identity, count, opts.statement_size,
                                      static_cast<int>(std::thread::hardware_concurrency()));
  if (!statements.ok()) return ReportError(statements.error());

  std::vector<bench::Registration> registrations;
  if (opts.repository.empty()) {
    registrations = bench::PostRegistrations(host, std::move(*statements));
  } else {
    auto subject = PushSubject(opts);
    if (!subject.ok()) return ReportError(subject.error());
    registrations = bench::PushRegistrations(host, opts.repository, *subject, std::move(*statements));
    std::cout << "registering by pushing statement manifests to " << opts.repository << std::endl;
  }

  auto size_before = CheckpointSize(opts.client);
  auto cpu_before = ServerCpuSeconds(opts.client);
  const double client_cpu_before = ProcessCpuSeconds();
  bench::RunResult run = bench::DriveRegistrations(opts.load, host, port, registrations);
  const double client_cpu = ProcessCpuSeconds() - client_cpu_before;
  auto size_after = CheckpointSize(opts.client);
  auto cpu_after = ServerCpuSeconds(opts.client);
  // The same size as a statement's Sig_structure, near enough.
  auto raw = bench::RawVerifyRate(*key, key->default_algorithm(), opts.statement_size + 100, opts.server_threads, 3);
  // The independent denominator, right after (issue 14 item 5: report both).
  auto speed = bench::OpensslSpeedVerifyRate(key->default_algorithm(), opts.server_threads, 3);

  std::sort(run.latencies.begin(), run.latencies.end());
  double rate = static_cast<double>(run.latencies.size()) / run.elapsed;
  auto [verified, sampled] = opts.repository.empty() ? VerifySamples(opts, registrations, run.samples)
                                                     : std::pair<size_t, size_t>{0, 0};
  std::cout << "registrations:      " << run.latencies.size() << " in " << run.elapsed << " s = " << rate << "/s\n"
            << "latency (ms):       p50 " << 1e3 * bench::Percentile(run.latencies, 50) << "  p90 "
            << 1e3 * bench::Percentile(run.latencies, 90) << "  p99 " << 1e3 * bench::Percentile(run.latencies, 99) << "  p99.9 "
            << 1e3 * bench::Percentile(run.latencies, 99.9) << "  max "
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
  std::cout << "load generator CPU: " << client_cpu << " s (same machine)\n";
  if (raw.ok()) {
    std::cout << "raw verify (" << crypto::AlgorithmName(key->default_algorithm()) << ", " << opts.server_threads
              << " threads): " << *raw << "/s\n"
              << "ratio:              " << rate / *raw << "\n";
  } else {
    std::cout << "raw verify:         not measured (" << raw.error().message << ")\n";
  }
  if (speed.ok()) {
    std::cout << "openssl speed:      " << *speed << "/s (-multi " << opts.server_threads << ")\n"
              << "ratio to it:        " << rate / *speed << "\n";
    if (raw.ok()) std::cout << "raw / openssl:      " << *raw / *speed << "\n";
  } else {
    std::cout << "openssl speed:      not measured (" << speed.error().message << ")\n";
  }
  if (opts.repository.empty()) {
    std::cout << "receipts verified:  " << verified << " of " << sampled << " sampled\n";
  } else {
    std::cout << "receipts:           referrers of each statement manifest (not sampled here)\n";
  }
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
  reg->add_option("--x5chain", opts->x5chain_file,
                  "Certificate chain (PEM, leaf first) whose leaf's key is --key: statements carry it in a "
                  "protected x5chain (the service needs --trust-anchors)");
  reg->add_option("--issuer", opts->issuer,
                  "CWT iss (default https://bench.example; with --x5chain a did:x509 of the chain's last "
                  "certificate and the leaf's CN)");
  reg->add_option("--alg", opts->alg, "Algorithm of the fresh key: ES256 or EdDSA")->capture_default_str();
  reg->add_option("--seconds", opts->load.seconds, "Duration of the timed run")->capture_default_str();
  reg->add_option("--connections", opts->load.connections, "Keep-alive connections")->capture_default_str();
  reg->add_option("--statement-size", opts->statement_size, "Payload bytes per statement")->capture_default_str();
  reg->add_option("--rate", opts->load.rate, "Target requests/s in total (default: as fast as possible)");
  reg->add_option("--server-threads", opts->server_threads, "Threads for the raw verify comparison")->capture_default_str();
  reg->add_option("--client-threads", opts->load.client_threads, "Event-loop threads of the load generator")
      ->capture_default_str();
  reg->add_option("--count", opts->count, "Statements to pre-sign (default: 30000 per second of run)");
  reg->add_option("--via-registry", opts->repository,
                  "Register by pushing each statement as a statement manifest to this registry repository "
                  "(a layer upload and a manifest PUT) instead of POST /entries");
  reg->callback([opts, action] { *action = [opts] { return RunBench(*opts); }; });
}

}  // namespace scitt::cli
