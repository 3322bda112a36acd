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
#include <string_view>
#include <vector>

#include "base/result.h"

namespace scitt::evidence {

// One edge of the evidence graph as indexed: asserted by the statement at
// `entry` (whose issuer signed it). Node ids are as the parsers give them
// (evidence/formats/graph.h), with two changes: an edge from the document
// itself starts at the statement's subject, and a document-local id
// "ref:<id>" becomes "ref:<entry>:<id>", so graphs of different documents
// join only on global ids (purls, digests, vulnerability ids).
struct IndexedEdge {
  std::string kind;        // "DEPENDS_ON", … (evidence::EdgeKindName)
  std::string from;
  std::string to;
  std::string attributes;  // a JSON object of strings
  bool operator==(const IndexedEdge&) const = default;
};

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
  // Where the indexed payload came from: "log" (the statement's own),
  // "registry" (a hash envelope's preimage, read from this service's
  // registry), "not_retrieved" (a hash envelope whose preimage is kept
  // elsewhere); absent for a detached payload.
  std::optional<std::string> payload_source;
  std::optional<std::string> payload_location;  // a hash envelope's payload-location (260)
  // The payload's format when a parser read it ("CycloneDX", …), or why it
  // could not be read as the format its content type names.
  std::optional<std::string> format;
  std::optional<std::string> indexing_error;
  std::vector<IndexedEdge> edges;  // what the payload says
  bool operator==(const IndexedStatement&) const = default;
};

// Edges at a node, in the order they were indexed, the first `limit` after
// the position `after` (EdgePage::next of the previous page).
struct EdgeQuery {
  std::string node;
  bool incoming = false;             // edges to `node`; else from it
  std::optional<std::string> kind;   // only this kind
  std::optional<uint64_t> after;
  size_t limit = 100;
  // Only edges of entries below this tree size: the graph as the log held
  // it then ("who knew what, when").
  std::optional<uint64_t> as_of;
};

struct FoundEdge {
  uint64_t entry = 0;
  std::optional<std::string> issuer;  // who signed the statement at `entry`
  IndexedEdge edge;
};

struct EdgePage {
  uint64_t indexed_size = 0;     // as StatementPage::indexed_size (at most as_of)
  std::vector<FoundEdge> edges;
  std::optional<uint64_t> next;  // set when there may be more
};

// Every edge, in indexing order, the first `limit` after the position
// `after` (0: from the first), of entries below IndexedSize() at the time
// of the call. Positions grow with entries (Add takes entries in order),
// so after a page shorter than `limit` every edge of an entry below its
// indexed_size has been read. EdgePage::next is the position of the last
// edge returned (set whenever one is): the store may always grow.
struct EdgeScan {
  uint64_t after = 0;
  size_t limit = 10'000;
};

// Node ids that start with `prefix` (at either end of an edge of an entry
// below `as_of`), in byte order, the first `limit` after `after`: the
// versions of a package ("pkg:npm/left-pad@"), for a blast radius over a
// version range.
struct NodeQuery {
  std::string prefix;
  std::optional<std::string> after;
  size_t limit = 1000;
  std::optional<uint64_t> as_of;
};

struct NodePage {
  uint64_t indexed_size = 0;  // as EdgePage::indexed_size
  std::vector<std::string> nodes;
};

// Statements matching every field that is set, in entry order, the first
// `limit` after entry `after` (exclusive).
struct StatementQuery {
  std::optional<std::string> subject;  // matches subject or subject_digest
  std::optional<std::string> issuer;
  std::optional<std::string> content_type;
  // Registered at or after `since`, before `until` (seconds since the epoch).
  std::optional<int64_t> since;
  std::optional<int64_t> until;
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
  // What derived the index (StatementIndexer::kDerivation when it wrote
  // it; "" for a new store).
  virtual Result<std::string> Derivation() const = 0;
  // Empties the index and records `derivation`, in one transaction:
  // IndexedSize() is 0 again, and the indexer reads the log from the start.
  // Edge positions may start again too: what read the graph before (a
  // DependencyGraph) must be made anew (the service resets before it
  // makes one).
  virtual Status Reset(std::string_view derivation) = 0;
  // Adds `statements` (entries at or above IndexedSize(), below `next`;
  // entries in that range that are not given had nothing to index) and
  // moves IndexedSize() to `next`, in one transaction. Adding an entry
  // again changes nothing (after a crash the indexer replays from the
  // saved size).
  virtual Status Add(std::span<const IndexedStatement> statements, uint64_t next) = 0;
  // For a statement with more edges than are worth holding at once (a large
  // SBOM, stored as it is parsed): adds edges of `entry`, which is at or
  // above IndexedSize() and above every entry with edges stored (so edge
  // positions still grow with entries), ahead of the Add that adds the
  // statement. No query sees them before that Add moves IndexedSize() past
  // `entry`. kInvalidArgument for an entry below IndexedSize().
  virtual Status AddEdges(uint64_t entry, std::span<const IndexedEdge> edges) = 0;
  // Removes every edge of an entry at or above IndexedSize(): what
  // AddEdges stored for a statement that no Add covered (a crash halfway,
  // a document found broken after some of its edges were stored).
  virtual Status DropUnindexedEdges() = 0;
  // Answers from the entries below IndexedSize() at the time of the call
  // (statements without their edges).
  virtual Result<StatementPage> FindStatements(const StatementQuery& query) const = 0;
  virtual Result<EdgePage> FindEdges(const EdgeQuery& query) const = 0;
  virtual Result<NodePage> FindNodes(const NodeQuery& query) const = 0;
  // How an in-memory index of the graph (dependency_graph.h) loads it and
  // follows it.
  virtual Result<EdgePage> ScanEdges(const EdgeScan& scan) const = 0;
};

}  // namespace scitt::evidence
