// The log's read side for auditors, mirrors and monitors: C2SP checkpoint
// and tiles, consistency receipts, bulk entries and tree heads, health and
// metrics.

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "merkle/tile.h"
#include "service/context.h"

namespace scitt::service {

std::optional<std::string> FullTileCache::Get(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tiles_.find(path);
  if (it == tiles_.end()) return std::nullopt;
  return it->second;
}

void FullTileCache::Put(const std::string& path, std::string tile) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tiles_.emplace(path, std::move(tile)).second) return;
  order_.push_back(path);
  if (order_.size() > kMaxTiles) {
    tiles_.erase(order_.front());
    order_.pop_front();
  }
}

namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr uint64_t kMaxPage = 1000;

// A required (no fallback) or defaulted decimal query parameter.
Result<uint64_t> NumberParam(const Request& req, const char* name, std::optional<uint64_t> fallback) {
  SCITT_ASSIGN_OR_RETURN(auto value, QueryNumber(req, name));
  if (value) return *value;
  if (fallback) return *fallback;
  return MakeError(ErrorCode::kInvalidArgument, std::string("query parameter ") + name + " is required");
}

void GetCheckpoint(ServiceContext& ctx, const Request&, const Responder& respond) {
  auto note = ctx.log->Checkpoint();
  if (!note.ok()) return respond(ErrorResponse(note.error()));
  Response res;
  res.Set("Content-Type", "text/plain; charset=utf-8");
  res.Set("Cache-Control", "no-cache");
  res.body = *note;
  respond(std::move(res));
}

void GetCheckpointKey(ServiceContext& ctx, const Request&, const Responder& respond) {
  Response res;
  res.Set("Content-Type", "text/plain; charset=utf-8");
  res.body = ctx.log->CheckpointVerifierKey() + "\n";
  respond(std::move(res));
}

// C2SP tlog-tiles: full tiles never change, so they may be cached forever.
void GetTile(ServiceContext& ctx, const Request& req, const Responder& respond) {
  const std::string path = "tile/" + req.params.at("path");
  auto coord = merkle::ParseTilePath(path);
  if (!coord.ok()) return respond(http::ProblemDetails(404, "Not Found", coord.error().message));
  const bool full = coord->partial_width == 0;
  Response res;
  res.Set("Content-Type", "application/octet-stream");
  res.Set("Cache-Control", full ? "public, max-age=31536000, immutable" : "no-cache");
  if (auto cached = full ? ctx.tiles.Get(path) : std::nullopt) {
    res.body = std::move(*cached);
    return respond(std::move(res));
  }
  auto tile = ctx.log->Tile(*coord);
  if (!tile.ok()) return respond(ErrorResponse(tile.error()));
  res.body.assign(tile->begin(), tile->end());
  if (full) ctx.tiles.Put(path, res.body);
  respond(std::move(res));
}

void GetConsistency(ServiceContext& ctx, const Request& req, const Responder& respond) {
  auto from = NumberParam(req, "from", std::nullopt);
  if (!from.ok()) return respond(ErrorResponse(from.error()));
  auto to = QueryNumber(req, "to");
  if (!to.ok()) return respond(ErrorResponse(to.error()));
  auto receipt = ctx.log->ConsistencyReceipt(*from, *to);
  if (!receipt.ok()) return respond(ErrorResponse(receipt.error()));
  respond(CborResponse(200, *receipt, cose::media_type::kReceipt));
}

// Registered statements by index range, for auditors' replay:
// {"entries": [{"index", "statement", "collateral"?, "registered_at",
// "policy_index"}…], "next": index after the last one (absent at the end)}.
void GetEntries(ServiceContext& ctx, const Request& req, const Responder& respond) {
  auto from = NumberParam(req, "from", 0);
  auto limit = NumberParam(req, "limit", 100);
  if (!from.ok()) return respond(ErrorResponse(from.error()));
  if (!limit.ok()) return respond(ErrorResponse(limit.error()));
  uint64_t size = ctx.log->size();
  uint64_t end = std::min<uint64_t>(size, *from + std::min<uint64_t>(std::max<uint64_t>(*limit, 1), kMaxPage));
  cbor::Array entries;
  for (uint64_t i = *from; i < end; ++i) {
    auto entry = ctx.log->Entry(i);
    if (!entry.ok()) return respond(ErrorResponse(entry.error()));
    cbor::Map item = {cbor::Entry("index", cbor::Value::Uint(i)),
                      cbor::Entry("statement", cbor::Value::ByteString(entry->statement)),
                      cbor::Entry("registered_at", cbor::Value::Int(entry->registered_at)),
                      cbor::Entry("policy_index", cbor::Value::Uint(entry->policy_index))};
    if (!entry->collateral.empty()) item.push_back(cbor::Entry("collateral", cbor::Value::ByteString(entry->collateral)));
    entries.push_back(cbor::Value::FromMap(std::move(item)));
  }
  cbor::Map doc = {cbor::Entry("entries", cbor::Value::FromArray(std::move(entries)))};
  if (end < size) doc.push_back(cbor::Entry("next", cbor::Value::Uint(end)));
  respond(CborResponse(200, cbor::Encode(cbor::Value::FromMap(std::move(doc))), cose::media_type::kCbor));
}

