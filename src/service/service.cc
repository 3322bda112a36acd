#include "service/service.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/appraisal/appraisal_routes.h"
#include "api/dispatch.h"
#include "api/evidence/evidence_routes.h"
#include "api/gates/gate_routes.h"
#include "api/guard.h"
#include "api/log_reads/log_read_routes.h"
#include "api/oci/oci_routes.h"
#include "api/scheduler.h"
#include "api/scrapi/scrapi_routes.h"
#include "api/status/status_routes.h"
#include "base/file.h"
#include "base/logging.h"
#include "base/mapped_bytes.h"
#include "base/worker_pool.h"
#include "cose/cose_key.h"
#include "crypto/x509.h"
#include "evidence/statement_indexer.h"
#include "gates/gate_config.h"
#include "gates/image_gate.h"
#include "http/bearer_tokens.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "log/transparency_log.h"
#include "registration/pipeline.h"
#include "registration/service_statements.h"
#include "registry/log_attacher.h"
#include "registry/payload_locations.h"
#include "registry/registry.h"
#include "service/service_keys.h"
#include "storage/store.h"

namespace scitt::service {
namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

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
    auto keys = cose::ParseKeySet(data);
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

Result<std::optional<gates::GateConfig>> LoadGates(const ServiceConfig& config) {
  if (config.gates.empty()) return std::optional<gates::GateConfig>();
  SCITT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(config.gates));
  auto parsed = gates::ParseGateConfig(AsBytes(text));
  if (!parsed.ok()) return MakeError(ErrorCode::kInvalidArgument, config.gates + ": " + parsed.error().message);
  return std::optional<gates::GateConfig>(std::move(*parsed));
}

// "host[:port]" of "scheme://host[:port]/path".
std::string UrlAuthority(std::string_view url) {
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  return std::string(url.substr(0, url.find('/')));
}

Result<http::BearerTokens> LoadTokens(const std::string& path) {
  std::vector<std::string> tokens;
  if (path.empty()) return http::BearerTokens();
  SCITT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (!http::BearerTokens::IsToken68(line)) {
      return MakeError(ErrorCode::kInvalidArgument, path + ": a token has characters a bearer token cannot have");
    }
    tokens.push_back(line);
  }
  if (tokens.empty()) return MakeError(ErrorCode::kInvalidArgument, path + ": no tokens");
  return http::BearerTokens(tokens);
}

std::string JwksDocument(const ServiceKeys& keys) {
  nlohmann::json jwks = nlohmann::json::array();
  jwks.push_back(keys.receipt_key.public_key().ToJwk(HexEncode(keys.receipt_kid), keys.receipt_alg));
  for (const auto& retired : keys.retired) jwks.push_back(retired.ToJwk(HexEncode(retired.Thumbprint())));
  return nlohmann::json{{"keys", jwks}}.dump();
}

int ThreadsOr(int64_t configured, int fallback) {
  return configured > 0 ? static_cast<int>(configured) : fallback;
}

// "a, b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = std::min(text.find(','), text.size());
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return out;
}

}  // namespace

