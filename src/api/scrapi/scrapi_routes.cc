#include "api/scrapi/scrapi_routes.h"

#include <atomic>
#include <charconv>
#include <memory>
#include <variant>

#include "api/dispatch.h"
#include "api/params.h"
#include "api/problems.h"
#include "base/mapped_bytes.h"
#include "cbor/encoder.h"
#include "cose/labels.h"
#include "cose/transparent_statement.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;
using Deps = std::shared_ptr<const ScrapiDeps>;

// The receipt media type the client accepts: SCRAPI examples use
// application/cose, RFC 9943 registers application/scitt-receipt+cose.
std::optional<std::string> ReceiptType(const Request& req) {
  auto accept = req.Header("Accept");
  if (http::Accepts(accept, cose::media_type::kReceipt)) return std::string(cose::media_type::kReceipt);
  if (http::Accepts(accept, cose::media_type::kCose)) return std::string(cose::media_type::kCose);
  return std::nullopt;
}

std::optional<std::string> StatementType(const Request& req) {
  auto accept = req.Header("Accept");
  if (http::Accepts(accept, cose::media_type::kStatement)) return std::string(cose::media_type::kStatement);
  if (http::Accepts(accept, cose::media_type::kCose)) return std::string(cose::media_type::kCose);
  return std::nullopt;
}

Response NotAcceptable(const std::string& what) {
  return http::ProblemDetails(406, "Not Acceptable", "this resource is only available as " + what);
}

constexpr char kReceiptTypes[] = "application/scitt-receipt+cose or application/cose";

std::string EntryLocation(uint64_t index) { return "/entries/" + std::to_string(index); }

Response ReceiptResponse(int status, const Bytes& receipt, const std::string& type, uint64_t index) {
  Response res = CborResponse(status, receipt, type);
  res.Set("Location", EntryLocation(index));
  res.log_fields.emplace_back("entry", std::to_string(index));
  return res;
}

bool MediaTypeIs(const std::optional<std::string>& header, std::string_view type) {
  if (!header) return false;
  std::string value = header->substr(0, header->find(';'));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  if (value.size() != type.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != type[i]) return false;
  }
  return true;
}

// Shared by the 201 path and the 303 timer: whoever answers first wins.
struct PendingRegistration {
  std::atomic<bool> answered{false};
  Responder respond;
  std::string receipt_type;
  std::string operation_id;
  std::chrono::steady_clock::time_point started;
};

// Bytes before a statement written to a scratch file: room for the tag
// the registered form may add in front (cose::Sign1::RegisteredFormInPlace).
constexpr size_t kFrontRoom = 16;

// A large registration's body, written to a scratch file in the data
// directory as it arrives and mapped for the registrar, so that it never
// enters the heap. Writes run on the checks pool: they may wait for the disk.
class StatementFileSink final : public http::BodySink, public std::enable_shared_from_this<StatementFileSink> {
 public:
  StatementFileSink(std::string dir, WorkerPool& pool, uint64_t max_bytes)
      : dir_(std::move(dir)), pool_(pool), max_bytes_(max_bytes) {}

  uint64_t max_bytes() const noexcept override { return max_bytes_; }

  void Write(ByteView piece, Done done) override {
    // `piece` stays valid until `done` is called: the task uses it in place.
    auto task = [self = shared_from_this(), piece, done] {
      Status written = self->Open();
      if (written.ok()) written = self->file_->Append(piece);
      done(written.ok() ? std::nullopt : std::optional<Response>(NotStored(written.error())));
    };
    if (!pool_.Post(std::move(task), 0)) {
      done(http::ProblemDetails(503, "Service Unavailable", "the service is busy; retry shortly"));
    }
  }

  void Abort() override {
    // Closing frees the file's pages, which may take a while: not here.
    auto task = [self = shared_from_this()] { self->file_.reset(); };
    if (!pool_.Post(task, 0)) task();
  }

  // Once the whole body is in: the statement, mapped writable, with
  // kFrontRoom bytes of the mapping before it.
  Result<std::shared_ptr<MappedBytes>> Map() {
    SCITT_RETURN_IF_ERROR(Open());  // a chunked body may have had no bytes
    SCITT_ASSIGN_OR_RETURN(std::shared_ptr<MappedBytes> mapped, file_->MapWritable());
    file_.reset();  // the mapping keeps the file
    mapped->Narrow(ByteView(mapped->writable()).subspan(kFrontRoom));
    return mapped;
  }

