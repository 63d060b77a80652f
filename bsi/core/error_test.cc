#include "bsi/core/error.h"

#include <cerrno>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/core/result.h"

namespace bsi {
namespace {

struct CodeInfo {
  ErrorCode code;
  int number;
  const char* name;
};

// Every code with its wire number and name. The numbers are read by servers:
// if this table has to change other than by appending, the change is wrong.
const std::vector<CodeInfo>& AllCodes() {
  static const std::vector<CodeInfo> codes = {
      {ErrorCode::kBadSignature, 100, "bad_signature"},
      {ErrorCode::kExpired, 101, "expired"},
      {ErrorCode::kRollback, 102, "rollback"},
      {ErrorCode::kVersionMismatch, 103, "version_mismatch"},
      {ErrorCode::kHashMismatch, 104, "hash_mismatch"},
      {ErrorCode::kLengthMismatch, 105, "length_mismatch"},
      {ErrorCode::kTooLarge, 106, "too_large"},
      {ErrorCode::kMalformed, 107, "malformed"},
      {ErrorCode::kDuplicateKeyId, 108, "duplicate_key_id"},
      {ErrorCode::kWrongType, 109, "wrong_type"},
      {ErrorCode::kMissingHash, 110, "missing_hash"},
      {ErrorCode::kUnsafePath, 111, "unsafe_path"},
      {ErrorCode::kUntrustedRole, 112, "untrusted_role"},
      {ErrorCode::kTargetNotFound, 113, "target_not_found"},
      {ErrorCode::kBadKey, 114, "bad_key"},
      {ErrorCode::kNetwork, 200, "network"},
      {ErrorCode::kTimeout, 201, "timeout"},
      {ErrorCode::kHttpStatus, 202, "http_status"},
      {ErrorCode::kNotFound, 203, "not_found"},
      {ErrorCode::kDatabaseUnavailable, 204, "database_unavailable"},
      {ErrorCode::kIo, 300, "io"},
      {ErrorCode::kFileNotFound, 301, "file_not_found"},
      {ErrorCode::kNoSpace, 302, "no_space"},
      {ErrorCode::kInvalidArgument, 303, "invalid_argument"},
      {ErrorCode::kCorruptState, 304, "corrupt_state"},
      {ErrorCode::kUnsupported, 305, "unsupported"},
      {ErrorCode::kUnauthenticated, 306, "unauthenticated"},
      {ErrorCode::kPermissionDenied, 307, "permission_denied"},
      {ErrorCode::kConflict, 308, "conflict"},
      {ErrorCode::kNoSuchRecord, 309, "no_such_record"},
      {ErrorCode::kDatabase, 310, "database"},
      {ErrorCode::kInternal, 399, "internal"},
  };
  return codes;
}

TEST(ErrorCodeTest, NumbersAreStable) {
  for (const CodeInfo& info : AllCodes()) {
    EXPECT_EQ(static_cast<int>(info.code), info.number) << info.name;
  }
}

TEST(ErrorCodeTest, CategoryFollowsTheHundredsBlock) {
  for (const CodeInfo& info : AllCodes()) {
    ErrorCategory expected = ErrorCategory::kLocal;
    if (info.number < 200) {
      expected = ErrorCategory::kSecurity;
    } else if (info.number < 300) {
      expected = ErrorCategory::kTransient;
    }
    EXPECT_EQ(CategoryOf(info.code), expected) << info.name;
  }
  EXPECT_EQ(CategoryOf(ErrorCode::kBadSignature), ErrorCategory::kSecurity);
  EXPECT_EQ(CategoryOf(ErrorCode::kBadKey), ErrorCategory::kSecurity);
  EXPECT_EQ(CategoryOf(ErrorCode::kNetwork), ErrorCategory::kTransient);
  EXPECT_EQ(CategoryOf(ErrorCode::kNotFound), ErrorCategory::kTransient);
  EXPECT_EQ(CategoryOf(ErrorCode::kIo), ErrorCategory::kLocal);
  EXPECT_EQ(CategoryOf(ErrorCode::kInternal), ErrorCategory::kLocal);
}

TEST(ErrorCodeTest, NamesAreStableAndUnique) {
  std::set<std::string_view> seen;
  for (const CodeInfo& info : AllCodes()) {
    EXPECT_EQ(CodeName(info.code), info.name);
    EXPECT_TRUE(seen.insert(CodeName(info.code)).second) << info.name;
  }
}

TEST(ErrorCodeTest, CategoryNames) {
  EXPECT_EQ(CategoryName(ErrorCategory::kSecurity), "security");
  EXPECT_EQ(CategoryName(ErrorCategory::kTransient), "transient");
  EXPECT_EQ(CategoryName(ErrorCategory::kLocal), "local");
}

TEST(ErrorTest, Accessors) {
  const Error error(ErrorCode::kRollback, "root version 3 < 4");
  EXPECT_EQ(error.code(), ErrorCode::kRollback);
  EXPECT_EQ(error.category(), ErrorCategory::kSecurity);
  EXPECT_EQ(error.message(), "root version 3 < 4");
}

TEST(ErrorTest, ToString) {
  EXPECT_EQ(Error(ErrorCode::kExpired, "timestamp expired").ToString(),
            "security error 101 (expired): timestamp expired");
  EXPECT_EQ(Error(ErrorCode::kTimeout, "no answer").ToString(),
            "transient error 201 (timeout): no answer");
  EXPECT_EQ(Error(ErrorCode::kNoSpace, "").ToString(), "local error 302 (no_space): ");
}

TEST(ErrorTest, WithContextPrefixesAndKeepsTheCode) {
  const Error inner(ErrorCode::kHashMismatch, "sha256 differs");
  const Error outer = inner.WithContext("fetching targets.json");
  EXPECT_EQ(outer.code(), ErrorCode::kHashMismatch);
  EXPECT_EQ(outer.message(), "fetching targets.json: sha256 differs");
  EXPECT_EQ(inner.message(), "sha256 differs");  // the original is unchanged
  EXPECT_EQ(outer.WithContext("update").message(), "update: fetching targets.json: sha256 differs");
}

TEST(ResultTest, HoldsAValue) {
  Result<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(result.value(), 42);
  *result = 7;
  EXPECT_EQ(result.value(), 7);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> result = Error(ErrorCode::kMalformed, "bad");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(result.error().message(), "bad");
}

TEST(ResultTest, ArrowAndMoveOnlyValues) {
  Result<std::string> text = std::string("abc");
  EXPECT_EQ(text->size(), 3u);

  Result<std::unique_ptr<int>> pointer = std::make_unique<int>(5);
  ASSERT_TRUE(pointer.ok());
  std::unique_ptr<int> owned = std::move(pointer).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(StatusTest, OkAndError) {
  Status ok = Ok();
  EXPECT_TRUE(ok.ok());
  Status default_status;
  EXPECT_TRUE(default_status.ok());
  Status failed = Error(ErrorCode::kIo, "disk");
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(static_cast<bool>(failed));
  EXPECT_EQ(failed.error().code(), ErrorCode::kIo);
}

Status Step(bool succeed, int& calls) {
  ++calls;
  if (!succeed) return Error(ErrorCode::kNetwork, "step failed");
  return Ok();
}

Status TwoSteps(bool first, bool second, int& calls) {
  BSI_TRY(Step(first, calls));
  BSI_TRY(Step(second, calls));
  return Ok();
}

TEST(MacroTest, TryReturnsTheFirstError) {
  int calls = 0;
  EXPECT_TRUE(TwoSteps(true, true, calls).ok());
  EXPECT_EQ(calls, 2);

  calls = 0;
  Status status = TwoSteps(false, true, calls);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNetwork);
  EXPECT_EQ(calls, 1);  // the second step never ran

  calls = 0;
  EXPECT_FALSE(TwoSteps(true, false, calls).ok());
  EXPECT_EQ(calls, 2);
}

Result<int> Parse(bool succeed) {
  if (!succeed) return Error(ErrorCode::kMalformed, "not a number");
  return 21;
}

Result<std::string> TryInResult(bool succeed) {
  BSI_TRY(Parse(succeed));  // a Result<int> in a function returning Result<std::string>
  return std::string("parsed");
}

TEST(MacroTest, TryWorksOnResultsAndInResultFunctions) {
  EXPECT_EQ(*TryInResult(true), "parsed");
  Result<std::string> failed = TryInResult(false);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kMalformed);
}

Result<int> Double(bool succeed) {
  BSI_ASSIGN_OR_RETURN(int value, Parse(succeed));
  return value * 2;
}

Status AssignTwice(int& out) {
  // Two uses in one function must not clash.
  BSI_ASSIGN_OR_RETURN(int a, Parse(true));
  BSI_ASSIGN_OR_RETURN(int b, Parse(true));
  out = a + b;
  return Ok();
}

Result<std::unique_ptr<int>> MakePointer() { return std::make_unique<int>(9); }

Result<int> ReadPointer() {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<int> pointer, MakePointer());  // moves
  return *pointer;
}

Status AssignExisting(std::string& out) {
  BSI_ASSIGN_OR_RETURN(out, Result<std::string>(std::string("assigned")));
  return Ok();
}

TEST(MacroTest, AssignOrReturn) {
  EXPECT_EQ(*Double(true), 42);
  Result<int> failed = Double(false);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "not a number");

  int sum = 0;
  ASSERT_TRUE(AssignTwice(sum).ok());
  EXPECT_EQ(sum, 42);

  EXPECT_EQ(*ReadPointer(), 9);

  std::string out;
  ASSERT_TRUE(AssignExisting(out).ok());
  EXPECT_EQ(out, "assigned");
}

TEST(ErrnoTextTest, IsTheSystemsTextOfTheNumber) {
  EXPECT_EQ(ErrnoText(ENOENT), "No such file or directory");
  EXPECT_EQ(ErrnoText(EACCES), "Permission denied");
}

}  // namespace
}  // namespace bsi