// Every signed tree head from size `from` on: the receipt-form signature
// lets an auditor check each head against the tree it recomputes.
void GetTreeHeads(ServiceContext& ctx, const Request& req, const Responder& respond) {
  auto from = NumberParam(req, "from", 0);
  auto limit = NumberParam(req, "limit", 100);
  if (!from.ok()) return respond(ErrorResponse(from.error()));
  if (!limit.ok()) return respond(ErrorResponse(limit.error()));
  uint64_t count = std::min<uint64_t>(std::max<uint64_t>(*limit, 1), kMaxPage);
  cbor::Array heads;
  std::optional<uint64_t> next;
  auto size = ctx.store->SignedSizeAtOrAfter(*from);
  while (size.ok()) {
    if (heads.size() == count) {
      next = *size;
      break;
    }
    auto head = ctx.store->TreeHeadAt(*size);
    if (!head.ok()) return respond(ErrorResponse(head.error()));
    heads.push_back(cbor::Value::FromMap({
        cbor::Entry("tree_size", cbor::Value::Uint(head->tree_size)),
        cbor::Entry("root", cbor::Value::ByteString(ByteView(head->root))),
        cbor::Entry("timestamp", cbor::Value::Int(head->timestamp)),
        cbor::Entry("receipt_protected", cbor::Value::ByteString(head->receipt_protected)),
        cbor::Entry("receipt_signature", cbor::Value::ByteString(head->receipt_signature)),
        cbor::Entry("checkpoint", cbor::Value::Text(head->checkpoint)),
    }));
    size = ctx.store->SignedSizeAtOrAfter(*size + 1);
  }
  if (!size.ok() && size.error().code != ErrorCode::kNotFound) return respond(ErrorResponse(size.error()));
  cbor::Map doc = {cbor::Entry("tree_heads", cbor::Value::FromArray(std::move(heads)))};
  if (next) doc.push_back(cbor::Entry("next", cbor::Value::Uint(*next)));
  respond(CborResponse(200, cbor::Encode(cbor::Value::FromMap(std::move(doc))), cose::media_type::kCbor));
}

void GetHealth(ServiceContext& ctx, const Request&, const Responder& respond) {
  Response res;
  res.Set("Content-Type", "application/json");
  res.body = nlohmann::json{{"status", "ok"}, {"tree_size", ctx.log->size()}, {"origin", ctx.config.origin}}.dump();
  respond(std::move(res));
}

void GetMetrics(ServiceContext& ctx, const Request&, const Responder& respond) {
  log::LogStats stats = ctx.log->stats();
  ctx.metrics.SetGauge("scitt_tree_size", static_cast<double>(ctx.log->size()));
  ctx.metrics.SetGauge("scitt_batches_total", static_cast<double>(stats.batches));
  ctx.metrics.SetGauge("scitt_last_batch_size", static_cast<double>(stats.last_batch_size));
  ctx.metrics.SetGauge("scitt_commit_seconds_total", stats.commit_seconds_total);
  ctx.metrics.SetGauge("scitt_queue_length", static_cast<double>(stats.queue_length));
  // The standard process metrics, so a load generator can report the
  // server's CPU time and memory from outside.
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    ctx.metrics.SetGauge("process_cpu_seconds_total", cpu);
  }
  long pages = 0, resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) == 2) {
      ctx.metrics.SetGauge("process_resident_memory_bytes", static_cast<double>(resident) * sysconf(_SC_PAGESIZE));
    }
    std::fclose(statm);
  }
  Response res;
  res.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  res.body = ctx.metrics.Render();
  respond(std::move(res));
}

}  // namespace

void AddLogRoutes(ServiceContext& ctx, http::Router& router) {
  router.Add("GET", "/checkpoint", Bind(ctx, GetCheckpoint));
  router.Add("GET", "/.well-known/scitt-checkpoint-key", Bind(ctx, GetCheckpointKey));
  router.Add("GET", "/tile/{path...}", Bind(ctx, GetTile));
  router.Add("GET", "/consistency", Bind(ctx, GetConsistency));
  router.Add("GET", "/entries", Bind(ctx, GetEntries));
  router.Add("GET", "/tree-heads", Bind(ctx, GetTreeHeads));
  router.Add("GET", "/health", Bind(ctx, GetHealth));
  router.Add("GET", "/metrics", Bind(ctx, GetMetrics));
}

}  // namespace scitt::service
