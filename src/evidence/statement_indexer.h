// The indexer follows the log (never the HTTP request: DESIGN.md §2): each
// registered statement is indexed by subject, issuer, payload content type
// and registration time in the EvidenceStore, and a payload in a format the
// parsers read (evidence/formats/parse.h) adds its edges to the graph. Runs under a log::LogFollower
// whose cursor is the store's IndexedSize(), saved in the same transaction
// as the statements it covers, so a crash or restart resumes exactly where
// the store stopped, and an index rebuilt from the log alone is the same.
#pragma once

#include <functional>
#include <vector>

#include "evidence/dependency_graph.h"
#include "evidence/evidence_store.h"
#include "evidence/preimages.h"
#include "log/log_follower.h"

namespace scitt::evidence {

// What the index keeps of a registered statement (the bytes the log holds),
// its payload's edges included. An entry that is not a COSE_Sign1 cannot be
// in the log; for one that is not (fails to parse), nullopt: nothing to
// index. A payload that breaks its format is recorded as an indexing error.
// A hash envelope's preimage is read through `preimages` (null: none is).
// The statement's bytes are parsed where they are (taken, not copied).
// With `batches`, a large document's edges (GraphParts::edge_sink) go to it
// as the payload is parsed, and the result holds those that follow them; an
// error it returns ends the parse, as an indexing error.
using EdgeBatches = std::function<Status(std::vector<IndexedEdge> batch)>;
std::optional<IndexedStatement> DescribeStatement(log::LogEntry entry, const Preimages* preimages = nullptr,
                                                  const EdgeBatches& batches = nullptr);

class StatementIndexer final : public log::EntryConsumer {
 public:
  static constexpr std::string_view kFollower = "evidence-index";
  // What this indexer derives from a statement (the parsers, the id rules).
  // Changed whenever the same log would give another index, so that an
  // index derived otherwise is rebuilt from the log (Prepare).
  static constexpr std::string_view kDerivation = "scitt-evidence/3 (canonical purls, IDENTIFIES, LICENSED_UNDER)";

  // `preimages` and `graph` (either may be null) must outlive this; the
  // graph reads what each save added, so that walks find it read.
  explicit StatementIndexer(EvidenceStore& store, const Preimages* preimages = nullptr,
                            DependencyGraph* graph = nullptr)
      : store_(store), preimages_(preimages), graph_(graph) {}

  // kDerivation and the base URLs under which payload-locations are read
  // from this registry (Preimages::BaseUrls): an index derived with other
  // URLs retrieved other preimages.
  std::string Derivation() const;
  // The base URLs a Derivation() names (for `scitt index rebuild`, which
  // reads them from the index it replaces).
  static std::vector<std::string> BaseUrlsOf(std::string_view derivation);

  // Before the follower starts: an index another derivation wrote is
  // emptied, to be read again from the log.
  Status Prepare();

  // Called at each save, before the store makes it visible, with what it
  // adds (the evidence of entries below `indexed_size`): how caches of
  // conclusions drawn from the index learn that they may be stale. (A save
  // that fails is replayed, and told again.) Set before the follower starts.
  using Observer = std::function<void(const std::vector<IndexedStatement>& added, uint64_t indexed_size)>;
  void SetObserver(Observer observer) { observer_ = std::move(observer); }

  Result<uint64_t> Cursor() override { return store_.IndexedSize(); }
  Status Consume(log::LogEntry entry) override;
  // Writes what was consumed since the last save, with the cursor.
  Status SaveCursor(uint64_t next) override;

 private:
  static constexpr size_t kMaxPendingBytes = 8 << 20;

  EvidenceStore& store_;
  const Preimages* const preimages_;
  DependencyGraph* const graph_;
  Observer observer_;
  // Consumed, not yet added (follower thread only): at most
  // FollowerOptions::entries_per_save entries and about kMaxPendingBytes.
  std::vector<IndexedStatement> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace scitt::evidence
