#include "service/service.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <future>
#include <sstream>

#include "base/file.h"
#include "cbor/encoder.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "http/server.h"
#include "service/context.h"
#include "storage/store.h"

namespace scitt::service {

// ---- shared helpers (context.h)

http::Response CborResponse(int status, const Bytes& body, const std::string& content_type) {
  http::Response res;
  res.status = status;
  res.Set("Content-Type", content_type);
  res.body.assign(body.begin(), body.end());
  return res;
}

Result<uint64_t> ResolveEntryId(const ServiceContext& ctx, const std::string& id) {
  if (id.size() == 64) {
    auto hash = HexDecode(id);
    if (hash) {
      crypto::Sha256Digest digest;
      std::copy(hash->begin(), hash->end(), digest.begin());
      SCITT_ASSIGN_OR_RETURN(auto index, ctx.log->FindEntry(digest));
      if (index) return *index;
    }
    return MakeError(ErrorCode::kNotFound, "Receipt with entry ID " + id + " not known to this Transparency Service");
  }
  bool digits = !id.empty() && id.size() <= 20 && (id == "0" || id[0] != '0');
  for (char c : id) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    return MakeError(ErrorCode::kNotFound,
                     "entry ID " + id + " is neither a log index nor a 64-hex-digit entry hash");
  }
  uint64_t index = std::strtoull(id.c_str(), nullptr, 10);
  if (index >= ctx.log->size()) {
    return MakeError(ErrorCode::kNotFound, "Receipt with entry ID " + id + " not known to this Transparency Service");
  }
  return index;
}

http::Handler Bind(ServiceContext& ctx, RouteFn fn) {
  return [&ctx, fn](http::Request req, http::Responder respond) { fn(ctx, req, respond); };
}

Result<std::optional<uint64_t>> QueryNumber(const http::Request& req, const char* name) {
  auto text = req.Query(name);
  if (!text) return std::optional<uint64_t>();
  bool digits = !text->empty() && text->size() <= 20;
  for (char c : *text) digits = digits && c >= '0' && c <= '9';
  errno = 0;
  unsigned long long v = digits ? std::strtoull(text->c_str(), nullptr, 10) : 0;
  if (!digits || errno != 0) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be a decimal number");
  }
  return std::optional<uint64_t>(v);
}

http::Response ErrorResponse(const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound: return http::ProblemDetails(404, "Not Found", error.message);
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupported: return http::ProblemDetails(400, "Bad Request", error.message);
    default: return http::ProblemDetails(500, "Internal Error", error.message);
  }
}

void Operations::Start(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  states_[id] = State{};
}

void Operations::Complete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(id);
  if (it != states_.end() && !it->second.failed) states_.erase(it);
}

void Operations::Fail(const std::string& id, std::string error) {
  std::lock_guard<std::mutex> lock(mu_);
  states_[id] = State{true, std::move(error)};
  failures_.push_back(id);
  if (failures_.size() > kMaxFailures) {
    auto oldest = states_.find(failures_.front());
    if (oldest != states_.end() && oldest->second.failed) states_.erase(oldest);
    failures_.pop_front();
  }
}

std::optional<Operations::State> Operations::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

// ---- start-up

namespace {

Result<registration::TrustConfig> LoadTrust(const ServiceConfig& config) {
  registration::TrustConfig trust;
  trust.allow_self_asserted = config.allow_self_asserted;
  if (!config.trust_anchors.empty()) {
    SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(config.trust_anchors));
    auto anchors = crypto::Certificate::ParsePemBundle(pem);
    if (!anchors.ok()) return MakeError(ErrorCode::kInvalidArgument, config.trust_anchors + ": " + anchors.error().message);
    trust.trust_anchors = std::move(anchors).value();
  }
  if (!config.issuer_keys.empty()) {
    SCITT_ASSIGN_OR_RETURN(Bytes data, ReadFile(config.issuer_keys));
    auto keys = crypto::ParseKeySet(data);
    if (!keys.ok()) return MakeError(ErrorCode::kInvalidArgument, config.issuer_keys + ": " + keys.error().message);
    trust.issuer_keys = std::move(keys).value();
  }
  return trust;
}

