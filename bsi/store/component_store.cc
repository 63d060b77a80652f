#include "bsi/store/component_store.h"

#include <utility>
#include <vector>

#include "bsi/release/improvement.h"

namespace bsi::store {
namespace {

constexpr const char* kStateFile = "state.json";
constexpr const char* kVersionsDir = "versions";
constexpr const char* kCurrent = "current";
constexpr const char* kCurrentNew = "current.new";
constexpr std::uint64_t kMaxStateBytes = std::uint64_t{64} * 1024;

Error NotNow(std::string_view what, const ComponentState& state) {
  return Error(ErrorCode::kInvalidArgument, std::string(what) +
                                                " is not possible while the component is " +
                                                std::string(StepName(state.step)));
}

}  // namespace

ComponentStore::ComponentStore(FileSystem& fs, std::string root, ComponentConfig config)
    : fs_(fs), root_(std::move(root)), config_(std::move(config)) {}

std::string ComponentStore::Dir() const { return JoinPath(root_, config_.name); }
std::string ComponentStore::Path(std::string_view name) const { return JoinPath(Dir(), name); }
std::string ComponentStore::CurrentLink() const { return Path(kCurrent); }

std::string ComponentStore::TreePath(const Version& version) const {
  if (!version.has_value()) return config_.base_tree;
  return JoinPath(Path(kVersionsDir), *version);
}

Status ComponentStore::Save(const ComponentState& state) {
  BSI_TRY(WriteFileAtomically(fs_, Path(kStateFile), SerializeState(state)));
  state_ = state;
  return Ok();
}

Status ComponentStore::PointCurrentAt(const Version& version) {
  const std::string target =
      version.has_value() ? std::string(kVersionsDir) + "/" + *version : config_.base_tree;
  if (fs_.Exists(Path(kCurrentNew))) BSI_TRY(fs_.RemoveFile(Path(kCurrentNew)));
  BSI_TRY(fs_.CreateSymlink(target, Path(kCurrentNew)));
  BSI_TRY(fs_.Rename(Path(kCurrentNew), Path(kCurrent)));
  return fs_.SyncDir(Dir());
}

Result<Version> ComponentStore::LinkedVersion() {
  BSI_ASSIGN_OR_RETURN(const std::string target, fs_.ReadSymlink(Path(kCurrent)));
  const std::string prefix = std::string(kVersionsDir) + "/";
  if (target.starts_with(prefix)) return Version(target.substr(prefix.size()));
  if (target == config_.base_tree) return Version();
  return Error(ErrorCode::kCorruptState, CurrentLink() + " points at " + target);
}

// Removes every tree and leftover the state does not name: other versions,
// staging directories, a stray current.new.
Status ComponentStore::CollectGarbage() {
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> versions, fs_.ListDir(Path(kVersionsDir)));
  bool removed = false;
  for (const std::string& name : versions) {
    const bool keep = state_.active == name || (state_.has_previous && state_.previous == name);
    if (keep) continue;
    BSI_TRY(RemoveTree(fs_, JoinPath(Path(kVersionsDir), name)));
    removed = true;
  }
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> entries, fs_.ListDir(Dir()));
  for (const std::string& name : entries) {
    if (name.starts_with("staging-") || name == kCurrentNew) {
      BSI_TRY(RemoveTree(fs_, Path(name)));
      removed = true;
    }
  }
  if (removed) {
    BSI_TRY(fs_.SyncDir(Path(kVersionsDir)));
    BSI_TRY(fs_.SyncDir(Dir()));
  }
  return Ok();
}

Status ComponentStore::Undo() {
  // The old tree is whole (nothing of it was changed): link back to it and
  // forget the new one.
  BSI_TRY(PointCurrentAt(state_.active));
  ComponentState idle = state_;
  idle.step = Step::kIdle;
  idle.target.reset();
  idle.staging.clear();
  BSI_TRY(Save(idle));
  return CollectGarbage();
}

Result<Recovery> ComponentStore::Open() {
  BSI_TRY(release::CheckName("component", config_.name));
  // Durably: a crash must not lose the store's directories under its state.
  BSI_TRY(CreateDirs(fs_, Path(kVersionsDir), DirDurability::kSynced));
  opened_ = true;
  Recovery recovery;
  if (!fs_.Exists(Path(kStateFile))) {
    ComponentState fresh;
    BSI_TRY(PointCurrentAt(fresh.active));
    BSI_TRY(Save(fresh));
    return recovery;
  }
  BSI_ASSIGN_OR_RETURN(const std::string bytes, fs_.ReadFile(Path(kStateFile), kMaxStateBytes));
  BSI_ASSIGN_OR_RETURN(state_, ParseState(bytes));
  recovery.interrupted = state_.step;
  switch (state_.step) {
    case Step::kIdle: {
      // A crash after the state was saved but before the link or the
      // clean-up finished: make both agree with the state.
      Result<Version> linked = LinkedVersion();
      if (!linked.ok() || *linked != state_.active) BSI_TRY(PointCurrentAt(state_.active));
      BSI_TRY(CollectGarbage());
      break;
    }
    case Step::kStaging:
    case Step::kStaged:
    case Step::kActivating:
    case Step::kActivated:
      BSI_TRY(Undo());
      recovery.undone = true;
      break;
    case Step::kRollingBack: {
      // The state already names the destination: finish the switch.
      BSI_TRY(PointCurrentAt(state_.active));
      ComponentState idle = state_;
      idle.step = Step::kIdle;
      idle.target.reset();
      BSI_TRY(Save(idle));
      BSI_TRY(CollectGarbage());
      break;
    }
  }
  return recovery;
}