// Members in construction order; destroyed in reverse, after Stop().
struct Service::Impl {
  ServiceConfig config;
  ServiceKeys keys;
  http::Metrics metrics;
  std::unique_ptr<WorkerPool> checks;  // registration checks
  api::StatementSpool statement_spool;  // large registrations: data dir, checks pool
  std::unique_ptr<WorkerPool> reads;   // store reads
  std::unique_ptr<WorkerPool> registry_io;  // registry uploads, downloads, manifest stores
  std::unique_ptr<WorkerPool> gate_work;    // deployment gate decisions (when configured)
  api::Scheduler scheduler;
  storage::RegistryStores registry_stores;
  std::unique_ptr<registry::BlobLocations> payload_locations;  // the pipeline checks with it
  std::unique_ptr<log::TransparencyLog> log;
  std::unique_ptr<registration::Pipeline> pipeline;
  std::unique_ptr<registry::PipelineRegistrar> statement_registrar;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<evidence::EvidenceStore> evidence;
  std::unique_ptr<evidence::RegistryPreimages> preimages;  // the indexer reads with it
  std::unique_ptr<evidence::DependencyGraph> graph;        // the walks read it; the indexer extends it
  std::optional<gates::GateConfig> gate_config;
  std::unique_ptr<gates::ImageGate> gate;  // the indexer tells it of new evidence
  std::unique_ptr<evidence::StatementIndexer> indexer;
  std::unique_ptr<log::LogFollower> index_follower;
  std::unique_ptr<registry::LogAttacher> attacher;
  std::unique_ptr<log::LogFollower> attach_follower;  // stays behind index_follower
  api::OciDeps oci;  // filled by AddRoutes, before `ready`
  std::unique_ptr<api::Guard> guard;
  // Filled once, before `ready` is set; read by the I/O threads only after.
  std::shared_ptr<http::Router> router = std::make_shared<http::Router>();
  std::atomic<bool> ready{false};
  std::unique_ptr<http::Server> server;
  StartupInfo info;
  bool stopped = false;

  void Stop() {
    if (stopped) return;
    stopped = true;
    if (server) server->Stop();  // no new requests; in-flight ones answered
    if (checks) checks->Stop();  // queued checks run and submit
    if (reads) reads->Stop();
    if (registry_io) registry_io->Stop();
    if (gate_work) gate_work->Stop();
    if (attach_follower) attach_follower->Stop();  // before the index it stays behind
    if (index_follower) index_follower->Stop();
    if (log) log->Stop();        // callbacks still reach the pipeline: stop before it goes
    scheduler.Stop();
  }

  // Statements registered before the manifest they are about was pushed:
  // attached now, found through the evidence index (the attacher's
  // follower attaches those the index has not reached yet).
  void AttachEarlierStatements(const std::string& subject) {
    evidence::StatementQuery query{.subject = subject, .limit = 256};
    for (;;) {
      auto page = evidence->FindStatements(query);
      if (!page.ok()) {
        logging::Write(logging::Level::kError, "attaching earlier statements failed",
                       {{"subject", subject}, {"error", page.error().message}});
        return;
      }
      for (const evidence::IndexedStatement& statement : page->statements) {
        auto entry = log->store().Entry(statement.entry);
        Status attached = entry.ok() ? attacher->Consume(std::move(*entry)) : Status(entry.error());
        if (!attached.ok()) {
          logging::Write(logging::Level::kError, "attaching an earlier statement failed",
                         {{"entry", statement.entry}, {"error", attached.error().message}});
        }
      }
      if (page->statements.size() < query.limit) return;
      query.after = page->statements.back().entry;
    }
  }

  // Until start-up is done, every request gets 503.
  http::Handler Front(http::Handler guarded) {
    return [this, guarded = std::move(guarded)](http::Request req, http::Responder respond) {
      if (!ready.load(std::memory_order_acquire)) {
        http::Response res =
            api::IsOciPath(req.path)
                ? api::OciErrorResponse({registry::OciCode::kUnavailable, "the service is starting"})
                : http::ProblemDetails(503, "Service Unavailable", "the service is starting");
        res.Set("Retry-After", "1");
        return respond(std::move(res));
      }
      guarded(std::move(req), std::move(respond));
    };
  }

  // The service's own statements (configuration, admission verdicts) are
  // signed with the receipt key, the service URL their issuer.
  registration::ServiceSigner Signer() const {
    return {&keys.receipt_key, keys.receipt_alg, keys.receipt_kid, config.url};
  }

  Status Listen();
  Status OpenLog(registration::TrustConfig trust, std::shared_ptr<const policy::RegistrationPolicy> policy);
  void AddRoutes();
};

