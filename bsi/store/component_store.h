// ComponentStore: the versioned trees of one component on a device and the
// link that makes one of them active (docs/store.md). Activation is a
// pointer swap, never an overwrite, and every step is journaled before it
// acts, so a crash or power cut at any instant leaves exactly the old or
// exactly the new tree active, and Open() finishes or undoes the step.
//
//   <root>/<component>/
//       state.json          ComponentState: active, previous, step in progress
//       versions/<version>/ installed trees
//       staging-<random>/   a tree being built
//       current             symlink: versions/<version>, or the base tree's path
//       current.new         the next link, renamed over current (transient)
//
// The OS points the component's install path at <root>/<component>/current
// (the managed-link backend). An install:
//
//   idle ─Stage─► staging ─► staged ─Activate─► activating ─► activated ─Commit─► idle
//     ▲              │          │                   │              │
//     └──── Open() after a crash: undo (remove the new tree, link back to the old) ─┘
//   activated ─Abort─► rolling-back ─► idle (the old tree active again)
//   idle ─RollBack(to)─► rolling-back ─► idle      (Open() after a crash: finish)
//
// Between Activate and Commit the caller restarts units and runs the health
// check; a crash there is undone (health was not proven). Commit keeps the
// old tree as `previous` for rollback and removes older ones.
//
// Thread-safety: none; one store object per component, one process at a
// time (the agent holds the state directory's lock).
#ifndef BSI_STORE_COMPONENT_STORE_H_
#define BSI_STORE_COMPONENT_STORE_H_

#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/bundle_apply.h"
#include "bsi/store/component_state.h"

namespace bsi::store {

struct ComponentConfig {
  std::string name;       // a component name (release::CheckName)
  std::string base_tree;  // absolute path of the tree the OS image ships
};

// What Open() found and did.
struct Recovery {
  Step interrupted = Step::kIdle;  // the step a crash interrupted, kIdle if none
  bool undone = false;             // it was undone (else finished, or nothing to do)
};

class ComponentStore {
 public:
  // REQUIRES: fs outlives the store; root is absolute.
  ComponentStore(FileSystem& fs, std::string root, ComponentConfig config);

  // Loads the state (creating the component's directory, the link to the
  // base tree and the state on first use) and finishes or undoes an
  // interrupted step. Must succeed before any other call. Errors:
  // kCorruptState if state.json does not parse; those of the file system.
  Result<Recovery> Open();

  const ComponentState& state() const { return state_; }

  // The directory a version's tree is in (the base tree for nullopt).
  std::string TreePath(const Version& version) const;
  // The link the OS follows.
  std::string CurrentLink() const;

  // Builds `version`'s tree from a bundle (already verified as a TUF target)
  // into a staging directory, then moves it under versions/. A delta bundle
  // applies to the active tree. REQUIRES: idle. Errors: those of
  // payload::ApplyBundle (nothing is left of the staging directory, the
  // active tree is untouched, the step is back to idle); kInvalidArgument if
  // not idle or version is active or unsafe.
  Status Stage(const std::string& bundle_path, const std::string& version,
               const payload::BundleApplyOptions& options = {});

  // Points the current link at the staged version. REQUIRES: kStaged. On
  // error the old tree is linked again and the new one removed (idle).
  Status Activate();

  // Makes the activated version permanent; the old one becomes `previous`
  // and any older tree is removed. REQUIRES: kActivated.
  Status Commit();

  // Gives up an activated version (its health check failed): links back to
  // the old tree and removes the new one. REQUIRES: kActivated.
  Status Abort();

  // Switches back to `to` (the previous version or the base), for a
  // withdrawal or removal: journal, link, journal — a few file operations
  // whatever the tree's size. The tree left behind is removed by the next
  // CollectGarbage() (or Open()). REQUIRES: idle, and `to` is the base or
  // the kept previous version (kInvalidArgument else).
  Status RollBack(const Version& to);

  // Removes every tree and leftover the state does not name (trees rolled
  // back from, staging directories). Commit, Abort and Open do it too.
  Status CollectGarbage();

 private:
  std::string Dir() const;
  std::string Path(std::string_view name) const;
  Status Save(const ComponentState& state);
  Status PointCurrentAt(const Version& version);
  Result<Version> LinkedVersion();
  Status Undo();
  Status BuildStaged(const std::string& bundle_path, const std::string& version,
                     const payload::BundleApplyOptions& options);

  FileSystem& fs_;
  std::string root_;
  ComponentConfig config_;
  ComponentState state_;
  bool opened_ = false;
};

}  // namespace bsi::store

#endif  // BSI_STORE_COMPONENT_STORE_H_
