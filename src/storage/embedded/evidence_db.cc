#include "storage/embedded/evidence_db.h"

#include <algorithm>

#include "storage/embedded/store_state.h"

namespace scitt::storage {

using embedded::Connection;
using embedded::Query;
using embedded::SqliteError;
using embedded::Statement;
using evidence::IndexedStatement;

namespace {

constexpr int64_t kEvidenceFormat = 4;  // PRAGMA user_version

// Issuers and content types are few and long (a did:x509 issuer is over
// 100 bytes), and each was stored in its row and again in its index: they
// are stored once in `names`, and statements hold their ids.
constexpr const char* kStatementTables = R"sql(
CREATE TABLE names(id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
CREATE TABLE statements(entry INTEGER PRIMARY KEY, subject TEXT, subject_digest TEXT,
  issuer INTEGER REFERENCES names, content_type INTEGER REFERENCES names, registered_at INTEGER NOT NULL,
  format TEXT, indexing_error TEXT, payload_source TEXT, payload_location TEXT);
)sql";

// The indexes a statement query uses, made after the tables are filled (a
// sort, not a random insert per row, when an upgrade copies them). Each is
// on one column: SQLite appends the rowid (the entry) to every index key,
// so a column's statements are ordered and bounded by entry without
// storing it twice.
constexpr const char* kStatementIndexes = R"sql(
CREATE INDEX statements_by_subject ON statements(subject) WHERE subject IS NOT NULL;
CREATE INDEX statements_by_subject_digest ON statements(subject_digest) WHERE subject_digest IS NOT NULL;
CREATE INDEX statements_by_issuer ON statements(issuer) WHERE issuer IS NOT NULL;
CREATE INDEX statements_by_content_type ON statements(content_type) WHERE content_type IS NOT NULL;
)sql";

constexpr const char* kSchema = R"sql(
CREATE TABLE edges(position INTEGER PRIMARY KEY, entry INTEGER NOT NULL, kind TEXT NOT NULL,
  from_id TEXT NOT NULL, to_id TEXT NOT NULL, attributes TEXT NOT NULL);
CREATE INDEX edges_from ON edges(from_id, position);
CREATE INDEX edges_to ON edges(to_id, position, entry, kind, from_id, attributes);
CREATE TABLE indexed(size INTEGER NOT NULL, derivation TEXT NOT NULL DEFAULT '');
INSERT INTO indexed(size) VALUES(0);
)sql";

// Format 1 to 2: the index on to_id covers every column, so a walk to a
// node's dependents (evidence::WalkGraph, one lookup per node) reads
// its edges from adjacent index entries instead of one table page per
// edge, scattered over the file by indexing order. Measured at 10 M edges
// (docs/performance.md): 36 → 12 µs per node of a blast radius
// with the mapping below (kMapForReads), and 223 bytes per edge instead of 171.
// Statements also say where their payload came from (IndexedStatement::
// payload_source); rows indexed in format 1 have none until `scitt index
// rebuild`.
constexpr const char* kUpgradeTo2 = R"sql(
ALTER TABLE statements ADD COLUMN payload_source TEXT;
ALTER TABLE statements ADD COLUMN payload_location TEXT;
DROP INDEX edges_to;
CREATE INDEX edges_to ON edges(to_id, position, entry, kind, from_id, attributes);
)sql";

// Format 2 to 3: the index records what derived it (EvidenceStore::
// Derivation), so that an indexer deriving otherwise starts again from the
// log. A format 2 index says "": derived before this was recorded.
constexpr const char* kUpgradeTo3 = R"sql(
ALTER TABLE indexed ADD COLUMN derivation TEXT NOT NULL DEFAULT '';
)sql";

// Format 3 to 4: issuers and content types in `names` (kStatementTables,
// then kStatementIndexes). With one issuer and content type, 206 → 100
// bytes per statement (docs/performance.md, "Scale"). The rows are
// copied in entry order; the old table's pages are reused as the index
// grows (or returned by VACUUM).
constexpr const char* kSetFormat3Aside = R"sql(
DROP INDEX statements_by_subject;
DROP INDEX statements_by_subject_digest;
DROP INDEX statements_by_issuer;
DROP INDEX statements_by_content_type;
ALTER TABLE statements RENAME TO statements_3;
)sql";
constexpr const char* kCopyFormat3 = R"sql(
INSERT OR IGNORE INTO names(value) SELECT issuer FROM statements_3 WHERE issuer IS NOT NULL;
INSERT OR IGNORE INTO names(value) SELECT content_type FROM statements_3 WHERE content_type IS NOT NULL;
INSERT INTO statements SELECT entry, subject, subject_digest,
  (SELECT id FROM names WHERE names.value = old.issuer),
  (SELECT id FROM names WHERE names.value = old.content_type), registered_at, format, indexing_error,
  payload_source, payload_location FROM statements_3 AS old ORDER BY entry;
