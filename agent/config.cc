#include "agent/config.h"

#include <set>

#include <toml++/toml.h>

#include "bsi/core/time_format.h"
#include "bsi/release/improvement.h"

namespace bsi::agent {
namespace {

constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

Error Bad(const std::string& key, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "agent.toml: " + key + ": " + what);
}

Result<std::string> GetString(const toml::table& table, const std::string& section,
                              const std::string& key, bool required) {
  const toml::node* node = table.get(key);
  const std::string name = section.empty() ? key : section + "." + key;
  if (node == nullptr) {
    if (required) return Bad(name, "missing");
    return std::string();
  }
  const std::optional<std::string> value = node->value<std::string>();
  if (!value.has_value() || !node->is_string()) return Bad(name, "must be a string");
  if (value->find('\0') != std::string::npos) return Bad(name, "holds a NUL byte");
  return *value;
}

Result<std::vector<std::string>> GetArgv(const toml::table& table, const std::string& section,
                                         const std::string& key) {
  std::vector<std::string> argv;
  const toml::node* node = table.get(key);
  if (node == nullptr) return argv;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Bad(section + "." + key, "must be an array of strings");
  for (const toml::node& item : *array) {
    const std::optional<std::string> value = item.value<std::string>();
    if (!item.is_string() || !value.has_value() || value->empty()) {
      return Bad(section + "." + key, "must be an array of non-empty strings");
    }
    argv.push_back(*value);
  }
  if (!argv.empty() && !argv[0].starts_with("/")) {
    return Bad(section + "." + key, "the program must be an absolute path");
  }
  return argv;
}

Status CheckAbsolute(const std::string& key, const std::string& path) {
  if (!path.starts_with("/")) return Bad(key, "must be an absolute path");
  return Ok();
}

Status CheckUrl(const std::string& key, const std::string& url) {
  if (!(url.starts_with("http://") || url.starts_with("https://")) || !url.ends_with("/")) {
    return Bad(key, "must be an http(s) URL ending with '/'");
  }
  return Ok();
}

const toml::table* Section(const toml::table& root, const char* name) {
  const toml::node* node = root.get(name);
  return node == nullptr ? nullptr : node->as_table();
}

}  // namespace

