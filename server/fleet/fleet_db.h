// FleetDb: everything the fleet manager stores, behind one seam with two
// implementations — SQLite (embedded, the default; WAL) and PostgreSQL
// (libpq; several bsi-server instances may share one database). One
// contract test suite runs against both (fleet_db_contract_test.cc).
//
// The schema is created and upgraded by numbered migrations embedded in the
// binary (server/fleet/migrations/NNNN_name.sql, or NNNN_name.sqlite.sql
// and NNNN_name.postgres.sql where the dialects differ; the same numbering
// for both engines), applied in order when the database is opened; the
// version reached is kept in the database (table schema_migrations).
// docs/fleet-db.md describes the schema.
//
// Secrets are never stored: tokens arrive here already hashed (SHA-256,
// hex) by the caller.
//
// Errors: kNoSuchRecord (a named group, device, token or hold that does not
// exist), kConflict (a uniqueness rule), kUnauthenticated (an enrollment
// token that is unknown, expired or used up), kInvalidArgument (a value out
// of range), kDatabase (the engine failed; the message says how),
// kDatabaseUnavailable (the PostgreSQL server cannot be reached; transient).
//
// Thread-safety: a FleetDb may be used from several threads at once (each
// implementation keeps a connection per thread or a pool).
#ifndef BSI_SERVER_FLEET_FLEET_DB_H_
#define BSI_SERVER_FLEET_FLEET_DB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/protocol/protocol.h"

namespace bsi::server {

enum class Role { kViewer, kOperator, kAdmin };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);  // kInvalidArgument

struct AdminToken {
  std::string name;        // identifier, unique
  std::string token_hash;  // SHA-256 hex of the secret
  Role role = Role::kViewer;
  UnixTime created;
};

struct EnrollmentToken {
  std::string name;        // identifier, unique
  std::string token_hash;  // SHA-256 hex of the secret
  std::string group;       // devices enrolled with it join this group
  std::optional<UnixTime> expires;
  std::optional<std::int64_t> uses_left;  // nullopt: unlimited
  UnixTime created;
};

// A group's declarations as the admin sets them. The approvals and active
// holds are kept apart (SetApproval, AddHold) and joined by Declarations().
struct Group {
  std::string name;  // identifier; "default" always exists
  protocol::AutoInstallMode auto_install = protocol::AutoInstallMode::kAllowed;
  std::int64_t deferral_days = 0;  // 0..90
  bool approval_required = false;
  std::optional<protocol::MaintenanceWindow> maintenance_window;
  UnixTime updated;
};

// An improvement the fleet knows of: from the repository the server serves
// (authoritative) or, until it is read there, from devices' reports.
struct ImprovementInfo {
  std::string id;  // "acme-os 26.3.1 (a)"
  std::string product;
  std::string base_version;
  std::string letter;
  std::vector<std::string> cves;
  bool withdrawn = false;
};

struct DeviceRow {
  std::string id;
  std::string group;
  std::string product;
  std::string base_version;
  std::string hostname;
  std::optional<std::string> running;  // improvement id
  bool auto_install = true;
  std::optional<protocol::InstallState> install_state;  // nullopt: never reported
  std::string failure;
  UnixTime enrolled;
  std::optional<UnixTime> last_report;
};

struct DeviceEvent {
  std::int64_t seq = 0;
  std::string report_id;
  UnixTime time;            // the agent's
  UnixTime received;        // the server's
  std::string report_json;  // the report as received (compact JSON)
};

struct DeviceDetail {
  DeviceRow device;
  std::vector<protocol::ComponentVersion> components;
  std::vector<std::string> cves_fixed;
  // As last reported, in the report's order; the CVEs of each are the
  // fleet's record of that improvement (the repository's when known).
  std::vector<protocol::ImprovementStatus> improvements;
  std::vector<DeviceEvent> events;  // newest first, at most `event_limit`
};

struct DeviceFilter {
  std::optional<std::string> group;
  std::optional<std::string> after_id;  // paging: ids greater than this
  std::int64_t limit = 100;             // 1..1000
};

// One report to store, after authentication and parsing.
struct IncomingReport {
  std::string device_id;
  // The hash of the token the report came with: it is stored only if this
  // is still the device's token when its transaction runs (kUnauthenticated
  // otherwise), so a caller may authenticate from a cache.
  std::string token_hash;
  std::string group;  // the device's group when it was authenticated; not stored

  UnixTime received;
  protocol::StatusReport report;
  std::string report_json;  // as received, compact
};