Status Service::Impl::Listen() {
  SCITT_ASSIGN_OR_RETURN(auto listen, config.ListenAddress());
  SCITT_ASSIGN_OR_RETURN(http::BearerTokens tokens, LoadTokens(config.submit_tokens));
  guard = std::make_unique<api::Guard>(
      api::GuardSettings{std::move(tokens), config.rate_limit, config.anonymous_pull}, metrics);
  http::ServerOptions options;
  options.host = listen.first;
  options.port = listen.second;
  options.threads = ThreadsOr(config.threads, 2);
  options.tls_cert_file = config.tls_cert;
  options.tls_key_file = config.tls_key;
  options.tls_client_ca_file = config.tls_client_ca;
  options.max_body_bytes = static_cast<size_t>(config.max_statement_bytes);
  auto positive = [](int64_t v) { return static_cast<size_t>(std::max<int64_t>(1, v)); };
  options.max_header_bytes = positive(config.max_header_bytes);
  options.max_chunk_line_bytes = positive(config.max_chunk_line_bytes);
  options.max_trailer_bytes = positive(config.max_trailer_bytes);
  options.max_queued_response_bytes = positive(config.max_queued_response_bytes);
  options.max_queued_response_bytes_total = positive(config.max_queued_response_bytes_total);
  options.max_connections = positive(config.max_connections);
  options.max_connections_per_address = positive(config.max_connections_per_address);
  options.admit = guard->Admission();
  // Registry uploads and manifest pushes stream their bodies (api/oci); the
  // registry exists once start-up is done (requests before get 503).
  // Large registrations are written to scratch files in the data directory,
  // where the registrar checks them and the log appends them from.
  options.stream_body = [this, max_statement = static_cast<uint64_t>(config.max_statement_bytes)](
                            const http::Request& head) -> std::shared_ptr<http::BodySink> {
    if (!ready.load(std::memory_order_acquire)) return nullptr;
    if (auto sink = api::OciBodySink(oci, head)) return sink;
    return api::StatementBodySink(head, max_statement, statement_spool);
  };
  options.render_refusal = api::RenderRefusal;
  server = std::make_unique<http::Server>(options, Front([router = router](http::Request req, http::Responder respond) {
    router->Dispatch(std::move(req), std::move(respond));
  }));
  SCITT_RETURN_IF_ERROR(server->Start());
  FinishDefaults(&config, server->port());  // the URL names the port actually bound
  return Status::Ok();
}

Status Service::Impl::OpenLog(registration::TrustConfig trust,
                              std::shared_ptr<const policy::RegistrationPolicy> policy) {
  SCITT_ASSIGN_OR_RETURN(keys, LoadOrCreateServiceKeys(config.data));
  storage::StoreOptions store_options;
  store_options.signed_content_of = log::SignedContentOf;
  SCITT_ASSIGN_OR_RETURN(auto store, storage::OpenStore(config.store, store_options));
  info.created = store->size() == 0;
  log::LogKeys log_keys{keys.receipt_key, keys.receipt_alg, keys.receipt_kid, keys.checkpoint_key};
  log::LogOptions options;
  options.origin = config.origin;
  options.issuer = config.url;
  options.max_batch_delay = std::chrono::microseconds(config.batch_delay_us);
  options.max_batch_size = static_cast<size_t>(std::max<int64_t>(1, config.batch_size));
  options.clock = Now;
  options.commit_delay = std::chrono::milliseconds(config.test_commit_delay_ms);
  SCITT_ASSIGN_OR_RETURN(log, log::TransparencyLog::Open(std::move(store), log_keys, options));

  // The trust configuration and the policy in force are log entries; every
  // registration records the policy entry it was judged by. The two service
  // statements themselves record 0 (no policy judged them).
  const registration::ServiceSigner signer = Signer();
  SCITT_RETURN_IF_ERROR(
      registration::RegisterIfChanged(*log, signer, registration::kTrustConfiguration, trust.CanonicalJson(), 0, Now()));
  SCITT_ASSIGN_OR_RETURN(uint64_t policy_index,
                         registration::RegisterIfChanged(*log, signer, registration::kRegistrationPolicy,
                                                         policy->canonical_json(), 0, Now()));
  auto registrar = std::make_shared<const registration::Registrar>(
      std::move(trust), std::move(policy), static_cast<size_t>(config.max_statement_bytes),
      static_cast<size_t>(std::max<int64_t>(config.identity_cache_entries, 0)));
  registration::PipelineOptions pipeline_options;
  pipeline_options.clock = Now;
  pipeline_options.max_pending_bytes = static_cast<size_t>(config.max_pending_bytes);
  pipeline_options.payload_locations = payload_locations.get();
  pipeline = std::make_unique<registration::Pipeline>(std::move(registrar), *log, policy_index, pipeline_options);
  return Status::Ok();
}