Result<std::shared_ptr<const policy::RegistrationPolicy>> LoadPolicy(const ServiceConfig& config) {
  if (config.policy.empty()) return policy::RegistrationPolicy::Default();
  SCITT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(config.policy));
  auto parsed = policy::RegistrationPolicy::FromJson(text);
  if (!parsed.ok()) return MakeError(ErrorCode::kInvalidArgument, config.policy + ": " + parsed.error().message);
  return parsed;
}

Result<std::set<std::string>> LoadTokens(const std::string& path) {
  std::set<std::string> tokens;
  if (path.empty()) return tokens;
  SCITT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') tokens.insert(line);
  }
  if (tokens.empty()) return MakeError(ErrorCode::kInvalidArgument, path + ": no tokens");
  return tokens;
}

// A statement by the service itself (RFC 9943: trust configuration and
// policy are registered so auditors can replay every decision).
Result<Bytes> ServiceStatement(const ServiceContext& ctx, const std::string& subject, const std::string& json) {
  cbor::Value claims = cbor::Value::FromMap({
      cbor::Entry(cose::claim::kIss, cbor::Value::Text(ctx.config.url)),
      cbor::Entry(cose::claim::kSub, cbor::Value::Text(subject)),
      cbor::Entry(cose::claim::kIat, cbor::Value::Int(static_cast<int64_t>(std::time(nullptr)))),
  });
  cose::Sign1Content content;
  content.protected_map = cbor::Value::FromMap({
      cbor::Entry(cose::header::kAlg, cbor::Value::Int(crypto::CoseId(ctx.keys.receipt_alg))),
      cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/json")),
      cbor::Entry(cose::header::kKid, cbor::Value::ByteString(ctx.keys.receipt_kid)),
      cbor::Entry(cose::header::kCwtClaims, std::move(claims)),
  });
  content.payload = AsBytes(json);
  return cose::SignSign1(content, ctx.keys.receipt_key);
}

// Appends a service statement and waits until it is durable.
Result<uint64_t> AppendServiceStatement(ServiceContext& ctx, const std::string& subject, const std::string& json) {
  SCITT_ASSIGN_OR_RETURN(Bytes statement, ServiceStatement(ctx, subject, json));
  SCITT_ASSIGN_OR_RETURN(cose::Sign1 parsed, cose::Sign1::Parse(statement));
  log::LogEntry entry;
  entry.entry_hash = cose::LogEntry(parsed);
  entry.signed_content = cose::SignedContent(parsed);
  entry.statement = std::move(statement);
  entry.registered_at = static_cast<int64_t>(std::time(nullptr));
  entry.policy_index = ctx.policy_index.load();
  std::promise<Result<log::Appended>> done;
  auto future = done.get_future();
  ctx.log->Submit(std::move(entry), [&done](Result<log::Appended> r) { done.set_value(std::move(r)); });
  SCITT_ASSIGN_OR_RETURN(log::Appended appended, future.get());
  return appended.index;
}

// Registers `json` under `subject` unless the latest registered version
// (recorded in the store's meta) is byte-identical.
Result<uint64_t> RegisterIfChanged(ServiceContext& ctx, const std::string& meta_key, const std::string& subject,
                                   const std::string& json) {
  std::string digest = HexEncode(crypto::Sha256(AsBytes(json)));
  SCITT_ASSIGN_OR_RETURN(auto stored_digest, ctx.store->GetMeta(meta_key + ".sha256"));
  SCITT_ASSIGN_OR_RETURN(auto stored_index, ctx.store->GetMeta(meta_key + ".index"));
  if (stored_digest && stored_index && *stored_digest == digest) {
    return static_cast<uint64_t>(std::stoull(*stored_index));
  }
  SCITT_ASSIGN_OR_RETURN(uint64_t index, AppendServiceStatement(ctx, subject, json));
  SCITT_RETURN_IF_ERROR(ctx.store->PutMeta(meta_key + ".index", std::to_string(index)));
  SCITT_RETURN_IF_ERROR(ctx.store->PutMeta(meta_key + ".sha256", digest));
  return index;
}