  static Response NotStored(const Error& error) {
    return http::ProblemDetails(503, "Service Unavailable",
                                "the statement could not be stored for its checks: " + error.message);
  }

 private:
  Status Open() {
    if (file_) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(file_, ScratchFile::Create(dir_));
    constexpr uint8_t kRoom[kFrontRoom] = {};
    return file_->Append(kRoom);
  }

  const std::string dir_;
  WorkerPool& pool_;
  const uint64_t max_bytes_;
  std::unique_ptr<ScratchFile> file_;  // from the first Write (or Map)
};

// On a worker: the checks, then the log.
void Register(const Deps& deps, Request req, Responder respond, std::string receipt_type) {
  auto pending = std::make_shared<PendingRegistration>();
  pending->receipt_type = std::move(receipt_type);
  pending->started = std::chrono::steady_clock::now();
  pending->respond = std::move(respond);
  http::Metrics& metrics = *deps->metrics;

  auto on_registered = [deps, pending](Result<registration::Registered> r) {
    http::Metrics& metrics = *deps->metrics;
    if (!r.ok()) {
      metrics.Increment("scitt_refusals_total", {{"reason", "log_error"}});
      if (!pending->answered.exchange(true)) {
        // 5xx: transient, the client may retry (SCRAPI §2).
        pending->respond(http::ProblemDetails(503, "Registration Failed", r.error().message));
      }
      return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->started).count();
    metrics.Observe("scitt_registration_seconds", seconds);
    metrics.Increment("scitt_registrations_total", {{"result", r->existed ? "existing" : "new"}});
    if (!pending->answered.exchange(true)) {
      pending->respond(ReceiptResponse(201, r->receipt, pending->receipt_type, r->index));
    }
  };
  // A large body was taken by StatementBodySink's sink: its scratch file or
  // buffer is where the registrar works and what the log appends from.
  std::variant<registration::Submitted, registration::Refusal, Error> outcome;
  if (auto* file = dynamic_cast<StatementFileSink*>(req.body_stream.get())) {
    auto mapped = file->Map();
    if (!mapped.ok()) return pending->respond(StatementFileSink::NotStored(mapped.error()));
    outcome = deps->pipeline->Register(std::move(*mapped), std::move(on_registered));
  } else {
    auto* sink = dynamic_cast<http::BufferSink*>(req.body_stream.get());
    Bytes statement = sink != nullptr ? std::move(sink->body()) : Bytes(req.body.begin(), req.body.end());
    outcome = deps->pipeline->Register(std::move(statement), std::move(on_registered));
  }

  if (auto* refusal = std::get_if<registration::Refusal>(&outcome)) {
    metrics.Increment("scitt_refusals_total", {{"reason", refusal->reason}});
    Response res = ProblemFor(*refusal);
    res.log_fields.emplace_back("refused", refusal->reason);
    pending->answered = true;
    return pending->respond(std::move(res));
  }
  if (auto* error = std::get_if<Error>(&outcome)) {
    metrics.Increment("scitt_refusals_total", {{"reason", "busy"}});
    pending->answered = true;
    return pending->respond(ProblemFor(*error));
  }
  pending->operation_id = std::get<registration::Submitted>(outcome).operation_id;
  // Weak: a registration answered with its receipt frees its state at once
  // instead of when the timer fires.
  deps->scheduler->After(deps->register_timeout, [weak = std::weak_ptr<PendingRegistration>(pending)] {
    auto pending = weak.lock();
    if (pending == nullptr || pending->answered.exchange(true)) return;
    Response res;
    res.status = 303;
    res.Set("Location", "/operations/" + pending->operation_id);
    res.Set("Retry-After", "1");
    pending->respond(std::move(res));
  });
}

