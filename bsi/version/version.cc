#include "bsi/version/version.h"

#include <algorithm>
#include <limits>
#include <ostream>

namespace bsi::version {
namespace {

// Texts quoted in error messages are cut at this many bytes: the text may be
// anything a network peer sent, and an error message must stay one short line.
constexpr std::size_t kMaxQuoted = 80;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Appends c, escaping anything that is not printable ASCII (and the quote and
// backslash), so that no byte of the input can forge log lines or terminals.
void AppendEscaped(std::string& out, char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f || c == '\'' || c == '\\') {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  } else {
    out += c;
  }
}

// 'text', escaped, truncated with "..." after kMaxQuoted bytes.
std::string Quote(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) AppendEscaped(out, text[i]);
  out += text.size() > kMaxQuoted ? "'..." : "'";
  return out;
}

std::string QuoteChar(char c) { return Quote(std::string_view(&c, 1)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

std::size_t HashCombine(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

// ---------------------------------------------------------------------------
// BaseVersion

Result<BaseVersion> BaseVersion::Parse(std::string_view text) {
  const std::string what = "version " + Quote(text);
  if (text.empty()) return Invalid(what + " is empty");
  if (text.size() > kMaxLength) {
    return Invalid(what + " is longer than " + std::to_string(kMaxLength) + " characters");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsDigit(text[i]) && text[i] != '.') {
      return Invalid(what + " has invalid character " + QuoteChar(text[i]) + " at offset " +
                     std::to_string(i) + " (only digits and '.' are allowed)");
    }
  }
  std::vector<uint32_t> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view part = text.substr(start, dot - start);
    const std::string number = std::to_string(parts.size() + 1);
    if (part.empty()) return Invalid(what + " has an empty part " + number);
    if (part.size() > 1 && part[0] == '0') {
      return Invalid(what + " has a leading zero in part " + number);
    }
    uint64_t value = 0;
    for (const char c : part) {
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value > std::numeric_limits<uint32_t>::max()) {
        return Invalid(what + " has part " + number + " larger than " +
                       std::to_string(std::numeric_limits<uint32_t>::max()));
      }
    }
    parts.push_back(static_cast<uint32_t>(value));
    if (dot == text.size()) break;
    start = dot + 1;
  }
  return BaseVersion(std::move(parts));
}

Result<BaseVersion> BaseVersion::FromParts(std::vector<uint32_t> parts) {
  if (parts.empty()) return Invalid("version has no parts");
  // Each part takes a digit and all but the last a dot: cheap bound first.
  if (parts.size() > (kMaxLength + 1) / 2) {
    return Invalid("version has " + std::to_string(parts.size()) + " parts, more than " +
                   std::to_string((kMaxLength + 1) / 2));
  }
  BaseVersion version(std::move(parts));
  const std::string text = version.ToString();
  if (text.size() > kMaxLength) {
    return Invalid("version " + Quote(text) + " is longer than " + std::to_string(kMaxLength) +
                   " characters");
  }
  return version;
}

std::string BaseVersion::ToString() const {
  std::string out;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

std::size_t BaseVersion::Hash() const {
  std::size_t seed = parts_.size();
  for (const uint32_t part : parts_) seed = HashCombine(seed, std::hash<uint32_t>{}(part));
  return seed;
}

// ---------------------------------------------------------------------------
// Letter

Result<Letter> Letter::Parse(std::string_view text) {
  const std::string what = "improvement letter " + Quote(text);
  if (text.empty()) return Invalid(what + " is empty");
  if (text.size() > kMaxLength) {
    return Invalid(what + " is longer than " + std::to_string(kMaxLength) + " letters");
  }
  uint64_t ordinal = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsLower(text[i])) {
      return Invalid(what + " has invalid character " + QuoteChar(text[i]) + " at offset " +
                     std::to_string(i) + " (only lowercase a-z are allowed)");
    }
    // At most kMaxLength digits, so this stays <= kMaxOrdinal.
    ordinal = ordinal * 26 + static_cast<uint64_t>(text[i] - 'a' + 1);
  }
  return Letter(ordinal);
}

