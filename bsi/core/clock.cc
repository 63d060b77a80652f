#include "bsi/core/clock.h"

#include <time.h>

namespace bsi {

UnixTime SystemClock::Now() const {
  // Through libc (not std::chrono::system_clock, which may use a raw
  // syscall) so that libfaketime can move the wall clock in tests.
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return UnixTime{static_cast<std::int64_t>(ts.tv_sec)};
}

std::chrono::steady_clock::time_point SystemClock::MonotonicNow() const {
  return std::chrono::steady_clock::now();
}

}  // namespace bsi