// On the I/O thread: only what needs no work, then the checks go to a worker.
http::Handler RegisterRoute(const Deps& deps) {
  http::Handler check = OnPool(*deps->checks, [deps](Request req, Responder respond) {
    std::string receipt_type = ReceiptType(req).value_or(std::string(cose::media_type::kReceipt));
    Register(deps, std::move(req), std::move(respond), std::move(receipt_type));
  });
  return [deps, check](Request req, Responder respond) {
    if (!MediaTypeIs(req.Header("Content-Type"), cose::media_type::kCose) &&
        !MediaTypeIs(req.Header("Content-Type"), cose::media_type::kStatement)) {
      deps->metrics->Increment("scitt_refusals_total", {{"reason", "unsupported_media_type"}});
      return respond(http::ProblemDetails(415, "Unsupported Media Type",
                                          "send the signed statement as application/cose or "
                                          "application/scitt-statement+cose"));
    }
    if (!ReceiptType(req)) return respond(NotAcceptable(kReceiptTypes));
    check(std::move(req), std::move(respond));
  };
}

void GetOperation(const ScrapiDeps& deps, const Request& req, const Responder& respond) {
  const std::string& id = req.params.at("id");
  if (auto state = deps.pipeline->operations().Find(id)) {
    if (state->failed) return respond(http::ProblemDetails(500, "Registration Failed", state->error));
    Response res;
    res.status = 302;
    res.Set("Location", "/operations/" + id);
    res.Set("Retry-After", "1");
    return respond(std::move(res));
  }
  // Done: the operation id is the statement's signed content hash.
  std::optional<uint64_t> index;
  if (auto digest = id.size() == 64 ? HexDecode(id) : std::nullopt) {
    crypto::Sha256Digest signed_content;
    std::copy(digest->begin(), digest->end(), signed_content.begin());
    auto found = deps.log->FindSignedContent(signed_content);
    if (!found.ok()) return respond(ProblemFor(found.error()));
    index = *found;
  }
  if (!index) return respond(http::ProblemDetails(404, "Operation Not Found", "no registration operation " + id));
  auto receipt_type = ReceiptType(req);
  if (!receipt_type) return respond(NotAcceptable(kReceiptTypes));
  auto receipt = deps.log->InclusionReceipt(*index);
  if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
  respond(ReceiptResponse(200, *receipt, *receipt_type, *index));
}

void GetEntryReceipt(const ScrapiDeps& deps, const Request& req, const Responder& respond) {
  auto index = ResolveEntryId(*deps.log, req.params.at("id"));
  if (!index.ok()) return respond(ProblemFor(index.error()));
  auto receipt_type = ReceiptType(req);
  if (!receipt_type) return respond(NotAcceptable(kReceiptTypes));
  auto tree_size = QueryNumber(req, "tree-size");
  if (!tree_size.ok()) return respond(ProblemFor(tree_size.error()));
  auto receipt = deps.log->InclusionReceipt(*index, *tree_size);
  if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
  respond(ReceiptResponse(200, *receipt, *receipt_type, *index));
}

void GetTransparentStatement(const ScrapiDeps& deps, const Request& req, const Responder& respond) {
  auto index = ResolveEntryId(*deps.log, req.params.at("id"));
  if (!index.ok()) return respond(ProblemFor(index.error()));
  auto type = StatementType(req);
  if (!type) return respond(NotAcceptable("application/scitt-statement+cose or application/cose"));
  auto tree_size = QueryNumber(req, "tree-size");
  if (!tree_size.ok()) return respond(ProblemFor(tree_size.error()));
  auto entry = deps.log->Entry(*index);
  if (!entry.ok()) return respond(ProblemFor(entry.error()));
  auto receipt = deps.log->InclusionReceipt(*index, *tree_size);
  if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
  // The stored registered statement is spliced, never re-parsed (issue 10 #3:
  // a hostile header would cost its parse again on every read). A stored
  // statement not in registered form is damage: 500, not the client's fault.
  auto transparent = cose::TransparentFromRegistered(entry->statement, {*receipt});
  if (!transparent.ok()) {
    return respond(http::ProblemDetails(500, "Internal Error", "entry " + std::to_string(*index) +
                                                                   " is damaged: " + transparent.error().message));
  }
  Response res = CborResponse(200, *transparent, *type);
  res.Set("Location", EntryLocation(*index));
  res.log_fields.emplace_back("entry", std::to_string(*index));
  respond(std::move(res));
}

void GetKeys(const ScrapiDeps& deps, const Request&, const Responder& respond) {
  cbor::Array keys;
  for (const auto& [kid, key] : deps.published_keys) keys.push_back(key);
  Response res = CborResponse(200, cbor::Encode(cbor::Value::FromArray(std::move(keys))), cose::media_type::kCbor);
  res.Set("Cache-Control", "max-age=300");
  respond(std::move(res));
}

