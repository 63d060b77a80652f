// Versions as bsi names them (DESIGN.md §2):
//  - BaseVersion:        the full OS version on a device, dotted numbers: "26.3.1".
//  - Letter:             an improvement's letter: "a".."z", "aa".."az", "ba", ...
//  - ImprovementVersion: a base plus a letter, written "26.3.1 (a)".
//  - InstalledVersion:   what a device runs: a base with or without a letter.
//
// Parsing is strict and canonical: every accepted text is exactly what
// ToString() prints back, so two texts denote the same value iff they are
// byte-equal. Parsing never allocates more than a bounded amount (inputs longer
// than the limits below are rejected before any work). All parse errors are
// ErrorCode::kInvalidArgument with a message that quotes the (escaped,
// truncated) text and says what is wrong; callers that parse data from the
// network map them to their own code (e.g. kMalformed) with context.
//
// Order (operator<=>) is a total order consistent with ==:
//  - BaseVersion compares parts numerically from the left; when one sequence
//    is a prefix of the other, the shorter is smaller. So 26.3 < 26.3.0 <
//    26.3.1 < 26.4 < 26.10, and 26.3 != 26.3.0 (a base is an exact string a
//    vendor published, padding it would make two names one version).
//  - Letter compares by ordinal (bijective base 26): a=1, z=26, aa=27, so z < aa.
//  - ImprovementVersion compares base, then letter.
//  - InstalledVersion compares base, then "no letter" before every letter:
//    26.3.1 < 26.3.1 (a) < 26.3.1 (z) < 26.3.1 (aa) < 26.3.2.
//
// Thread-safety: plain immutable value types; std::hash is specialized for each.
#ifndef BSI_VERSION_VERSION_H_
#define BSI_VERSION_VERSION_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::version {

// Dotted non-negative decimal numbers, at least one part: "26", "26.3.1".
// Grammar: part ("." part)*, part = "0" | [1-9][0-9]*, each part <= 2^32-1,
// whole text <= kMaxLength characters (so at most 32 parts).
class BaseVersion {
 public:
  static constexpr std::size_t kMaxLength = 64;

  // "0". Exists so that structs holding a version can be filled in later.
  BaseVersion() : parts_{0} {}

  // Errors: kInvalidArgument unless text matches the grammar above.
  static Result<BaseVersion> Parse(std::string_view text);

  // Errors: kInvalidArgument if parts is empty or its text form is longer
  // than kMaxLength.
  static Result<BaseVersion> FromParts(std::vector<uint32_t> parts);

  const std::vector<uint32_t>& parts() const { return parts_; }
  std::string ToString() const;
  std::size_t Hash() const;

  friend bool operator==(const BaseVersion&, const BaseVersion&) = default;
  // clang-tidy 14 reports modernize-use-nullptr inside the compiler-generated
  // body of a defaulted <=> (see UnixTime in core/clock.h); a false positive.
  // NOLINTNEXTLINE(modernize-use-nullptr)
  friend std::strong_ordering operator<=>(const BaseVersion&, const BaseVersion&) = default;

 private:
  explicit BaseVersion(std::vector<uint32_t> parts) : parts_(std::move(parts)) {}

  std::vector<uint32_t> parts_;  // never empty
};

// An improvement letter: "a".."z", then "aa".."az", "ba".."zz", "aaa", ...
// i.e. the bijective base-26 numeral of its ordinal (1 = a, 26 = z, 27 = aa).
// Grammar: 1..kMaxLength lowercase ASCII letters.
class Letter {
 public:
  static constexpr std::size_t kMaxLength = 8;
  // The ordinal of "zzzzzzzz": 26 + 26^2 + ... + 26^8.
  static constexpr uint64_t kMaxOrdinal = 217180147158;

  // "a". Exists so that structs holding a letter can be filled in later.
  Letter() = default;

  // Errors: kInvalidArgument unless text matches the grammar above.
  static Result<Letter> Parse(std::string_view text);

  // Errors: kInvalidArgument unless 1 <= ordinal <= kMaxOrdinal.
  static Result<Letter> FromOrdinal(uint64_t ordinal);

