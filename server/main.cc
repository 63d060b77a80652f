// bsi-server: serves a vendor repository and runs the fleet manager.
//
//   bsi-server [serve] [--config FILE] [--listen ADDR:PORT] [--repo DIR]
//                      [--db URL] [--data-dir DIR] [--threads N]
//   bsi-server token admin --name NAME --role viewer|operator|admin
//   bsi-server token enrollment --name NAME [--group G] [--expires 7d] [--uses N]
//   bsi-server migrate
//
// `serve` (the default) runs until SIGTERM or SIGINT, then shuts down
// gracefully: no new connections, requests in flight finish, queued reports
// are stored. Logs go to stderr (the journal under systemd). Exit status: 0
// success, 1 failure, 2 usage.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <malloc.h>
#include <pthread.h>
#include <systemd/sd-daemon.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/core/time_format.h"

#include "server/api/catalog.h"
#include "server/api/fleet_api.h"
#include "server/api/secrets.h"
#include "server/config.h"
#include "server/fleet/fleet_db.h"
#include "server/http/server.h"
#include "server/http/static_files.h"

namespace {

using bsi::Error;
using bsi::Result;
using bsi::Status;
namespace server = bsi::server;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void Log(const std::string& line) {
  std::fprintf(stderr, "bsi-server: %s\n", line.c_str());
  std::fflush(stderr);
}

int Fail(const std::string& what, const Error& error) {
  Log(what + ": " + error.ToString());
  return kExitFailed;
}

struct Overrides {
  std::string config_path;
  std::string listen;
  std::string repo;
  std::string db;
  std::string data_dir;
  int threads = 0;
};

Result<server::ServerConfig> Configure(bsi::FileSystem& fs, const Overrides& o) {
  server::ServerConfig config;
  std::string path = o.config_path;
  if (path.empty() && fs.Stat(server::kDefaultConfigPath).ok()) path = server::kDefaultConfigPath;
  if (!path.empty()) {
    BSI_ASSIGN_OR_RETURN(config, server::LoadServerConfig(fs, path));
  }
  if (!o.listen.empty()) config.http.listen = o.listen;
  if (!o.repo.empty()) config.repo_dir = o.repo;
  if (!o.db.empty()) config.database = o.db;
  if (!o.data_dir.empty()) config.data_dir = o.data_dir;
  if (o.threads > 0) config.http.threads = o.threads;
  BSI_TRY(server::CheckServerConfig(config));
  return config;
}

// The configuration, its data directory and the database, opened and
// migrated; on failure the reason is logged.
struct Opened {
  server::ServerConfig config;
  std::unique_ptr<server::FleetDb> db;
};

std::optional<Opened> Open(bsi::FileSystem& fs, const Overrides& overrides) {
  Result<server::ServerConfig> config = Configure(fs, overrides);
  if (!config.ok()) {
    Fail("configuration", config.error());
    return std::nullopt;
  }
  if (Status s = bsi::CreateDirs(fs, config->data_dir); !s.ok()) {
    Fail("data directory " + config->data_dir, s.error());
    return std::nullopt;
  }
  Result<std::unique_ptr<server::FleetDb>> db = server::OpenFleetDb(config->DatabaseUrl());
  if (!db.ok()) {
    Fail("database", db.error());
    return std::nullopt;
  }
  return Opened{*std::move(config), *std::move(db)};
}

// The first start gets an admin token, written where only the server's
// user can read it; nothing else can make the first admin.
Status EnsureAdminToken(bsi::FileSystem& fs, server::FleetDb& db,
                        const server::ServerConfig& config) {
  BSI_ASSIGN_OR_RETURN(const std::vector<server::AdminToken> tokens, db.ListAdminTokens());
  if (!tokens.empty()) return bsi::Ok();
  BSI_ASSIGN_OR_RETURN(const std::string secret, server::NewToken(server::kAdminTokenPrefix));
  server::AdminToken token;
  token.name = "initial-admin";
  token.role = server::Role::kAdmin;
  token.token_hash = server::HashToken(secret);
  token.created = bsi::SystemClock().Now();
  if (Status added = db.AddAdminToken(token); !added.ok()) {
    // Another instance on the same database made it first; its file holds it.
    if (added.error().code() == bsi::ErrorCode::kConflict) return bsi::Ok();
    return added;
  }
  const std::string path = bsi::JoinPath(config.data_dir, "initial-admin.token");
  BSI_TRY(bsi::WriteFileAtomically(fs, path, secret + "\n", 0600));
  Log("created the first admin token (role admin) in " + path);
  return bsi::Ok();
}

std::string HttpMetrics(const bsi::http::HttpServer* http) {
  if (http == nullptr) return "";
  const bsi::http::HttpServer::Stats s = http->stats();
  std::string out =
      "# HELP bsi_http_requests_total HTTP requests answered.\n"
      "# TYPE bsi_http_requests_total counter\n"
      "bsi_http_requests_total " +
      std::to_string(s.requests_total) + "\n";
  out +=
      "# HELP bsi_http_responses_total HTTP responses by status class.\n"
      "# TYPE bsi_http_responses_total counter\n";
  for (std::size_t i = 0; i < s.responses_by_class.size(); ++i) {
    out += "bsi_http_responses_total{class=\"" + std::to_string(i + 1) + "xx\"} " +
           std::to_string(s.responses_by_class[i]) + "\n";
  }
  out +=
      "# HELP bsi_http_open_connections Connections open now.\n"
      "# TYPE bsi_http_open_connections gauge\n"
      "bsi_http_open_connections " +
      std::to_string(s.open_connections) + "\n";
  out +=
      "# HELP bsi_http_connections_rejected_total Connections refused beyond the limit.\n"
      "# TYPE bsi_http_connections_rejected_total counter\n"
      "bsi_http_connections_rejected_total " +
      std::to_string(s.connections_rejected) + "\n";
  out +=
      "# HELP bsi_http_timeouts_total Connections cut by a timeout.\n"
      "# TYPE bsi_http_timeouts_total counter\n"
      "bsi_http_timeouts_total " +
      std::to_string(s.timeouts) + "\n";
  return out;
}

int Serve(const Overrides& overrides) {
  // Signals are taken by sigwait on this thread only; every thread started
  // from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  bsi::PosixFileSystem fs;
  const bsi::SystemClock clock;
  std::optional<Opened> opened = Open(fs, overrides);
  if (!opened.has_value()) return kExitFailed;
  const server::ServerConfig& config = opened->config;
  server::FleetDb& db = *opened->db;
  if (Status s = EnsureAdminToken(fs, db, config); !s.ok()) {
    return Fail("admin token", s.error());
  }

  std::unique_ptr<server::CatalogWatcher> catalog;
  if (!config.repo_dir.empty()) {
    catalog = std::make_unique<server::CatalogWatcher>(
        fs, db, config.repo_dir, std::chrono::seconds(config.catalog_interval_seconds));
  }

  // Set here after Start and read by /metrics on the server's threads.
  std::atomic<const bsi::http::HttpServer*> http_for_metrics{nullptr};
  server::ApiOptions api_options;
  api_options.safe_mode = config.safe_mode;
  api_options.extra_metrics = [&http_for_metrics] { return HttpMetrics(http_for_metrics.load()); };
  if (catalog != nullptr) {
    api_options.refresh_catalog = [&catalog] {
      if (Result<std::size_t> n = catalog->Refresh(); !n.ok()) {
        Log("repository not read: " + n.error().ToString());
      }
    };
  }
  server::FleetApi api(db, clock, api_options);
  bsi::http::Router router;
  if (Status s = api.Register(router); !s.ok()) return Fail("routes", s.error());
  if (!config.repo_dir.empty()) {
    for (const char* dir : {"metadata", "targets", "notes"}) {
      Result<bsi::http::Handler> files =
          bsi::http::StaticFiles(bsi::JoinPath(config.repo_dir, dir));
      if (!files.ok()) return Fail(std::string("serving ") + dir, files.error());
      if (Status s = router.Mount("/" + std::string(dir) + "/", *files); !s.ok()) {
        return Fail("routes", s.error());
      }
    }
  }
  Result<std::unique_ptr<bsi::http::HttpServer>> http =
      bsi::http::HttpServer::Start(config.http, std::move(router));
  if (!http.ok()) return Fail("listen", http.error());
  http_for_metrics = http->get();

  const bool tls = config.http.tls_cert_file.has_value();
  std::string listen = config.http.listen;
  listen = listen.substr(0, listen.rfind(':')) + ":" + std::to_string((*http)->port());
  Log(std::string("listening on ") + (tls ? "https://" : "http://") + listen + "/, database " +
      std::string(db.engine()) +
      (config.repo_dir.empty() ? ", no repository" : ", repository " + config.repo_dir));
  sd_notify(0, "READY=1");

  // Prune the report history now and once a day, and wait for a signal.
  int signal = 0;
  for (;;) {
    const bsi::UnixTime now = clock.Now();
    Result<std::int64_t> pruned =
        db.PruneEvents(bsi::UnixTime{now.seconds - config.event_retention_seconds});
    if (!pruned.ok()) Log("pruning the report history: " + pruned.error().ToString());
    timespec day{86400, 0};
    siginfo_t info{};
    signal = sigtimedwait(&signals, &info, &day);
    if (signal > 0) break;
  }
  Log(std::string("stopping (") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + ")");
  sd_notify(0, "STOPPING=1");
  (*http)->Stop();
  http_for_metrics = nullptr;
  api.Stop();
  Log("stopped");
  return kExitOk;
}

int CreateToken(const Overrides& overrides, bool admin, const std::string& name,
                const std::string& role_or_group, const std::string& expires, std::int64_t uses) {
  bsi::PosixFileSystem fs;
  const bsi::SystemClock clock;
  std::optional<Opened> opened = Open(fs, overrides);
  if (!opened.has_value()) return kExitFailed;
  server::FleetDb& db = *opened->db;
  if (Status s = bsi::protocol::CheckIdentifier("name", name); !s.ok()) {
    return Fail("token", s.error());
  }
  const std::string_view prefix =
      admin ? server::kAdminTokenPrefix : server::kEnrollmentTokenPrefix;
  Result<std::string> secret = server::NewToken(prefix);
  if (!secret.ok()) return Fail("token", secret.error());
  const bsi::UnixTime now = clock.Now();
  Status stored = bsi::Ok();
  if (admin) {
    Result<server::Role> role = server::ParseRole(role_or_group);
    if (!role.ok()) return Fail("token", role.error());
    stored = db.AddAdminToken({name, server::HashToken(*secret), *role, now});
  } else {
    server::EnrollmentToken token;
    token.name = name;
    token.token_hash = server::HashToken(*secret);
    token.group = role_or_group;
    token.created = now;
    if (!expires.empty()) {
      Result<std::int64_t> seconds = bsi::ParseDuration(expires);
      if (!seconds.ok()) return Fail("--expires", seconds.error());
      token.expires = bsi::UnixTime{now.seconds + *seconds};
    }
    if (uses > 0) token.uses_left = uses;
    stored = db.AddEnrollmentToken(token);
  }
  if (!stored.ok()) return Fail("token", stored.error());
  std::printf("%s\n", secret->c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Request handling allocates and frees many small objects on several
  // threads; glibc would otherwise hand each arena's free top back to the
  // kernel (madvise) after every burst, costing a TLB shootdown on every
  // core each time. Keep up to 256 MiB of freed memory for reuse.
  // Called before any thread starts.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);  // NOLINT(concurrency-mt-unsafe)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);   // NOLINT(concurrency-mt-unsafe)
  CLI::App app{"bsi-server: serves a vendor repository and manages a fleet of bsi-agent devices"};
  app.set_version_flag("--version", "bsi-server 0.1.0");
  // The options may also follow the subcommand ("bsi-server serve --listen ...",
  // "bsi-server token admin ... --db URL"); subcommands inherit this.
  app.fallthrough();
  Overrides o;
  app.add_option("--config", o.config_path,
                 "TOML configuration (default: /etc/bsi/server.toml if it exists)");
  app.add_option("--listen", o.listen, "address:port to listen on (default 127.0.0.1:8080)");
  app.add_option("--repo", o.repo, "vendor repository directory to serve (metadata/, targets/)");
  app.add_option("--db", o.db,
                 "database: sqlite:PATH or postgresql://... (default sqlite:DATA_DIR/fleet.db)");
  app.add_option("--data-dir", o.data_dir, "server data directory (default /var/lib/bsi-server)");
  app.add_option("--threads", o.threads, "threads serving connections (default 2)")
      ->check(CLI::Range(1, 256));

  CLI::App* serve = app.add_subcommand("serve", "run the server (the default)");
  CLI::App* migrate = app.add_subcommand("migrate", "create or upgrade the database, then exit");
  CLI::App* token = app.add_subcommand("token", "issue a token (printed once; stored hashed)");
  token->require_subcommand(1);
  std::string name;
  std::string role;
  std::string group = "default";
  std::string expires;
  std::int64_t uses = 0;
  CLI::App* admin = token->add_subcommand("admin", "an admin API token");
  admin->add_option("--name", name, "a unique name for the token")->required();
  admin->add_option("--role", role, "viewer, operator or admin")->required();
  CLI::App* enrollment = token->add_subcommand("enrollment", "a device enrollment token");
  enrollment->add_option("--name", name, "a unique name for the token")->required();
  enrollment->add_option("--group", group, "the group enrolled devices join (default: default)");
  enrollment->add_option("--expires", expires, "valid for this long (e.g. 7d; default: forever)");
  enrollment->add_option("--uses", uses, "how many devices may enroll with it (default: any)")
      ->check(CLI::PositiveNumber);
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*admin) return CreateToken(o, true, name, role, "", 0);
  if (*enrollment) return CreateToken(o, false, name, group, expires, uses);
  if (*migrate) {
    bsi::PosixFileSystem fs;
    std::optional<Opened> opened = Open(fs, o);
    if (!opened.has_value()) return kExitFailed;
    Result<std::int64_t> version = opened->db->SchemaVersion();
    if (!version.ok()) return Fail("database", version.error());
    std::printf("%s schema version %lld\n", std::string(opened->db->engine()).c_str(),
                static_cast<long long>(*version));
    return kExitOk;
  }
  (void)serve;
  return Serve(o);
}
