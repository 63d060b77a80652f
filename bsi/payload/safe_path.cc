#include "bsi/payload/safe_path.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bsi::payload {
namespace {

Error Unsafe(std::string_view what, std::string_view text, std::string_view why) {
  return Error(ErrorCode::kUnsafePath,
               std::string(what) + " " + QuoteForMessage(text) + " " + std::string(why));
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Whether text is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      min = 0x80;
      code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      min = 0x800;
      code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      min = 0x10000;
      code = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

// Checks what a path and a link target have in common: no control
// characters (NUL included), valid UTF-8.
Status CheckCharacters(std::string_view what, std::string_view text) {
  for (char c : text) {
    if (c == '\0') return Unsafe(what, text, "contains a NUL byte");
    if (IsControl(static_cast<unsigned char>(c))) {
      return Unsafe(what, text, "contains a control character");
    }
  }
  if (!IsValidUtf8(text)) return Unsafe(what, text, "is not valid UTF-8");
  return Ok();
}

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

Result<SafeRelativePath> SafeRelativePath::Parse(std::string_view text) {
  constexpr std::string_view kWhat = "path";
  if (text.empty()) return Unsafe(kWhat, text, "is empty");
  if (text.size() > kMaxLength) {
    return Unsafe(kWhat, text, "is longer than " + std::to_string(kMaxLength) + " bytes");
  }
  BSI_TRY(CheckCharacters(kWhat, text));
  if (text.front() == '/') return Unsafe(kWhat, text, "is absolute");
  if (text.back() == '/') return Unsafe(kWhat, text, "ends with '/'");
  const std::vector<std::string_view> parts = Split(text);
  if (parts.size() > kMaxDepth) {
    return Unsafe(kWhat, text, "has more than " + std::to_string(kMaxDepth) + " parts");
  }
  for (std::string_view part : parts) {
    if (part.empty()) return Unsafe(kWhat, text, "has an empty part");
    if (part == ".") return Unsafe(kWhat, text, "has a '.' part");
    if (part == "..") return Unsafe(kWhat, text, "has a '..' part");
    if (part.size() > kMaxPartLength) {
      return Unsafe(kWhat, text,
                    "has a part longer than " + std::to_string(kMaxPartLength) + " bytes");
    }
  }
  return SafeRelativePath(std::string(text));
}

std::vector<std::string_view> SafeRelativePath::Parts() const { return Split(text_); }

std::string_view SafeRelativePath::BaseName() const {
  const std::string_view text = text_;
  const std::size_t slash = text.rfind('/');
  return slash == std::string_view::npos ? text : text.substr(slash + 1);
}

std::optional<SafeRelativePath> SafeRelativePath::Parent() const {
  const std::size_t slash = text_.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  return SafeRelativePath(text_.substr(0, slash));
}

Result<std::string> ResolveLinkTarget(const SafeRelativePath& link, std::string_view target) {
  const std::string what = "symlink " + link.str() + " target";
  if (target.empty()) return Unsafe(what, target, "is empty");
  if (target.size() > kMaxLinkTargetLength) {
    return Unsafe(what, target,
                  "is longer than " + std::to_string(kMaxLinkTargetLength) + " bytes");
  }
  BSI_TRY(CheckCharacters(what, target));
  if (target.front() == '/') return Unsafe(what, target, "is absolute");

  // The link's directory, then each part of the target: a path kept as
  // text, so that a long target costs no allocation per part.
  std::string out(link.str().substr(0, link.str().size() - link.BaseName().size()));
  if (!out.empty()) out.pop_back();  // the '/' before the base name
  std::size_t start = 0;
  while (start <= target.size()) {
    std::size_t slash = target.find('/', start);
    if (slash == std::string_view::npos) slash = target.size();
    const std::string_view part = target.substr(start, slash - start);
    start = slash + 1;
    if (part.empty()) return Unsafe(what, target, "has an empty part");
    if (part == ".") return Unsafe(what, target, "has a '.' part");
    if (part == "..") {
      if (out.empty()) return Unsafe(what, target, "points outside the tree");
      const std::size_t last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
      continue;
    }
    if (part.size() > SafeRelativePath::kMaxPartLength) {
      return Unsafe(what, target, "has a part that is too long");
    }
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::string QuoteForMessage(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= kMaxShown) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (IsControl(c)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace bsi::payload
