// `bsi key ...`: see AddKeyCommands and docs/repository.md.
#ifndef BSI_CLI_KEY_COMMAND_H_
#define BSI_CLI_KEY_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace bsi::cli {

// Adds the `key` command group to app; see AddDeltaCommands.
void AddKeyCommands(CLI::App& app, std::function<int()>& run);

}  // namespace bsi::cli

#endif  // BSI_CLI_KEY_COMMAND_H_
