// The embedded evidence::EvidenceStore: evidence.sqlite in the data
// directory (WAL, group commit: group_commit.h).
//   statements(entry, subject, subject_digest, issuer, content_type,
//              registered_at, format, indexing_error, payload_source,
//              payload_location)
//                               one row per indexed statement, with an
//                               index per field a query filters on
//   names(id, value)            each issuer and content type, stored once;
//                               statements hold their ids
//   edges(position, entry, kind, from_id, to_id, attributes)
//                               the graph: what each statement's payload
//                               says, in indexing order, found from either end
//   indexed(size, derivation)   one row: every entry below size is indexed,
//                               by the indexer that `derivation` names
// A query's SQL is built from the filters it sets, so each uses the index
// of its most selective field instead of scanning.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "evidence/evidence_store.h"
#include "storage/embedded/group_commit.h"
#include "storage/embedded/sqlite.h"

namespace scitt::storage {

class EvidenceDb final : public evidence::EvidenceStore {
 public:
  static Result<std::unique_ptr<EvidenceDb>> Open(const std::string& path);
  // For audits: reads `path` and never writes it (embedded::PathForAudit: a
  // copy in `scratch` when its WAL holds frames or its format is older);
  // `*read_from` is the file read. Every change fails.
  static Result<std::unique_ptr<EvidenceDb>> OpenForAudit(const std::string& path, const std::string& scratch,
                                                          std::string* read_from = nullptr);

  Result<uint64_t> IndexedSize() const override;
  Result<std::string> Derivation() const override;
  Status Reset(std::string_view derivation) override;
  Status Add(std::span<const evidence::IndexedStatement> statements, uint64_t next) override;
  Status AddEdges(uint64_t entry, std::span<const evidence::IndexedEdge> edges) override;
  Status DropUnindexedEdges() override;
  Result<evidence::StatementPage> FindStatements(const evidence::StatementQuery& query) const override;
  Result<evidence::EdgePage> FindEdges(const evidence::EdgeQuery& query) const override;
  Result<evidence::NodePage> FindNodes(const evidence::NodeQuery& query) const override;
  Result<evidence::EdgePage> ScanEdges(const evidence::EdgeScan& scan) const override;

  // What the index holds, for `scitt index rebuild`'s report.
  struct Counts {
    uint64_t statements = 0;
    uint64_t edges = 0;
    uint64_t indexing_errors = 0;
  };
  Result<Counts> CountRows() const;

  // `scitt index rebuild --check`: the rows of each table that one of two
  // closed evidence files holds and the other does not (below the smaller
  // indexed size of the two). Reads both and writes neither (each must
  // have no WAL frames: closed by its last writer).
  struct Differences {
    uint64_t compared_size = 0;
    uint64_t statements_only_in_live = 0, statements_only_in_rebuilt = 0;
    uint64_t edges_only_in_live = 0, edges_only_in_rebuilt = 0;
  };
  static Result<Differences> Compare(const std::string& live, const std::string& rebuilt);

 private:
  EvidenceDb(embedded::Connection db, std::string wal_path)
      : db_(std::move(db)), commits_(&db_, &mu_, std::move(wal_path)) {}
  // The prepared statement for `sql`, made on first use. Caller holds mu_.
  Result<const embedded::Statement*> Sql(const std::string& sql) const;
  Result<uint64_t> IndexedSizeLocked() const;
  // The id of `name` in names, added if new (inside a transaction of commits_).
  Result<int64_t> NameIdLocked(const std::string& name) const;
  // Inserts edge rows of `entry` (inside a transaction of commits_).
  Status InsertEdgesLocked(uint64_t entry, std::span<const evidence::IndexedEdge> edges) const;
  // Appends the rows of `q` (kEdgeColumns) to `out`; the last one's position.
  Result<uint64_t> ReadEdges(embedded::Query& q, evidence::EdgePage& out) const;
  // The graph a query sees: the indexed size, or `as_of` when smaller.
  Result<uint64_t> PinnedSizeLocked(std::optional<uint64_t> as_of) const;

  mutable std::mutex mu_;
  embedded::Connection db_;
  // Keyed by the SQL text: a query's text depends on which filters it sets.
  mutable std::map<std::string, embedded::Statement> statements_;
  embedded::GroupCommit commits_;  // every change goes through it
};

}  // namespace scitt::storage
