// Helpers shared by the benchmark programs. A benchmark has no way to
// report a broken setup but to stop, naming what broke.
#ifndef BSI_BENCH_BENCH_UTIL_H_
#define BSI_BENCH_BENCH_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <errno.h>

#include "bsi/core/result.h"

namespace bsi::bench {

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);  // NOLINT(concurrency-mt-unsafe): benchmarks stop from one thread
}

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.error().ToString());
  return std::move(result).value();
}

inline void Must(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.error().ToString());
}

}  // namespace bsi::bench

#endif  // BSI_BENCH_BENCH_UTIL_H_