enum class IngestOutcome { kStored, kDuplicate };

// Why a device is still exposed to a CVE.
enum class ExposureReason {
  kNotReported,       // "not_reported": no report names the improvement yet
  kNotInstalled,      // "not_installed": reported, not installed, no reason given
  kDeferred,          // "deferred"
  kAwaitingApproval,  // "awaiting_approval"
  kAutoInstallOff,    // "auto_install_off"
  kHeld,              // "held"
  kNotInWaveYet,      // "not_in_wave_yet" (or the rollout is paused)
  kFailed,            // "failed"
  kRolledBack,        // "rolled_back"
  kWithdrawn,         // "withdrawn"
  kRemoved,           // "removed" by the user
};
std::string_view ExposureReasonName(ExposureReason reason);

struct ExposedDevice {
  std::string device_id;
  std::string group;
  std::string improvement;  // the (highest) improvement that would fix it
  ExposureReason reason = ExposureReason::kNotReported;
};

// The devices exposed to one CVE: how many, how many for each reason,
// and one page of them.
struct CveExposure {
  std::int64_t exposed = 0;
  std::map<ExposureReason, std::int64_t> by_reason;  // reasons with devices only
  std::vector<ExposedDevice> devices;                // in id order
};

// Devices of a group by what an improvement is to them (from their latest
// reports): the rollout's progress.
struct RolloutProgress {
  std::string group;
  std::int64_t devices = 0;  // of the improvement's product and base in the group
  std::int64_t available = 0;
  std::int64_t pending = 0;
  std::int64_t installed = 0;  // running it, or a later letter
  std::int64_t failed = 0;
  std::int64_t rolled_back = 0;
  std::int64_t not_reported = 0;
};

struct Hold {
  std::string group;
  std::string improvement;
  std::string cause;  // "3 of 10 devices failed or rolled back (threshold 20%)"
  UnixTime created;
  std::optional<UnixTime> cleared;
  std::string cleared_by;  // admin token name
};

struct FleetCounts {
  std::int64_t devices = 0;
  std::int64_t groups = 0;
  std::int64_t reports = 0;  // stored events
  std::int64_t active_holds = 0;
  // Install state name → devices, by name; "not_reported" counts the
  // devices that never reported.
  std::vector<std::pair<std::string, std::int64_t>> devices_by_state;
};

class FleetDb {
 public:
  virtual ~FleetDb() = default;

  // "sqlite" or "postgresql".
  virtual std::string_view engine() const = 0;
  // The schema version reached (the highest migration applied).
  virtual Result<std::int64_t> SchemaVersion() = 0;

  // ---- Tokens
  virtual Status AddAdminToken(const AdminToken& token) = 0;  // kConflict on name
  virtual Result<std::optional<AdminToken>> FindAdminToken(std::string_view token_hash) = 0;
  virtual Result<std::vector<AdminToken>> ListAdminTokens() = 0;  // hashes included
  virtual Status RemoveAdminToken(std::string_view name) = 0;     // kNoSuchRecord
  virtual Status AddEnrollmentToken(
      const EnrollmentToken& token) = 0;  // kConflict; group must exist
  virtual Result<std::vector<EnrollmentToken>> ListEnrollmentTokens() = 0;
  virtual Status RemoveEnrollmentToken(std::string_view name) = 0;  // kNoSuchRecord

  // ---- Devices
  // In one transaction: checks the enrollment token (known, not expired
  // at `now`, uses left), takes one use, and creates the device in the
  // token's group — or, for a device id that exists, replaces its token
  // hash and product/base/hostname, keeping its group and history.
  // Returns the group. Errors: kUnauthenticated for a bad token;
  // kInvalidArgument for a device id that is not an identifier; kConflict
  // if another device has this token hash.
  virtual Result<std::string> EnrollDevice(std::string_view enrollment_token_hash,
                                           const protocol::EnrollRequest& request,
                                           std::string_view device_token_hash, UnixTime now) = 0;
  // The device whose token hashes to this; nullopt if none.
  virtual Result<std::optional<DeviceRow>> FindDeviceByToken(std::string_view token_hash) = 0;
  // Ordered by id. Errors: kInvalidArgument for a limit out of 1..1000.
  virtual Result<std::vector<DeviceRow>> ListDevices(const DeviceFilter& filter) = 0;
  // nullopt if no such device. event_limit: 0..1000.
  virtual Result<std::optional<DeviceDetail>> GetDevice(std::string_view id,
                                                        std::int64_t event_limit) = 0;
  // kNoSuchRecord for an unknown device or group.
  virtual Status SetDeviceGroup(std::string_view device_id, std::string_view group) = 0;