Result<Letter> Letter::FromOrdinal(uint64_t ordinal) {
  if (ordinal < 1 || ordinal > kMaxOrdinal) {
    return Invalid("improvement letter ordinal " + std::to_string(ordinal) + " is outside 1.." +
                   std::to_string(kMaxOrdinal));
  }
  return Letter(ordinal);
}

Result<Letter> Letter::Next() const {
  if (ordinal_ == kMaxOrdinal) {
    return Invalid("improvement letter " + Quote(ToString()) + " is the last one");
  }
  return Letter(ordinal_ + 1);
}

std::string Letter::ToString() const {
  // Bijective base 26: digits 1..26 are a..z, there is no zero digit.
  std::string out;
  for (uint64_t n = ordinal_; n > 0; n /= 26) {
    --n;
    out += static_cast<char>('a' + n % 26);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------
// ImprovementVersion

Result<ImprovementVersion> ImprovementVersion::Parse(std::string_view text) {
  const std::string what = "improvement version " + Quote(text);
  const std::string form = " (expected e.g. '26.3.1 (a)')";
  if (text.empty()) return Invalid(what + " is empty");
  if (text.size() > BaseVersion::kMaxLength + Letter::kMaxLength + 3) {
    return Invalid(what + " is too long");
  }
  const std::size_t open = text.find('(');
  if (open == std::string_view::npos) return Invalid(what + " has no '(' letter ')'" + form);
  if (text.back() != ')') return Invalid(what + " does not end with ')'" + form);
  if (open == 0 || text[open - 1] != ' ' || (open >= 2 && text[open - 2] == ' ')) {
    return Invalid(what + " does not have exactly one space before '('" + form);
  }
  Result<BaseVersion> base = BaseVersion::Parse(text.substr(0, open - 1));
  if (!base.ok()) return base.error().WithContext(what);
  Result<Letter> letter = Letter::Parse(text.substr(open + 1, text.size() - open - 2));
  if (!letter.ok()) return letter.error().WithContext(what);
  return ImprovementVersion(std::move(*base), *letter);
}

std::string ImprovementVersion::ToString() const {
  return base_.ToString() + " (" + letter_.ToString() + ")";
}

std::size_t ImprovementVersion::Hash() const { return HashCombine(base_.Hash(), letter_.Hash()); }

// ---------------------------------------------------------------------------
// InstalledVersion

Result<InstalledVersion> InstalledVersion::Parse(std::string_view text) {
  // A letter is present iff there is a '(' or a ')'; otherwise it is a plain
  // base. Either way the stricter parser below reports what is wrong.
  if (text.find_first_of("()") != std::string_view::npos) {
    Result<ImprovementVersion> improvement = ImprovementVersion::Parse(text);
    if (!improvement.ok()) return improvement.error();
    return InstalledVersion(*improvement);
  }
  Result<BaseVersion> base = BaseVersion::Parse(text);
  if (!base.ok()) return base.error();
  return InstalledVersion(std::move(*base));
}

std::optional<ImprovementVersion> InstalledVersion::improvement() const {
  if (!letter_.has_value()) return std::nullopt;
  return ImprovementVersion(base_, *letter_);
}

std::string InstalledVersion::ToString() const {
  if (!letter_.has_value()) return base_.ToString();
  return base_.ToString() + " (" + letter_->ToString() + ")";
}

std::size_t InstalledVersion::Hash() const {
  return HashCombine(base_.Hash(), letter_.has_value() ? letter_->Hash() : 0);
}

// ---------------------------------------------------------------------------
// Printing

std::ostream& operator<<(std::ostream& os, const BaseVersion& v) { return os << v.ToString(); }
std::ostream& operator<<(std::ostream& os, const Letter& v) { return os << v.ToString(); }
std::ostream& operator<<(std::ostream& os, const ImprovementVersion& v) {
  return os << v.ToString();
}
std::ostream& operator<<(std::ostream& os, const InstalledVersion& v) { return os << v.ToString(); }

}  // namespace bsi::version
