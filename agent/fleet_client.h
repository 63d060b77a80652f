// FleetClient: the I/O half of the agent's conversation with its fleet
// server (docs/agent.md, "Fleet server"; the messages are bsi/protocol's,
// the pure half is fleet_report.h): enrollment, the declarations the device
// obeys, and the durable queue of status reports. Its state lives under
// <state_dir>/fleet/:
//
//   credentials.json                 the device token the server issued
//                                    (mode 0600), for one server_url
//   declarations.json                the last declarations received, with
//                                    their ETag and when they came
//   outbox/<seq>-<report_id>.json    reports not yet acknowledged; <seq>
//                                    is 12 digits, so names sort in order
//
// Every file is replaced with WriteFileAtomically, so a crash leaves the
// old or the new version. A report is on disk before it is sent and is
// deleted only once the server acknowledged it: reports are delivered at
// least once, each time with the same report_id (the server's idempotency
// key, which drops duplicates), in the order they were made.
//
// Thread-safety: none; one thread, under the agent's state lock.
#ifndef BSI_AGENT_FLEET_CLIENT_H_
#define BSI_AGENT_FLEET_CLIENT_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/fetch/api_client.h"
#include "bsi/protocol/protocol.h"

#include "agent/config.h"

namespace bsi::agent {

// Writes one line to the agent's log (stderr; the journal under systemd).
using Logger = std::function<void(const std::string& line)>;

// What the device says about itself when it enrolls.
struct FleetDevice {
  std::string device_id;  // must pass protocol::CheckIdentifier
  std::string product;
};

// What `bsi-agent status` shows; no secret in it.
struct FleetStatus {
  std::string server_url;
  bool enrolled = false;
  std::string device_id;  // as the server enrolled it
  std::string group;
  std::optional<protocol::Declarations> declarations;  // the last received
  std::optional<UnixTime> declarations_received;
  std::size_t queued_reports = 0;
};

class FleetClient {
 public:
  // REQUIRES: config.enabled(); fs, api and clock outlive the client.
  // log: nullptr logs nothing.
  FleetClient(FleetConfig config, std::string state_dir, FleetDevice device, FileSystem& fs,
              fetch::ApiClient& api, const Clock& clock, Logger log);

  // Enrolls first if the device holds no credentials for this server, then
  // pulls the declarations (with If-None-Match when it holds an ETag; a 401
  // re-enrolls once if an enrollment token is configured). Returns the
  // declarations in force: the server's, or the last ones received when
  // the server cannot be reached or answers with an error (logged), so a
  // device keeps obeying what it last saw. base_version goes into the
  // enrollment request.
  // Errors, only when no declarations were ever received: why not —
  // kNetwork, kTimeout, kHttpStatus (transient); kUnauthenticated (no
  // enrollment token, or the server refused it); kMalformed.
  Result<protocol::Declarations> PullDeclarations(std::string_view base_version);

  // The last declarations received, without a request; nullopt if none.
  Result<std::optional<protocol::Declarations>> CachedDeclarations();

  // Writes the report into the outbox (durably), then drops the oldest
  // reports beyond report_queue_limit (logged). Errors: the file system's.
  Status Enqueue(const protocol::StatusReport& report);

  // Sends the queued reports, oldest first (POST /api/v1/device/reports,
  // Idempotency-Key: report_id). 200 or 202: delivered, deleted. 400, 413,
  // 422: refused for good, dropped (logged). 401: re-enrolls once, if an
  // enrollment token is configured, and sends again. Anything else (429,
  // 5xx, no answer): stops; that report and the later ones stay queued.
  // Returns how many were delivered. Errors: why delivery stopped.
  Result<std::size_t> SendQueued(std::string_view base_version);

  // For `bsi-agent status`; makes no request.
  Result<FleetStatus> ReadStatus();

  // The outbox's report files, oldest first (names, not paths).
  Result<std::vector<std::string>> QueuedReports();

 private:
  struct Credentials {
    std::string device_id;
    std::string device_token;
    std::string group;
  };
  struct Cache {
    std::string server_url;
    std::string etag;
    UnixTime received;
    protocol::Declarations declarations;
  };

  std::string Path(std::string_view name) const;
  std::string Url(std::string_view path) const;
  void Log(const std::string& line) const;

  Result<std::optional<Credentials>> LoadCredentials();
  Result<std::optional<Cache>> LoadCache();
  Result<std::string> EnrollmentToken();
  Result<Credentials> Enroll(std::string_view base_version);
  Result<Credentials> EnsureEnrolled(std::string_view base_version);
  Result<protocol::Declarations> FetchDeclarations(std::string_view base_version,
                                                   const std::optional<Cache>& cache);
  Result<fetch::ApiResponse> Call(const std::string& method, std::string_view path,
                                  const std::string& token, std::string body,
                                  std::vector<std::pair<std::string, std::string>> headers = {});

  FleetConfig config_;
  std::string state_dir_;
  FleetDevice device_;
  FileSystem& fs_;
  fetch::ApiClient& api_;
  const Clock& clock_;
  Logger log_;
};

}  // namespace bsi::agent

#endif  // BSI_AGENT_FLEET_CLIENT_H_
