#include "evidence/statement_indexer.h"

#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "cose/sign1.h"
#include "crypto/algorithm.h"
#include "evidence/formats/parse.h"
#include "registry/reference.h"
#include "registry/scitt_profile.h"

namespace scitt::evidence {

namespace {

// An OCI purl's artifact: the digest its version names (purl-spec
// oci-definition.json: "the version is the sha256:hex_encoded_lowercase_digest
// of the artifact"), as NormalizePurl left it (decoded, lower case).
std::optional<std::string> OciArtifact(std::string_view id) {
  if (!id.starts_with("pkg:oci/")) return std::nullopt;
  auto digest = registry::Digest::Parse(SplitPurlVersion(id).version);
  if (!digest.ok()) return std::nullopt;
  return digest->ToString();
}

// The graph node a parsed id stands for across documents (IndexedEdge).
std::string GlobalId(std::string id, const IndexedStatement& statement) {
  if (id == kThisDocument) {
    if (statement.subject_digest) return *statement.subject_digest;
    return NormalizePurl(statement.subject.value_or(""));  // a purl subject joins the parsers' purls
  }
  if (id.starts_with("ref:")) return "ref:" + std::to_string(statement.entry) + ":" + id.substr(4);
  return id;
}

// Turns a payload's edges into the index's, moving their strings so that a
// large document's graph is not held twice, and hands them to `batches` as
// the parser makes them when there is one. Then adds the IDENTIFIES edges
// (graph.h) for the OCI purls among their ends, one per purl, after them.
class EdgeConverter final : public EdgeSink {
 public:
  EdgeConverter(const IndexedStatement& statement, const EdgeBatches& batches)
      : statement_(statement), batches_(batches) {}

  Status Take(std::deque<Edge>& edges) override {
    std::vector<IndexedEdge> batch;
    Convert(edges, batch);
    return batches_(std::move(batch));
  }

  void Convert(std::deque<Edge>& edges, std::vector<IndexedEdge>& out) {
    out.reserve(out.size() + edges.size());
    for (; !edges.empty(); edges.pop_front()) {
      Edge& edge = edges.front();
      std::string attributes = nlohmann::json(std::exchange(edge.attributes, {}))
                                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out.push_back(IndexedEdge{std::string(EdgeKindName(edge.kind)), GlobalId(std::move(edge.from), statement_),
                                GlobalId(std::move(edge.to), statement_), std::move(attributes)});
      for (const std::string* id : {&out.back().from, &out.back().to}) {
        if (id->starts_with("pkg:oci/")) oci_purls_.insert(*id);
      }
    }
  }

  void AddIdentifies(std::vector<IndexedEdge>& out) const {
    for (const std::string& purl : oci_purls_) {
      if (auto digest = OciArtifact(purl)) {
        out.push_back(IndexedEdge{std::string(EdgeKindName(EdgeKind::kIdentifies)), purl, std::move(*digest), "{}"});
      }
    }
  }

 private:
  const IndexedStatement& statement_;
  const EdgeBatches& batches_;
  std::set<std::string> oci_purls_;
};

// The payload's edges into `out` (or why there are none). A content type
// no parser reads is not an error: most statements carry other things.
void IndexPayload(ByteView payload, const std::string& content_type, const EdgeBatches& batches,
                  IndexedStatement& out) {
  EdgeConverter converter(out, batches);
  GraphParts parts = GraphParts::kEdges;  // the index keeps the edges only
  if (batches) parts.edge_sink = &converter;
  auto document = Parse(content_type, payload, parts);
  if (!document.ok()) {
    if (document.error().code != ErrorCode::kUnsupported) out.indexing_error = document.error().message;
    return;
  }
  out.format = std::string(DocumentFormatName(document->format));
  converter.Convert(document->edges, out.edges);
  converter.AddIdentifies(out.edges);
}

}  // namespace

std::optional<IndexedStatement> DescribeStatement(log::LogEntry entry, const Preimages* preimages,
                                                  const EdgeBatches& batches) {
  auto statement = log::TakeStatement(entry);
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
    if (out.content_type) IndexPayload(*payload, *out.content_type, batches, out);
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
    if (out.content_type) IndexPayload(**preimage, *out.content_type, batches, out);
  }
  return out;
}

