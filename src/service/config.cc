#include "service/config.h"

#include <cstdlib>
#include <functional>
#include <variant>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/text.h"

namespace scitt::service {
namespace {

using Field = std::variant<std::string ServiceConfig::*, bool ServiceConfig::*, double ServiceConfig::*,
                           int64_t ServiceConfig::*>;

struct Setting {
  const char* name;
  Field field;
  const char* help;
};

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"listen", &ServiceConfig::listen, "host:port to listen on (port 0: any free port)"},
      {"data", &ServiceConfig::data, "data directory (created on first start)"},
      {"store", &ServiceConfig::store, "where the log is stored: file:DIR (default file:<data>); postgres://… later"},
      {"url", &ServiceConfig::url, "public base URL (default: from --listen)"},
      {"origin", &ServiceConfig::origin, "log origin for checkpoints and receipts (default: URL without scheme)"},
      {"tls-cert", &ServiceConfig::tls_cert, "TLS certificate chain, PEM"},
      {"tls-key", &ServiceConfig::tls_key, "TLS private key, PEM"},
      {"tls-client-ca", &ServiceConfig::tls_client_ca,
       "CA certificates (PEM) for TLS client certificates; /gates/gatekeeper then needs one (mutual TLS)"},
      {"trust-anchors", &ServiceConfig::trust_anchors, "CA certificates (PEM) that x5chain issuers must chain to"},
      {"issuer-keys", &ServiceConfig::issuer_keys, "known issuer keys by kid: JWKS JSON or CBOR COSE_KeySet"},
      {"allow-self-asserted", &ServiceConfig::allow_self_asserted, "accept keys from the CWT cnf claim"},
      {"policy", &ServiceConfig::policy, "registration policy, JSON (docs/policy.md)"},
      {"submit-tokens", &ServiceConfig::submit_tokens,
   "bearer tokens, one per line; POST /entries and registry pushes then need one"},
      {"rate-limit", &ServiceConfig::rate_limit, "requests per second per client address (0: off)"},
      {"max-statement-bytes", &ServiceConfig::max_statement_bytes, "largest accepted statement"},
      {"identity-cache-entries", &ServiceConfig::identity_cache_entries,
       "x5chain validations kept for reuse while they hold, and parsed CWT cnf keys: how many of each "
       "(0: validate and parse every one)"},
      {"max-header-bytes", &ServiceConfig::max_header_bytes, "largest request header (431 above)"},
      {"max-chunk-line-bytes", &ServiceConfig::max_chunk_line_bytes, "longest chunk-size line of a chunked body (400 above)"},
      {"max-trailer-bytes", &ServiceConfig::max_trailer_bytes, "largest trailer section of a chunked body (431 above)"},
      {"max-queued-response-bytes", &ServiceConfig::max_queued_response_bytes,
       "response bytes one connection may have waiting to be written before its reads pause"},
      {"max-queued-response-bytes-total", &ServiceConfig::max_queued_response_bytes_total,
       "the same over all connections"},
      {"max-connections", &ServiceConfig::max_connections, "open connections; more are closed at once"},
      {"max-connections-per-address", &ServiceConfig::max_connections_per_address,
       "open connections from one client address; more are closed at once"},
      {"batch-delay-us", &ServiceConfig::batch_delay_us, "longest wait to fill a batch, microseconds"},
      {"batch-size", &ServiceConfig::batch_size, "most statements in one batch"},
      {"register-timeout-ms", &ServiceConfig::register_timeout_ms, "wait this long for the receipt before answering 303"},
      {"threads", &ServiceConfig::threads, "HTTP I/O threads (they only parse and write)"},
      {"check-workers", &ServiceConfig::check_workers, "threads for registration checks (0: one per core)"},
      {"read-workers", &ServiceConfig::read_workers, "threads for store reads (entries, receipts, tiles)"},
      {"registry-workers", &ServiceConfig::registry_workers,
       "threads for registry disk work (uploads, downloads, storing manifests): they mostly wait on fsync"},
      {"max-queued-requests", &ServiceConfig::max_queued_requests,
       "requests waiting for a worker, per pool; beyond it 503"},
      {"max-queued-bytes", &ServiceConfig::max_queued_bytes,
       "bytes of requests waiting for a worker, per pool; beyond it 503"},
      {"max-pending-bytes", &ServiceConfig::max_pending_bytes,
       "bytes of accepted statements waiting for the log; beyond it 503"},
      {"max-page-bytes", &ServiceConfig::max_page_bytes, "statement bytes in one GET /entries page"},
      {"max-blob-bytes", &ServiceConfig::max_blob_bytes, "largest blob one registry upload may hold (413 above)"},
      {"max-uploads", &ServiceConfig::max_uploads, "registry upload sessions open at once; beyond it 503"},
      {"upload-expiry-s", &ServiceConfig::upload_expiry_s, "seconds after which an idle upload session is dropped"},
      {"unregistered-repositories", &ServiceConfig::unregistered_repositories,
       "registry repositories (comma-separated shell globs, e.g. mirror/*) whose pushed statement "
       "manifests are stored as artifacts, not registered"},
      {"anonymous-pull", &ServiceConfig::anonymous_pull,
       "with --submit-tokens: false makes registry pulls need a token too (default true)"},
      {"delete-protection", &ServiceConfig::delete_protection,
       "refuse to delete registry manifests a log entry refers to (default true)"},
      {"gates", &ServiceConfig::gates,
       "deployment gate configuration, JSON (docs/deployment-gates.md): enables POST /gates/kubernetes and "
       "/gates/gatekeeper"},
      {"gate-workers", &ServiceConfig::gate_workers,
       "threads for deployment gate decisions (they may wait on other registries)"},
      {"log-level", &ServiceConfig::log_level, "debug, info (one line per request), warn, error or off"},
      {"log-format", &ServiceConfig::log_format, "text or json lines on standard error"},
      {"test-commit-delay-ms", &ServiceConfig::test_commit_delay_ms, "testing only: delay every commit"},
  };
  return settings;
}

