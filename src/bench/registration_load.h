// `scitt bench register`'s load generator: statements pre-signed outside
// the timing, then driven at POST /entries over keep-alive connections from
// epoll loops (closed loop, or paced to a rate), with latencies, statuses
// and sampled receipts collected. What the service does with them is
// measured from outside only (DESIGN.md §2, bench).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/key.h"

namespace scitt::bench {

// How the benchmark's statements name their signer: the three identity
// modes of docs/policy.md.
struct SignerIdentity {
  enum class Mode {
    kKid,           // the key's RFC 9679 thumbprint as kid (the service knows the key)
    kSelfAsserted,  // the key in the CWT cnf claim (--allow-self-asserted)
    kX5chain,       // a protected x5chain, leaf first, whose leaf is the key's
  } mode = Mode::kKid;
  std::vector<Bytes> x5chain;             // DER, for kX5chain
  std::string issuer = "https://bench.example";  // CWT iss (a did:x509 for kX5chain)
};

// `count` statements with payloads of `size` bytes, signed on `threads`
// threads with `key`, naming it as `identity` says.
Result<std::vector<Bytes>> PresignStatements(const crypto::PrivateKey& key, const SignerIdentity& identity,
                                             size_t count, size_t size, int threads);

// One registration's HTTP requests, sent in order on one connection; it
// counts when the last one is answered 201 (any other status ends it).
struct Request {
  std::string head;  // request line and headers, with the blank line
  Bytes body;
};
using Registration = std::vector<Request>;

// Each statement as POST /entries (the answer is its receipt).
std::vector<Registration> PostRegistrations(const std::string& host, std::vector<Bytes> statements);

// Each statement pushed to the registry as a statement manifest
// (docs/scitt-in-oci.md) about `subject` (a manifest descriptor's JSON) in
// `repository`: its layer by single-POST upload, then the manifest by
// digest; the empty config must be pushed beforehand.
std::vector<Registration> PushRegistrations(const std::string& host, const std::string& repository,
                                            const std::string& subject, std::vector<Bytes> statements);

struct LoadOptions {
  double seconds = 10;
  int connections = 64;
  double rate = 0;         // total requests/s; 0 = as fast as possible (closed loop)
  int client_threads = 1;  // event-loop threads
};

// A final response kept to check later: which registration, and its body
// (for POST /entries, the receipt).
struct Sample {
  size_t statement;
  std::string receipt;
};

struct RunResult {
  std::vector<double> latencies;  // seconds, successful registrations
  std::map<int, uint64_t> statuses;
  uint64_t io_errors = 0;
  std::vector<Sample> samples;    // about one 201 in a thousand
  double elapsed = 0;
  bool ran_out = false;           // every statement was sent before the time ran out
};

// Drives `registrations` (each sent once, in order) at host:port until the
// time runs out, the registrations do, or no connection is left.
RunResult DriveRegistrations(const LoadOptions& options, const std::string& host, const std::string& port,
                             const std::vector<Registration>& registrations);

// The p-th percentile (0..100) of sorted values; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace scitt::bench
