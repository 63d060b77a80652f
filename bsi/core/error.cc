#include "bsi/core/error.h"

#include <cstring>

namespace bsi {

ErrorCategory CategoryOf(ErrorCode code) {
  const int value = static_cast<int>(code);
  if (value < 200) return ErrorCategory::kSecurity;
  if (value < 300) return ErrorCategory::kTransient;
  return ErrorCategory::kLocal;
}

std::string_view CategoryName(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kSecurity:
      return "security";
    case ErrorCategory::kTransient:
      return "transient";
    case ErrorCategory::kLocal:
      return "local";
  }
  return "unknown";
}

std::string_view CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadSignature:
      return "bad_signature";
    case ErrorCode::kExpired:
      return "expired";
    case ErrorCode::kRollback:
      return "rollback";
    case ErrorCode::kVersionMismatch:
      return "version_mismatch";
    case ErrorCode::kHashMismatch:
      return "hash_mismatch";
    case ErrorCode::kLengthMismatch:
      return "length_mismatch";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kDuplicateKeyId:
      return "duplicate_key_id";
    case ErrorCode::kWrongType:
      return "wrong_type";
    case ErrorCode::kMissingHash:
      return "missing_hash";
    case ErrorCode::kUnsafePath:
      return "unsafe_path";
    case ErrorCode::kUntrustedRole:
      return "untrusted_role";
    case ErrorCode::kTargetNotFound:
      return "target_not_found";
    case ErrorCode::kBadKey:
      return "bad_key";
    case ErrorCode::kNetwork:
      return "network";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kHttpStatus:
      return "http_status";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kDatabaseUnavailable:
      return "database_unavailable";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kFileNotFound:
      return "file_not_found";
    case ErrorCode::kNoSpace:
      return "no_space";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kCorruptState:
      return "corrupt_state";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kNoSuchRecord:
      return "no_such_record";
    case ErrorCode::kDatabase:
      return "database";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::WithContext(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += message_;
  return Error(code_, std::move(message));
}

std::string Error::ToString() const {
  std::string out(CategoryName(category()));
  out += " error ";
  out += std::to_string(static_cast<int>(code_));
  out += " (";
  out += CodeName(code_);
  out += "): ";
  out += message_;
  return out;
}

std::string ErrnoText(int error_number) {
  char buffer[256];
  return ::strerror_r(error_number, buffer, sizeof buffer);  // GNU: returns the text
}

}  // namespace bsi
