// Error: what went wrong, as a value. Every fallible libbsi call returns a
// Result<T> (result.h) holding either a T or an Error.
//
// An Error has a stable numeric code and a category derived from it:
//  - kSecurity:  the input was not what the trusted metadata allows (bad
//                signature, rollback, expired, hash mismatch, oversized
//                response, malformed data from the network). Alarm; do not
//                retry the same source blindly.
//  - kTransient: the network or the server failed (connection refused,
//                timeout, HTTP 5xx). Retry later.
//  - kLocal:     this machine failed or was misused (I/O error, disk full,
//                bad argument, corrupt local state).
//
// The numeric codes are read by servers and scripts: they are append-only.
// Never renumber or reuse a code; add new ones at the end of their block.
//
// Thread-safety: Error is a plain value type.
#ifndef BSI_CORE_ERROR_H_
#define BSI_CORE_ERROR_H_

#include <string>
#include <string_view>

namespace bsi {

enum class ErrorCategory { kSecurity, kTransient, kLocal };

enum class ErrorCode : int {
  // 1xx: security. The data is not what the trusted metadata allows.
  kBadSignature = 100,     // fewer valid signatures than the threshold
  kExpired = 101,          // metadata past its expiry (freeze attack)
  kRollback = 102,         // version lower than the trusted one
  kVersionMismatch = 103,  // version differs from what another role names
  kHashMismatch = 104,     // content hash differs from the expected one
  kLengthMismatch = 105,   // content length differs from the expected one
  kTooLarge = 106,         // more bytes than allowed (endless data)
  kMalformed = 107,        // data from outside that does not parse strictly
  kDuplicateKeyId = 108,   // a signature key ID appears twice
  kWrongType = 109,        // metadata of another role than expected
  kMissingHash = 110,      // no hash we know to verify with
  kUnsafePath = 111,       // a path or name that could escape its directory
  kUntrustedRole = 112,    // a delegated role that snapshot does not list
  kTargetNotFound = 113,   // no trusted metadata names the requested target
  kBadKey = 114,           // a public key that does not parse or is unsupported

  // 2xx: transient. The network or the server failed; try again later.
  kNetwork = 200,              // connection refused, reset, DNS, TLS handshake
  kTimeout = 201,              // no complete answer in time
  kHttpStatus = 202,           // an HTTP status other than 200 (and 404 where it means "absent")
  kNotFound = 203,             // the server has no such file (HTTP 404)
  kDatabaseUnavailable = 204,  // the database server cannot be reached

  // 3xx: local. This machine failed or was misused.
  kIo = 300,                // a file system call failed
  kFileNotFound = 301,      // a local file does not exist
  kNoSpace = 302,           // the disk is full
  kInvalidArgument = 303,   // a caller passed something invalid
  kCorruptState = 304,      // local state that we wrote does not parse
  kUnsupported = 305,       // a feature this build does not have
  kUnauthenticated = 306,   // no credential, or one that is unknown or expired
  kPermissionDenied = 307,  // a credential without the right to do this
  kConflict = 308,          // the change contradicts what is stored (a duplicate name)
  kNoSuchRecord = 309,      // a stored record (device, group, token) that does not exist
  kDatabase = 310,          // the database engine failed
  kInternal = 399,          // a bug: an invariant did not hold
};

// The category of a code (from its hundreds digit).
ErrorCategory CategoryOf(ErrorCode code);

// "security", "transient", "local".
std::string_view CategoryName(ErrorCategory category);

// A short stable identifier such as "bad_signature".
std::string_view CodeName(ErrorCode code);

// The text of an errno value (strerror_r: thread-safe), e.g. "No such file
// or directory".
std::string ErrnoText(int error_number);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  ErrorCategory category() const { return CategoryOf(code_); }
  const std::string& message() const { return message_; }

  // A copy whose message is prefixed with "context: ".
  Error WithContext(std::string_view context) const;

  // "security error 101 (expired): timestamp expired at ...".
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

}  // namespace bsi

#endif  // BSI_CORE_ERROR_H_
