// What the evidence layer keeps, defined here by its user (DESIGN.md §2):
// storage/embedded implements it in SQLite (evidence.sqlite), and the
// PostgreSQL backend will run the same conformance suite
// (tests/storage/evidence_store_conformance.h). Everything in it is derived
// from the log by the indexer (statement_indexer.h) and can be rebuilt
// from the log alone.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace scitt::evidence {

// What the index keeps of one registered statement: who says what about
// what, and when it was registered.
struct IndexedStatement {
  uint64_t entry = 0;                        // its log index
  std::optional<std::string> subject;        // CWT sub, as signed
  // The subject as queries match it besides `subject`: the digest of an
  // OCI subject ("name@sha256:…" → "sha256:…"), so that a query for an
  // artifact's digest finds statements naming it with a repository too.
  std::optional<std::string> subject_digest;
  std::optional<std::string> issuer;         // CWT iss
  std::optional<std::string> content_type;   // the payload's, or a hash envelope's preimage's
  int64_t registered_at = 0;                 // seconds since the epoch
  bool operator==(const IndexedStatement&) const = default;
};

// Statements matching every field that is set, in entry order, the first
// `limit` after entry `after` (exclusive).
struct StatementQuery {
  std::optional<std::string> subject;  // matches subject or subject_digest
  std::optional<std::string> issuer;
  std::optional<std::string> content_type;
  std::optional<uint64_t> after;
  size_t limit = 100;
};

// What a query found, and the indexed size it reflects: every entry below
// it was indexed when the query ran.
struct StatementPage {
  uint64_t indexed_size = 0;
  std::vector<IndexedStatement> statements;
};

// Thread-safe. Calls may block on disk: never on an HTTP I/O thread.
class EvidenceStore {
 public:
  virtual ~EvidenceStore() = default;

  // Every entry below it is indexed (0 for a new store).
  virtual Result<uint64_t> IndexedSize() const = 0;
  // Adds `statements` (entries at or above IndexedSize(), below `next`;
  // entries in that range that are not given had nothing to index) and
  // moves IndexedSize() to `next`, in one transaction. Adding an entry
  // again changes nothing (after a crash the indexer replays from the
  // saved size).
  virtual Status Add(std::span<const IndexedStatement> statements, uint64_t next) = 0;
  // Answers from the entries below IndexedSize() at the time of the call.
  virtual Result<StatementPage> FindStatements(const StatementQuery& query) const = 0;
};

}  // namespace scitt::evidence
