// A strict reader of PEM armor (RFC 7468): one "-----BEGIN <label>-----"
// line, base64 lines, one matching "-----END <label>-----" line.
//
// PEM public keys arrive inside TUF metadata from the network, so the reader
// accepts only what a well-behaved writer (OpenSSL, pyca/cryptography)
// produces, and refuses everything else rather than guessing:
//  - optional whitespace (space, tab, CR, LF) before BEGIN and after END,
//    and nothing else there: no explanatory text, no second block;
//  - lines end in LF or CRLF; no blank lines and no RFC 1421 headers
//    ("Proc-Type: 4,ENCRYPTED") inside the block;
//  - base64 in the standard alphabet, '=' padding only at the very end, the
//    unused bits of the last character zero (one encoding per byte string);
//  - a label of 1 to 64 printable ASCII characters other than '-', single
//    spaces only between words;
//  - a non-empty body, and at most kMaxPemBytes of input.
// It only removes the armor: the caller checks the label and parses the DER.
//
// Thread-safety: pure functions.
#ifndef BSI_CRYPTO_PEM_H_
#define BSI_CRYPTO_PEM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::crypto {

// Far above any key we accept (an RSA-16384 public key is ~2.8 KB of PEM).
inline constexpr std::size_t kMaxPemBytes = std::size_t{64} * 1024;

struct PemBlock {
  std::string label;  // e.g. "PUBLIC KEY", "PRIVATE KEY"
  std::string der;    // the decoded body (binary)
};

// The one PEM block that text consists of. Errors: kMalformed.
Result<PemBlock> ParsePem(std::string_view text);

// Standard base64 (RFC 4648 section 4) with padding, decoded strictly as
// described above; no whitespace allowed. Errors: kMalformed.
Result<std::string> Base64Decode(std::string_view base64);

}  // namespace bsi::crypto

#endif  // BSI_CRYPTO_PEM_H_
