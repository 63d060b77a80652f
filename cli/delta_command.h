// `bsi delta create OLD NEW PATCH` and `bsi delta apply OLD PATCH OUT`.
#ifndef BSI_CLI_DELTA_COMMAND_H_
#define BSI_CLI_DELTA_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace bsi::cli {

// Adds the `delta` command group to app. `run` receives the chosen
// command's action; main calls it after parsing.
void AddDeltaCommands(CLI::App& app, std::function<int()>& run);

}  // namespace bsi::cli

#endif  // BSI_CLI_DELTA_COMMAND_H_
