// The service configuration: every `scitt serve` flag, also settable from a
// JSON config file and from SCITT_* environment variables. Precedence:
// flag > environment > config file > default.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"

namespace scitt::service {

struct ServiceConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string data = "./scitt-data";
  std::string store;          // where the log lives (storage/store.h); default file:<data>
  std::string url;            // public base URL; default http(s)://<listen>
  std::string origin;         // log origin; default: url without scheme
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // PEM CAs whose client certificates the gates accept (mutual TLS)
  std::string trust_anchors;  // PEM CA certificates for x5chain issuers
  std::string issuer_keys;    // JWKS JSON or CBOR COSE_KeySet of known issuers
  bool allow_self_asserted = false;
  std::string policy;         // registration policy JSON (docs/policy.md)
  std::string submit_tokens;  // file of bearer tokens, one per line: POST needs one
  double rate_limit = 50;     // requests/s per client address without tokens; 0 = off
  int64_t max_statement_bytes = 1 << 20;
  int64_t identity_cache_entries = 4096;  // x5chain validations and cnf keys kept, each; 0: none
  // HTTP limits (docs/operations.md); defaults are http::ServerOptions'.
  int64_t max_header_bytes = 16 * 1024;
  int64_t max_chunk_line_bytes = 1024;
  int64_t max_trailer_bytes = 8 * 1024;
  int64_t max_queued_response_bytes = 8 << 20;
  int64_t max_queued_response_bytes_total = 256 << 20;
  int64_t max_connections = 10000;
  int64_t max_connections_per_address = 256;
  int64_t batch_delay_us = 2000;
  int64_t batch_size = 4096;
  int64_t register_timeout_ms = 2000;  // longer waits answer 303
  int64_t threads = 2;                 // HTTP I/O threads: they only parse and write
  int64_t check_workers = 0;           // registration checks; 0: one per core
  int64_t read_workers = 4;            // store reads (entries, receipts, tiles)
  int64_t registry_workers = 32;       // registry disk work: mostly waiting on fsync
  int64_t max_queued_requests = 4096;  // per worker pool; beyond it 503
  int64_t max_queued_bytes = 256 << 20;   // request bytes waiting per worker pool; beyond it 503
  int64_t max_pending_bytes = 256 << 20;  // accepted statements waiting for the log; beyond it 503
  int64_t max_page_bytes = 1 << 20;    // statement bytes in one GET /entries page
  // The registry (docs/operations.md).
  int64_t max_blob_bytes = int64_t{64} << 30;  // largest blob one upload may hold
  int64_t max_uploads = 1024;                  // upload sessions open at once
  int64_t upload_expiry_s = 3600;              // an idle upload session is dropped after this
  std::string unregistered_repositories;       // comma-separated globs: pushes stored, not registered
  bool delete_protection = true;               // manifests a log entry refers to cannot be deleted
  bool anonymous_pull = true;                  // registry pulls without a token (when tokens are set)
  // Deployment gates (docs/deployment-gates.md).
  std::string gates;         // gate configuration JSON; unset: no /gates/ routes
  int64_t gate_workers = 8;  // threads for gate decisions (they may wait on other registries)
  std::string log_level = "info";      // debug, info, warn, error, off
  std::string log_format = "text";     // text or json, on standard error
  int64_t test_commit_delay_ms = 0;    // test hook: forces the 303 path

  // "host", port from `listen`.
  Result<std::pair<std::string, uint16_t>> ListenAddress() const;
};

// The setting names (flag names without "--"), for the config file and the
// environment (SCITT_ + upper case, '-' as '_').
const std::map<std::string, std::string>& ConfigDescriptions();

// Applies a JSON config file (an object of setting names) to `config`.
Status ApplyConfigFile(const std::string& path, ServiceConfig* config);
// Sets one setting from text (a flag or environment value), parsed as the
// setting's type.
Status ApplySetting(const std::string& name, const std::string& text, ServiceConfig* config);
// Applies SCITT_* variables from the environment.
Status ApplyEnvironment(ServiceConfig* config);
// Fills url/origin defaults once everything else is known, `bound_port`
// being the port the listener actually bound (listen's port may be 0).
void FinishDefaults(ServiceConfig* config, uint16_t bound_port);

}  // namespace scitt::service
