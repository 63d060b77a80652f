// Fleet report: the pure half of the agent's conversation with a fleet
// server. The server's declarations become the policy's input, and the
// agent's state becomes the status report it sends (bsi/protocol), as
// functions of what the agent knows and the time. The I/O half (enrollment,
// pulling declarations, the durable report queue) is fleet_client.h.
//
// Each improvement of the device's product and base that the repository
// signs gets one entry in the report:
//   installed    the running letter, and the lower standing letters it
//                includes (improvements are cumulative)
//   withdrawn    withdrawn by the vendor and never installed here;
//   rolled_back  withdrawn after the device installed it
//   removed      the user removed it (or a higher letter)
//   failed       the last install of it failed
//   available    it could install, but auto-install is off (reason
//                auto_install_off)
//   pending      it waits: rollout_paused, not_in_wave_yet, deferred,
//                awaiting_approval, held, maintenance_window (not_before
//                when known), or none (the next pass installs it)
// and an improvement of an earlier base dropped by a full OS update is
// listed as superseded.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_AGENT_FLEET_REPORT_H_
#define BSI_AGENT_FLEET_REPORT_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/protocol/protocol.h"
#include "bsi/release/improvement.h"

#include "agent/policy.h"
#include "agent/selection.h"

namespace bsi::agent {

// The server's declarations as the policy takes them.
Declarations ToPolicy(const protocol::Declarations& declarations);

// The wait reason the protocol names for a hold.
protocol::WaitReason ToProtocol(const Hold& hold);

// What the agent knows when it reports.
struct ReportInputs {
  DeviceFacts device;
  std::vector<std::string> components;  // configured component names, in order
  // The improvement records the repository signs (the last verified
  // targets); those of other products and bases are ignored.
  std::vector<release::Improvement> improvements;
  PolicyInputs policy;
  // A fleet server is configured but its declarations never arrived: what
  // waits, waits for them.
  bool declarations_missing = false;
  std::set<std::string> rolled_back;  // letters rolled back after withdrawal
  std::optional<std::string> failed_letter;
  std::string failed_detail;
  // "26.3.1 (a)": the improvement of an old base dropped by an OS update.
  std::optional<std::string> superseded;
  protocol::InstallState install_state = protocol::InstallState::kUpToDate;
  std::string install_reason;
  std::string failure;
};

// REQUIRES: report_id as protocol::NewReportId makes them. The result
// passes protocol::ParseStatusReport: lists are cut to the protocol's
// bounds (the highest letters kept) and texts to their lengths.
protocol::StatusReport BuildStatusReport(const ReportInputs& inputs, UnixTime now,
                                         std::string report_id, std::string_view agent_version);

// `text` as protocol::CheckText accepts it: control characters become
// spaces, and it is cut to at most `max` bytes on a UTF-8 boundary.
std::string ProtocolText(std::string_view text, std::size_t max);

}  // namespace bsi::agent

#endif  // BSI_AGENT_FLEET_REPORT_H_