bool TokenAllowed(const ServiceContext& ctx, const http::Request& req) {
  auto auth = req.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth || auth->size() <= kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0) return false;
  return ctx.submit_tokens.count(auth->substr(kBearer.size())) > 0;
}

// Authentication and rate limiting in front of the router (SCRAPI §2:
// without authentication, rate limiting MUST be implemented).
http::Handler Guard(ServiceContext& ctx, std::shared_ptr<http::Router> router) {
  return [&ctx, router](http::Request req, http::Responder respond) {
    bool unmetered = req.path == "/health" || req.path == "/metrics";
    bool submit = req.method == "POST";
    bool authenticated = submit && !ctx.submit_tokens.empty() && TokenAllowed(ctx, req);
    if (submit && !ctx.submit_tokens.empty() && !authenticated) {
      ctx.metrics.Increment("scitt_refusals_total", {{"reason", "unauthenticated"}});
      http::Response res = http::ProblemDetails(401, "Unauthorized", "POST /entries needs Authorization: Bearer <token>");
      res.Set("WWW-Authenticate", "Bearer");
      return respond(std::move(res));
    }
    int retry_after = 0;
    if (!unmetered && !authenticated && !ctx.limiter->Allow(req.remote_address, &retry_after)) {
      ctx.metrics.Increment("scitt_refusals_total", {{"reason", "rate_limited"}});
      http::Response res = http::ProblemDetails(
          429, "Too Many Requests",
          "Only " + std::to_string(static_cast<int64_t>(ctx.config.rate_limit)) + " requests per second are allowed.");
      res.Set("Retry-After", std::to_string(retry_after));
      return respond(std::move(res));
    }
    router->Dispatch(std::move(req), std::move(respond));
  };
}

void DescribeMetrics(http::Metrics& metrics) {
  metrics.Describe("scitt_registrations_total", "counter", "Statements registered (result: new or existing)");
  metrics.Describe("scitt_refusals_total", "counter", "Registrations refused, by reason");
  metrics.DefineHistogram("scitt_registration_seconds",
                          {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
                          "Submit to receipt latency");
  metrics.Describe("scitt_tree_size", "gauge", "Entries in the log");
  metrics.Describe("scitt_batches_total", "gauge", "Batches committed since start");
  metrics.Describe("scitt_last_batch_size", "gauge", "Entries in the last batch");
  metrics.Describe("scitt_commit_seconds_total", "gauge", "Time spent making batches durable (fsync/commit)");
  metrics.Describe("scitt_queue_length", "gauge", "Statements waiting for a batch");
  metrics.Describe("process_cpu_seconds_total", "counter", "User and system CPU time of the service");
  metrics.Describe("process_resident_memory_bytes", "gauge", "Resident memory of the service");
}

}  // namespace

struct Service::Impl {
  ServiceContext ctx;
  std::shared_ptr<http::Router> router = std::make_shared<http::Router>();
  std::unique_ptr<http::Server> server;
  StartupInfo info;
  bool stopped = false;

  void Stop() {
    if (stopped) return;
    stopped = true;
    if (server) server->Stop();
    if (ctx.log) ctx.log->Stop();  // callbacks still reach ctx: stop before it goes
    ctx.scheduler.Stop();
  }
};

