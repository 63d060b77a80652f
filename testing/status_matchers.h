// Test assertions for Status / Result<T> (bsi/core/result.h):
//   EXPECT_OK(expr); ASSERT_OK(expr);   print the error when expr failed
//   CodeOf(result)                      the error code, nullopt on success
// Header-only; for tests only.
#ifndef BSI_TESTING_STATUS_MATCHERS_H_
#define BSI_TESTING_STATUS_MATCHERS_H_

#include <optional>

#include <gtest/gtest.h>

#include "bsi/core/result.h"

#define EXPECT_OK(expr)                                              \
  do {                                                               \
    const auto& bsi_status_ = (expr);                                \
    EXPECT_TRUE(bsi_status_.ok()) << bsi_status_.error().ToString(); \
  } while (false)
#define ASSERT_OK(expr)                                              \
  do {                                                               \
    const auto& bsi_status_ = (expr);                                \
    ASSERT_TRUE(bsi_status_.ok()) << bsi_status_.error().ToString(); \
  } while (false)

namespace bsi::testing {

// The error code of a failed result, nullopt when it succeeded.
template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error().code();
}

}  // namespace bsi::testing

#endif  // BSI_TESTING_STATUS_MATCHERS_H_
