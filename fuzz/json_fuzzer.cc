// Fuzzes the strict JSON parser and the canonical serializer (bsi/json):
// every byte of TUF metadata goes through json::Parse before anything else.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - a rejection is kMalformed with a short, non-empty message;
//  - parsing is deterministic;
//  - Canonicalize fails exactly when the value holds a double, with kMalformed;
//  - for a value without doubles whose strings (keys included) hold no
//    control characters, the canonical form parses back to the value and is
//    a fixed point: Canonicalize(Parse(canonical)) == canonical. (Canonical
//    JSON writes control characters as they are, and strict JSON refuses
//    them unescaped, so such a canonical form is not JSON at all; it is
//    only ever hashed and signed, never parsed.)
//  - ToPrettyString parses back to the value whenever there are no doubles
//    (it escapes every control character).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bsi/json/json.h"

namespace {

using bsi::ErrorCode;
using bsi::json::Kind;
using bsi::json::Value;

constexpr std::size_t kMaxMessage = 1024;

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  std::fprintf(stderr, "json_fuzzer: %s (input %zu bytes, starting '%.*s')\n", what, input.size(),
               static_cast<int>(std::min<std::size_t>(input.size(), 200)), input.data());
  std::abort();
}

bool HasControlCharacter(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

struct Shape {
  bool has_double = false;
  bool has_control = false;
};

void Inspect(const Value& value, Shape& shape) {
  switch (value.kind()) {
    case Kind::kDouble:
      shape.has_double = true;
      return;
    case Kind::kString:
      shape.has_control |= HasControlCharacter(value.string_value());
      return;
    case Kind::kArray:
      for (const Value& item : value.array()) Inspect(item, shape);
      return;
    case Kind::kObject:
      for (const auto& [key, item] : value.object()) {
        shape.has_control |= HasControlCharacter(key);
        Inspect(item, shape);
      }
      return;
    default:
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  bsi::Result<Value> parsed = bsi::json::Parse(input);
  if (!parsed.ok()) {
    Check(parsed.error().code() == ErrorCode::kMalformed, "error code", input);
    Check(!parsed.error().message().empty(), "empty error message", input);
    Check(parsed.error().message().size() < kMaxMessage, "unbounded error message", input);
    Check(!bsi::json::Parse(input).ok(), "Parse is not deterministic", input);
    return 0;
  }
  // Compared as text: a double may be NaN (Boost.JSON reads "0e400" as NaN),
  // and NaN != NaN.
  bsi::Result<Value> again = bsi::json::Parse(input);
  Check(again.ok() && bsi::json::ToPrettyString(*again) == bsi::json::ToPrettyString(*parsed),
        "Parse is not deterministic", input);

  Shape shape;
  Inspect(*parsed, shape);

  bsi::Result<std::string> canonical = bsi::json::Canonicalize(*parsed);
  Check(canonical.ok() != shape.has_double, "Canonicalize fails iff there is a double", input);
  if (!canonical.ok()) {
    Check(canonical.error().code() == ErrorCode::kMalformed, "Canonicalize error code", input);
  } else if (!shape.has_control) {
    bsi::Result<Value> reparsed = bsi::json::Parse(*canonical);
    Check(reparsed.ok(), "the canonical form does not parse", input);
    Check(*reparsed == *parsed, "Parse(Canonicalize(v)) != v", input);
    bsi::Result<std::string> twice = bsi::json::Canonicalize(*reparsed);
    Check(twice.ok() && *twice == *canonical, "the canonical form is not a fixed point", input);
  }

  if (!shape.has_double) {
    bsi::Result<Value> pretty = bsi::json::Parse(bsi::json::ToPrettyString(*parsed));
    Check(pretty.ok(), "ToPrettyString does not parse", input);
    Check(*pretty == *parsed, "Parse(ToPrettyString(v)) != v", input);
  }
  return 0;
}