DROP TABLE statements_3;
)sql";

// A statement row with its names: what every read of statements selects
// (from `schema`, so that Compare can read two databases).
std::string StatementColumns(const std::string& schema) {
  return "SELECT s.entry, s.subject, s.subject_digest, issuers.value AS issuer, content_types.value AS content_type, "
         "s.registered_at, s.format, s.indexing_error, s.payload_source, s.payload_location FROM " +
         schema + "statements AS s LEFT JOIN " + schema + "names AS issuers ON issuers.id = s.issuer LEFT JOIN " +
         schema + "names AS content_types ON content_types.id = s.content_type ";
}

// Maps the database for reads: a walk's lookups then read pages from the
// OS cache without a pread each (on this VM a syscall costs a hypervisor
// exit). Writes still go through the WAL as before, so durability is
// unchanged. 64 GiB is an address-space bound, not memory.
constexpr const char* kMapForReads = "PRAGMA mmap_size = 68719476736";

// What ReadEdges reads, in its order. The issuer comes from the statement
// row and its name (a lookup by primary key in each).
constexpr const char* kEdgeColumns =
    "SELECT position, edges.entry, kind, from_id, to_id, attributes, names.value FROM edges "
    "LEFT JOIN statements ON statements.entry = edges.entry LEFT JOIN names ON names.id = statements.issuer ";

void BindOptional(Query& q, int index, const std::optional<std::string>& value) {
  if (value) q.Text(index, *value);  // else NULL
}

}  // namespace

Result<std::unique_ptr<EvidenceDb>> EvidenceDb::Open(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::Open(path));
  SCITT_RETURN_IF_ERROR(embedded::GroupCommit::Prepare(db, path));
  SCITT_ASSIGN_OR_RETURN(const int64_t version, embedded::FormatVersion(db, path));
  if (version < 0 || version > kEvidenceFormat) return embedded::UnknownVersion(path, version, kEvidenceFormat);
  if (version < kEvidenceFormat) {
    // In place and in one transaction: a crash during the upgrade leaves
    // the old format, upgraded again on the next open.
    SCITT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status upgraded = Status::Ok();
    const auto run = [&](const char* sql) {
      if (upgraded.ok()) upgraded = db.Exec(sql);
    };
    if (version == 0) {
      run(kStatementTables);
      run(kSchema);
    }
    if (version == 1) run(kUpgradeTo2);
    if (version == 1 || version == 2) run(kUpgradeTo3);
    if (version >= 1) {
      run(kSetFormat3Aside);
      run(kStatementTables);
      run(kCopyFormat3);
    }
    run(kStatementIndexes);
    const std::string set_format = "PRAGMA user_version = " + std::to_string(kEvidenceFormat);
    run(set_format.c_str());  // once, for every step above
    if (!upgraded.ok()) {
      (void)db.Exec("ROLLBACK");
      return upgraded.error();
    }
    SCITT_RETURN_IF_ERROR(db.Exec("COMMIT"));
  }
  SCITT_RETURN_IF_ERROR(db.Exec(kMapForReads));
  // Reads come through the mapping, so the cache holds little but a batch's
  // dirty pages (8,192 edges a batch). 8 MiB instead of the log's 32 took
  // 28-36 MiB off a 100 MB SBOM's indexing peak, for 8% of a 2,000-SBOM
  // ingest and a slower rebuild (docs/performance.md "A 100 MB SBOM").
  SCITT_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -8192"));
  return std::unique_ptr<EvidenceDb>(new EvidenceDb(std::move(db), path + "-wal"));
}

Result<std::unique_ptr<EvidenceDb>> EvidenceDb::OpenForAudit(const std::string& path, const std::string& scratch,
                                                             std::string* read_from) {
  SCITT_ASSIGN_OR_RETURN(const std::string readable,
                         embedded::PathForAudit<EvidenceDb>(path, scratch, kEvidenceFormat));
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::OpenImmutable(readable));
  if (read_from != nullptr) *read_from = readable;
  return std::unique_ptr<EvidenceDb>(new EvidenceDb(std::move(db), readable + "-wal"));
}

