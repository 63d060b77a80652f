// FakeClock: a Clock (bsi/core/clock.h) that tests move by hand.
//
// Wall time starts where the constructor puts it and changes only by Set()
// or Advance(). Monotonic time starts at an arbitrary fixed point and moves
// only forward, by Advance() or AdvanceMonotonic(); Set() leaves it alone, as
// a wall clock step on a real machine does not move CLOCK_MONOTONIC.
//
//   FakeClock clock(UnixTime{1'700'000'000});
//   clock.Advance(86400);  // one day later, on both clocks
//
// Thread-safety: not thread-safe; set it up before handing it to threads.
#ifndef BSI_TESTING_FAKE_CLOCK_H_
#define BSI_TESTING_FAKE_CLOCK_H_

#include <chrono>
#include <cstdint>

#include "bsi/core/clock.h"

namespace bsi::testing {

class FakeClock final : public Clock {
 public:
  // Default: the Unix epoch.
  explicit FakeClock(UnixTime now = UnixTime{}) : now_(now) {}

  UnixTime Now() const override { return now_; }
  std::chrono::steady_clock::time_point MonotonicNow() const override { return monotonic_; }

  // Moves wall time to now, forward or back (a clock step, an attacker's
  // freeze or rollback). Monotonic time does not change.
  void Set(UnixTime now) { now_ = now; }

  // Moves wall and monotonic time forward by seconds.
  // REQUIRES: seconds >= 0.
  void Advance(std::int64_t seconds);

  // Moves only monotonic time forward (sub-second timeouts and backoff).
  // REQUIRES: delta >= 0.
  void AdvanceMonotonic(std::chrono::steady_clock::duration delta);

 private:
  UnixTime now_;
  std::chrono::steady_clock::time_point monotonic_{};
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_FAKE_CLOCK_H_