void Service::Impl::AddRoutes() {
  api::DescribeServiceMetrics(metrics);
  api::ScrapiDeps scrapi;
  scrapi.pipeline = pipeline.get();
  scrapi.log = log.get();
  scrapi.checks = checks.get();
  scrapi.reads = reads.get();
  scrapi.scheduler = &scheduler;
  scrapi.metrics = &metrics;
  scrapi.register_timeout = std::chrono::milliseconds(config.register_timeout_ms);
  scrapi.service_url = config.url;
  scrapi.published_keys = PublishedCoseKeys(keys);
  scrapi.jwks = JwksDocument(keys);
  api::AddScrapiRoutes(scrapi, *router);
  // The registry extension _scitt (docs/scitt-in-oci.md): the same routes,
  // added before the /v2/ routes, which would otherwise take these paths.
  api::AddScrapiRoutes(scrapi, *router, std::string(api::kRegistryPrefix));

  api::LogReadDeps log_reads;
  log_reads.log = log.get();
  log_reads.reads = reads.get();
  log_reads.max_page_bytes = static_cast<size_t>(config.max_page_bytes);
  api::AddLogReadRoutes(log_reads, *router);

  api::EvidenceDeps evidence_reads;
  evidence_reads.store = evidence.get();
  evidence_reads.graph = graph.get();
  evidence_reads.log = log.get();
  evidence_reads.reads = reads.get();
  api::AddEvidenceRoutes(evidence_reads, *router);

  api::AppraisalDeps appraisals;
  appraisals.store = evidence.get();
  appraisals.graph = graph.get();
  appraisals.log = log.get();
  appraisals.reads = reads.get();
  appraisals.now = Now;
  api::AddAppraisalRoutes(appraisals, *router);

  if (gate) {
    api::GateDeps gate_deps;
    gate_deps.gate = gate.get();
    gate_deps.log = log.get();
    gate_deps.signer = Signer();
    gate_deps.work = gate_work.get();
    gate_deps.metrics = &metrics;
    gate_deps.now = Now;
    gate_deps.gatekeeper_needs_client_certificate = !config.tls_client_ca.empty();
    api::AddGateRoutes(gate_deps, *router);
  }

  api::StatusDeps status;
  status.log = log.get();
  status.pipeline = pipeline.get();
  status.checks = checks.get();
  status.reads = reads.get();
  status.registry_io = registry_io.get();
  status.registry = registry.get();
  status.metrics = &metrics;
  status.origin = config.origin;
  api::AddStatusRoutes(status, *router);

  oci.registry = registry.get();
  oci.work = registry_io.get();
  oci.checks = checks.get();
  oci.max_blob_bytes = static_cast<uint64_t>(std::max<int64_t>(0, config.max_blob_bytes));
  api::AddOciRoutes(oci, *router);
}