Result<const Statement*> EvidenceDb::Sql(const std::string& sql) const {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    SCITT_ASSIGN_OR_RETURN(Statement prepared, Statement::Prepare(db_.get(), sql));
    it = statements_.emplace(sql, std::move(prepared)).first;
  }
  return &it->second;
}

Result<uint64_t> EvidenceDb::IndexedSizeLocked() const {
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql("SELECT size FROM indexed"));
  Query q(*find);
  if (q.Step() != SQLITE_ROW) return SqliteError(db_.get(), "reading the indexed size");
  return static_cast<uint64_t>(q.IntAt(0));
}

Result<uint64_t> EvidenceDb::PinnedSizeLocked(std::optional<uint64_t> as_of) const {
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeLocked());
  return as_of ? std::min(indexed, *as_of) : indexed;
}

Result<uint64_t> EvidenceDb::IndexedSize() const {
  std::lock_guard lock(mu_);
  return IndexedSizeLocked();
}

Result<std::string> EvidenceDb::Derivation() const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql("SELECT derivation FROM indexed"));
  Query q(*find);
  if (q.Step() != SQLITE_ROW) return SqliteError(db_.get(), "reading the index's derivation");
  return q.TextAt(0);
}

Status EvidenceDb::Reset(std::string_view derivation) {
  return commits_.Run([&]() -> Status {
    // DELETE without WHERE empties a table without visiting its rows.
    for (const char* sql : {"DELETE FROM edges", "DELETE FROM statements", "DELETE FROM names"}) {
      SCITT_ASSIGN_OR_RETURN(const Statement* empty, Sql(sql));
      Query q(*empty);
      if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "emptying the evidence index");
    }
    SCITT_ASSIGN_OR_RETURN(const Statement* save, Sql("UPDATE indexed SET size = 0, derivation = ?"));
    Query q(*save);
    q.Text(1, derivation);
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "saving the index's derivation");
    return Status::Ok();
  });
}

Status EvidenceDb::Add(std::span<const IndexedStatement> statements, uint64_t next) {
  return commits_.Run([&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(
        const Statement* insert,
        Sql("INSERT OR IGNORE INTO statements(entry, subject, subject_digest, issuer, content_type, "
            "registered_at, format, indexing_error, payload_source, payload_location) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    // The ids of the names this change has used. Only for this change: a
    // name it inserted is gone if its transaction is rolled back.
    std::map<std::string, int64_t, std::less<>> ids;
    const auto bind_name = [&](Query& q, int index, const std::optional<std::string>& name) -> Status {
      if (!name) return Status::Ok();  // NULL
      auto it = ids.find(*name);
      if (it == ids.end()) {
        SCITT_ASSIGN_OR_RETURN(const int64_t id, NameIdLocked(*name));
        it = ids.emplace(*name, id).first;
      }
      q.Int(index, it->second);
      return Status::Ok();
    };
    for (const IndexedStatement& statement : statements) {
      {
        Query q(*insert);
        q.Int(1, static_cast<int64_t>(statement.entry)).Int(6, statement.registered_at);
        BindOptional(q, 2, statement.subject);
        BindOptional(q, 3, statement.subject_digest);
        SCITT_RETURN_IF_ERROR(bind_name(q, 4, statement.issuer));
        SCITT_RETURN_IF_ERROR(bind_name(q, 5, statement.content_type));
        BindOptional(q, 7, statement.format);
        BindOptional(q, 8, statement.indexing_error);
        BindOptional(q, 9, statement.payload_source);
        BindOptional(q, 10, statement.payload_location);
        if (q.Step() != SQLITE_DONE) {
          return SqliteError(db_.get(), "indexing entry " + std::to_string(statement.entry));
        }
      }
      if (sqlite3_changes(db_.get()) == 0) continue;  // indexed before the crash: its edges too
      SCITT_RETURN_IF_ERROR(InsertEdgesLocked(statement.entry, statement.edges));
    }
    // The size only grows: a replay after a crash saves a size already passed.
    SCITT_ASSIGN_OR_RETURN(const Statement* save, Sql("UPDATE indexed SET size = max(size, ?)"));
    Query q(*save);
    q.Int(1, static_cast<int64_t>(next));
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "saving the indexed size");
    return Status::Ok();
  });
}

Result<int64_t> EvidenceDb::NameIdLocked(const std::string& name) const {
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql("SELECT id FROM names WHERE value = ?"));
  {
    Query q(*find);
    q.Text(1, name);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) return q.IntAt(0);
    if (rc != SQLITE_DONE) return SqliteError(db_.get(), "finding a name");
  }
  SCITT_ASSIGN_OR_RETURN(const Statement* insert, Sql("INSERT INTO names(value) VALUES(?)"));
  Query q(*insert);
  q.Text(1, name);
  if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "storing a name");
  return sqlite3_last_insert_rowid(db_.get());
}

