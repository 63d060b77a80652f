#include "agent/config.h"

#include <set>
#include <string_view>

#include "bsi/config/config_file.h"
#include "bsi/core/time_format.h"
#include "bsi/release/improvement.h"

namespace bsi::agent {
namespace {

using config::ConfigTable;

constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

// A string setting; "" when absent, kInvalidArgument when required.
Result<std::string> GetString(ConfigTable& table, std::string_view key, bool required) {
  BSI_ASSIGN_OR_RETURN(std::optional<std::string> value, table.String(key));
  if (!value.has_value()) {
    if (required) return table.Invalid(key, "missing");
    return std::string();
  }
  return *std::move(value);
}

Result<std::string> GetAbsolutePath(ConfigTable& table, std::string_view key, bool required) {
  BSI_ASSIGN_OR_RETURN(std::string path, GetString(table, key, required));
  if (!path.empty() && !path.starts_with("/")) {
    return table.Invalid(key, "must be an absolute path");
  }
  return path;
}

// A command: an argv list whose program is an absolute path.
Result<std::vector<std::string>> GetArgv(ConfigTable& table, std::string_view key) {
  BSI_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> argv, table.Strings(key));
  if (!argv.has_value()) return std::vector<std::string>();
  for (const std::string& arg : *argv) {
    if (arg.empty()) return table.Invalid(key, "must be an array of non-empty strings");
  }
  if (!argv->empty() && !argv->front().starts_with("/")) {
    return table.Invalid(key, "the program must be an absolute path");
  }
  return *std::move(argv);
}

Result<std::string> GetUrl(ConfigTable& table, std::string_view key) {
  BSI_ASSIGN_OR_RETURN(std::string url, GetString(table, key, true));
  if (!(url.starts_with("http://") || url.starts_with("https://")) || !url.ends_with("/")) {
    return table.Invalid(key, "must be an http(s) URL ending with '/'");
  }
  return url;
}

Result<FleetConfig> LoadFleet(ConfigTable& fleet) {
  FleetConfig config;
  BSI_ASSIGN_OR_RETURN(config.server_url, GetString(fleet, "server_url", false));
  if (!config.server_url.empty()) {
    const std::string& url = config.server_url;
    const bool http = url.starts_with("http://") || url.starts_with("https://");
    const std::size_t host = url.find("://") + 3;
    if (!http || url.size() <= host || url[host] == '/' ||
        url.find_first_of("?# \t\r\n") != std::string::npos) {
      return fleet.Invalid("server_url", "must be an http(s) URL without query or fragment");
    }
  }
  while (config.server_url.ends_with("/")) config.server_url.pop_back();
  BSI_ASSIGN_OR_RETURN(config.enrollment_token_file,
                       GetAbsolutePath(fleet, "enrollment_token_file", false));
  BSI_ASSIGN_OR_RETURN(config.enrollment_token, GetString(fleet, "enrollment_token", false));
  if (!config.enrollment_token_file.empty() && !config.enrollment_token.empty()) {
    return fleet.Invalid("enrollment_token",
                         "set at most one of enrollment_token_file and enrollment_token");
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> limit, fleet.Int("report_queue_limit"));
  if (limit.has_value()) {
    if (*limit < 1 || *limit > 100000) {
      return fleet.Invalid("report_queue_limit", "a whole number from 1 to 100000");
    }
    config.report_queue_limit = *limit;
  }
  BSI_TRY(fleet.CheckAllRead());
  return config;
}

Status LoadDevice(ConfigTable& device, AgentConfig& config) {
  BSI_ASSIGN_OR_RETURN(config.device_id, GetString(device, "id", false));
  BSI_ASSIGN_OR_RETURN(config.product, GetString(device, "product", true));
  if (Status name = release::CheckName("product", config.product); !name.ok()) {
    return device.Invalid("product", name.error().message());
  }
  BSI_ASSIGN_OR_RETURN(config.base_version, GetString(device, "base_version", false));
  BSI_ASSIGN_OR_RETURN(config.base_version_file,
                       GetAbsolutePath(device, "base_version_file", false));
  if (config.base_version.empty() == config.base_version_file.empty()) {
    return device.Invalid("base_version", "set exactly one of base_version and base_version_file");
  }
  BSI_ASSIGN_OR_RETURN(const std::string key, GetString(device, "base_version_key", false));
  if (!key.empty()) config.base_version_key = key;
  BSI_ASSIGN_OR_RETURN(config.os_id, GetString(device, "os_id", false));
  return device.CheckAllRead();
}

Status LoadAgent(ConfigTable& agent, AgentConfig& config) {
  BSI_ASSIGN_OR_RETURN(const std::string state_dir, GetAbsolutePath(agent, "state_dir", false));
  if (!state_dir.empty()) config.state_dir = state_dir;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> poll, agent.Duration("poll_interval"));
  if (poll.has_value()) {
    if (*poll < 10) return agent.Invalid("poll_interval", "a duration of 10s or more");
    config.poll_interval_seconds = *poll;
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> limit, agent.Int("bandwidth_limit"));
  if (limit.has_value()) {
    if (*limit < 0) {
      return agent.Invalid("bandwidth_limit", "bytes per second, a whole number >= 0");
    }
    config.bandwidth_limit = static_cast<std::uint64_t>(*limit);
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> timeout,
                       agent.Duration("command_timeout"));
  if (timeout.has_value()) {
    if (*timeout < 1) return agent.Invalid("command_timeout", "a duration of 1s or more");
    config.command_timeout_seconds = *timeout;
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<bool> auto_install, agent.Bool("auto_install"));
  if (auto_install.has_value()) config.auto_install = *auto_install;
  BSI_ASSIGN_OR_RETURN(const std::string sysext_dir, GetAbsolutePath(agent, "sysext_dir", false));
  if (!sysext_dir.empty()) config.sysext_dir = sysext_dir;
  BSI_ASSIGN_OR_RETURN(std::vector<std::string> refresh, GetArgv(agent, "sysext_refresh"));
  if (!refresh.empty()) config.sysext_refresh = std::move(refresh);
  return agent.CheckAllRead();
}

