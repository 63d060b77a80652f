// `bsi bundle create|inspect|apply`: component bundles
// (docs/formats/payload.md).
#ifndef BSI_CLI_BUNDLE_COMMAND_H_
#define BSI_CLI_BUNDLE_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace bsi::cli {

// Adds the `bundle` command group to app; see AddDeltaCommands.
void AddBundleCommands(CLI::App& app, std::function<int()>& run);

}  // namespace bsi::cli

#endif  // BSI_CLI_BUNDLE_COMMAND_H_
