#include "base/clock.h"

namespace scitt {

MonotonicClock SystemMonotonicClock() { return [] { return std::chrono::steady_clock::now(); }; }

}  // namespace scitt
