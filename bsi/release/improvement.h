// The improvement record: what the vendor signs about one Background
// Security Improvement ("acme-os 26.3.1 (a)"), carried in the `custom`
// field of TUF targets (docs/formats/improvement.md). The vendor's `bsi`
// writes it, the device's agent reads it; both go through this file.
//
// Each improvement has one target, `<product>/<base>/<letter>/notes.md`
// (its release notes, so the notes' digest is that target's hashes), whose
// custom["bsi"] is the record below, and one target per payload bundle,
// whose custom["bsi"] is a PayloadRecord. The record's mutable parts
// (rollout, withdrawal, supersession) change by re-signing targets
// metadata; everything else is fixed at publication.
//
// Parsing is strict (unknown "format" refused, every field checked) since
// the agent reads it from the network, after TUF verification.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_RELEASE_IMPROVEMENT_H_
#define BSI_RELEASE_IMPROVEMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"
#include "bsi/version/version.h"

namespace bsi::release {

// The record format this build writes and reads.
inline constexpr std::int64_t kImprovementFormat = 1;

enum class Severity { kUnknown, kLow, kMedium, kHigh, kCritical };

// "unknown", "low", "medium", "high", "critical".
std::string_view SeverityName(Severity severity);
// Errors: kInvalidArgument for another name (case-sensitive).
Result<Severity> ParseSeverity(std::string_view name);

struct Cve {
  std::string id;  // "CVE-2026-20643": CVE-, a 4-digit year, -, 4 to 19 digits
  Severity severity = Severity::kUnknown;
  std::string description;  // may be empty; at most 4096 bytes
};

// Errors: kInvalidArgument unless id has the form above.
Status CheckCveId(std::string_view id);

// Names of products and components: 1 to 64 characters of [a-z0-9._-],
// starting with a letter or digit (safe in target paths and file names).
Status CheckName(std::string_view what, std::string_view name);

// Versions of components: 1 to 64 characters of [A-Za-z0-9._+~-], starting
// with a letter or digit (as bundle manifests require).
Status CheckComponentVersion(std::string_view version);

// One component the improvement changes.
struct ComponentChange {
  std::string name;
  std::string from_version;  // at the base version
  std::string version;       // what this improvement installs
  // payload::TreeDigest of the tree at the base version and of the tree
  // this improvement installs (64 lowercase hex digits each).
  std::string from_tree;
  std::string tree;
};

// One payload bundle of the improvement, a target of its own.
struct PayloadRef {
  std::string component;
  // Where the bundle starts: nullopt for a full bundle, "base" for a delta
  // from the base version's tree, or an earlier letter ("a").
  std::optional<std::string> from;
  std::string path;  // target path
};

// A step of the rollout: `percent` of devices may install once `after`
// seconds have passed since publication.
struct Wave {
  std::int64_t after_seconds = 0;
  std::int64_t percent = 100;  // 0..100

  friend bool operator==(const Wave&, const Wave&) = default;
};

struct Rollout {
  // Ascending in after_seconds and non-decreasing in percent; not empty.
  std::vector<Wave> waves;
  bool paused = false;

  friend bool operator==(const Rollout&, const Rollout&) = default;
};

// 1% at once, 10% after 6 hours, 100% after 24 hours.
Rollout DefaultRollout();

// Errors: kInvalidArgument unless waves are as Rollout requires.
Status CheckRollout(const Rollout& rollout);

struct Withdrawal {
  std::string reason;  // 1..4096 bytes
  UnixTime time;
};

struct Improvement {
  std::string product;
  version::BaseVersion base;
  version::Letter letter;
  UnixTime published;
  std::vector<ComponentChange> components;  // at least one; names unique
  std::vector<Cve> cves;                    // ids unique
  std::vector<PayloadRef> payloads;
  Rollout rollout;
  std::optional<Withdrawal> withdrawal;
  // The full OS version that contains these fixes, once released.
  std::optional<version::BaseVersion> superseded_by;

  version::ImprovementVersion version() const { return {base, letter}; }
  // "acme-os 26.3.1 (a)": names the improvement to people and in rollout
  // placement.
  std::string Id() const;
};

// What a payload bundle's target carries.
struct PayloadRecord {
  std::string product;
  version::BaseVersion base;
  version::Letter letter;
  std::string component;
  std::optional<std::string> from;  // as PayloadRef::from
  std::string version;              // the component version it produces
};

// The target paths: "<product>/<base>/<letter>/notes.md" and
// "<product>/<base>/<letter>/<component>-full.bundle" or
// "-from-<from>.bundle".
std::string ImprovementTargetPath(std::string_view product, const version::BaseVersion& base,
                                  const version::Letter& letter);
std::string PayloadTargetPath(std::string_view product, const version::BaseVersion& base,
                              const version::Letter& letter, std::string_view component,
                              const std::optional<std::string>& from);

// custom["bsi"] values. ToJson REQUIRES a record that passes the checks of
// the parser (the writer validates its input first).
json::Value ToJson(const Improvement& improvement);
json::Value ToJson(const PayloadRecord& payload);

// The type of a target's custom["bsi"]: "improvement", "payload", or
// nullopt if the target carries no bsi record (or custom is not an object).
std::optional<std::string> RecordType(const std::optional<json::Value>& custom);

// Parse custom["bsi"] (the value itself, not the whole custom). Errors:
// kMalformed for anything out of shape or out of range.
Result<Improvement> ParseImprovement(const json::Value& value);
Result<PayloadRecord> ParsePayloadRecord(const json::Value& value);

}  // namespace bsi::release

#endif  // BSI_RELEASE_IMPROVEMENT_H_
