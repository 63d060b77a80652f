// Result<T>: either a T or an Error (error.h). Result<void> (alias Status)
// carries success or an Error. This is how every fallible libbsi call
// reports failure; no exception crosses a libbsi header.
//
//   Result<Root> root = ParseRoot(bytes);
//   if (!root.ok()) return root.error();
//   Use(*root);
//
// BSI_TRY(expr) returns early from a function returning Status/Result<U>
// when the Status/Result expression fails. BSI_ASSIGN_OR_RETURN(lhs, expr)
// does the same and otherwise moves the value into lhs.
//
// Thread-safety: a plain value type.
#ifndef BSI_CORE_RESULT_H_
#define BSI_CORE_RESULT_H_

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "bsi/core/error.h"

namespace bsi {

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  // Implicit by design, so that a function returning Result<T> can
  // `return value;` or `return error;`.
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  // Implicit by design, so that a function returning Status can `return error;`.
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace bsi

#define BSI_CONCAT_INNER_(a, b) a##b
#define BSI_CONCAT_(a, b) BSI_CONCAT_INNER_(a, b)

#define BSI_TRY(expr)                 \
  do {                                \
    auto bsi_try_result_ = (expr);    \
    if (!bsi_try_result_.ok()) {      \
      return bsi_try_result_.error(); \
    }                                 \
  } while (false)

// lhs may be a declaration ("const T* x") and tmp is a name being declared,
// so neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define BSI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) {                                 \
    return tmp.error();                            \
  }                                                \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

#define BSI_ASSIGN_OR_RETURN(lhs, expr) \
  BSI_ASSIGN_OR_RETURN_IMPL_(BSI_CONCAT_(bsi_result_, __LINE__), lhs, expr)

#endif  // BSI_CORE_RESULT_H_