  // ---- Groups, approvals, holds
  // Creates or replaces. kInvalidArgument for a name that is not an
  // identifier, deferral_days out of 0..90, a window out of range.
  virtual Status PutGroup(const Group& group) = 0;
  virtual Result<std::optional<Group>> GetGroup(std::string_view name) = 0;
  virtual Result<std::vector<Group>> ListGroups() = 0;
  // With its approvals and holds. kConflict while devices or enrollment
  // tokens use it, and for "default", which cannot go; kNoSuchRecord.
  virtual Status RemoveGroup(std::string_view name) = 0;
  // Approves (records actor and time; again: replaces them) or withdraws
  // the approval (none: nothing to do). kNoSuchRecord for an unknown group.
  virtual Status SetApproval(std::string_view group, std::string_view improvement, bool approved,
                             std::string_view actor, UnixTime now) = 0;
  // The group's declarations for its devices: settings, approvals, active
  // holds. kNoSuchRecord for an unknown group.
  virtual Result<protocol::Declarations> Declarations(std::string_view group) = 0;
  // Adds an active hold unless one is active for (group, improvement).
  // Returns whether it added one. Only group, improvement, cause and
  // created are read. kNoSuchRecord for an unknown group.
  virtual Result<bool> AddHold(const Hold& hold) = 0;
  virtual Status ClearHold(std::string_view group, std::string_view improvement,
                           std::string_view by, UnixTime now) = 0;  // kNoSuchRecord if none active
  // By group, improvement, then age.
  virtual Result<std::vector<Hold>> ListHolds(bool active_only) = 0;

  // ---- Improvements
  // Creates or replaces each (by id), in one transaction; the repository's
  // view wins. kInvalidArgument for a bad id, letter, product or base.
  virtual Status PutImprovements(std::span<const ImprovementInfo> improvements) = 0;
  // By id, CVEs sorted.
  virtual Result<std::vector<ImprovementInfo>> ListImprovements() = 0;

  // ---- Reports
  // Stores the reports in one transaction, in order: per report, an event
  // unless (device_id, report_id) was stored before (kDuplicate: nothing
  // changes), the device's latest state (only if the report is not older
  // than the last one applied), its components, the CVEs its running
  // improvement fixes, the state of each improvement it reports, and
  // improvements it names that the fleet did not know (never overriding
  // the repository's record). One outcome per report. A report for a
  // device that does not exist (kNoSuchRecord), or whose token is no longer
  // `token_hash` (kUnauthenticated), fails the whole call and stores
  // nothing; callers authenticate devices first.
  virtual Result<std::vector<IngestOutcome>> IngestReports(
      std::span<const IncomingReport> reports) = 0;
  // Deletes events received before `before`, keeping each device's newest.
  // Returns how many it deleted.
  virtual Result<std::int64_t> PruneEvents(UnixTime before) = 0;

  // ---- Questions
  // Devices of the product and base of an improvement fixing `cve` that do
  // not report the CVE fixed, with why: all of them counted (in total and
  // by reason), and at most `limit` of those with an id after `after_id`
  // listed, in id order (limit 0: the counts only; negative:
  // kInvalidArgument). Where several improvements of a base fix it, the
  // one named is the highest letter not withdrawn (else the highest), and
  // the reason is what the device reported of it. One consistent read.
  virtual Result<CveExposure> Exposure(std::string_view cve, std::string_view after_id,
                                       std::int64_t limit) = 0;
  // One row per group, by name, groups without such devices included (only
  // `group` if given). kNoSuchRecord for an unknown improvement or group.
  virtual Result<std::vector<RolloutProgress>> Progress(std::string_view improvement,
                                                        std::optional<std::string_view> group) = 0;
  virtual Result<FleetCounts> Counts() = 0;
};

// Opens (creating if needed) and migrates the database named by `url`:
// "sqlite:/path/to/fleet.db" (the file is created with mode 0600; its
// directory must exist) or "postgresql://user@host:port/db?..." (any
// libpq connection URI, plus pool_size=N, default 4; postgres_fleet_db.h).
// Errors: kInvalidArgument for another scheme or a missing directory;
// kDatabase (also: the database has a newer schema than this binary
// knows) / kDatabaseUnavailable.
Result<std::unique_ptr<FleetDb>> OpenFleetDb(std::string_view url);

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_FLEET_DB_H_