  // The letter after this one ("z" -> "aa").
  // Errors: kInvalidArgument if this is "zzzzzzzz".
  Result<Letter> Next() const;

  uint64_t ordinal() const { return ordinal_; }
  std::string ToString() const;
  std::size_t Hash() const { return std::hash<uint64_t>{}(ordinal_); }

  friend bool operator==(const Letter&, const Letter&) = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): as for BaseVersion
  friend std::strong_ordering operator<=>(const Letter&, const Letter&) = default;

 private:
  explicit Letter(uint64_t ordinal) : ordinal_(ordinal) {}

  uint64_t ordinal_ = 1;  // 1..kMaxOrdinal
};

// One improvement of one base: "26.3.1 (a)" — the base, exactly one space,
// "(", the letter, ")". Nothing before or after.
class ImprovementVersion {
 public:
  ImprovementVersion() = default;  // "0 (a)"
  ImprovementVersion(BaseVersion base, Letter letter) : base_(std::move(base)), letter_(letter) {}

  // Errors: kInvalidArgument unless text is of the form above.
  static Result<ImprovementVersion> Parse(std::string_view text);

  const BaseVersion& base() const { return base_; }
  const Letter& letter() const { return letter_; }
  std::string ToString() const;
  std::size_t Hash() const;

  friend bool operator==(const ImprovementVersion&, const ImprovementVersion&) = default;
  friend std::strong_ordering operator<=>(const ImprovementVersion&,
                                          const ImprovementVersion&) = default;

 private:
  BaseVersion base_;
  Letter letter_;
};

// What a device runs: its base version, and the letter of the improvement it
// has installed on top, if any. Text form: "26.3.1" or "26.3.1 (a)".
class InstalledVersion {
 public:
  InstalledVersion() = default;  // "0"
  explicit InstalledVersion(BaseVersion base, std::optional<Letter> letter = std::nullopt)
      : base_(std::move(base)), letter_(letter) {}
  explicit InstalledVersion(const ImprovementVersion& improvement)
      : base_(improvement.base()), letter_(improvement.letter()) {}

  // Accepts a BaseVersion text or an ImprovementVersion text.
  // Errors: kInvalidArgument if text is neither.
  static Result<InstalledVersion> Parse(std::string_view text);

  const BaseVersion& base() const { return base_; }
  const std::optional<Letter>& letter() const { return letter_; }
  // The installed improvement, or nullopt when the device runs the plain base.
  std::optional<ImprovementVersion> improvement() const;
  std::string ToString() const;
  std::size_t Hash() const;

  friend bool operator==(const InstalledVersion&, const InstalledVersion&) = default;
  // std::optional orders nullopt before every value: the base before its letters.
  friend std::strong_ordering operator<=>(const InstalledVersion&,
                                          const InstalledVersion&) = default;

 private:
  BaseVersion base_;
  std::optional<Letter> letter_;
};

// Print ToString(); for logs and test failure messages.
std::ostream& operator<<(std::ostream& os, const BaseVersion& v);
std::ostream& operator<<(std::ostream& os, const Letter& v);
std::ostream& operator<<(std::ostream& os, const ImprovementVersion& v);
std::ostream& operator<<(std::ostream& os, const InstalledVersion& v);

}  // namespace bsi::version

template <>
struct std::hash<bsi::version::BaseVersion> {
  std::size_t operator()(const bsi::version::BaseVersion& v) const { return v.Hash(); }
};
template <>
struct std::hash<bsi::version::Letter> {
  std::size_t operator()(const bsi::version::Letter& v) const { return v.Hash(); }
};
template <>
struct std::hash<bsi::version::ImprovementVersion> {
  std::size_t operator()(const bsi::version::ImprovementVersion& v) const { return v.Hash(); }
};
template <>
struct std::hash<bsi::version::InstalledVersion> {
  std::size_t operator()(const bsi::version::InstalledVersion& v) const { return v.Hash(); }
};

#endif  // BSI_VERSION_VERSION_H_
