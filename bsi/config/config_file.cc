#include "bsi/config/config_file.h"

#include <utility>

#include <toml++/toml.h>

#include "bsi/core/time_format.h"

namespace bsi::config {
namespace {

const toml::table& TableOf(const void* table) { return *static_cast<const toml::table*>(table); }

}  // namespace

ConfigTable::ConfigTable(std::shared_ptr<const void> document, const void* table, std::string file,
                         std::string path)
    : document_(std::move(document)),
      table_(table),
      file_(std::move(file)),
      path_(std::move(path)) {}

Error ConfigTable::Invalid(std::string_view key, std::string_view what) const {
  std::string name = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  return Error(ErrorCode::kInvalidArgument, file_ + ": " + name + ": " + std::string(what));
}

Result<std::optional<std::string>> ConfigTable::String(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<std::string>();
  if (!node->is_string()) return Invalid(key, "must be a string");
  std::string value = *node->value<std::string>();
  if (value.find('\0') != std::string::npos) return Invalid(key, "holds a NUL byte");
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::int64_t>> ConfigTable::Int(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<std::int64_t>();
  if (!node->is_integer()) return Invalid(key, "must be a whole number");
  return node->value<std::int64_t>();
}

Result<std::optional<double>> ConfigTable::Number(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<double>();
  if (!node->is_number()) return Invalid(key, "must be a number");
  return node->value<double>();
}

Result<std::optional<bool>> ConfigTable::Bool(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<bool>();
  if (!node->is_boolean()) return Invalid(key, "must be true or false");
  return node->value<bool>();
}

Result<std::optional<std::vector<std::string>>> ConfigTable::Strings(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<std::vector<std::string>>();
  const toml::array* array = node->as_array();
  if (array == nullptr) return Invalid(key, "must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    if (!item.is_string()) return Invalid(key, "must be an array of strings");
    std::string value = *item.value<std::string>();
    if (value.find('\0') != std::string::npos) return Invalid(key, "holds a NUL byte");
    out.push_back(std::move(value));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<ConfigTable>> ConfigTable::Table(std::string_view key) {
  read_.emplace(key);
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return std::optional<ConfigTable>();
  const toml::table* table = node->as_table();
  if (table == nullptr) return Invalid(key, "must be a table ([" + std::string(key) + "])");
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  return std::optional<ConfigTable>(ConfigTable(document_, table, file_, std::move(path)));
}

Result<std::vector<ConfigTable>> ConfigTable::Tables(std::string_view key) {
  read_.emplace(key);
  std::vector<ConfigTable> out;
  const toml::node* node = TableOf(table_).get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Invalid(key, "must be tables ([[" + std::string(key) + "]])");
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  for (const toml::node& item : *array) {
    const toml::table* table = item.as_table();
    if (table == nullptr) return Invalid(key, "must be tables ([[" + std::string(key) + "]])");
    out.push_back(ConfigTable(document_, table, file_, path));
  }
  return out;
}

Result<std::optional<std::int64_t>> ConfigTable::Duration(std::string_view key) {
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> text, String(key));
  if (!text.has_value()) return std::optional<std::int64_t>();
  Result<std::int64_t> seconds = ParseDuration(*text);
  if (!seconds.ok()) return Invalid(key, "must be a duration such as 90s, 30m, 6h or 7d");
  return std::optional<std::int64_t>(*seconds);
}

Status ConfigTable::CheckAllRead() const {
  for (const auto& [key, node] : TableOf(table_)) {
    if (read_.count(key.str()) == 0) return Invalid(key.str(), "unknown key");
  }
  return Ok();
}

Result<ConfigFile> ConfigFile::Parse(std::string_view text, std::string name) {
  // This toml++ build reports parse errors by exception; they stay here.
  auto table = std::make_shared<toml::table>();
  try {
    *table = toml::parse(text, name);
  } catch (const toml::parse_error& error) {
    return Error(ErrorCode::kInvalidArgument, name + ": " + std::string(error.description()) +
                                                  " (line " +
                                                  std::to_string(error.source().begin.line) + ")");
  }
  const void* raw = table.get();
  return ConfigFile(ConfigTable(std::shared_ptr<const void>(table), raw, std::move(name), ""));
}

}  // namespace bsi::config
