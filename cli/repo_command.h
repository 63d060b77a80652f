// `bsi repo ...`: see AddRepoCommands and docs/repository.md.
#ifndef BSI_CLI_REPO_COMMAND_H_
#define BSI_CLI_REPO_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace bsi::cli {

// Adds the `repo` command group to app; see AddDeltaCommands.
void AddRepoCommands(CLI::App& app, std::function<int()>& run);

}  // namespace bsi::cli

#endif  // BSI_CLI_REPO_COMMAND_H_
