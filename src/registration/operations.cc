#include "registration/operations.h"

namespace scitt::registration {

void Operations::Start(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  states_[id] = State{};
}

void Operations::Complete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(id);
  if (it != states_.end() && !it->second.failed) states_.erase(it);
}

void Operations::Fail(const std::string& id, std::string error) {
  std::lock_guard<std::mutex> lock(mu_);
  states_[id] = State{true, std::move(error)};
  failures_.push_back(id);
  if (failures_.size() > kMaxFailures) {
    auto oldest = states_.find(failures_.front());
    if (oldest != states_.end() && oldest->second.failed) states_.erase(oldest);
    failures_.pop_front();
  }
}

std::optional<Operations::State> Operations::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

}  // namespace scitt::registration
