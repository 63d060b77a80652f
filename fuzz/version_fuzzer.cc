// Fuzzes the version parsers (bsi/version): BaseVersion, Letter,
// ImprovementVersion and InstalledVersion.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - every accepted input is canonical: ToString() gives back the input byte for
//    byte, and Parse(ToString()) equals the value (and hashes equal);
//  - every rejection is kInvalidArgument with a short, non-empty message;
//  - InstalledVersion accepts exactly what BaseVersion or ImprovementVersion does;
//  - Letter ordinals round-trip through FromOrdinal, and Next() is ordinal + 1;
//  - for an input "A\nB", the order of InstalledVersion A and B agrees with an
//    independent reference order computed on the texts, and is antisymmetric.
#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bsi/version/version.h"

namespace {

using bsi::ErrorCode;
using bsi::Result;
using bsi::version::BaseVersion;
using bsi::version::ImprovementVersion;
using bsi::version::InstalledVersion;
using bsi::version::Letter;

// Error messages quote a bounded prefix of the input, so they stay short
// however long the input is.
constexpr std::size_t kMaxMessage = 1024;

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  std::fprintf(stderr, "version_fuzzer: %s (input %zu bytes, starting '%.*s')\n", what,
               input.size(), static_cast<int>(std::min<std::size_t>(input.size(), 200)),
               input.data());
  std::abort();
}

// Parses input as T and checks the properties every parser must have.
template <typename T>
std::optional<T> ParseAndCheck(std::string_view input) {
  Result<T> parsed = T::Parse(input);
  if (!parsed.ok()) {
    Check(parsed.error().code() == ErrorCode::kInvalidArgument, "error code", input);
    Check(!parsed.error().message().empty(), "empty error message", input);
    Check(parsed.error().message().size() < kMaxMessage, "unbounded error message", input);
    return std::nullopt;
  }
  const std::string text = parsed->ToString();
  Check(text == input, "ToString() does not give back the accepted input", input);
  Result<T> again = T::Parse(text);
  Check(again.ok(), "Parse(ToString()) fails", input);
  Check(*again == *parsed, "Parse(ToString()) != value", input);
  Check((*again <=> *parsed) == 0, "<=> disagrees with ==", input);
  Check(std::hash<T>{}(*again) == std::hash<T>{}(*parsed), "hash differs", input);
  return *parsed;
}

// Reference order on canonical texts, independent of the library: numbers
// without leading zeros compare by length, then alphabetically; so do
// bijective base-26 letters.
std::strong_ordering CompareByLengthThenText(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() <=> b.size();
  return a.compare(b) <=> 0;
}

std::strong_ordering ReferenceBaseOrder(std::string_view a, std::string_view b) {
  while (true) {
    const std::size_t da = std::min(a.find('.'), a.size());
    const std::size_t db = std::min(b.find('.'), b.size());
    const std::strong_ordering part = CompareByLengthThenText(a.substr(0, da), b.substr(0, db));
    if (part != 0) return part;
    const bool a_more = da < a.size();
    const bool b_more = db < b.size();
    if (!a_more || !b_more) return a_more <=> b_more;  // the prefix is smaller
    a.remove_prefix(da + 1);
    b.remove_prefix(db + 1);
  }
}

std::strong_ordering ReferenceInstalledOrder(const InstalledVersion& a, const InstalledVersion& b) {
  const std::strong_ordering base = ReferenceBaseOrder(a.base().ToString(), b.base().ToString());
  if (base != 0) return base;
  if (!a.letter() || !b.letter()) return a.letter().has_value() <=> b.letter().has_value();
  return CompareByLengthThenText(a.letter()->ToString(), b.letter()->ToString());
}

void CheckLetter(const Letter& letter, std::string_view input) {
  Result<Letter> same = Letter::FromOrdinal(letter.ordinal());
  Check(same.ok() && *same == letter, "FromOrdinal(ordinal()) differs", input);
  Result<Letter> next = letter.Next();
  if (letter.ordinal() == Letter::kMaxOrdinal) {
    Check(!next.ok(), "Next() past the last letter", input);
  } else {
    Check(next.ok() && next->ordinal() == letter.ordinal() + 1, "Next() is not ordinal + 1", input);
    Check(letter < *next, "Next() is not greater", input);
  }
}

void CheckPair(std::string_view a_text, std::string_view b_text) {
  Result<InstalledVersion> a = InstalledVersion::Parse(a_text);
  Result<InstalledVersion> b = InstalledVersion::Parse(b_text);
  if (!a.ok() || !b.ok()) return;
  const std::strong_ordering ab = *a <=> *b;
  const std::strong_ordering ba = *b <=> *a;
  Check((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0), "<=> is not antisymmetric", a_text);
  Check((ab == 0) == (a_text == b_text), "equal values with different texts", a_text);
  Check(ab == ReferenceInstalledOrder(*a, *b), "<=> differs from the reference order", a_text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::optional<BaseVersion> base = ParseAndCheck<BaseVersion>(input);
  const std::optional<ImprovementVersion> improvement = ParseAndCheck<ImprovementVersion>(input);
  const std::optional<InstalledVersion> installed = ParseAndCheck<InstalledVersion>(input);
  if (const std::optional<Letter> letter = ParseAndCheck<Letter>(input))
    CheckLetter(*letter, input);

  Check(!(base && improvement), "both a base and an improvement", input);
  Check(installed.has_value() == (base || improvement), "InstalledVersion accepts another set",
        input);
  if (installed) {
    Check(installed->letter().has_value() == improvement.has_value(), "letter presence", input);
    Check(installed->improvement() == improvement, "improvement() differs", input);
    if (base) Check(installed->base() == *base, "base differs", input);
  }

  const std::size_t newline = input.find('\n');
  if (newline != std::string_view::npos) {
    CheckPair(input.substr(0, newline), input.substr(newline + 1));
  }
  return 0;
}