Status EvidenceDb::InsertEdgesLocked(uint64_t entry, std::span<const evidence::IndexedEdge> edges) const {
  SCITT_ASSIGN_OR_RETURN(const Statement* insert,
                         Sql("INSERT INTO edges(entry, kind, from_id, to_id, attributes) VALUES(?, ?, ?, ?, ?)"));
  for (const evidence::IndexedEdge& edge : edges) {
    Query q(*insert);
    q.Int(1, static_cast<int64_t>(entry)).Text(2, edge.kind).Text(3, edge.from).Text(4, edge.to).Text(5, edge.attributes);
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "indexing the edges of entry " + std::to_string(entry));
  }
  return Status::Ok();
}

Status EvidenceDb::AddEdges(uint64_t entry, std::span<const evidence::IndexedEdge> edges) {
  return commits_.Run([&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeLocked());
    if (entry < indexed) {
      return MakeError(ErrorCode::kInvalidArgument, "edges of entry " + std::to_string(entry) +
                                                        ", which is indexed already (indexed size " +
                                                        std::to_string(indexed) + ")");
    }
    return InsertEdgesLocked(entry, edges);
  });
}

Status EvidenceDb::DropUnindexedEdges() {
  return commits_.Run([&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeLocked());
    // Positions grow with entries, so the unindexed edges are the last rows:
    // the scan from the end stops at the first indexed one.
    SCITT_ASSIGN_OR_RETURN(const Statement* last,
                           Sql("SELECT position FROM edges WHERE entry < ? ORDER BY position DESC LIMIT 1"));
    int64_t kept = 0;
    {
      Query q(*last);
      q.Int(1, static_cast<int64_t>(indexed));
      const int rc = q.Step();
      if (rc == SQLITE_ROW) kept = q.IntAt(0);
      else if (rc != SQLITE_DONE) return SqliteError(db_.get(), "finding the last indexed edge");
    }
    SCITT_ASSIGN_OR_RETURN(const Statement* drop, Sql("DELETE FROM edges WHERE position > ?"));
    Query q(*drop);
    q.Int(1, kept);
    if (q.Step() != SQLITE_DONE) return SqliteError(db_.get(), "dropping unindexed edges");
    return Status::Ok();
  });
}

Result<evidence::StatementPage> EvidenceDb::FindStatements(const evidence::StatementQuery& query) const {
  std::string sql = StatementColumns("") + "WHERE s.entry < ?1 AND s.entry > ?2";
  if (query.subject) sql += " AND (s.subject = ?3 OR s.subject_digest = ?3)";
  // With a subject, its index (the most selective) is the one to use: the
  // unary + keeps SQLite from choosing the issuer's or content type's,
  // which would read every statement of one issuer.
  const char* id_of = query.subject ? " AND +s." : " AND s.";
  if (query.issuer) sql += std::string(id_of) + "issuer = (SELECT id FROM names WHERE value = ?4)";
  if (query.content_type) sql += std::string(id_of) + "content_type = (SELECT id FROM names WHERE value = ?5)";
  if (query.since) sql += " AND s.registered_at >= ?7";
  if (query.until) sql += " AND s.registered_at < ?8";
  sql += " ORDER BY s.entry LIMIT ?6";

  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeLocked());
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql(sql));
  evidence::StatementPage out;
  out.indexed_size = indexed;
  Query q(*find);
  q.Int(1, static_cast<int64_t>(indexed))
      .Int(2, query.after ? static_cast<int64_t>(*query.after) : int64_t{-1})
      .Int(6, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  BindOptional(q, 3, query.subject);
  BindOptional(q, 4, query.issuer);
  BindOptional(q, 5, query.content_type);
  if (query.since) q.Int(7, *query.since);
  if (query.until) q.Int(8, *query.until);
  auto text = [&](int column) -> std::optional<std::string> {
    if (q.NullAt(column)) return std::nullopt;
    return q.TextAt(column);
  };
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    IndexedStatement statement;
    statement.entry = static_cast<uint64_t>(q.IntAt(0));
    statement.subject = text(1);
    statement.subject_digest = text(2);
    statement.issuer = text(3);
    statement.content_type = text(4);
    statement.registered_at = q.IntAt(5);
    statement.format = text(6);
    statement.indexing_error = text(7);
    statement.payload_source = text(8);
    statement.payload_location = text(9);
    out.statements.push_back(std::move(statement));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), "finding statements");
  return out;
}

