// `bsi release ...`: see AddReleaseCommands and docs/repository.md.
#ifndef BSI_CLI_RELEASE_COMMAND_H_
#define BSI_CLI_RELEASE_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace bsi::cli {

// Adds the `release` command group to app; see AddDeltaCommands.
void AddReleaseCommands(CLI::App& app, std::function<int()>& run);

}  // namespace bsi::cli

#endif  // BSI_CLI_RELEASE_COMMAND_H_
