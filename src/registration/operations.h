// Registrations that have not been answered with a receipt yet (SCRAPI's
// asynchronous flow: 303 to /operations/{id}), and recent failures.
// Completed operations are dropped: /operations/{id} then finds the entry by
// its hash in the log, which survives restarts.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace scitt::registration {

class Operations {
 public:
  struct State {
    bool failed = false;
    std::string error;  // why, when failed
  };
  void Start(const std::string& id);
  void Complete(const std::string& id);
  void Fail(const std::string& id, std::string error);
  // nullopt: not pending and no recent failure (look the entry up in the log).
  std::optional<State> Find(const std::string& id) const;

 private:
  static constexpr size_t kMaxFailures = 10000;  // bounds memory under repeated failures
  mutable std::mutex mu_;  // guards both members
  std::map<std::string, State> states_;
  std::deque<std::string> failures_;  // failure ids, oldest first
};

}  // namespace scitt::registration