Result<evidence::EdgePage> EvidenceDb::FindEdges(const evidence::EdgeQuery& query) const {
  std::string sql = std::string(kEdgeColumns) + "WHERE ";
  sql += query.incoming ? "to_id = ?1" : "from_id = ?1";
  sql += " AND position > ?2 AND edges.entry < ?3";
  if (query.kind) sql += " AND kind = ?4";
  sql += " ORDER BY position LIMIT ?5";

  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, PinnedSizeLocked(query.as_of));
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql(sql));
  evidence::EdgePage out;
  out.indexed_size = indexed;
  Query q(*find);
  q.Text(1, query.node)
      .Int(2, query.after ? static_cast<int64_t>(std::min<uint64_t>(*query.after, INT64_MAX)) : int64_t{0})
      .Int(3, static_cast<int64_t>(indexed))
      .Int(5, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  BindOptional(q, 4, query.kind);
  SCITT_ASSIGN_OR_RETURN(const uint64_t last, ReadEdges(q, out));
  if (out.edges.size() == query.limit) out.next = last;
  return out;
}

Result<evidence::EdgePage> EvidenceDb::ScanEdges(const evidence::EdgeScan& scan) const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeLocked());
  SCITT_ASSIGN_OR_RETURN(const Statement* find,
                         Sql(std::string(kEdgeColumns) + "WHERE position > ?1 AND edges.entry < ?2 ORDER BY position LIMIT ?3"));
  evidence::EdgePage out;
  out.indexed_size = indexed;
  Query q(*find);
  q.Int(1, static_cast<int64_t>(std::min<uint64_t>(scan.after, INT64_MAX)))
      .Int(2, static_cast<int64_t>(indexed))
      .Int(3, static_cast<int64_t>(std::min<size_t>(scan.limit, INT64_MAX)));
  SCITT_ASSIGN_OR_RETURN(const uint64_t last, ReadEdges(q, out));
  if (!out.edges.empty()) out.next = last;
  return out;
}

Result<uint64_t> EvidenceDb::ReadEdges(embedded::Query& q, evidence::EdgePage& out) const {
  int rc;
  uint64_t position = 0;
  while ((rc = q.Step()) == SQLITE_ROW) {
    evidence::FoundEdge found;
    position = static_cast<uint64_t>(q.IntAt(0));
    found.entry = static_cast<uint64_t>(q.IntAt(1));
    found.edge = {q.TextAt(2), q.TextAt(3), q.TextAt(4), q.TextAt(5)};
    if (!q.NullAt(6)) found.issuer = q.TextAt(6);
    out.edges.push_back(std::move(found));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), "reading edges");
  return position;
}

Result<evidence::NodePage> EvidenceDb::FindNodes(const evidence::NodeQuery& query) const {
  // A range scan of each id index: ids from max(prefix, after) up to the
  // first string past every one that starts with prefix.
  static const std::string kSql =
      "SELECT id FROM (SELECT to_id AS id FROM edges WHERE to_id >= ?1 AND to_id < ?2 AND to_id > ?3 "
      "AND entry < ?4 UNION SELECT from_id FROM edges WHERE from_id >= ?1 AND from_id < ?2 "
      "AND from_id > ?3 AND entry < ?4) ORDER BY id LIMIT ?5";
  std::string end = query.prefix;
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) end.assign(1, '\xff');  // (an empty prefix: every id short of 0xff bytes)
  else end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);

  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const uint64_t indexed, PinnedSizeLocked(query.as_of));
  SCITT_ASSIGN_OR_RETURN(const Statement* find, Sql(kSql));
  evidence::NodePage out;
  out.indexed_size = indexed;
  const std::string after = query.after.value_or("");  // bound SQLITE_STATIC: must outlive q
  Query q(*find);
  q.Text(1, query.prefix)
      .Text(2, end)  // compared byte by byte (BINARY), valid UTF-8 or not
      .Text(3, after)
      .Int(4, static_cast<int64_t>(indexed))
      .Int(5, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.nodes.push_back(q.TextAt(0));
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), "finding nodes");
  return out;
}

