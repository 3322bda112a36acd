// SCRAPI resources (draft-ietf-scitt-scrapi): registration with its 201 /
// 303 → 302 → 200 flow, receipts, transparent statements, and the service
// keys.
#include <chrono>
#include <ctime>
#include <memory>

#include <nlohmann/json.hpp>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "service/context.h"

namespace scitt::service {
namespace {

using http::Request;
using http::Responder;
using http::Response;

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

std::string EntryLocation(uint64_t index) { return "/entries/" + std::to_string(index); }

Response ReceiptResponse(int status, const Bytes& receipt, const std::string& type, uint64_t index) {
  Response res = CborResponse(status, receipt, type);
  res.Set("Location", EntryLocation(index));
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

void Register(ServiceContext& ctx, Request req, Responder respond) {
  if (!MediaTypeIs(req.Header("Content-Type"), cose::media_type::kCose) &&
      !MediaTypeIs(req.Header("Content-Type"), cose::media_type::kStatement)) {
    ctx.metrics.Increment("scitt_refusals_total", {{"reason", "unsupported_media_type"}});
    return respond(http::ProblemDetails(415, "Unsupported Media Type",
                                        "send the signed statement as application/cose or "
                                        "application/scitt-statement+cose"));
  }
  auto receipt_type = ReceiptType(req);
  if (!receipt_type) return respond(NotAcceptable("application/scitt-receipt+cose or application/cose"));

  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto checked = ctx.registrar->Check(AsBytes(req.body), now);
  if (auto* refusal = std::get_if<registration::Refusal>(&checked)) {
    ctx.metrics.Increment("scitt_refusals_total", {{"reason", refusal->reason}});
    return respond(http::ProblemDetails(refusal->status, refusal->title, refusal->detail));
  }
  auto& accepted = std::get<registration::Accepted>(checked);

  auto pending = std::make_shared<PendingRegistration>();
  pending->respond = std::move(respond);
  pending->receipt_type = *receipt_type;
  pending->operation_id = HexEncode(accepted.entry_hash);
  pending->started = std::chrono::steady_clock::now();
  ctx.operations.Start(pending->operation_id);

  log::LogEntry entry;
  entry.entry_hash = accepted.entry_hash;
  entry.signed_content = accepted.signed_content;
  entry.statement = std::move(accepted.registered_statement);
  entry.collateral = std::move(accepted.collateral);
  entry.registered_at = now;
  entry.policy_index = ctx.policy_index.load();

  ctx.log->Submit(std::move(entry), [&ctx, pending](Result<log::Appended> result) {
    if (!result.ok()) {
      ctx.operations.Fail(pending->operation_id, result.error().message);
      ctx.metrics.Increment("scitt_refusals_total", {{"reason", "log_error"}});
      if (!pending->answered.exchange(true)) {
        // 5xx: transient, the client may retry (SCRAPI §2).
        pending->respond(http::ProblemDetails(503, "Registration Failed", result.error().message));
      }
      return;
    }
    ctx.operations.Complete(pending->operation_id);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->started).count();
    ctx.metrics.Observe("scitt_registration_seconds", seconds);
    ctx.metrics.Increment("scitt_registrations_total", {{"result", result->existed ? "existing" : "new"}});
    if (!pending->answered.exchange(true)) {
      pending->respond(ReceiptResponse(201, result->receipt, pending->receipt_type, result->index));
    }
  });

  // Weak: a registration answered with its receipt frees its state at once
  // instead of when the timer fires.
  ctx.scheduler.After(std::chrono::milliseconds(ctx.config.register_timeout_ms),
                      [weak = std::weak_ptr<PendingRegistration>(pending)] {
    auto pending = weak.lock();
    if (pending == nullptr || pending->answered.exchange(true)) return;
    Response res;
    res.status = 303;
    res.Set("Location", "/operations/" + pending->operation_id);
    res.Set("Retry-After", "1");
    pending->respond(std::move(res));
  });
}

void GetOperation(ServiceContext& ctx, const Request& req, const Responder& respond) {
  const std::string& id = req.params.at("id");
  if (auto state = ctx.operations.Find(id)) {
    if (state->failed) return respond(http::ProblemDetails(500, "Registration Failed", state->error));
    Response res;
    res.status = 302;
    res.Set("Location", "/operations/" + id);
    res.Set("Retry-After", "1");
    return respond(std::move(res));
  }
  auto index = id.size() == 64 ? ResolveEntryId(ctx, id) : Result<uint64_t>(MakeError(ErrorCode::kNotFound, ""));
  if (!index.ok()) {
    return respond(http::ProblemDetails(404, "Operation Not Found", "no registration operation " + id));
  }
  auto receipt_type = ReceiptType(req);
  if (!receipt_type) return respond(NotAcceptable("application/scitt-receipt+cose or application/cose"));
  auto receipt = ctx.log->InclusionReceipt(*index);
  if (!receipt.ok()) return respond(ErrorResponse(receipt.error()));
  respond(ReceiptResponse(200, *receipt, *receipt_type, *index));
}

void GetEntryReceipt(ServiceContext& ctx, const Request& req, const Responder& respond) {
  auto index = ResolveEntryId(ctx, req.params.at("id"));
  if (!index.ok()) return respond(ErrorResponse(index.error()));
  auto receipt_type = ReceiptType(req);
  if (!receipt_type) return respond(NotAcceptable("application/scitt-receipt+cose or application/cose"));
  auto tree_size = QueryNumber(req, "tree-size");
  if (!tree_size.ok()) return respond(ErrorResponse(tree_size.error()));
  auto receipt = ctx.log->InclusionReceipt(*index, *tree_size);
  if (!receipt.ok()) return respond(ErrorResponse(receipt.error()));
  respond(ReceiptResponse(200, *receipt, *receipt_type, *index));
}

void GetTransparentStatement(ServiceContext& ctx, const Request& req, const Responder& respond) {
  auto index = ResolveEntryId(ctx, req.params.at("id"));
  if (!index.ok()) return respond(ErrorResponse(index.error()));
  auto type = StatementType(req);
  if (!type) return respond(NotAcceptable("application/scitt-statement+cose or application/cose"));
  auto tree_size = QueryNumber(req, "tree-size");
  if (!tree_size.ok()) return respond(ErrorResponse(tree_size.error()));
  auto entry = ctx.log->Entry(*index);
  if (!entry.ok()) return respond(ErrorResponse(entry.error()));
  auto receipt = ctx.log->InclusionReceipt(*index, *tree_size);
  if (!receipt.ok()) return respond(ErrorResponse(receipt.error()));
  auto statement = cose::Sign1::Parse(entry->statement);
  if (!statement.ok()) return respond(ErrorResponse(statement.error()));
  Response res = CborResponse(200, cose::AttachReceipts(*statement, {*receipt}), *type);
  res.Set("Location", EntryLocation(*index));
  respond(std::move(res));
}

void GetKeys(ServiceContext& ctx, const Request&, const Responder& respond) {
  cbor::Array keys;
  for (auto& [kid, key] : PublishedCoseKeys(ctx.keys)) keys.push_back(std::move(key));
  Response res = CborResponse(200, cbor::Encode(cbor::Value::FromArray(std::move(keys))), cose::media_type::kCbor);
  res.Set("Cache-Control", "max-age=300");
  respond(std::move(res));
}

// The kid is base64url in the path (SCRAPI §2.1); hex is accepted too.
void GetKey(ServiceContext& ctx, const Request& req, const Responder& respond) {
  const std::string& text = req.params.at("kid");
  std::optional<Bytes> kid = Base64UrlDecode(text);
  std::optional<Bytes> hex_kid = HexDecode(text);
  for (auto& [key_kid, key] : PublishedCoseKeys(ctx.keys)) {
    if ((kid && *kid == key_kid) || (hex_kid && *hex_kid == key_kid)) {
      return respond(CborResponse(200, cbor::Encode(key), cose::media_type::kCbor));
    }
  }
  respond(http::ProblemDetails(404, "No such key", "No key could be found for this kid value"));
}

// Older SCRAPI drafts and Microsoft's service: discovery document and JWKS.
void GetTransparencyConfiguration(ServiceContext& ctx, const Request&, const Responder& respond) {
  cbor::Value doc = cbor::Value::FromMap({cbor::Entry("issuer", cbor::Value::Text(ctx.config.url)),
                                          cbor::Entry("jwks_uri", cbor::Value::Text(ctx.config.url + "/jwks"))});
  respond(CborResponse(200, cbor::Encode(doc), cose::media_type::kCbor));
}

void GetJwks(ServiceContext& ctx, const Request&, const Responder& respond) {
  nlohmann::json keys = nlohmann::json::array();
  keys.push_back(ctx.keys.receipt_key.public_key().ToJwk(HexEncode(ctx.keys.receipt_kid), ctx.keys.receipt_alg));
  for (const auto& retired : ctx.keys.retired) keys.push_back(retired.ToJwk(HexEncode(retired.Thumbprint())));
  Response res;
  res.Set("Content-Type", "application/json");
  res.body = nlohmann::json{{"keys", keys}}.dump();
  respond(std::move(res));
}

}  // namespace

void AddScrapiRoutes(ServiceContext& ctx, http::Router& router) {
  router.Add("POST", "/entries", [&ctx](Request req, Responder respond) {
    Register(ctx, std::move(req), std::move(respond));
  });
  router.Add("GET", "/operations/{id}", Bind(ctx, GetOperation));
  router.Add("GET", "/entries/{id}", Bind(ctx, GetEntryReceipt));
  router.Add("GET", "/entries/{id}/statement", Bind(ctx, GetTransparentStatement));
  router.Add("GET", "/.well-known/scitt-keys", Bind(ctx, GetKeys));
  router.Add("GET", "/.well-known/scitt-keys/{kid}", Bind(ctx, GetKey));
  router.Add("GET", "/.well-known/transparency-configuration", Bind(ctx, GetTransparencyConfiguration));
  router.Add("GET", "/jwks", Bind(ctx, GetJwks));
}

}  // namespace scitt::service