Result<ComponentSetup> LoadComponent(ConfigTable& table) {
  ComponentSetup setup;
  BSI_ASSIGN_OR_RETURN(setup.name, GetString(table, "name", true));
  if (Status name = release::CheckName("name", setup.name); !name.ok()) {
    return table.Invalid("name", name.error().message());
  }
  BSI_ASSIGN_OR_RETURN(setup.base_tree, GetAbsolutePath(table, "base_tree", true));
  BSI_ASSIGN_OR_RETURN(setup.install_path, GetAbsolutePath(table, "install_path", false));
  BSI_ASSIGN_OR_RETURN(setup.restart, GetArgv(table, "restart"));
  BSI_ASSIGN_OR_RETURN(setup.health_check, GetArgv(table, "health_check"));
  BSI_ASSIGN_OR_RETURN(const std::string activation, GetString(table, "activation", false));
  if (activation == "sysext") {
    setup.activation = ComponentSetup::Activation::kSysext;
  } else if (!activation.empty() && activation != "link") {
    return table.Invalid("activation", "must be \"link\" or \"sysext\"");
  }
  BSI_ASSIGN_OR_RETURN(setup.sysext_path, GetAbsolutePath(table, "sysext_path", false));
  if (setup.activation == ComponentSetup::Activation::kSysext) {
    if (!(setup.sysext_path.starts_with("/usr/") || setup.sysext_path.starts_with("/opt/"))) {
      return table.Invalid("sysext_path", "a sysext component needs a path under /usr/ or /opt/");
    }
    if (!setup.install_path.empty()) {
      return table.Invalid("install_path", "a sysext component appears at sysext_path instead");
    }
  } else if (!setup.sysext_path.empty()) {
    return table.Invalid("sysext_path", "only for activation = \"sysext\"");
  }
  BSI_TRY(table.CheckAllRead());
  return setup;
}

}  // namespace

