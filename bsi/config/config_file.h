// ConfigFile: strict reading of TOML configuration files (bsi-agent's
// agent.toml, bsi-server's server.toml). The one module that sees toml++.
//
// A ConfigTable is a view of one table that remembers which keys were
// read; CheckAllRead() then refuses any other key, so a misspelt setting
// ("pol_interval") is an error naming it instead of a silently ignored
// line. Every error names the file and the dotted key ("server.toml:
// limits.header_timeout: must be a duration such as 10s").
//
//   BSI_ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Parse(text, "server.toml"));
//   BSI_ASSIGN_OR_RETURN(std::optional<ConfigTable> server, file.root().Table("server"));
//   BSI_ASSIGN_OR_RETURN(std::optional<std::string> listen, server->String("listen"));
//   BSI_TRY(server->CheckAllRead());
//
// Thread-safety: none; a ConfigFile and its tables are used by one thread.
#ifndef BSI_CONFIG_CONFIG_FILE_H_
#define BSI_CONFIG_CONFIG_FILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::config {

class ConfigTable {
 public:
  // Each getter: nullopt when the key is absent; kInvalidArgument naming
  // the key when it holds another type (or, for strings, a NUL byte).
  Result<std::optional<std::string>> String(std::string_view key);
  Result<std::optional<std::int64_t>> Int(std::string_view key);
  Result<std::optional<double>> Number(std::string_view key);  // integer or float
  Result<std::optional<bool>> Bool(std::string_view key);
  Result<std::optional<std::vector<std::string>>> Strings(std::string_view key);
  Result<std::optional<ConfigTable>> Table(std::string_view key);
  // An array of tables ([[component]]); empty when absent.
  Result<std::vector<ConfigTable>> Tables(std::string_view key);
  // A duration string ("90s", "30m", "6h", "7d"), in seconds.
  Result<std::optional<std::int64_t>> Duration(std::string_view key);

  // Errors: kInvalidArgument naming the first key no getter asked for.
  Status CheckAllRead() const;

  // An error about `key` of this table: "file: section.key: what".
  Error Invalid(std::string_view key, std::string_view what) const;

  // "section" for a table, "" for the root.
  const std::string& path() const { return path_; }

 private:
  friend class ConfigFile;
  ConfigTable(std::shared_ptr<const void> document, const void* table, std::string file,
              std::string path);

  std::shared_ptr<const void> document_;  // keeps the parsed document alive
  const void* table_;                     // a toml::table inside it
  std::string file_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

class ConfigFile {
 public:
  // Parses TOML text; `name` names the file in errors. Errors:
  // kInvalidArgument with the parser's description and line.
  static Result<ConfigFile> Parse(std::string_view text, std::string name);

  ConfigTable& root() { return root_; }

 private:
  explicit ConfigFile(ConfigTable root) : root_(std::move(root)) {}
  ConfigTable root_;
};

}  // namespace bsi::config

#endif  // BSI_CONFIG_CONFIG_FILE_H_
