#include "evidence/statement_indexer.h"

#include "cose/sign1.h"
#include "registry/scitt_profile.h"

namespace scitt::evidence {

std::optional<IndexedStatement> DescribeStatement(const log::LogEntry& entry) {
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
  return out;
}

Status StatementIndexer::Consume(const log::LogEntry& entry) {
  auto described = DescribeStatement(entry);
  if (!described) return Status::Ok();
  for (const auto* field : {&described->subject, &described->subject_digest, &described->issuer,
                            &described->content_type}) {
    if (*field) pending_bytes_ += (*field)->size();
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
