// bsi-tuf-client: a TUF client for the command-line protocol of the TUF
// community's client conformance suite.
//
//   bsi-tuf-client --metadata-dir DIR init TRUSTED_ROOT_FILE
//   bsi-tuf-client --metadata-url URL --metadata-dir DIR refresh
//   bsi-tuf-client --metadata-url URL --metadata-dir DIR --target-name PATH...
//                  --target-dir DIR --target-base-url URL download
//
// Exit status: 0 on success, 1 on any failure (messages on stderr).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bsi/client/updater.h"
#include "bsi/core/clock.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/fetch/curl_transport.h"

namespace {

struct Options {
  std::string metadata_url;
  std::string metadata_dir;
  std::vector<std::string> target_names;
  std::string target_dir;
  std::string target_base_url;
  std::string trusted_root;
};

int Fail(const std::string& what, const bsi::Error& error) {
  std::fprintf(stderr, "bsi-tuf-client: %s: %s\n", what.c_str(), error.ToString().c_str());
  return 1;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "bsi-tuf-client: %s (see --help)\n", message.c_str());
  return 1;
}

int Init(const Options& options) {
  bsi::PosixFileSystem fs;
  auto root = fs.ReadFile(options.trusted_root, bsi::client::UpdaterOptions{}.root_max_bytes);
  if (!root.ok()) return Fail("reading " + options.trusted_root, root.error());
  bsi::Status installed = bsi::client::Updater::InitMetadataDir(fs, options.metadata_dir, *root);
  if (!installed.ok()) return Fail("init", installed.error());
  return 0;
}

int RefreshOrDownload(const Options& options, bool download) {
  if (options.metadata_url.empty()) return Usage("--metadata-url is required");
  if (download) {
    if (options.target_names.empty()) return Usage("download needs at least one --target-name");
    if (options.target_dir.empty()) return Usage("download needs --target-dir");
    if (options.target_base_url.empty()) return Usage("download needs --target-base-url");
  }
  bsi::PosixFileSystem fs;
  bsi::SystemClock clock;
  bsi::fetch::CurlTransport transport;
  bsi::client::Updater updater(bsi::client::UpdaterConfig{options.metadata_dir,
                                                          options.metadata_url,
                                                          options.target_dir,
                                                          options.target_base_url,
                                                          {}},
                               transport, fs, clock);
  bsi::Status refreshed = updater.Refresh();
  if (!refreshed.ok()) return Fail("refresh", refreshed.error());
  if (!download) return 0;
  for (const std::string& name : options.target_names) {
    auto info = updater.GetTargetInfo(name);
    if (!info.ok()) return Fail("target " + name, info.error());
    auto path = updater.DownloadTarget(*info);
    if (!path.ok()) return Fail("downloading " + name, path.error());
    std::fprintf(stderr, "bsi-tuf-client: %s verified at %s\n", name.c_str(), path->c_str());
  }
  return 0;
}

int Run(int argc, char** argv) {
  Options options;
  CLI::App app{"bsi-tuf-client: a TUF 1.0 client (client conformance command-line protocol)",
               "bsi-tuf-client"};
  app.set_version_flag("--version", "bsi-tuf-client 0.1.0");
  app.add_option("--metadata-url", options.metadata_url,
                 "Base URL of the repository's metadata, ending with '/'");
  app.add_option("--metadata-dir", options.metadata_dir, "Directory holding the trusted metadata")
      ->required();
  app.add_option("--target-name", options.target_names,
                 "Target path to download (repeatable; fetched in order)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--target-dir", options.target_dir, "Directory for verified artifacts");
  app.add_option("--target-base-url", options.target_base_url,
                 "Base URL of the repository's artifacts, ending with '/'");
  CLI::App* init = app.add_subcommand("init", "Install a trusted root (no request is made)");
  init->add_option("TRUSTED_ROOT_FILE", options.trusted_root, "The trusted root.json")->required();
  CLI::App* refresh = app.add_subcommand("refresh", "Update the trusted metadata");
  CLI::App* download = app.add_subcommand("download", "Refresh, then download targets");
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;
  }
  if (*init) return Init(options);
  if (*refresh) return RefreshOrDownload(options, false);
  if (*download) return RefreshOrDownload(options, true);
  return Usage("no command given");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bsi-tuf-client: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "bsi-tuf-client: internal error\n");
  }
  return 1;
}
