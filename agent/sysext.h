// The systemd-sysext activation backend, for devices whose /usr is
// read-only (an image-based OS): instead of pointing a symlink at the
// store's tree, the agent publishes the tree as a system extension — a
// directory <extensions_dir>/bsi-<component>/ holding usr/... (the tree at
// the component's path) and usr/lib/extension-release.d/extension-release.
// bsi-<component> (matching the OS's ID and VERSION_ID) — and runs
// `systemd-sysext refresh`, which overlays it onto /usr.
//
// The extension directory is built beside the live one (".bsi-<component>
// .next", a name systemd-sysext ignores), from hard links to the store's
// immutable version tree (a copy when the two are on different file
// systems), and swapped in with one renameat2(RENAME_EXCHANGE): at every
// instant exactly one whole extension exists. Removing the improvement
// (back to the base) removes the extension. The extension names the
// version it carries (BSI_VERSION= in its extension-release file), so a
// pass after a crash between the swap and the refresh sees what is
// published and refreshes again.
//
// systemd 252 does not follow symlinks in the extension directories, hence
// the hard-linked tree. Calls the POSIX API directly (link, renameat2):
// the FileSystem seam has neither.
//
// Thread-safety: functions without shared state; one agent at a time (the
// state lock) changes an extension.
#ifndef BSI_AGENT_SYSEXT_H_
#define BSI_AGENT_SYSEXT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::agent {

struct SysextSetup {
  // Where systemd-sysext looks for extensions. Default: /var/lib/extensions.
  std::string extensions_dir = "/var/lib/extensions";
  // The component's path as applications see it: under /usr/ or /opt/.
  std::string mount_path;
  // The extension-release fields; they must match the OS's os-release.
  std::string os_id;
  std::string os_version_id;
  // Run after each change. Default: systemd-sysext refresh.
  std::vector<std::string> refresh = {"/usr/bin/systemd-sysext", "refresh"};
};

// "bsi-<component>".
std::string ExtensionName(const std::string& component);

// The version the component's extension carries now; nullopt when there is
// none (the base). Errors: kIo, kCorruptState.
Result<std::optional<std::string>> PublishedVersion(const SysextSetup& setup,
                                                    const std::string& component);

// Makes the extension carry `tree` (the store's tree of `version`), or
// removes it when version is nullopt, then runs the refresh command (through
// `run`, which returns its exit status). Nothing changes, and no refresh
// runs, when the extension already carries that version.
// Errors: kInvalidArgument (mount_path not under /usr/ or /opt/), kIo, the
// refresh's failure (kInternal naming its exit status).
Status PublishExtension(const SysextSetup& setup, const std::string& component,
                        const std::optional<std::string>& version, const std::string& tree,
                        const std::function<Result<int>(const std::vector<std::string>&)>& run);

}  // namespace bsi::agent

#endif  // BSI_AGENT_SYSEXT_H_
