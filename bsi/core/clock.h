// Clock: the one source of time in libbsi. Logic takes a Clock& (or a time
// value) and never calls the system clock itself, so that tests control time.
//
// Wall time is seconds since the Unix epoch, used for metadata expiry. It is
// read with clock_gettime(CLOCK_REALTIME) through libc, so that libfaketime
// (LD_PRELOAD) can move it. Monotonic time measures durations (timeouts,
// backoff) and never goes back.
//
// Thread-safety: SystemClock is thread-safe. FakeClock (testing/) is not.
#ifndef BSI_CORE_CLOCK_H_
#define BSI_CORE_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace bsi {

// Seconds since 1970-01-01T00:00:00Z, UTC, leap seconds ignored.
struct UnixTime {
  std::int64_t seconds = 0;
  // clang-tidy 14 reports modernize-use-nullptr inside the compiler-generated
  // body of a defaulted <=> (its comparison against literal 0); a false positive.
  // NOLINTNEXTLINE(modernize-use-nullptr)
  friend auto operator<=>(const UnixTime&, const UnixTime&) = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime Now() const = 0;
  virtual std::chrono::steady_clock::time_point MonotonicNow() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  UnixTime Now() const override;
  std::chrono::steady_clock::time_point MonotonicNow() const override;
};

}  // namespace bsi

#endif  // BSI_CORE_CLOCK_H_