Status Assign(const Setting& s, const nlohmann::json& value, ServiceConfig* config, const std::string& where) {
  auto wrong = [&](const char* type) {
    return MakeError(ErrorCode::kInvalidArgument, where + ": " + s.name + " must be " + type);
  };
  return std::visit(
      [&](auto member) -> Status {
        using T = std::decay_t<decltype(config->*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!value.is_string()) return wrong("a string");
          config->*member = value.get<std::string>();
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!value.is_boolean()) return wrong("true or false");
          config->*member = value.get<bool>();
        } else if constexpr (std::is_same_v<T, double>) {
          if (!value.is_number()) return wrong("a number");
          config->*member = value.get<double>();
        } else {
          if (!value.is_number_integer()) return wrong("an integer");
          config->*member = value.get<int64_t>();
        }
        return Status::Ok();
      },
      s.field);
}

// Environment values are text: parse them as the field's type.
nlohmann::json EnvValue(const Setting& s, const std::string& text) {
  if (std::holds_alternative<std::string ServiceConfig::*>(s.field)) return text;
  if (std::holds_alternative<bool ServiceConfig::*>(s.field)) {
    if (text == "1" || text == "true" || text == "yes") return true;
    if (text == "0" || text == "false" || text == "no") return false;
    return text;  // rejected by Assign with a clear message
  }
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

std::string EnvName(const std::string& name) {
  std::string out = "SCITT_";
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const std::map<std::string, std::string>& ConfigDescriptions() {
  static const std::map<std::string, std::string> out = [] {
    std::map<std::string, std::string> m;
    for (const auto& s : Settings()) m[s.name] = s.help;
    return m;
  }();
  return out;
}

Status ApplyConfigFile(const std::string& path, ServiceConfig* config) {
  SCITT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, path + ": not a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    const Setting* found = nullptr;
    for (const auto& s : Settings()) {
      if (key == s.name) found = &s;
    }
    if (found == nullptr) return MakeError(ErrorCode::kInvalidArgument, path + ": unknown setting \"" + key + "\"");
    SCITT_RETURN_IF_ERROR(Assign(*found, value, config, path));
  }
  return Status::Ok();
}

Status ApplySetting(const std::string& name, const std::string& text, ServiceConfig* config) {
  for (const auto& s : Settings()) {
    if (name == s.name) return Assign(s, EnvValue(s, text), config, "--" + name);
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown setting " + name);
}

Status ApplyEnvironment(ServiceConfig* config) {
  for (const auto& s : Settings()) {
    std::string name = EnvName(s.name);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) continue;
    SCITT_RETURN_IF_ERROR(Assign(s, EnvValue(s, value), config, name));
  }
  return Status::Ok();
}

Result<std::pair<std::string, uint16_t>> ServiceConfig::ListenAddress() const {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "listen address must be host:port, got " + listen);
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = ParseDecimal(std::string_view(listen).substr(colon + 1));
  if (!port || *port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "bad port in listen address " + listen);
  }
  return std::make_pair(host, static_cast<uint16_t>(*port));
}

void FinishDefaults(ServiceConfig* config, uint16_t bound_port) {
  if (config->store.empty()) config->store = "file:" + config->data;
  if (config->url.empty()) {
    const std::string host = config->listen.substr(0, config->listen.rfind(':'));
    config->url = (config->tls_cert.empty() ? "http://" : "https://") + host + ":" + std::to_string(bound_port);
  }
  while (config->url.size() > 1 && config->url.back() == '/') config->url.pop_back();
  if (config->origin.empty()) {
    size_t scheme = config->url.find("://");
    config->origin = scheme == std::string::npos ? config->url : config->url.substr(scheme + 3);
  }
}

}  // namespace scitt::service
