#include "api/log_reads/log_read_routes.h"

#include <memory>

#include "api/dispatch.h"
#include "api/log_reads/tile_cache.h"
#include "api/params.h"
#include "api/problems.h"
#include "cose/labels.h"
#include "log/pages.h"
#include "merkle/tile.h"

namespace scitt::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr uint64_t kMaxPage = 1000;

struct LogReads {
  LogReadDeps deps;
  FullTileCache tiles;
};
using Reads = std::shared_ptr<LogReads>;

void GetCheckpoint(LogReads& r, const Request&, const Responder& respond) {
  auto note = r.deps.log->Checkpoint();
  if (!note.ok()) return respond(ProblemFor(note.error()));
  Response res;
  res.Set("Content-Type", "text/plain; charset=utf-8");
  res.Set("Cache-Control", "no-cache");
  res.body = *note;
  respond(std::move(res));
}

void GetCheckpointKey(LogReads& r, const Request&, const Responder& respond) {
  Response res;
  res.Set("Content-Type", "text/plain; charset=utf-8");
  res.body = r.deps.log->CheckpointVerifierKey() + "\n";
  respond(std::move(res));
}

// C2SP tlog-tiles: full tiles never change, so they may be cached forever.
void GetTile(LogReads& r, const Request& req, const Responder& respond) {
  const std::string path = "tile/" + req.params.at("path");
  auto coord = merkle::ParseTilePath(path);
  if (!coord.ok()) return respond(http::ProblemDetails(404, "Not Found", coord.error().message));
  const bool full = coord->partial_width == 0;
  Response res;
  res.Set("Content-Type", "application/octet-stream");
  res.Set("Cache-Control", full ? "public, max-age=31536000, immutable" : "no-cache");
  if (auto cached = full ? r.tiles.Get(path) : std::nullopt) {
    res.body = std::move(*cached);
    return respond(std::move(res));
  }
  auto tile = r.deps.log->Tile(*coord);
  if (!tile.ok()) return respond(ProblemFor(tile.error()));
  res.body.assign(tile->begin(), tile->end());
  if (full) r.tiles.Put(path, res.body);
  respond(std::move(res));
}

void GetConsistency(LogReads& r, const Request& req, const Responder& respond) {
  auto from = RequiredQueryNumber(req, "from");
  if (!from.ok()) return respond(ProblemFor(from.error()));
  auto to = QueryNumber(req, "to");
  if (!to.ok()) return respond(ProblemFor(to.error()));
  auto receipt = r.deps.log->ConsistencyReceipt(*from, *to);
  if (!receipt.ok()) return respond(ProblemFor(receipt.error()));
  respond(CborResponse(200, *receipt, cose::media_type::kReceipt));
}

Result<log::PageBounds> Bounds(const LogReads& r, const Request& req) {
  SCITT_ASSIGN_OR_RETURN(uint64_t limit, QueryNumberOr(req, "limit", 100));
  return log::PageBounds{std::min(std::max<uint64_t>(limit, 1), kMaxPage), r.deps.max_page_bytes};
}

// Registered statements by index range, for auditors' replay (log/pages.h).
void GetEntries(LogReads& r, const Request& req, const Responder& respond) {
  auto from = QueryNumberOr(req, "from", 0);
  if (!from.ok()) return respond(ProblemFor(from.error()));
  auto bounds = Bounds(r, req);
  if (!bounds.ok()) return respond(ProblemFor(bounds.error()));
  auto page = log::ReadEntryPage(r.deps.log->store(), *from, *bounds);
  if (!page.ok()) return respond(ProblemFor(page.error()));
  respond(CborResponse(200, log::EncodeEntryPage(*page), cose::media_type::kCbor));
}

// Every signed tree head from size `from` on: the receipt-form signature
// lets an auditor check each head against the tree it recomputes.
void GetTreeHeads(LogReads& r, const Request& req, const Responder& respond) {
  auto from = QueryNumberOr(req, "from", 0);
  if (!from.ok()) return respond(ProblemFor(from.error()));
  auto bounds = Bounds(r, req);
  if (!bounds.ok()) return respond(ProblemFor(bounds.error()));
  auto page = log::ReadTreeHeadPage(r.deps.log->store(), *from, *bounds);
  if (!page.ok()) return respond(ProblemFor(page.error()));
  respond(CborResponse(200, log::EncodeTreeHeadPage(*page), cose::media_type::kCbor));
}

using RouteFn = void (*)(LogReads&, const Request&, const Responder&);

http::Handler Bind(const Reads& reads, RouteFn fn) {
  return [reads, fn](Request req, Responder respond) { fn(*reads, req, respond); };
}

}  // namespace

void AddLogReadRoutes(const LogReadDeps& deps, http::Router& router) {
  auto reads = std::make_shared<LogReads>();
  reads->deps = deps;
  WorkerPool& pool = *deps.reads;
  // The latest head and the key are in memory: on the I/O thread.
  router.Add("GET", "/checkpoint", Bind(reads, GetCheckpoint));
  router.Add("GET", "/.well-known/scitt-checkpoint-key", Bind(reads, GetCheckpointKey));
  // These read the store (up to a page of entries): on a worker.
  router.Add("GET", "/tile/{path...}", OnPool(pool, Bind(reads, GetTile)));
  router.Add("GET", "/consistency", OnPool(pool, Bind(reads, GetConsistency)));
  router.Add("GET", "/entries", OnPool(pool, Bind(reads, GetEntries)));
  router.Add("GET", "/tree-heads", OnPool(pool, Bind(reads, GetTreeHeads)));
}

}  // namespace scitt::api