Result<EvidenceDb::Counts> EvidenceDb::CountRows() const {
  std::lock_guard lock(mu_);
  SCITT_ASSIGN_OR_RETURN(const Statement* count,
                         Sql("SELECT (SELECT count(*) FROM statements), (SELECT count(*) FROM edges), "
                             "(SELECT count(*) FROM statements WHERE indexing_error IS NOT NULL)"));
  Query q(*count);
  if (q.Step() != SQLITE_ROW) return SqliteError(db_.get(), "counting the index");
  return Counts{static_cast<uint64_t>(q.IntAt(0)), static_cast<uint64_t>(q.IntAt(1)),
                static_cast<uint64_t>(q.IntAt(2))};
}

Result<EvidenceDb::Differences> EvidenceDb::Compare(const std::string& live, const std::string& rebuilt) {
  SCITT_ASSIGN_OR_RETURN(Connection db, Connection::OpenImmutable(live));
  SCITT_ASSIGN_OR_RETURN(Statement attach, Statement::Prepare(db.get(), "ATTACH DATABASE ? AS rebuilt"));
  {
    const std::string uri = embedded::ImmutableUri(rebuilt);  // bound SQLITE_STATIC: outlives q
    Query q(attach);
    q.Text(1, uri);
    if (q.Step() != SQLITE_DONE) return SqliteError(db.get(), "attaching " + rebuilt);
  }
  // The columns a statement row and an edge row are compared on (an edge's
  // position is its place in indexing order, the same in both when the
  // entries are; it is left out so that order alone is not a difference).
  // A statement's names are compared by value: ids depend on indexing order.
  static constexpr const char* kStatement =
      "entry, subject, subject_digest, issuer, content_type, registered_at, format, indexing_error, "
      "payload_source, payload_location";
  static constexpr const char* kEdge = "entry, kind, from_id, to_id, attributes";
  auto count = [&](const std::string& sql) -> Result<uint64_t> {
    SCITT_ASSIGN_OR_RETURN(Statement statement, Statement::Prepare(db.get(), sql));
    Query q(statement);
    if (q.Step() != SQLITE_ROW) return SqliteError(db.get(), "comparing the evidence indexes");
    return static_cast<uint64_t>(q.IntAt(0));
  };
  Differences out;
  SCITT_ASSIGN_OR_RETURN(out.compared_size,
                         count("SELECT min((SELECT size FROM main.indexed), (SELECT size FROM rebuilt.indexed))"));
  const std::string below = " WHERE entry < " + std::to_string(out.compared_size);
  // Rows with how many times each is there, so that a row stored twice
  // (an edge a replay added again) is a difference too.
  const auto statements = [](const std::string& schema) { return "(" + StatementColumns(schema + ".") + ")"; };
  const auto edges = [](const std::string& schema) { return schema + ".edges"; };
  auto only_in = [&](const char* columns, const auto& source, const char* a, const char* b) {
    const auto rows = [&](const char* schema) {
      return std::string("SELECT ") + columns + ", count(*) FROM " + source(schema) + below + " GROUP BY " + columns;
    };
    return count("SELECT count(*) FROM (" + rows(a) + " EXCEPT " + rows(b) + ")");
  };
  SCITT_ASSIGN_OR_RETURN(out.statements_only_in_live, only_in(kStatement, statements, "main", "rebuilt"));
  SCITT_ASSIGN_OR_RETURN(out.statements_only_in_rebuilt, only_in(kStatement, statements, "rebuilt", "main"));
  SCITT_ASSIGN_OR_RETURN(out.edges_only_in_live, only_in(kEdge, edges, "main", "rebuilt"));
  SCITT_ASSIGN_OR_RETURN(out.edges_only_in_rebuilt, only_in(kEdge, edges, "rebuilt", "main"));
  return out;
}

}  // namespace scitt::storage
