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
  std::string trust_anchors;  // PEM CA certificates for x5chain issuers
  std::string issuer_keys;    // JWKS JSON or CBOR COSE_KeySet of known issuers
  bool allow_self_asserted = false;
  std::string policy;         // registration policy JSON (docs/policy.md)
  std::string submit_tokens;  // file of bearer tokens, one per line: POST needs one
  double rate_limit = 50;     // requests/s per client address without tokens; 0 = off
  int64_t max_statement_bytes = 1 << 20;
  int64_t batch_delay_us = 2000;
  int64_t batch_size = 4096;
  int64_t register_timeout_ms = 2000;  // longer waits answer 303
  int64_t threads = 2;
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
// Fills url/origin defaults once everything else is known.
void FinishDefaults(ServiceConfig* config);

}  // namespace scitt::service
