// Fuzzes the TUF metadata parsers (bsi/metadata/parse.h) on bytes as a
// repository would serve them, and the checks a client then runs on what
// they return.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - ParseRoot, ParseTimestamp, ParseSnapshot and ParseTargets never crash;
//    a rejection is a security error (kMalformed, kWrongType,
//    kDuplicateKeyId, kUnsupported) with a short, non-empty message;
//  - at most one of them accepts an input (`_type` names one role);
//  - accepted metadata keeps its invariants: canonical_signed is the
//    canonical form of the `signed` value, signature key IDs are unique,
//    versions and thresholds are at least 1, lengths are not negative, key
//    IDs within a role are unique, delegated role names are unique and not
//    top-level names, each has exactly one of paths and path_hash_prefixes;
//  - what was parsed, written back with ToJson inside a pretty-printed
//    envelope, parses to the same ToJson;
//  - VerifyThreshold, VerifyLengthAndHashes and IsDelegatedPath run on the
//    parsed values without crashing (a bounded number of calls per input).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"
#include "bsi/metadata/parse.h"
#include "bsi/metadata/path_pattern.h"
#include "bsi/metadata/serialize.h"

namespace {

using bsi::ErrorCode;
using bsi::Result;
namespace json = bsi::json;
namespace md = bsi::metadata;

constexpr std::size_t kMaxMessage = 4096;
// Bounds on the work done per input beyond parsing.
constexpr std::size_t kMaxThresholdChecks = 4;
constexpr std::size_t kMaxPathChecks = 64;

std::string_view g_input;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "metadata_fuzzer: %s (input %zu bytes, starting '%.*s')\n", what,
               g_input.size(), static_cast<int>(std::min<std::size_t>(g_input.size(), 200)),
               g_input.data());
  std::abort();
}

void CheckRejection(const bsi::Error& error) {
  const ErrorCode code = error.code();
  Check(code == ErrorCode::kMalformed || code == ErrorCode::kWrongType ||
            code == ErrorCode::kDuplicateKeyId || code == ErrorCode::kUnsupported,
        "unexpected error code");
  Check(error.category() == bsi::ErrorCategory::kSecurity, "rejection is not a security error");
  Check(!error.message().empty(), "empty error message");
  Check(error.message().size() < kMaxMessage + g_input.size(), "unbounded error message");
}

void CheckRoleKeys(const md::RoleKeys& role) {
  Check(role.threshold >= 1, "threshold below 1");
  const std::set<std::string> unique(role.keyids.begin(), role.keyids.end());
  Check(unique.size() == role.keyids.size(), "a role lists a key ID twice");
}

void CheckMetaFile(const md::MetaFile& meta) {
  Check(meta.version >= 1, "meta version below 1");
  Check(!meta.length || *meta.length >= 0, "negative meta length");
  // Runs the check a client makes on the file the meta describes.
  (void)md::VerifyLengthAndHashes(g_input, meta.length, meta.hashes, false);
}

void CheckPart(const md::Root& root) {
  Check(root.roles.size() == 4, "root without the four roles");
  for (const auto& [name, role] : root.roles) {
    Check(md::IsTopLevelRoleName(name), "root names an unknown role");
    CheckRoleKeys(role);
  }
}

void CheckPart(const md::Timestamp& timestamp) { CheckMetaFile(timestamp.snapshot_meta); }

void CheckPart(const md::Snapshot& snapshot) {
  for (const auto& [name, meta] : snapshot.meta) CheckMetaFile(meta);
}

