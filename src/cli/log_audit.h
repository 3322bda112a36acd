// `scitt log verify`: an auditor's replay of a whole log. It downloads (or
// reads) every registered statement, recomputes the Merkle tree, checks
// every signed tree head and checkpoint against it and the tiles against
// it, and replays every registration under the trust configuration and
// policy that were in force (both are log entries themselves).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "log/log_store.h"
#include "merkle/tile.h"

namespace scitt::cli {

// Where the auditor reads the log from: a service over HTTP or a data
// directory (only while no service runs on it).
class AuditSource {
 public:
  virtual ~AuditSource() = default;
  virtual std::string Describe() const = 0;
  virtual Result<std::string> Checkpoint() = 0;
  virtual Result<std::string> CheckpointVerifierKey() = 0;
  virtual Result<Bytes> ServiceKeys() = 0;          // COSE_KeySet
  // Entries from `from` on (a page); empty at the end.
  virtual Result<std::vector<log::LogEntry>> Entries(uint64_t from) = 0;
  // Tree heads with size >= `from` (a page); empty at the end.
  virtual Result<std::vector<log::TreeHead>> TreeHeads(uint64_t from) = 0;
  virtual Result<Bytes> Tile(const merkle::TileCoord& coord) = 0;
};

struct AuditReport {
  uint64_t entries = 0;
  uint64_t registrations_replayed = 0;
  uint64_t admission_verdicts = 0;  // the service's own, signature checked (docs/deployment-gates.md)
  uint64_t tree_heads = 0;
  uint64_t tiles = 0;
  uint64_t tree_size = 0;
  std::string root_hex;
  std::vector<std::string> problems;  // empty when the log is sound
};

// `checkpoint_key`: the C2SP verifier key to trust; empty = take the one
// the source publishes (reported as trust on first use).
Result<AuditReport> AuditLog(AuditSource& source, const std::string& checkpoint_key,
                             std::vector<std::string>* notes);

}  // namespace scitt::cli
