// bsi-agent's configuration: a TOML file (/etc/bsi/agent.toml by default;
// docs/agent.md shows every key). Every path can point anywhere, so tests
// and the demonstration run the agent unprivileged in a temp directory.
// toml++ is fenced in config.cc.
//
// Thread-safety: value types and functions without shared state.
#ifndef BSI_AGENT_CONFIG_H_
#define BSI_AGENT_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/version/version.h"

namespace bsi::agent {

inline constexpr const char* kDefaultConfigPath = "/etc/bsi/agent.toml";

struct ComponentSetup {
  std::string name;       // as the vendor's records name it
  std::string base_tree;  // absolute: the tree the OS image ships
  // Absolute path the OS uses for the component; if set, the agent makes it
  // a symlink to the store's current link (and refuses to replace anything
  // else there).
  std::string install_path;
  std::vector<std::string> restart;       // argv run after activation (local config only)
  std::vector<std::string> health_check;  // argv; exit 0 means healthy
  // How the active tree reaches the OS: kLink (the default) through the
  // store's current link (and install_path); kSysext as a systemd system
  // extension overlaid on a read-only /usr at sysext_path (agent/sysext.h).
  enum class Activation { kLink, kSysext };
  Activation activation = Activation::kLink;
  std::string sysext_path;  // kSysext: under /usr/ or /opt/
};

// The fleet server (docs/agent.md, "Fleet server"). Without [fleet] or
// without server_url the agent talks to no server, as before.
struct FleetConfig {
  // http(s)://host[:port][/prefix]; the API is under <server_url>/api/v1/.
  // Empty: no fleet server.
  std::string server_url;
  // The enrollment token, read when the agent enrolls: from this file
  // (absolute path; preferred, so the secret can be mode 0600 apart from
  // the configuration), or given inline (less safe: agent.toml is often
  // world-readable). At most one of the two; neither means the device can
  // only use credentials it already has.
  std::string enrollment_token_file;
  std::string enrollment_token;
  // Status reports kept for delivery at most; the oldest are dropped
  // beyond. Default: 100.
  std::int64_t report_queue_limit = 100;

  bool enabled() const { return !server_url.empty(); }
};

struct AgentConfig {
  std::string device_id;  // default: the content of /etc/machine-id
  std::string product;
  // The OS's base version: given literally, or read from a file of
  // KEY=VALUE lines (os-release style) under base_version_key.
  std::string base_version;
  std::string base_version_file;
  std::string base_version_key = "VERSION_ID";
  std::string metadata_url;  // ends with '/'
  std::string targets_url;   // ends with '/'
  std::string trusted_root;  // the root.json the device trusts first
  std::string state_dir = "/var/lib/bsi";
  std::int64_t poll_interval_seconds = 3600;
  std::uint64_t bandwidth_limit = 0;  // bytes per second; 0: none
  bool auto_install = true;           // the toggle's value until the user sets it
  // How long a restart or health-check command may run before it is killed
  // (and the install rolled back). Default: 5 minutes.
  std::int64_t command_timeout_seconds = 300;
  std::vector<ComponentSetup> components;
  FleetConfig fleet;
  // For sysext components: where extensions go, the command that merges
  // them, and the OS's ID (default: ID= of base_version_file).
  std::string sysext_dir = "/var/lib/extensions";
  std::vector<std::string> sysext_refresh = {"/usr/bin/systemd-sysext", "refresh"};
  std::string os_id;
};

// Errors: kFileNotFound; kInvalidArgument naming the key ("agent.toml:
// repository.metadata_url: ...") for anything missing or out of shape, and
// for unknown sections and keys (a misspelt setting is not ignored).
Result<AgentConfig> LoadConfig(FileSystem& fs, const std::string& path);

// The base version, from the configuration or its file. Errors:
// kInvalidArgument, kFileNotFound.
Result<version::BaseVersion> ReadBaseVersion(FileSystem& fs, const AgentConfig& config);

// The value of base_version_key in base_version_file (KEY=VALUE lines,
// quotes removed). Errors: kInvalidArgument (no such line), kFileNotFound.
Result<std::string> ReadOsReleaseValue(FileSystem& fs, const AgentConfig& config);

}  // namespace bsi::agent

#endif  // BSI_AGENT_CONFIG_H_
