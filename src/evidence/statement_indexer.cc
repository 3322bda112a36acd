#include "evidence/statement_indexer.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "cose/sign1.h"
#include "crypto/algorithm.h"
#include "evidence/formats/parse.h"
#include "registry/scitt_profile.h"

namespace scitt::evidence {

namespace {

// The graph node a parsed id stands for across documents (IndexedEdge).
std::string GlobalId(std::string id, const IndexedStatement& statement) {
  if (id == kThisDocument) {
    if (statement.subject_digest) return *statement.subject_digest;
    return statement.subject.value_or("");
  }
  if (id.starts_with("ref:")) return "ref:" + std::to_string(statement.entry) + ":" + id.substr(4);
  return id;
}

// The payload's edges into `out` (or why there are none). A content type
// no parser reads is not an error: most statements carry other things.
void IndexPayload(ByteView payload, const std::string& content_type, IndexedStatement& out) {
  auto document = Parse(content_type, payload);
  if (!document.ok()) {
    if (document.error().code != ErrorCode::kUnsupported) out.indexing_error = document.error().message;
    return;
  }
  out.format = std::string(DocumentFormatName(document->format));
  // The index keeps the edges only. The nodes go first and each edge's
  // strings move into its IndexedEdge, so that a large document's graph is
  // not held twice (a 100 MB SBOM's is about 1 GB in memory).
  document->nodes = {};
  out.edges.reserve(document->edges.size());
  for (Edge& edge : document->edges) {
    std::string attributes = nlohmann::json(std::exchange(edge.attributes, {}))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.edges.push_back(IndexedEdge{std::string(EdgeKindName(edge.kind)),
                                    GlobalId(std::move(edge.from), out),
                                    GlobalId(std::move(edge.to), out), std::move(attributes)});
  }
}

}  // namespace

std::optional<IndexedStatement> DescribeStatement(const log::LogEntry& entry, const Preimages* preimages) {
  auto statement = cose::Sign1::Parse(entry.statement);
  if (!statement.ok()) return std::nullopt;
  IndexedStatement out;
  out.entry = entry.index;
  out.registered_at = entry.registered_at;
  const cose::HeaderMap& headers = statement->protected_headers();
  if (headers.cwt) {
    out.issuer = headers.cwt->iss;
    out.subject = headers.cwt->sub;
    if (headers.cwt->sub) {
      if (auto oci = registry::ParseOciSubject(*headers.cwt->sub)) out.subject_digest = oci->digest.ToString();
    }
  }
  out.content_type = cose::PayloadContentType(*statement);
  const auto payload = statement->payload();
  if (!payload) return out;  // detached: not in the log
  if (!statement->is_hash_envelope()) {
    out.payload_source = "log";
    if (out.content_type) IndexPayload(*payload, *out.content_type, out);
    return out;
  }
  // A hash envelope signs the preimage's hash; the document is where its
  // payload-location (header 260, COSE hash envelope) says.
  out.payload_location = headers.payload_location;
  out.payload_source = "not_retrieved";
  const auto alg = headers.payload_hash_alg ? crypto::HashAlgorithmFromCose(*headers.payload_hash_alg) : std::nullopt;
  if (preimages == nullptr || !headers.payload_location || !alg) return out;
  auto preimage = preimages->Fetch(*headers.payload_location, *alg, *payload);
  if (!preimage.ok()) {
    out.indexing_error = preimage.error().message;
  } else if (*preimage) {
    out.payload_source = "registry";
    if (out.content_type) IndexPayload(**preimage, *out.content_type, out);
  }
  return out;
}

Status StatementIndexer::Consume(const log::LogEntry& entry) {
  auto described = DescribeStatement(entry, preimages_);
  if (!described) return Status::Ok();
  for (const auto* field : {&described->subject, &described->subject_digest, &described->issuer,
                            &described->content_type, &described->indexing_error}) {
    if (*field) pending_bytes_ += (*field)->size();
  }
  for (const IndexedEdge& edge : described->edges) {
    pending_bytes_ += edge.kind.size() + edge.from.size() + edge.to.size() + edge.attributes.size();
  }
  pending_.push_back(std::move(*described));
  // Claims are as long as their issuers made them: a bound in bytes too.
  if (pending_bytes_ >= kMaxPendingBytes) return SaveCursor(entry.index + 1);
  return Status::Ok();
}

Status StatementIndexer::SaveCursor(uint64_t next) {
  Status added = store_.Add(pending_, next);
  pending_.clear();  // on a failure the follower replays from the store's IndexedSize()
  pending_bytes_ = 0;
  return added;
}

}  // namespace scitt::evidence
