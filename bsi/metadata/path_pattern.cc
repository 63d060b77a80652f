#include "bsi/metadata/path_pattern.h"

#include <string>

#include "bsi/crypto/hash.h"

namespace bsi::metadata {
namespace {

// The code points of UTF-8 text, as python sees a str: fnmatch's '?' and
// bracket ranges work on code points, not bytes. A byte that does not start
// a valid UTF-8 sequence (only possible in a caller's path: the JSON parser
// refuses invalid UTF-8 in metadata) becomes a code point of its own in the
// low surrogate range, as python's "surrogateescape" does; it then matches
// only itself, '?' and '*'.
std::u32string DecodeCodePoints(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code_point = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      min = 0x10000;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    valid = valid && code_point >= min && code_point <= 0x10FFFF &&
            (code_point < 0xD800 || code_point > 0xDFFF);
    if (valid) {
      out.push_back(code_point);
      i += length;
    } else {
      out.push_back(0xDC00 + lead);
      ++i;
    }
  }
  return out;
}

// Matches a bracket expression starting at pattern[p] == '['. On success
// sets `end` to the index after ']' and `matched` to whether c is in the
// set. A '[' without a closing ']' is a literal, as in python's fnmatch.
bool MatchBracket(std::u32string_view pattern, std::size_t p, char32_t c, std::size_t& end,
                  bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && pattern[i] == '!') {
    negate = true;
    ++i;
  }
  const std::size_t first = i;
  bool found = false;
  while (i < pattern.size() && (pattern[i] != ']' || i == first)) {
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2]) found = true;
      i += 3;
    } else {
      if (pattern[i] == c) found = true;
      ++i;
    }
  }
  if (i >= pattern.size()) return false;  // no closing bracket
  end = i + 1;
  matched = found != negate;
  return true;
}

bool GlobMatchCodePoints(std::u32string_view pattern, std::u32string_view text) {
  // Iterative matching with backtracking to the last '*'.
  std::size_t p = 0, t = 0;
  std::size_t star_p = std::u32string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char32_t pc = pattern[p];
      if (pc == '*') {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        std::size_t end = 0;
        bool matched = false;
        if (MatchBracket(pattern, p, text[t], end, matched)) {
          if (matched) {
            p = end;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {  // literal '['
          ++p;
          ++t;
          continue;
        }
      } else if (pc == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == std::u32string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return GlobMatchCodePoints(DecodeCodePoints(pattern), DecodeCodePoints(text));
}

bool PathPatternMatches(std::string_view pattern, std::string_view target_path) {
  while (true) {
    const std::size_t ps = pattern.find('/');
    const std::size_t ts = target_path.find('/');
    if ((ps == std::string_view::npos) != (ts == std::string_view::npos)) return false;
    if (!GlobMatch(pattern.substr(0, ps), target_path.substr(0, ts))) return false;
    if (ps == std::string_view::npos) return true;
    pattern.remove_prefix(ps + 1);
    target_path.remove_prefix(ts + 1);
  }
}

bool IsDelegatedPath(const DelegatedRole& role, std::string_view target_path) {
  if (role.paths) {
    for (const std::string& pattern : *role.paths) {
      if (PathPatternMatches(pattern, target_path)) return true;
    }
    return false;
  }
  if (role.path_hash_prefixes) {
    const std::string digest = crypto::Sha256Hex(target_path);
    for (const std::string& prefix : *role.path_hash_prefixes) {
      if (digest.compare(0, prefix.size(), prefix) == 0) return true;
    }
  }
  return false;
}

}  // namespace bsi::metadata