Result<std::unique_ptr<Service>> Service::Start(ServiceConfig config) {
  FinishDefaults(&config);
  SCITT_ASSIGN_OR_RETURN(auto listen, config.ListenAddress());
  std::unique_ptr<Service> service(new Service());
  service->impl_ = std::make_unique<Impl>();
  Impl& impl = *service->impl_;
  ServiceContext& ctx = impl.ctx;
  ctx.config = config;

  SCITT_ASSIGN_OR_RETURN(registration::TrustConfig trust, LoadTrust(config));
  SCITT_ASSIGN_OR_RETURN(auto policy, LoadPolicy(config));
  if (policy->allow_duplicates()) {
    return MakeError(ErrorCode::kUnsupported,
                     "the policy sets allow_duplicates, which this log does not support yet: "
                     "its entries are unique by entry hash, and a statement sent twice returns the first entry");
  }
  SCITT_ASSIGN_OR_RETURN(ctx.submit_tokens, LoadTokens(config.submit_tokens));
  ctx.limiter = std::make_unique<http::RateLimiter>(config.rate_limit, std::max(1.0, 2 * config.rate_limit));

  SCITT_ASSIGN_OR_RETURN(ctx.keys, LoadOrCreateServiceKeys(config.data));
  storage::StoreOptions store_options;
  store_options.signed_content_of = log::SignedContentOf;  // upgrades an older data directory
  SCITT_ASSIGN_OR_RETURN(auto store, storage::OpenStore(config.store, store_options));
  ctx.store = store.get();
  log::LogKeys log_keys{ctx.keys.receipt_key, ctx.keys.receipt_alg, ctx.keys.receipt_kid, ctx.keys.checkpoint_key};
  log::LogOptions options;
  options.origin = config.origin;
  options.issuer = config.url;
  options.max_batch_delay = std::chrono::microseconds(config.batch_delay_us);
  options.max_batch_size = static_cast<size_t>(std::max<int64_t>(1, config.batch_size));
  options.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  options.commit_delay = std::chrono::milliseconds(config.test_commit_delay_ms);
  bool created = store->size() == 0;
  SCITT_ASSIGN_OR_RETURN(ctx.log, log::TransparencyLog::Open(std::move(store), log_keys, options));

  // The trust configuration and the policy in force are log entries; every
  // registration records the policy entry it was judged by.
  auto trust_index = RegisterIfChanged(ctx, "trust", "urn:scitt:trust-configuration", trust.CanonicalJson());
  if (!trust_index.ok()) return trust_index.error();
  SCITT_ASSIGN_OR_RETURN(uint64_t policy_index,
                         RegisterIfChanged(ctx, "policy", "urn:scitt:registration-policy", policy->canonical_json()));
  ctx.policy_index = policy_index;
  ctx.registrar = std::make_unique<registration::Registrar>(std::move(trust), policy,
                                                           static_cast<size_t>(config.max_statement_bytes));

  DescribeMetrics(ctx.metrics);
  AddScrapiRoutes(ctx, *impl.router);
  AddLogRoutes(ctx, *impl.router);
  http::ServerOptions server_options;
  server_options.host = listen.first;
  server_options.port = listen.second;
  server_options.threads = static_cast<int>(std::max<int64_t>(1, config.threads));
  server_options.tls_cert_file = config.tls_cert;
  server_options.tls_key_file = config.tls_key;
  server_options.max_body_bytes = static_cast<size_t>(config.max_statement_bytes);
  impl.server = std::make_unique<http::Server>(server_options, Guard(ctx, impl.router));
  SCITT_RETURN_IF_ERROR(impl.server->Start());

  if (listen.second == 0) {  // the URL names the port actually bound
    ctx.config.url = (config.tls_cert.empty() ? "http://" : "https://") + listen.first + ":" +
                     std::to_string(impl.server->port());
  }
  impl.info.url = ctx.config.url;
  impl.info.origin = ctx.config.origin;
  impl.info.receipt_kid = HexEncode(ctx.keys.receipt_kid);
  impl.info.checkpoint_key = ctx.log->CheckpointVerifierKey();
  impl.info.tree_size = ctx.log->size();
  impl.info.created = created;
  return service;
}

Service::~Service() {
  if (impl_) impl_->Stop();
}

const StartupInfo& Service::info() const { return impl_->info; }
uint16_t Service::port() const { return impl_->server->port(); }
void Service::Stop() { impl_->Stop(); }

}  // namespace scitt::service