Result<std::unique_ptr<Service>> Service::Start(ServiceConfig config) {
  std::unique_ptr<Service> service(new Service());
  service->impl_ = std::make_unique<Impl>();
  Impl& impl = *service->impl_;
  impl.config = std::move(config);
  const ServiceConfig& cfg = impl.config;

  // Configuration files first: a typo fails before anything is opened.
  SCITT_ASSIGN_OR_RETURN(registration::TrustConfig trust, LoadTrust(cfg));
  SCITT_ASSIGN_OR_RETURN(auto policy, LoadPolicy(cfg));
  SCITT_ASSIGN_OR_RETURN(impl.gate_config, LoadGates(cfg));
  if (policy->allow_duplicates()) {
    return MakeError(ErrorCode::kUnsupported,
                     "the policy sets allow_duplicates, which this log does not support yet: "
                     "its entries are unique by signed content, and a statement sent twice returns the first entry");
  }

  SCITT_RETURN_IF_ERROR(impl.Listen());
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl.checks = std::make_unique<WorkerPool>(WorkerPoolOptions{"checks", ThreadsOr(cfg.check_workers, cores),
                                                               static_cast<size_t>(cfg.max_queued_requests),
                                                               static_cast<size_t>(cfg.max_queued_bytes)});
  impl.statement_spool = {cfg.data, impl.checks.get()};
  impl.reads = std::make_unique<WorkerPool>(WorkerPoolOptions{"reads", ThreadsOr(cfg.read_workers, 4),
                                                              static_cast<size_t>(cfg.max_queued_requests),
                                                              static_cast<size_t>(cfg.max_queued_bytes)});
  impl.registry_io = std::make_unique<WorkerPool>(
      WorkerPoolOptions{"registry", ThreadsOr(cfg.registry_workers, 32), static_cast<size_t>(cfg.max_queued_requests),
                        static_cast<size_t>(cfg.max_queued_bytes)});
  if (impl.gate_config) {
    impl.gate_work = std::make_unique<WorkerPool>(
        WorkerPoolOptions{"gates", ThreadsOr(cfg.gate_workers, 8), static_cast<size_t>(cfg.max_queued_requests),
                          static_cast<size_t>(cfg.max_queued_bytes)});
  }
  storage::RegistryStoreOptions registry_store_options;
  registry_store_options.max_uploads = static_cast<size_t>(std::max<int64_t>(1, cfg.max_uploads));
  registry_store_options.upload_expiry = std::chrono::seconds(std::max<int64_t>(1, cfg.upload_expiry_s));
  registry_store_options.max_blob_bytes = static_cast<uint64_t>(std::max<int64_t>(0, cfg.max_blob_bytes));
  SCITT_ASSIGN_OR_RETURN(impl.registry_stores, storage::OpenRegistryStores(cfg.store, registry_store_options));
  // Hash envelopes whose payload-location names a blob of the registry are
  // checked against it (registry/payload_locations.h).
  impl.payload_locations = std::make_unique<registry::BlobLocations>(
      *impl.registry_stores.blobs, *impl.registry_stores.metadata, std::vector<std::string>{cfg.url});
  SCITT_RETURN_IF_ERROR(impl.OpenLog(std::move(trust), std::move(policy)));
  // The stores are open, so no other service uses this directory, and no
  // request body is taken before `ready`.
  ScratchFile::RemoveLeftovers(cfg.data);
  // A pushed statement manifest is answered once it is in the log (there is
  // no 303 in the registry API); the wait holds no thread, and the push
  // continues on the registry pool once the receipt is there.
  impl.statement_registrar = std::make_unique<registry::PipelineRegistrar>(*impl.pipeline);
  registry::RegistryOptions registry_options;
  registry_options.registrar = impl.statement_registrar.get();
  registry_options.continue_on = [pool = impl.registry_io.get()](std::function<void()> task) {
    return pool->Post(std::move(task));
  };
  registry_options.max_statement_bytes = static_cast<size_t>(cfg.max_statement_bytes);
  registry_options.unregistered_repositories = SplitList(cfg.unregistered_repositories);
  registry_options.delete_protection = cfg.delete_protection;
  registry_options.on_manifest_stored = [&impl = impl](std::string_view, const registry::Digest& digest) {
    auto attach = [&impl, subject = digest.ToString()] { impl.AttachEarlierStatements(subject); };
    if (!impl.registry_io->Post(attach)) attach();  // rare (a full queue), and never lost
  };
  impl.registry = std::make_unique<registry::Registry>(*impl.registry_stores.blobs,
                                                       *impl.registry_stores.metadata, registry_options);
  // Every registered statement is indexed from the log (evidence/statement_indexer.h).
  SCITT_ASSIGN_OR_RETURN(impl.evidence, storage::OpenEvidenceStore(cfg.store));
  // A hash envelope's preimage held by the registry is indexed too.
  impl.preimages = std::make_unique<evidence::RegistryPreimages>(
      *impl.registry_stores.blobs, *impl.registry_stores.metadata, std::vector<std::string>{cfg.url});
  // The graph's structure in memory for walks (evidence/dependency_graph.h),
  // extended as the indexer adds; read once the index is known to stay.
  impl.graph = std::make_unique<evidence::DependencyGraph>(*impl.evidence);
  impl.indexer = std::make_unique<evidence::StatementIndexer>(*impl.evidence, impl.preimages.get(), impl.graph.get());
  SCITT_RETURN_IF_ERROR(impl.indexer->Prepare());  // an index derived otherwise starts again
  if (impl.gate_config) {
    // Its decision cache learns of new evidence from the indexer.
    impl.gate = std::make_unique<gates::ImageGate>(
        gates::GateSources{.log = impl.log.get(), .store = impl.evidence.get(), .graph = impl.graph.get(),
                           .registry = impl.registry.get(), .service_host = UrlAuthority(cfg.url),
                           .now = Now},
        *impl.gate_config);
    impl.indexer->SetObserver([gate = impl.gate.get()](const std::vector<evidence::IndexedStatement>& added,
                                                       uint64_t indexed_size) { gate->EvidenceAdded(added, indexed_size); });
  }
  // Read now, off the request path.
  impl.reads->Post([graph = impl.graph.get()] {
    const auto start = std::chrono::steady_clock::now();
    if (Status loaded = graph->CatchUp(); !loaded.ok()) {
      logging::Warn("evidence graph not read (the first walk tries again)", {{"error", loaded.error().message}});
      return;
    }
    const evidence::DependencyGraph::Size size = graph->Measure();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Worth an operator's attention when walks had to wait for it.
    logging::Write(seconds >= 1 ? logging::Level::kInfo : logging::Level::kDebug, "evidence graph read",
                   {{"links", static_cast<uint64_t>(size.links)},
                    {"bytes", static_cast<uint64_t>(size.bytes)},
                    {"seconds", seconds}});
  });

  impl.index_follower = std::make_unique<log::LogFollower>(
      *impl.log, *impl.indexer, log::FollowerOptions{.name = std::string(evidence::StatementIndexer::kFollower)});
  // Statements registered by POST /entries about a manifest of the registry
  // become its referrers (registry/log_attacher.h): as the log grows, and
  // when a manifest they are about is pushed later (AttachEarlierStatements).
  // The attacher stays behind the index, so that a manifest pushed meanwhile
  // finds in the index every statement the attacher has not yet read.
  impl.attacher = std::make_unique<registry::LogAttacher>(*impl.registry, *impl.registry_stores.metadata,
                                                          *impl.log);
  impl.attach_follower = std::make_unique<log::LogFollower>(
      *impl.log, *impl.attacher,
      log::FollowerOptions{.name = std::string(registry::LogAttacher::kFollower), .ceiling = [&impl = impl] {
                             auto indexed = impl.evidence->IndexedSize();
                             return indexed.ok() ? *indexed : uint64_t{0};
                           }});
  impl.AddRoutes();
  impl.ready.store(true, std::memory_order_release);

  impl.info.url = cfg.url;
  impl.info.origin = cfg.origin;
  impl.info.receipt_kid = HexEncode(impl.keys.receipt_kid);
  impl.info.checkpoint_key = impl.log->CheckpointVerifierKey();
  impl.info.tree_size = impl.log->size();
  return service;
}

Service::~Service() {
  if (impl_) impl_->Stop();
}

const StartupInfo& Service::info() const { return impl_->info; }
uint16_t Service::port() const { return impl_->server->port(); }
void Service::Stop() { impl_->Stop(); }

}  // namespace scitt::service
