#include "testing/fake_clock.h"

#include <cassert>

namespace bsi::testing {

void FakeClock::Advance(std::int64_t seconds) {
  assert(seconds >= 0);
  now_.seconds += seconds;
  monotonic_ += std::chrono::seconds(seconds);
}

void FakeClock::AdvanceMonotonic(std::chrono::steady_clock::duration delta) {
  assert(delta.count() >= 0);
  monotonic_ += delta;
}

}  // namespace bsi::testing
