// bsi-server's configuration: a TOML file (docs/server.md lists every key)
// with command-line overrides. With no file at all the server runs on
// defaults: 127.0.0.1:8080, an SQLite database in the data directory, no
// repository served.
//
// Thread-safety: value types and functions without shared state.
#ifndef BSI_SERVER_CONFIG_H_
#define BSI_SERVER_CONFIG_H_

#include <cstdint>
#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"

#include "server/api/fleet_api.h"
#include "server/http/server.h"

namespace bsi::server {

inline constexpr const char* kDefaultConfigPath = "/etc/bsi/server.toml";

struct ServerConfig {
  http::ServerOptions http;  // [server] listen, threads, tls_*; [limits]
  // The vendor repository to serve (metadata/, targets/, notes/) and to
  // read the improvement catalogue from. Empty: none.
  std::string repo_dir;
  // Where the server keeps its files: the SQLite database by default and
  // the first admin token. Default: /var/lib/bsi-server.
  std::string data_dir = "/var/lib/bsi-server";
  // "sqlite:PATH" or "postgresql://...". Default: sqlite:<data_dir>/fleet.db.
  std::string database;
  SafeModeOptions safe_mode;  // [safe_mode]
  // Report history older than this is pruned (each device's newest is
  // kept). Default: 90 days.
  std::int64_t event_retention_seconds = std::int64_t{90} * 86400;
  // How often the repository is checked for a new timestamp. Default: 10 s.
  std::int64_t catalog_interval_seconds = 10;

  // The database URL after defaults.
  std::string DatabaseUrl() const;
};

// Reads the file. Errors: kFileNotFound; kInvalidArgument naming the key
// for an unknown or malformed setting.
Result<ServerConfig> LoadServerConfig(FileSystem& fs, const std::string& path);

// Errors: kInvalidArgument when the settings contradict each other (one
// TLS file without the other, a relative path, a threshold out of range).
Status CheckServerConfig(const ServerConfig& config);

}  // namespace bsi::server

#endif  // BSI_SERVER_CONFIG_H_
