#include "cli/repo_command.h"

#include <map>
#include <memory>

#include <CLI/CLI.hpp>

#include "bsi/core/posix_file_system.h"
#include "bsi/core/time_format.h"
#include "bsi/repo/maintenance.h"
#include "bsi/repo/repository.h"

#include "cli/output.h"

namespace bsi::cli {
namespace {

const char* const kRoles[] = {"root", "targets", "snapshot", "timestamp"};

struct RepoArgs {
  std::string repo;
  std::string keys;
  std::string key_type = "ed25519";
  std::vector<std::string> thresholds;  // ROLE=N
  std::vector<std::string> expiry;      // ROLE=DURATION
  std::string retention;
  std::string publisher;
  std::string publisher_url;
  // rotate
  std::string role;
  bool generate = false;
  std::vector<std::string> add_keys;
  std::vector<std::string> remove_keys;
  bool replace = false;
  std::int64_t threshold = 0;
  // refresh
  bool force = false;
  bool json = false;
};

Error Usage(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

// "ROLE=VALUE" with a top-level role.
Result<std::pair<std::string, std::string>> SplitRoleValue(const std::string& text) {
  const std::size_t eq = text.find('=');
  const std::string role = text.substr(0, eq);
  if (eq == std::string::npos ||
      std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles)) {
    return Usage("\"" + text +
                 "\" is not ROLE=VALUE with ROLE root, targets, snapshot or timestamp");
  }
  return std::make_pair(role, text.substr(eq + 1));
}

json::Value RoleJson(const repo::RoleStatus& role) {
  return json::Object{{"role", role.role},
                      {"version", role.version},
                      {"expires", FormatUtcTimestamp(role.expires)},
                      {"expiring_soon", role.expiring_soon}};
}

Result<repo::InitOptions> InitOptionsFrom(const RepoArgs& args) {
  repo::InitOptions options;
  options.now = SystemClock().Now();
  for (const std::string& item : args.thresholds) {
    BSI_ASSIGN_OR_RETURN(const auto parsed, SplitRoleValue(item));
    std::int64_t n = 0;
    try {
      n = std::stoll(parsed.second);
    } catch (const std::exception&) {
      return Usage("threshold \"" + parsed.second + "\" is not a number");
    }
    if (n < 1 || n > 16) return Usage("thresholds are 1..16");
    options.thresholds[parsed.first] = n;
  }
  for (const std::string& item : args.expiry) {
    BSI_ASSIGN_OR_RETURN(const auto parsed, SplitRoleValue(item));
    BSI_ASSIGN_OR_RETURN(const std::int64_t seconds, ParseDuration(parsed.second));
    if (seconds < 60) return Usage("an expiry must be at least a minute");
    if (parsed.first == "root") options.settings.root_expiry = seconds;
    if (parsed.first == "targets") options.settings.targets_expiry = seconds;
    if (parsed.first == "snapshot") options.settings.snapshot_expiry = seconds;
    if (parsed.first == "timestamp") options.settings.timestamp_expiry = seconds;
  }
  if (!args.retention.empty()) {
    BSI_ASSIGN_OR_RETURN(options.settings.retention_seconds, ParseDuration(args.retention));
  }
  if (!args.publisher.empty()) options.settings.publisher_name = args.publisher;
  if (!args.publisher_url.empty()) options.settings.publisher_url = args.publisher_url;
  return options;
}

int Init(const RepoArgs& args) {
  Output out(args.json);
  Result<repo::InitOptions> options = InitOptionsFrom(args);
  if (!options.ok()) return out.Fail("repo init", options.error());
  Result<crypto::KeyType> type = repo::ParseKeyType(args.key_type);
  if (!type.ok()) return out.Fail("repo init", type.error());
  PosixFileSystem fs;
  repo::KeyDirectory keys(fs, args.keys);
  json::Array created;
  for (const char* role : kRoles) {
    // Enough keys for the role's threshold: <role>.pem, then <role>.2.pem, ...
    const auto wanted = options->thresholds.count(role) ? options->thresholds.at(role) : 1;
    Result<std::vector<std::unique_ptr<repo::Signer>>> have = keys.SignersFor(role);
    if (!have.ok()) return out.Fail("repo init", have.error());
    for (auto n = static_cast<std::int64_t>(have->size()); n < wanted; ++n) {
      Result<std::string> id = std::string();
      if (n == 0) {
        id = keys.EnsureKey(role, *type);
      } else if (Result<std::unique_ptr<repo::Signer>> added = keys.AddKey(role, *type);
                 added.ok()) {
        id = (*added)->key_id();
      } else {
        id = added.error();
      }
      if (!id.ok()) return out.Fail("repo init", id.error());
      created.push_back(json::Object{{"role", role}, {"keyid", *id}});
      out.Line("created " + std::string(role) + " key " + *id + " in " + args.keys);
    }
  }
  Result<repo::Repository> repository = repo::Repository::Init(fs, args.repo, keys, *options);
  if (!repository.ok()) return out.Fail("repo init", repository.error());
  out.Json(json::Object{{"repo", args.repo}, {"keys", args.keys}, {"created_keys", created}});
  out.Line("initialized repository " + args.repo +
           " (metadata/, targets/; consistent snapshots on)");
  return kExitOk;
}

int Verify(const RepoArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  Result<repo::VerifyReport> report = repo::VerifyRepository(fs, args.repo, SystemClock().Now());
  if (!report.ok()) return out.Fail("repo verify " + args.repo, report.error());
  json::Array roles;
  for (const repo::RoleStatus& role : report->roles) {
    roles.push_back(RoleJson(role));
    out.Line(role.role + " v" + std::to_string(role.version) + ", expires " +
             FormatUtcTimestamp(role.expires) + (role.expiring_soon ? "  (refresh due)" : ""));
  }
  out.Json(json::Object{{"ok", true},
                        {"roles", std::move(roles)},
                        {"targets", static_cast<std::int64_t>(report->target_count)},
                        {"target_bytes", static_cast<std::int64_t>(report->target_bytes)}});
  out.Line("ok: " + std::to_string(report->target_count) + " targets (" +
           HumanBytes(report->target_bytes) + ") verified as a client would");
  return kExitOk;
}

int Refresh(const RepoArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("repo refresh", repository.error());
  repo::KeyDirectory keys(fs, args.keys);
  Result<repo::RefreshResult> result =
      repo::RefreshRepository(*repository, keys, SystemClock().Now(), args.force);
  if (!result.ok()) return out.Fail("repo refresh", result.error());
  for (const std::string& warning : result->warnings) {
    std::fprintf(stderr, "bsi: warning: %s\n", warning.c_str());
  }
  json::Array resigned(result->resigned.begin(), result->resigned.end());
  json::Array warnings(result->warnings.begin(), result->warnings.end());
  out.Json(json::Object{{"resigned", std::move(resigned)}, {"warnings", std::move(warnings)}});
  std::string line;
  for (const std::string& role : result->resigned) line += (line.empty() ? "" : ", ") + role;
  out.Line(line.empty() ? "nothing due" : "re-signed " + line);
  return kExitOk;
}

int Rotate(const RepoArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("repo rotate", repository.error());
  Result<crypto::KeyType> type = repo::ParseKeyType(args.key_type);
  if (!type.ok()) return out.Fail("repo rotate", type.error());
  repo::KeyDirectory keys(fs, args.keys);
  repo::RotateRequest request;
  request.role = args.role;
  request.remove = args.remove_keys;
  request.remove_all_others = args.replace;
  if (args.threshold > 0) request.threshold = args.threshold;
  json::Array added;
  for (const std::string& file : args.add_keys) {
    // The key joins the key directory, so that it can sign.
    Result<crypto::PrivateKey> key = repo::ReadPrivateKeyFile(fs, file);
    if (!key.ok()) return out.Fail("repo rotate", key.error());
    for (int n = 2;; ++n) {
      const std::string path = JoinPath(args.keys, args.role + "." + std::to_string(n) + ".pem");
      if (fs.Exists(path)) continue;
      Status written = repo::WritePrivateKeyFile(fs, path, *key);
      if (!written.ok()) return out.Fail("repo rotate", written.error());
      break;
    }
    const repo::PrivateKeySigner signer(std::move(*key));
    request.add.push_back(signer.public_key());
    added.push_back(signer.key_id());
  }
  if (args.generate) {
    Result<std::unique_ptr<repo::Signer>> signer = keys.AddKey(args.role, *type);
    if (!signer.ok()) return out.Fail("repo rotate", signer.error());
    request.add.push_back((*signer)->public_key());
    added.push_back((*signer)->key_id());
    out.Line("created " + args.role + " key " + (*signer)->key_id() + " in " + args.keys);
  }
  if (request.add.empty() && request.remove.empty() && !request.threshold.has_value()) {
    std::fprintf(stderr,
                 "bsi: repo rotate: nothing to change (--generate, --add-key, "
                 "--remove-key or --threshold)\n");
    return kExitUsage;
  }
  Result<repo::PublishResult> published =
      repo::RotateKeys(*repository, keys, request, SystemClock().Now());
  if (!published.ok()) return out.Fail("repo rotate", published.error());
  const metadata::RoleKeys& role = repository->root().roles.at(args.role);
  json::Array ids(role.keyids.begin(), role.keyids.end());
  out.Json(json::Object{{"role", args.role},
                        {"root_version", *published->root_version},
                        {"keyids", std::move(ids)},
                        {"threshold", role.threshold},
                        {"added", std::move(added)}});
  out.Line(args.role + " now has " + std::to_string(role.keyids.size()) + " key(s), threshold " +
           std::to_string(role.threshold) + "; published root v" +
           std::to_string(*published->root_version));
  return kExitOk;
}

// --repo and --keys, on every command that signs.
void AddRepoOption(CLI::App* command, RepoArgs& args) {
  command->add_option("--repo", args.repo, "Repository directory (metadata/, targets/)")
      ->required();
}
void AddKeysOption(CLI::App* command, RepoArgs& args) {
  command->add_option("--keys", args.keys, "Key directory (<role>.pem, <role>.<n>.pem)")
      ->required();
}

}  // namespace

void AddRepoCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<RepoArgs>();
  CLI::App* repo = app.add_subcommand("repo", "The signed TUF repository of static files");
  repo->require_subcommand(1);