namespace {
constexpr std::string_view kBaseUrls = "; payload-locations under ";
}  // namespace

std::string StatementIndexer::Derivation() const {
  std::string out(kDerivation);
  if (preimages_ == nullptr || preimages_->BaseUrls().empty()) return out;
  out += kBaseUrls;
  for (size_t i = 0; i < preimages_->BaseUrls().size(); ++i) out += (i == 0 ? "" : " ") + preimages_->BaseUrls()[i];
  return out;
}

std::vector<std::string> StatementIndexer::BaseUrlsOf(std::string_view derivation) {
  std::vector<std::string> out;
  const size_t at = derivation.find(kBaseUrls);
  if (at == std::string_view::npos) return out;
  for (std::string_view rest = derivation.substr(at + kBaseUrls.size()); !rest.empty();) {
    const size_t space = rest.find(' ');
    if (space != 0) out.emplace_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  return out;
}

Status StatementIndexer::Prepare() {
  SCITT_ASSIGN_OR_RETURN(const std::string derivation, store_.Derivation());
  const std::string wanted = Derivation();
  if (derivation == wanted) return Status::Ok();
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, store_.IndexedSize());
  if (indexed > 0) {
    logging::Info("evidence index derived otherwise: indexing the log again",
                  {{"was", derivation.empty() ? "(before derivations were recorded)" : derivation},
                   {"now", wanted},
                   {"entries", indexed}});
  }
  return store_.Reset(wanted);
}

Status StatementIndexer::Consume(log::LogEntry entry) {
  const uint64_t index = entry.index;
  // A large document's edges are stored as it is parsed, ahead of its
  // statement (EvidenceStore::AddEdges): the statements before it first, so
  // that edge positions grow with entries, and nothing left of a try that
  // stopped halfway.
  bool streamed = false;
  Status stored = Status::Ok();
  const EdgeBatches batches = [&](std::vector<IndexedEdge> batch) -> Status {
    if (!streamed) {
      streamed = true;
      stored = SaveCursor(index);
      if (stored.ok()) stored = store_.DropUnindexedEdges();
    }
    if (stored.ok()) stored = store_.AddEdges(index, batch);
    return stored;
  };
  auto described = DescribeStatement(std::move(entry), preimages_, batches);
  if (!stored.ok()) return stored;  // the follower tries again from the store's IndexedSize()
  if (!described) return Status::Ok();
  if (streamed && described->indexing_error) {
    SCITT_RETURN_IF_ERROR(store_.DropUnindexedEdges());  // broken after some edges were stored
  }
  for (const auto* field : {&described->subject, &described->subject_digest, &described->issuer,
                            &described->content_type, &described->indexing_error}) {
    if (*field) pending_bytes_ += (*field)->size();
  }
  for (const IndexedEdge& edge : described->edges) {
    pending_bytes_ += edge.kind.size() + edge.from.size() + edge.to.size() + edge.attributes.size();
  }
  pending_.push_back(std::move(*described));
  // Claims are as long as their issuers made them: a bound in bytes too.
  if (pending_bytes_ >= kMaxPendingBytes) return SaveCursor(index + 1);
  return Status::Ok();
}

Status StatementIndexer::SaveCursor(uint64_t next) {
  // Told before readers can see the batch: a decision cache told after
  // would answer from a verdict the index already contradicts to anyone who
  // saw the new size (GET /statements) and asked at once. What it computes
  // meanwhile from the older index is below `next`, so it does not keep it.
  if (observer_) observer_(pending_, next);
  Status added = store_.Add(pending_, next);
  if (added.ok() && graph_ != nullptr) {
    // Not an indexing failure when it fails: a walk reads what is missing.
    if (Status read = graph_->CatchUp(); !read.ok()) {
      logging::Warn("evidence graph not extended", {{"error", read.error().message}});
    }
  }
  pending_.clear();  // on a failure the follower replays from the store's IndexedSize()
  pending_bytes_ = 0;
  return added;
}

}  // namespace scitt::evidence