// The kid is base64url in the path (SCRAPI §2.1); hex is accepted too.
void GetKey(const ScrapiDeps& deps, const Request& req, const Responder& respond) {
  const std::string& text = req.params.at("kid");
  std::optional<Bytes> kid = Base64UrlDecode(text);
  std::optional<Bytes> hex_kid = HexDecode(text);
  for (const auto& [key_kid, key] : deps.published_keys) {
    if ((kid && *kid == key_kid) || (hex_kid && *hex_kid == key_kid)) {
      return respond(CborResponse(200, cbor::Encode(key), cose::media_type::kCbor));
    }
  }
  respond(http::ProblemDetails(404, "No such key", "No key could be found for this kid value"));
}

// Older SCRAPI drafts and Microsoft's service: discovery document and JWKS.
void GetTransparencyConfiguration(const ScrapiDeps& deps, const Request&, const Responder& respond) {
  cbor::Value doc = cbor::Value::FromMap({cbor::Entry("issuer", cbor::Value::Text(deps.service_url)),
                                          cbor::Entry("jwks_uri", cbor::Value::Text(deps.service_url + "/jwks"))});
  respond(CborResponse(200, cbor::Encode(doc), cose::media_type::kCbor));
}

void GetJwks(const ScrapiDeps& deps, const Request&, const Responder& respond) {
  Response res;
  res.Set("Content-Type", "application/json");
  res.body = deps.jwks;
  respond(std::move(res));
}

using RouteFn = void (*)(const ScrapiDeps&, const Request&, const Responder&);

http::Handler Bind(const Deps& deps, RouteFn fn) {
  return [deps, fn](Request req, Responder respond) { fn(*deps, req, respond); };
}

}  // namespace

std::shared_ptr<http::BodySink> StatementBodySink(const http::Request& head, uint64_t max_bytes,
                                                  const StatementSpool& spool) {
  constexpr std::string_view kEntries = "/entries";
  const std::string_view path = head.path;
  const bool entries = path == kEntries || (path.starts_with(kRegistryPrefix) && path.substr(kRegistryPrefix.size()) == kEntries);
  if (head.method != "POST" || !entries) return nullptr;
  std::optional<uint64_t> length;
  if (const auto header = head.Header("Content-Length")) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(header->data(), header->data() + header->size(), value);
    if (error != std::errc() || end != header->data() + header->size()) return nullptr;  // the server refuses it
    if (value < kStatementSinkFrom) return nullptr;
    length = value;
  }
  if (!spool.dir.empty() && spool.pool != nullptr) {
    return std::make_shared<StatementFileSink>(spool.dir, *spool.pool, max_bytes);
  }
  // Room for the tag the registered form may add in front
  // (cose::Sign1::TakeRegisteredForm), so that it moves nothing.
  return std::make_shared<http::BufferSink>(max_bytes, length && *length <= max_bytes ? *length + kFrontRoom : 0);
}

void AddScrapiRoutes(const ScrapiDeps& deps_in, http::Router& router, const std::string& prefix) {
  auto deps = std::make_shared<const ScrapiDeps>(deps_in);
  WorkerPool& reads = *deps->reads;
  router.Add("POST", prefix + "/entries", RegisterRoute(deps));
  // Each reads the store: on a worker.
  router.Add("GET", prefix + "/operations/{id}", OnPool(reads, Bind(deps, GetOperation)));
  router.Add("GET", prefix + "/entries/{id}", OnPool(reads, Bind(deps, GetEntryReceipt)));
  router.Add("GET", prefix + "/entries/{id}/statement", OnPool(reads, Bind(deps, GetTransparentStatement)));
  // From memory: on the I/O thread.
  router.Add("GET", prefix + "/.well-known/scitt-keys", Bind(deps, GetKeys));
  router.Add("GET", prefix + "/.well-known/scitt-keys/{kid}", Bind(deps, GetKey));
  router.Add("GET", prefix + "/.well-known/transparency-configuration", Bind(deps, GetTransparencyConfiguration));
  router.Add("GET", prefix + "/jwks", Bind(deps, GetJwks));
}

}  // namespace scitt::api