  CLI::App* init = repo->add_subcommand(
      "init", "Create a repository, and in --keys any missing key (one per role by default)");
  AddRepoOption(init, *args);
  AddKeysOption(init, *args);
  init->add_option("--key-type", args->key_type, "Type of keys created: ed25519 (default), ecdsa");
  init->add_option("--threshold", args->thresholds, "ROLE=N signatures needed (default 1)");
  init->add_option("--expiry", args->expiry,
                   "ROLE=DURATION signature lifetime (defaults: root=365d targets=90d "
                   "snapshot=7d timestamp=1d)");
  init->add_option("--retention", args->retention,
                   "How long superseded files stay for clients in flight (default 1d)");
  init->add_option("--publisher", args->publisher, "Vendor name for security notes");
  init->add_option("--publisher-url", args->publisher_url, "Vendor URL (CSAF namespace)");
  init->add_flag("--json", args->json, "Print JSON");
  init->callback([args, &run] { run = [args] { return Init(*args); }; });

  CLI::App* verify = repo->add_subcommand(
      "verify", "Check the repository as a client would: chain, signatures, hashes, expiry");
  AddRepoOption(verify, *args);
  verify->add_flag("--json", args->json, "Print JSON");
  verify->callback([args, &run] { run = [args] { return Verify(*args); }; });

