#include "server/config.h"

#include "bsi/config/config_file.h"

namespace bsi::server {
namespace {

constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

Status ReadServer(config::ConfigTable& t, ServerConfig& out) {
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> listen, t.String("listen"));
  if (listen.has_value()) out.http.listen = *listen;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> threads, t.Int("threads"));
  if (threads.has_value()) {
    if (*threads < 1 || *threads > 256) return t.Invalid("threads", "must be 1 to 256");
    out.http.threads = static_cast<int>(*threads);
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> cert, t.String("tls_cert"));
  if (cert.has_value()) out.http.tls_cert_file = *cert;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> key, t.String("tls_key"));
  if (key.has_value()) out.http.tls_key_file = *key;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> repo, t.String("repository"));
  if (repo.has_value()) out.repo_dir = *repo;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> data_dir, t.String("data_dir"));
  if (data_dir.has_value()) out.data_dir = *data_dir;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> database, t.String("database"));
  if (database.has_value()) out.database = *database;
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> interval,
                       t.Duration("repository_check_interval"));
  if (interval.has_value()) {
    if (*interval < 1) return t.Invalid("repository_check_interval", "must be 1s or more");
    out.catalog_interval_seconds = *interval;
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> retention, t.Duration("event_retention"));
  if (retention.has_value()) {
    if (*retention < 86400) return t.Invalid("event_retention", "must be 1d or more");
    out.event_retention_seconds = *retention;
  }
  return t.CheckAllRead();
}

Status ReadLimits(config::ConfigTable& t, ServerConfig& out) {
  const auto duration = [&t](std::string_view key, std::chrono::milliseconds& into) -> Status {
    BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> seconds, t.Duration(key));
    if (!seconds.has_value()) return Ok();
    if (*seconds < 1 || *seconds > 3600) return t.Invalid(key, "must be 1s to 1h");
    into = std::chrono::seconds(*seconds);
    return Ok();
  };
  BSI_TRY(duration("header_timeout", out.http.header_timeout));
  BSI_TRY(duration("body_timeout", out.http.body_timeout));
  BSI_TRY(duration("idle_timeout", out.http.idle_timeout));
  BSI_TRY(duration("send_timeout", out.http.send_timeout));
  BSI_TRY(duration("shutdown_timeout", out.http.shutdown_timeout));
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> connections, t.Int("max_connections"));
  if (connections.has_value()) {
    if (*connections < 1 || *connections > 1'000'000) {
      return t.Invalid("max_connections", "must be 1 to 1000000");
    }
    out.http.max_connections = static_cast<std::size_t>(*connections);
  }
  return t.CheckAllRead();
}

Status ReadSafeMode(config::ConfigTable& t, SafeModeOptions& out) {
  BSI_ASSIGN_OR_RETURN(const std::optional<bool> enabled, t.Bool("enabled"));
  if (enabled.has_value()) out.enabled = *enabled;
  BSI_ASSIGN_OR_RETURN(const std::optional<double> threshold, t.Number("failure_threshold"));
  if (threshold.has_value()) {
    if (!(*threshold > 0 && *threshold <= 1)) {
      return t.Invalid("failure_threshold", "must be a share above 0 and at most 1 (0.2 = 20%)");
    }
    out.failure_threshold = *threshold;
  }
  BSI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> min_devices, t.Int("min_devices"));
  if (min_devices.has_value()) {
    if (*min_devices < 1) return t.Invalid("min_devices", "must be 1 or more");
    out.min_devices = *min_devices;
  }
  return t.CheckAllRead();
}

}  // namespace

std::string ServerConfig::DatabaseUrl() const {
  return database.empty() ? "sqlite:" + JoinPath(data_dir, "fleet.db") : database;
}

Result<ServerConfig> LoadServerConfig(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const std::string text, fs.ReadFile(path, kMaxConfigBytes));
  BSI_ASSIGN_OR_RETURN(config::ConfigFile file, config::ConfigFile::Parse(text, path));
  ServerConfig out;
  BSI_ASSIGN_OR_RETURN(std::optional<config::ConfigTable> server, file.root().Table("server"));
  if (server.has_value()) BSI_TRY(ReadServer(*server, out));
  BSI_ASSIGN_OR_RETURN(std::optional<config::ConfigTable> limits, file.root().Table("limits"));
  if (limits.has_value()) BSI_TRY(ReadLimits(*limits, out));
  BSI_ASSIGN_OR_RETURN(std::optional<config::ConfigTable> safe_mode,
                       file.root().Table("safe_mode"));
  if (safe_mode.has_value()) BSI_TRY(ReadSafeMode(*safe_mode, out.safe_mode));
  BSI_TRY(file.root().CheckAllRead());
  BSI_TRY(CheckServerConfig(out));
  return out;
}

Status CheckServerConfig(const ServerConfig& config) {
  const auto invalid = [](const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, what);
  };
  if (config.http.tls_cert_file.has_value() != config.http.tls_key_file.has_value()) {
    return invalid("TLS needs both a certificate and a key (tls_cert, tls_key)");
  }
  if (!config.data_dir.starts_with("/")) return invalid("data_dir must be an absolute path");
  if (!config.repo_dir.empty() && !config.repo_dir.starts_with("/")) {
    return invalid("the repository must be an absolute path");
  }
  const std::string url = config.DatabaseUrl();
  if (!url.starts_with("sqlite:") && !url.starts_with("postgresql://") &&
      !url.starts_with("postgres://")) {
    return invalid("database must be sqlite:PATH or postgresql://...");
  }
  return Ok();
}

}  // namespace bsi::server