Result<AgentConfig> LoadConfig(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const std::string text, fs.ReadFile(path, kMaxConfigBytes));
  // This toml++ build reports parse errors by exception; they stay here.
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    return Error(ErrorCode::kInvalidArgument, path + ": " + std::string(error.description()) +
                                                  " (line " +
                                                  std::to_string(error.source().begin.line) + ")");
  }
  for (const auto& [key, node] : root) {
    static const std::set<std::string, std::less<>> kKnown = {"device", "repository", "agent",
                                                              "component"};
    if (kKnown.count(key.str()) == 0) return Bad(std::string(key.str()), "unknown section");
  }
  AgentConfig config;
  const toml::table* device = Section(root, "device");
  const toml::table* repository = Section(root, "repository");
  if (device == nullptr) return Bad("device", "missing section");
  if (repository == nullptr) return Bad("repository", "missing section");
  BSI_ASSIGN_OR_RETURN(config.device_id, GetString(*device, "device", "id", false));
  BSI_ASSIGN_OR_RETURN(config.product, GetString(*device, "device", "product", true));
  BSI_TRY(release::CheckName("device.product", config.product));
  BSI_ASSIGN_OR_RETURN(config.base_version, GetString(*device, "device", "base_version", false));
  BSI_ASSIGN_OR_RETURN(config.base_version_file,
                       GetString(*device, "device", "base_version_file", false));
  if (config.base_version.empty() == config.base_version_file.empty()) {
    return Bad("device", "set exactly one of base_version and base_version_file");
  }
  BSI_ASSIGN_OR_RETURN(const std::string key,
                       GetString(*device, "device", "base_version_key", false));
  if (!key.empty()) config.base_version_key = key;

  BSI_ASSIGN_OR_RETURN(config.metadata_url,
                       GetString(*repository, "repository", "metadata_url", true));
  BSI_TRY(CheckUrl("repository.metadata_url", config.metadata_url));
  BSI_ASSIGN_OR_RETURN(config.targets_url,
                       GetString(*repository, "repository", "targets_url", true));
  BSI_TRY(CheckUrl("repository.targets_url", config.targets_url));
  BSI_ASSIGN_OR_RETURN(config.trusted_root,
                       GetString(*repository, "repository", "trusted_root", true));
  BSI_TRY(CheckAbsolute("repository.trusted_root", config.trusted_root));

  if (const toml::table* agent = Section(root, "agent"); agent != nullptr) {
    BSI_ASSIGN_OR_RETURN(const std::string state_dir,
                         GetString(*agent, "agent", "state_dir", false));
    if (!state_dir.empty()) config.state_dir = state_dir;
    BSI_ASSIGN_OR_RETURN(const std::string poll,
                         GetString(*agent, "agent", "poll_interval", false));
    if (!poll.empty()) {
      Result<std::int64_t> seconds = ParseDuration(poll);
      if (!seconds.ok() || *seconds < 10) {
        return Bad("agent.poll_interval", "a duration of 10s or more");
      }
      config.poll_interval_seconds = *seconds;
    }
    if (const toml::node* limit = agent->get("bandwidth_limit"); limit != nullptr) {
      const std::optional<std::int64_t> bytes = limit->value<std::int64_t>();
      if (!limit->is_integer() || !bytes.has_value() || *bytes < 0) {
        return Bad("agent.bandwidth_limit", "bytes per second, a whole number >= 0");
      }
      config.bandwidth_limit = static_cast<std::uint64_t>(*bytes);
    }
    BSI_ASSIGN_OR_RETURN(const std::string timeout,
                         GetString(*agent, "agent", "command_timeout", false));
    if (!timeout.empty()) {
      Result<std::int64_t> seconds = ParseDuration(timeout);
      if (!seconds.ok() || *seconds < 1) {
        return Bad("agent.command_timeout", "a duration of 1s or more");
      }
      config.command_timeout_seconds = *seconds;
    }
    if (const toml::node* auto_install = agent->get("auto_install"); auto_install != nullptr) {
      if (!auto_install->is_boolean()) return Bad("agent.auto_install", "true or false");
      config.auto_install = auto_install->value<bool>().value_or(true);
    }
  }
  BSI_TRY(CheckAbsolute("agent.state_dir", config.state_dir));

  const toml::node* components = root.get("component");
  const toml::array* list = components == nullptr ? nullptr : components->as_array();
  if (list == nullptr || list->empty()) return Bad("component", "at least one [[component]]");
  std::set<std::string> names;
  for (const toml::node& item : *list) {
    const toml::table* table = item.as_table();
    if (table == nullptr) return Bad("component", "must be tables ([[component]])");
    ComponentSetup setup;
    BSI_ASSIGN_OR_RETURN(setup.name, GetString(*table, "component", "name", true));
    BSI_TRY(release::CheckName("component.name", setup.name));
    if (!names.insert(setup.name).second) return Bad("component", setup.name + " given twice");
    BSI_ASSIGN_OR_RETURN(setup.base_tree, GetString(*table, "component", "base_tree", true));
    BSI_TRY(CheckAbsolute("component.base_tree", setup.base_tree));
    BSI_ASSIGN_OR_RETURN(setup.install_path, GetString(*table, "component", "install_path", false));
    if (!setup.install_path.empty()) {
      BSI_TRY(CheckAbsolute("component.install_path", setup.install_path));
    }
    BSI_ASSIGN_OR_RETURN(setup.restart, GetArgv(*table, "component", "restart"));
    BSI_ASSIGN_OR_RETURN(setup.health_check, GetArgv(*table, "component", "health_check"));
    config.components.push_back(std::move(setup));
  }
  if (config.device_id.empty()) {
    Result<std::string> machine_id = fs.ReadFile("/etc/machine-id", 256);
    if (!machine_id.ok()) return Bad("device.id", "not set and /etc/machine-id is unreadable");
    config.device_id = *machine_id;
    while (!config.device_id.empty() && config.device_id.back() == '\n') {
      config.device_id.pop_back();
    }
  }
  return config;
}

Result<version::BaseVersion> ReadBaseVersion(FileSystem& fs, const AgentConfig& config) {
  if (!config.base_version.empty()) return version::BaseVersion::Parse(config.base_version);
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
    return version::BaseVersion::Parse(value);
  }
  return Error(ErrorCode::kInvalidArgument,
               config.base_version_file + " has no " + config.base_version_key + "= line");
}

}  // namespace bsi::agent
