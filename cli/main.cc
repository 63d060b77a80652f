// bsi: the vendor's and release engineer's command line.
//
//   bsi key generate|show ...
//   bsi repo init|verify|refresh|rotate ...
//   bsi release create|list|show|withdraw|pause|resume|rollout|supersede ...
//   bsi delta create OLD NEW PATCH | bsi delta apply OLD PATCH OUT
//   bsi bundle create|inspect|apply ...
//
// Each command group lives in its own file (<group>_command.cc).
#include <cstdio>
#include <exception>
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/bundle_command.h"
#include "cli/delta_command.h"
#include "cli/key_command.h"
#include "cli/output.h"
#include "cli/release_command.h"
#include "cli/repo_command.h"

int main(int argc, char** argv) {
  try {
    CLI::App app{"bsi: build, sign and publish Background Security Improvements", "bsi"};
    app.set_version_flag("--version", "bsi 0.1.0");
    app.require_subcommand(1);
    std::function<int()> run;
    bsi::cli::AddKeyCommands(app, run);
    bsi::cli::AddRepoCommands(app, run);
    bsi::cli::AddReleaseCommands(app, run);
    bsi::cli::AddDeltaCommands(app, run);
    bsi::cli::AddBundleCommands(app, run);
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      app.exit(e);
      return bsi::cli::kExitUsage;
    }
    return run ? run() : bsi::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bsi: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "bsi: internal error\n");
  }
  return bsi::cli::kExitFailed;
}
