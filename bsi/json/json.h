// JSON values, a strict parser, and the one canonical serializer.
//
// Parse() accepts exactly RFC 8259 JSON and refuses, with kMalformed:
// invalid UTF-8, duplicate object keys, comments, trailing commas, integers
// outside the int64 range, nesting deeper than kMaxDepth, and anything after
// the value. Numbers with a fraction or exponent parse as kDouble; callers
// that want integers (all of TUF) ask for AsInt(), which fails on a double.
//
// Canonicalize() writes the OLPC canonical form that TUF (securesystemslib)
// signs: object keys sorted by their UTF-8 bytes, no whitespace, strings in
// double quotes with only '"' and '\' escaped (every other byte as it is),
// integers in shortest decimal form, no floating point (kMalformed). Every
// signature libbsi makes or checks is over these bytes.
//
// Thread-safety: Value is a plain value type; the functions are pure.
#ifndef BSI_JSON_JSON_H_
#define BSI_JSON_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::json {

class Value;
using Array = std::vector<Value>;
// std::map orders std::string keys bytewise as unsigned char: canonical order.
using Object = std::map<std::string, Value, std::less<>>;

enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

// "null", "boolean", "integer", "number", "string", "array", "object".
std::string_view KindName(Kind kind);

class Value {
 public:
  Value() = default;                                               // null
  Value(std::nullptr_t) {}                                         // NOLINT
  Value(bool b) : data_(b) {}                                      // NOLINT
  Value(int i) : data_(static_cast<std::int64_t>(i)) {}            // NOLINT
  Value(std::int64_t i) : data_(i) {}                              // NOLINT
  Value(std::uint32_t i) : data_(static_cast<std::int64_t>(i)) {}  // NOLINT
  Value(double d) : data_(d) {}                                    // NOLINT
  Value(std::string s) : data_(std::move(s)) {}                    // NOLINT
  Value(std::string_view s) : data_(std::string(s)) {}             // NOLINT
  Value(const char* s) : data_(std::string(s)) {}                  // NOLINT
  Value(Array a) : data_(std::move(a)) {}                          // NOLINT
  Value(Object o) : data_(std::move(o)) {}                         // NOLINT

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  // Unchecked accessors. REQUIRES: the matching kind.
  bool bool_value() const { return std::get<bool>(data_); }
  std::int64_t int_value() const { return std::get<std::int64_t>(data_); }
  double double_value() const { return std::get<double>(data_); }
  const std::string& string_value() const { return std::get<std::string>(data_); }
  const Array& array() const { return std::get<Array>(data_); }
  Array& array() { return std::get<Array>(data_); }
  const Object& object() const { return std::get<Object>(data_); }
  Object& object() { return std::get<Object>(data_); }

  // The member named key of an object, or nullptr (also when not an object).
  const Value* Find(std::string_view key) const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> data_;
};

inline constexpr int kMaxDepth = 64;

// Parses one JSON document (see the file comment). Errors: kMalformed with
// the byte offset of the problem.
Result<Value> Parse(std::string_view text);

// The canonical form (see the file comment). Errors: kMalformed if the value
// holds a double.
Result<std::string> Canonicalize(const Value& value);
// The same for an object, without copying it into a Value.
Result<std::string> Canonicalize(const Object& object);

// Standard JSON without whitespace, keys sorted, control characters
// escaped (\n, \u0001, ...): identical to the canonical form unless a
// string holds a control character, and always parseable. For metadata
// files and wire messages; signatures use Canonicalize().
std::string ToCompactString(const Value& value);

// Human-friendly JSON (two-space indent, keys sorted, standard escapes, a
// final newline) for command-line output and configuration files. Not for
// signing.
std::string ToPrettyString(const Value& value);

}  // namespace bsi::json

#endif  // BSI_JSON_JSON_H_
