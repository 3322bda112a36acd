// The JavaScript hook of a policy, run by embedded Duktape: a registration
// policy's apply(phdr, uhdr, payload, details), an appraisal policy's
// appraise(subject, evidence, rules) (appraisal/policy.h).
//
// The script is compiled once, to bytecode. Every run loads that bytecode
// into a fresh global environment (new built-ins, no globals from earlier
// runs) on a pooled Duktape heap, so a decision depends only on the
// arguments: auditors replaying the log get the same answers. `Math.random`
// and `Date` are removed for the same reason.
//
// Bounds: each heap may allocate at most kMemoryLimitBytes, and once a run
// has used kTimeLimit of wall-clock time every further allocation fails.
// Debian's Duktape is built without DUK_USE_EXEC_TIMEOUT_CHECK, so a loop that
// never allocates cannot be interrupted: scripts are trusted operator
// configuration (docs/policy.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "policy/registration_policy.h"

namespace scitt::policy {

// The function a script must define, and its parameters (a registration
// policy's by default).
struct ScriptEntry {
  std::string name = "apply";
  std::vector<std::string> parameters = {"phdr", "uhdr", "payload", "details"};
};

class PolicyScript {
 public:
  static constexpr size_t kMemoryLimitBytes = 32u << 20;
  static constexpr std::chrono::milliseconds kTimeLimit{500};

  // Compiles `source` and runs its global code once in a scratch
  // environment; fails (kInvalidArgument) on a syntax error, an exception in
  // the global code, or when the entry function is not defined.
  static Result<std::unique_ptr<PolicyScript>> Compile(std::string_view source, ScriptEntry entry = {});

  // Calls the entry function with the values of the JSON array
  // `arguments_json` (one per parameter). true accepts; false refuses with
  // "policy script refused"; a string refuses with that string; anything
  // else, an exception or exhausting a bound refuses with what happened.
  // Thread-safe.
  Decision Apply(const std::string& arguments_json) const;

  ~PolicyScript();

 private:
  struct Heap;
  PolicyScript() = default;
  std::unique_ptr<Heap> AcquireHeap() const;
  void ReleaseHeap(std::unique_ptr<Heap> heap) const;

  ScriptEntry entry_;
  std::string signature_;  // "apply(phdr, uhdr, payload, details)"
  Bytes bytecode_;  // the compiled global code (duk_dump_function)
  mutable std::mutex mutex_;
  // Heaps not in use; guarded by mutex_. A heap is taken out for the whole of
  // a run, so no two threads ever touch the same heap.
  mutable std::vector<std::unique_ptr<Heap>> idle_heaps_;
};

}  // namespace scitt::policy