Result<AgentConfig> LoadConfig(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const std::string text, fs.ReadFile(path, kMaxConfigBytes));
  BSI_ASSIGN_OR_RETURN(config::ConfigFile file, config::ConfigFile::Parse(text, path));
  ConfigTable& root = file.root();
  AgentConfig config;
  BSI_ASSIGN_OR_RETURN(std::optional<ConfigTable> device, root.Table("device"));
  if (!device.has_value()) return root.Invalid("device", "missing section");
  BSI_TRY(LoadDevice(*device, config));

  BSI_ASSIGN_OR_RETURN(std::optional<ConfigTable> repository, root.Table("repository"));
  if (!repository.has_value()) return root.Invalid("repository", "missing section");
  BSI_ASSIGN_OR_RETURN(config.metadata_url, GetUrl(*repository, "metadata_url"));
  BSI_ASSIGN_OR_RETURN(config.targets_url, GetUrl(*repository, "targets_url"));
  BSI_ASSIGN_OR_RETURN(config.trusted_root, GetAbsolutePath(*repository, "trusted_root", true));
  BSI_TRY(repository->CheckAllRead());

  BSI_ASSIGN_OR_RETURN(std::optional<ConfigTable> agent, root.Table("agent"));
  if (agent.has_value()) BSI_TRY(LoadAgent(*agent, config));

  BSI_ASSIGN_OR_RETURN(std::vector<ConfigTable> components, root.Tables("component"));
  if (components.empty()) return root.Invalid("component", "at least one [[component]]");
  std::set<std::string> names;
  bool sysext = false;
  for (ConfigTable& table : components) {
    BSI_ASSIGN_OR_RETURN(ComponentSetup setup, LoadComponent(table));
    if (!names.insert(setup.name).second) {
      return root.Invalid("component", setup.name + " given twice");
    }
    sysext |= setup.activation == ComponentSetup::Activation::kSysext;
    config.components.push_back(std::move(setup));
  }

  BSI_ASSIGN_OR_RETURN(std::optional<ConfigTable> fleet, root.Table("fleet"));
  if (fleet.has_value()) {
    BSI_ASSIGN_OR_RETURN(config.fleet, LoadFleet(*fleet));
  }
  BSI_TRY(root.CheckAllRead());

  if (sysext && config.os_id.empty()) {
    if (config.base_version_file.empty()) {
      return root.Invalid("device.os_id",
                          "needed for sysext components when base_version is literal");
    }
    AgentConfig id_reader = config;
    id_reader.base_version_key = "ID";
    BSI_ASSIGN_OR_RETURN(config.os_id, ReadOsReleaseValue(fs, id_reader));
  }
  if (config.device_id.empty()) {
    Result<std::string> machine_id = fs.ReadFile("/etc/machine-id", 256);
    if (!machine_id.ok()) return device->Invalid("id", "not set and /etc/machine-id is unreadable");
    config.device_id = *machine_id;
    while (!config.device_id.empty() && config.device_id.back() == '\n') {
      config.device_id.pop_back();
    }
  }
  return config;
}

Result<version::BaseVersion> ReadBaseVersion(FileSystem& fs, const AgentConfig& config) {
  if (!config.base_version.empty()) return version::BaseVersion::Parse(config.base_version);
  BSI_ASSIGN_OR_RETURN(const std::string value, ReadOsReleaseValue(fs, config));
  return version::BaseVersion::Parse(value);
}

Result<std::string> ReadOsReleaseValue(FileSystem& fs, const AgentConfig& config) {
  BSI_ASSIGN_OR_RETURN(const std::string text, fs.ReadFile(config.base_version_file, 1 << 16));
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with(config.base_version_key + "=")) continue;
    std::string value = line.substr(config.base_version_key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return Error(ErrorCode::kInvalidArgument,
               config.base_version_file + " has no " + config.base_version_key + "= line");
}

}  // namespace bsi::agent
