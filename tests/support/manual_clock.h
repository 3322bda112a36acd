// A MonotonicClock a test moves by hand (base/clock.h), starting at any
// point: a freshly booted machine or one up for months.
#pragma once

#include <chrono>
#include <memory>

#include "base/clock.h"

namespace scitt::testing {

class ManualClock {
 public:
  explicit ManualClock(std::chrono::steady_clock::duration start)
      : now_(std::make_shared<std::chrono::steady_clock::time_point>(start)) {}
  MonotonicClock clock() const {
    return [now = now_] { return *now; };
  }
  void Advance(std::chrono::steady_clock::duration by) { *now_ += by; }

 private:
  std::shared_ptr<std::chrono::steady_clock::time_point> now_;
};

}  // namespace scitt::testing
