// Monotonic time that tests can control (DESIGN.md §2: base owns the clock
// seam). Code that decides by elapsed time takes a MonotonicClock instead of
// calling steady_clock::now() itself, so a test chooses what "now" is and no
// decision depends on how long the machine has been up: steady_clock's epoch
// is the boot on Linux, so time_point{} is not "long ago".
#pragma once

#include <chrono>
#include <functional>

namespace scitt {

using MonotonicClock = std::function<std::chrono::steady_clock::time_point()>;

// std::chrono::steady_clock::now().
MonotonicClock SystemMonotonicClock();

}  // namespace scitt
