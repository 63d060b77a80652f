#include "bsi/crypto/pem.h"

#include <cstdint>

namespace bsi::crypto {
namespace {

constexpr std::string_view kBeginPrefix = "-----BEGIN ";
constexpr std::string_view kEndPrefix = "-----END ";
constexpr std::string_view kDashes = "-----";

Error Malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The value of a base64 character, or -1.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Real labels are short ("ENCRYPTED PRIVATE KEY"); error messages quote them.
constexpr std::size_t kMaxLabelSize = 64;

// A label is printable ASCII other than '-', with single inner spaces.
bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelSize || label.front() == ' ' ||
      label.back() == ' ') {
    return false;
  }
  for (std::size_t i = 0; i < label.size(); ++i) {
    char c = label[i];
    if (c < 0x21 || c > 0x7e) {
      if (c != ' ' || label[i - 1] == ' ') return false;
    } else if (c == '-') {
      return false;
    }
  }
  return true;
}

// Splits off the next line (without its LF or CRLF). Returns false when
// text holds no line terminator; then line is the rest of text.
bool NextLine(std::string_view& text, std::string_view& line) {
  std::size_t lf = text.find('\n');
  if (lf == std::string_view::npos) {
    line = text;
    text = std::string_view();
    return false;
  }
  line = text.substr(0, lf);
  text.remove_prefix(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

// The label of a "<prefix><label>-----" line, or an empty view.
std::string_view ArmorLabel(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size() + kDashes.size() || !line.starts_with(prefix) ||
      !line.ends_with(kDashes)) {
    return std::string_view();
  }
  return line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
}

}  // namespace

Result<std::string> Base64Decode(std::string_view base64) {
  if (base64.size() % 4 != 0) return Malformed("base64 length is not a multiple of 4");
  std::size_t padding = 0;
  if (!base64.empty() && base64.back() == '=') {
    padding = (base64.size() >= 2 && base64[base64.size() - 2] == '=') ? 2 : 1;
  }
  std::string out;
  out.reserve(base64.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < base64.size() - padding; ++i) {
    int value = Base64Value(base64[i]);
    if (value < 0) {
      return Malformed("invalid base64 character at offset " + std::to_string(i));
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // Leftover bits (2 with one '=', 4 with two) must be zero: canonical form.
  if ((buffer & ((1u << bits) - 1)) != 0) return Malformed("base64 has non-zero padding bits");
  return out;
}

Result<PemBlock> ParsePem(std::string_view text) {
  if (text.size() > kMaxPemBytes) {
    return Malformed("PEM text is larger than " + std::to_string(kMaxPemBytes) + " bytes");
  }
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);

  std::string_view line;
  if (!NextLine(text, line)) return Malformed("PEM text has no BEGIN and END lines");
  std::string_view label = ArmorLabel(line, kBeginPrefix);
  if (!IsValidLabel(label)) return Malformed("PEM text does not start with a BEGIN line");

  std::string body;
  while (true) {
    bool terminated = NextLine(text, line);
    if (line.starts_with(kEndPrefix)) {
      // Trailing whitespace was stripped above, so the END line must be last.
      if (terminated) return Malformed("PEM text continues after its END line");
      if (ArmorLabel(line, kEndPrefix) != label) return Malformed("PEM END line does not match");
      break;
    }
    if (!terminated) return Malformed("PEM text has no END line");
    if (line.empty()) return Malformed("PEM body has a blank line");
    if (line.find(':') != std::string_view::npos) return Malformed("PEM headers are not supported");
    body.append(line);
  }
  if (body.empty()) return Malformed("PEM body is empty");
  Result<std::string> der = Base64Decode(body);
  if (!der.ok()) return der.error().WithContext("PEM body");
  return PemBlock{std::string(label), std::move(der).value()};
}

}  // namespace bsi::crypto