  CLI::App* refresh = repo->add_subcommand(
      "refresh", "Re-sign roles past half their lifetime (run it from a timer)");
  AddRepoOption(refresh, *args);
  AddKeysOption(refresh, *args);
  refresh->add_flag("--force", args->force, "Re-sign every role whose keys are present");
  refresh->add_flag("--json", args->json, "Print JSON");
  refresh->callback([args, &run] { run = [args] { return Refresh(*args); }; });

  CLI::App* rotate = repo->add_subcommand(
      "rotate", "Change a role's keys or threshold in a new root signed by old and new keys");
  AddRepoOption(rotate, *args);
  AddKeysOption(rotate, *args);
  rotate->add_option("--role", args->role, "root, targets, snapshot or timestamp")->required();
  rotate->add_flag("--generate", args->generate, "Create a new key in --keys and add it");
  rotate->add_option("--key-type", args->key_type, "Type of a generated key (default ed25519)");
  rotate->add_option("--add-key", args->add_keys, "Add this private key file (copied into --keys)");
  rotate->add_option("--remove-key", args->remove_keys, "Remove a key (ID or 8+ digit prefix)");
  rotate->add_flag("--replace", args->replace, "Keep only the keys added by this command");
  rotate->add_option("--threshold", args->threshold, "New threshold for the role");
  rotate->add_flag("--json", args->json, "Print JSON");
  rotate->callback([args, &run] { run = [args] { return Rotate(*args); }; });
}

}  // namespace bsi::cli
