// The registration flow (DESIGN.md §2), in one place for every way a
// statement comes in (SCRAPI's POST /entries today, the OCI registry's
// statement pushes next): check → log entry → submit → receipt.
//
// Register() runs the checks on the calling thread. They are CPU-bound and a
// policy script may take up to its timeout, so callers run it on a worker
// pool, never on an HTTP I/O thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"
#include "log/transparency_log.h"
#include "registration/operations.h"
#include "registration/registrar.h"

namespace scitt::registration {

// A statement in the log, with its receipt.
struct Registered {
  uint64_t index = 0;
  bool existed = false;  // it was registered before (its first entry is returned)
  Bytes receipt;         // inclusion receipt against the tree head of its batch
};

// The statement passed every check and was handed to the log: `operation_id`
// (its signed content hash, hex: the log's duplicate key) names it until the
// receipt exists, and finds its entry afterwards.
struct Submitted {
  std::string operation_id;
};

// Checks a hash envelope's payload-location against content this service
// holds (the registry's blobs: registry/payload_locations.h). What is
// wrong (the statement is then refused as "Rejected") when the location
// names such content and it is missing or is not the signed hash; nullopt
// when it holds, or names content held elsewhere. May read from disk: it
// runs where checks run, never on an I/O thread.
class PayloadLocations {
 public:
  virtual ~PayloadLocations() = default;
  virtual std::optional<std::string> Check(const Accepted::PayloadLocation& payload) const = 0;
};

struct PipelineOptions {
  // Bytes of statements handed to the log and not yet answered. Beyond it
  // Register answers kUnavailable (retry later) instead of queueing: clients
  // can submit faster than batches commit, and each holds its statement.
  size_t max_pending_bytes = 256u << 20;
  // Seconds since the epoch: the check time and the entry's registration time.
  std::function<int64_t()> clock;
  // Checked after every other check; null: locations are not checked.
  // Must outlive the pipeline.
  const PayloadLocations* payload_locations = nullptr;
};

class Pipeline {
 public:
  using Done = std::function<void(Result<Registered>)>;

  // `log` must outlive the pipeline. `policy_index` is the log entry of the
  // registration policy `registrar` applies, recorded with every entry.
  Pipeline(std::shared_ptr<const Registrar> registrar, log::TransparencyLog& log, uint64_t policy_index,
           PipelineOptions options);

  // Checks `statement` (Registrar::Check). A Refusal: `done` never runs. An
  // Error (kUnavailable: too many bytes pending; or the log is stopping):
  // `done` never runs. Submitted: `done` runs exactly once, on the log's
  // sequencer thread (so it must be quick), with the receipt once the batch
  // holding the statement is durable and signed, or with the log's error.
  std::variant<Submitted, Refusal, Error> Register(Bytes statement, Done done);
  // The same for a statement submitted into a file mapping
  // (Registrar::Check's second form): the log appends it from there.
  std::variant<Submitted, Refusal, Error> Register(std::shared_ptr<MappedBytes> statement, Done done);

  const Operations& operations() const { return operations_; }
  const Registrar& registrar() const { return *registrar_; }
  uint64_t policy_index() const { return policy_index_; }
  size_t pending_bytes() const { return pending_bytes_.load(std::memory_order_relaxed); }

 private:
  int64_t Now() const;
  // Register's steps after the checks.
  std::variant<Submitted, Refusal, Error> Submit(std::variant<Accepted, Refusal> checked, int64_t now, Done done);

  const std::shared_ptr<const Registrar> registrar_;
  log::TransparencyLog& log_;
  const uint64_t policy_index_;
  const PipelineOptions options_;
  Operations operations_;
  std::atomic<size_t> pending_bytes_{0};  // statements submitted, not yet answered
};

}  // namespace scitt::registration
