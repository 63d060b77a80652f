// The fleet protocol: the JSON messages bsi-agent and bsi-server exchange
// (docs/formats/fleet-api.md). Enrollment, the declarations a device pulls,
// and the status reports it sends. Each message has a value type, a strict
// parser (unknown fields, wrong types, out-of-range values and oversized
// lists are refused with kMalformed naming the field) and a serializer whose
// output the parser accepts.
//
// Both sides use this module, so the agent never sends what the server
// would refuse, and the server refuses everything else.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_PROTOCOL_PROTOCOL_H_
#define BSI_PROTOCOL_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"

namespace bsi::protocol {

// Every message carries "format": 1.
inline constexpr std::int64_t kFormat = 1;

// The largest request body either side sends or accepts.
inline constexpr std::size_t kMaxBodyBytes = std::size_t{64} * 1024;

// Bounds on lists in a status report.
inline constexpr std::size_t kMaxComponents = 64;
inline constexpr std::size_t kMaxImprovements = 64;
inline constexpr std::size_t kMaxCves = 512;
inline constexpr std::int64_t kMaxDeferralDays = 90;

// Identifiers that travel in URLs and logs: device ids, group names, report
// ids. 1 to 128 characters of [A-Za-z0-9._:-], starting with a letter or
// digit. Errors: kMalformed naming `what`.
Status CheckIdentifier(std::string_view what, std::string_view id);

// Free text (reasons, host names): at most `max` bytes of valid UTF-8
// without control characters. Errors: kMalformed naming `what`.
Status CheckText(std::string_view what, std::string_view text, std::size_t max);

// ---- Enrollment: POST /api/v1/enroll, authorized by an enrollment token.

struct EnrollRequest {
  std::string device_id;     // identifier: the machine id, or as configured
  std::string product;       // "acme-os"
  std::string base_version;  // "26.3.1"
  std::string hostname;      // text, at most 255 bytes; may be empty
};

struct EnrollResponse {
  std::string device_id;
  std::string device_token;  // secret: the device's credential from now on
  std::string group;
};

json::Value ToJson(const EnrollRequest& request);
Result<EnrollRequest> ParseEnrollRequest(const json::Value& value);
json::Value ToJson(const EnrollResponse& response);
Result<EnrollResponse> ParseEnrollResponse(const json::Value& value);

// ---- Declarations: GET /api/v1/device/declarations (ETag; 304 when unchanged).

// "allowed": the user's toggle decides; "always_on"/"always_off" lock it.
enum class AutoInstallMode { kAllowed, kAlwaysOn, kAlwaysOff };
std::string_view AutoInstallModeName(AutoInstallMode mode);
Result<AutoInstallMode> ParseAutoInstallMode(std::string_view name);  // kMalformed

// A daily window (UTC) in which units may be restarted.
struct MaintenanceWindow {
  int start_minute = 0;     // 0..1439; on the wire "HH:MM"
  int length_minutes = 60;  // 1..1440

  friend bool operator==(const MaintenanceWindow&, const MaintenanceWindow&) = default;
};

struct Declarations {
  std::string group;
  AutoInstallMode auto_install = AutoInstallMode::kAllowed;
  std::int64_t deferral_days = 0;  // 0..kMaxDeferralDays
  bool approval_required = false;
  std::vector<std::string> approved;  // improvement ids ("acme-os 26.3.1 (a)"), sorted
  std::vector<std::string> held;      // improvement ids held back (safe mode), sorted
  std::optional<MaintenanceWindow> maintenance_window;

  friend bool operator==(const Declarations&, const Declarations&) = default;
};

json::Value ToJson(const Declarations& declarations);
Result<Declarations> ParseDeclarations(const json::Value& value);

// Improvement ids as people and records write them: "acme-os 26.3.1 (a)".
// At most 200 bytes of printable ASCII. Errors: kMalformed.
Status CheckImprovementId(std::string_view id);

// ---- Status reports: POST /api/v1/device/reports.

// What an improvement of the device's product and base is to the device.
enum class ImprovementState {
  kInstalled,   // running
  kAvailable,   // could install, but auto-install is off
  kPending,     // waits: see WaitReason
  kFailed,      // the install failed (health check, download, store)
  kRolledBack,  // installed, then rolled back (withdrawn or failed)
  kWithdrawn,   // the vendor withdrew it; not installed
  kSuperseded,  // a full OS update replaced its base
  kRemoved,     // the user removed it
};
std::string_view ImprovementStateName(ImprovementState state);
Result<ImprovementState> ParseImprovementState(std::string_view name);

enum class WaitReason {
  kNone,
  kAutoInstallOff,     // "auto_install_off"
  kDeferred,           // "deferred"
  kAwaitingApproval,   // "awaiting_approval"
  kHeld,               // "held" (the server's safe mode)
  kRolloutPaused,      // "rollout_paused"
  kNotInWaveYet,       // "not_in_wave_yet"
  kMaintenanceWindow,  // "maintenance_window": installed restarts wait for it
};
std::string_view WaitReasonName(WaitReason reason);
Result<WaitReason> ParseWaitReason(std::string_view name);

struct ImprovementStatus {
  std::string id;      // "acme-os 26.3.1 (b)"
  std::string letter;  // "b"
  ImprovementState state = ImprovementState::kPending;
  WaitReason reason = WaitReason::kNone;  // kPending / kAvailable
  std::optional<UnixTime> not_before;     // when the wait ends, if known
  std::string detail;                     // failure reason etc.; text <= 1024 bytes
  std::vector<std::string> cves;          // the CVE ids it fixes

  friend bool operator==(const ImprovementStatus&, const ImprovementStatus&) = default;
};

struct ComponentVersion {
  std::string name;
  std::string version;

  friend bool operator==(const ComponentVersion&, const ComponentVersion&) = default;
};

// The outcome of the agent's last pass.
enum class InstallState {
  kUpToDate,    // "up_to_date"
  kInstalled,   // "installed": this pass installed `running`
  kWaiting,     // "waiting": an improvement waits (see improvements)
  kFailed,      // "failed": see failure
  kRolledBack,  // "rolled_back"
  kRemoved,     // "removed": the user removed the improvement
  kError,       // "error": the pass failed before installing (network, metadata)
};
std::string_view InstallStateName(InstallState state);
Result<InstallState> ParseInstallState(std::string_view name);

struct StatusReport {
  // The idempotency key: the agent makes it once per report and resends
  // the same report with the same id until the server acknowledges it.
  // 16 to 64 characters of [A-Za-z0-9_-].
  std::string report_id;
  UnixTime time;  // when the agent made the report
  std::string product;
  std::string base_version;
  std::optional<std::string> running;  // improvement id; nullopt: the base
  std::vector<ComponentVersion> components;
  std::vector<std::string> cves_fixed;  // by what runs now
  bool auto_install = true;             // effective, after any lock
  InstallState install_state = InstallState::kUpToDate;
  std::string install_reason;  // why the last change happened; text <= 256
  std::string failure;         // the last failure; text <= 1024; empty: none
  std::vector<ImprovementStatus> improvements;
  std::string agent_version;  // text <= 64

  friend bool operator==(const StatusReport&, const StatusReport&) = default;
};

json::Value ToJson(const StatusReport& report);
Result<StatusReport> ParseStatusReport(const json::Value& value);

// A new random report id (128 bits, hex).
Result<std::string> NewReportId();

}  // namespace bsi::protocol

#endif  // BSI_PROTOCOL_PROTOCOL_H_