void CheckPart(const md::Targets& targets) {
  for (const auto& [path, file] : targets.targets) {
    Check(file.length >= 0, "negative target length");
    Check(!file.hashes.empty(), "target without hashes");
  }
  if (!targets.delegations) return;
  std::set<std::string> names;
  std::size_t path_checks = 0;
  for (const md::DelegatedRole& role : targets.delegations->roles) {
    Check(!role.name.empty() && !md::IsTopLevelRoleName(role.name), "bad delegated role name");
    Check(names.insert(role.name).second, "a delegated role is listed twice");
    Check(role.paths.has_value() != role.path_hash_prefixes.has_value(),
          "not exactly one of paths and path_hash_prefixes");
    CheckRoleKeys(role.keys);
    for (const auto& [path, file] : targets.targets) {
      if (++path_checks > kMaxPathChecks) break;
      (void)md::IsDelegatedPath(role, path);
    }
    if (role.paths) {
      for (const std::string& pattern : *role.paths) {
        if (++path_checks > kMaxPathChecks) break;
        (void)md::PathPatternMatches(pattern, pattern);
      }
    }
  }
}

// Signature checks the way a client runs them on each kind of metadata.
void VerifySignatures(const md::Metadata<md::Root>& root) {
  std::size_t checks = 0;
  for (const auto& [name, role] : root.signed_part.roles) {
    if (++checks > kMaxThresholdChecks) break;
    (void)md::VerifyThreshold(name, role, root.signed_part.keys, root.signatures,
                              root.canonical_signed);
  }
}

void VerifySignatures(const md::Metadata<md::Targets>& targets) {
  if (!targets.signed_part.delegations) return;
  std::size_t checks = 0;
  for (const md::DelegatedRole& role : targets.signed_part.delegations->roles) {
    if (++checks > kMaxThresholdChecks) break;
    (void)md::VerifyThreshold(role.name, role.keys, targets.signed_part.delegations->keys,
                              targets.signatures, targets.canonical_signed);
  }
}

template <typename T>
void VerifySignatures(const md::Metadata<T>&) {}

// Parses the input as one role; returns whether it was accepted.
template <typename T>
bool ParseAndCheck(Result<md::Metadata<T>> (*parse)(std::string_view)) {
  Result<md::Metadata<T>> parsed = parse(g_input);
  if (!parsed.ok()) {
    CheckRejection(parsed.error());
    return false;
  }
  const md::Metadata<T>& metadata = *parsed;

  // canonical_signed is the canonical form of the `signed` member.
  Result<json::Value> document = json::Parse(g_input);
  Check(document.ok(), "accepted metadata is not JSON");
  const json::Value* signed_value = document->Find("signed");
  Check(signed_value != nullptr, "accepted metadata without signed");
  Result<std::string> canonical = json::Canonicalize(*signed_value);
  Check(canonical.ok() && *canonical == metadata.canonical_signed,
        "canonical_signed differs from Canonicalize(signed)");

  std::set<std::string> keyids;
  for (const md::Signature& signature : metadata.signatures) {
    Check(keyids.insert(signature.keyid).second, "two signatures by one key ID");
  }
  Check(metadata.signed_part.version >= 1, "version below 1");
  CheckPart(metadata.signed_part);
  VerifySignatures(metadata);

  // Written back (without the unknown fields) and parsed again, it is the same.
  const json::Value written = md::ToJson(metadata.signed_part);
  json::Array signatures;
  for (const md::Signature& s : metadata.signatures) {
    signatures.emplace_back(
        json::Object{{"keyid", json::Value(s.keyid)}, {"sig", json::Value(s.sig)}});
  }
  const std::string envelope = json::ToPrettyString(
      json::Object{{"signatures", std::move(signatures)}, {"signed", written}});
  Result<md::Metadata<T>> reparsed = parse(envelope);
  Check(reparsed.ok(), "metadata written back does not parse");
  Check(md::ToJson(reparsed->signed_part) == written, "metadata written back differs");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  int accepted = 0;
  accepted += ParseAndCheck<md::Root>(&md::ParseRoot) ? 1 : 0;
  accepted += ParseAndCheck<md::Timestamp>(&md::ParseTimestamp) ? 1 : 0;
  accepted += ParseAndCheck<md::Snapshot>(&md::ParseSnapshot) ? 1 : 0;
  accepted += ParseAndCheck<md::Targets>(&md::ParseTargets) ? 1 : 0;
  Check(accepted <= 1, "more than one role accepts the input");
  return 0;
}