Status ComponentStore::Stage(const std::string& bundle_path, const std::string& version,
                             const payload::BundleApplyOptions& options) {
  if (!opened_ || state_.step != Step::kIdle) return NotNow("installing", state_);
  BSI_TRY(release::CheckComponentVersion(version));
  if (state_.active == version) {
    return Error(ErrorCode::kInvalidArgument, config_.name + " " + version + " is already active");
  }
  if (state_.has_previous && state_.previous == version) {
    return Error(
        ErrorCode::kInvalidArgument,
        config_.name + " " + version + " is kept as the previous version: roll back to it");
  }
  ComponentState staging = state_;
  staging.step = Step::kStaging;
  staging.target = version;
  staging.staging = "staging-" + UniqueTempSuffix();
  staging.operation_id = "install-" + version + "-" + UniqueTempSuffix().substr(0, 8);
  BSI_TRY(Save(staging));
  Status staged = BuildStaged(bundle_path, version, options);
  if (!staged.ok()) {
    // Give the space back and return to idle with the active tree
    // untouched (if even that fails, the next Open() does it).
    (void)Undo();
    return staged;
  }
  return Ok();
}

Status ComponentStore::BuildStaged(const std::string& bundle_path, const std::string& version,
                                   const payload::BundleApplyOptions& options) {
  payload::ApplyRequest request;
  request.bundle_path = bundle_path;
  request.source_dir = TreePath(state_.active);
  request.staging_dir = Path(state_.staging);
  request.expected_component = config_.name;
  request.expected_target_version = version;
  if (state_.active.has_value()) request.expected_source_version = state_.active;
  BSI_TRY(payload::ApplyBundle(fs_, request, options));
  const std::string destination = TreePath(version);
  BSI_TRY(RemoveTree(fs_, destination));  // a leftover of the same version
  BSI_TRY(fs_.Rename(Path(state_.staging), destination));
  BSI_TRY(fs_.SyncDir(Path(kVersionsDir)));
  BSI_TRY(fs_.SyncDir(Dir()));
  ComponentState staged = state_;
  staged.step = Step::kStaged;
  staged.staging.clear();
  return Save(staged);
}

Status ComponentStore::Activate() {
  if (state_.step != Step::kStaged) return NotNow("activating", state_);
  ComponentState activating = state_;
  activating.step = Step::kActivating;
  BSI_TRY(Save(activating));
  Status switched = PointCurrentAt(state_.target);
  if (switched.ok()) {
    ComponentState activated = state_;
    activated.step = Step::kActivated;
    switched = Save(activated);
  }
  if (!switched.ok()) (void)Undo();
  return switched;
}

Status ComponentStore::Commit() {
  if (state_.step != Step::kActivated) return NotNow("committing", state_);
  ComponentState committed = state_;
  committed.previous = state_.active;
  committed.has_previous = true;
  committed.active = state_.target;
  committed.step = Step::kIdle;
  committed.target.reset();
  BSI_TRY(Save(committed));
  return CollectGarbage();
}

Status ComponentStore::Abort() {
  if (state_.step != Step::kActivated) return NotNow("aborting", state_);
  ComponentState rolling = state_;  // active and previous stay as they were
  rolling.step = Step::kRollingBack;
  BSI_TRY(Save(rolling));
  BSI_TRY(PointCurrentAt(rolling.active));
  ComponentState idle = rolling;
  idle.step = Step::kIdle;
  idle.target.reset();
  BSI_TRY(Save(idle));
  return CollectGarbage();
}

Status ComponentStore::RollBack(const Version& to) {
  if (!opened_ || state_.step != Step::kIdle) return NotNow("rolling back", state_);
  if (to == state_.active) {
    return Error(ErrorCode::kInvalidArgument,
                 config_.name + " " + VersionName(to) + " is already active");
  }
  if (to.has_value() && !(state_.has_previous && state_.previous == to)) {
    return Error(ErrorCode::kInvalidArgument, config_.name + " " + VersionName(to) +
                                                  " is not kept on this device (only the base " +
                                                  "and the previous version are)");
  }
  ComponentState rolling;
  rolling.active = to;
  rolling.step = Step::kRollingBack;
  rolling.target = to;
  rolling.operation_id = "rollback-" + VersionName(to) + "-" + UniqueTempSuffix().substr(0, 8);
  BSI_TRY(Save(rolling));
  BSI_TRY(PointCurrentAt(to));
  ComponentState idle = rolling;
  idle.step = Step::kIdle;
  idle.target.reset();
  return Save(idle);
}

}  // namespace bsi::store
