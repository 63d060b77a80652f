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
};

// Errors: kFileNotFound; kInvalidArgument naming the key ("agent.toml:
// repository.metadata_url: ...") for anything missing or out of shape.
Result<AgentConfig> LoadConfig(FileSystem& fs, const std::string& path);

// The base version, from the configuration or its file. Errors:
// kInvalidArgument, kFileNotFound.
Result<version::BaseVersion> ReadBaseVersion(FileSystem& fs, const AgentConfig& config);

}  // namespace bsi::agent

#endif  // BSI_AGENT_CONFIG_H_
