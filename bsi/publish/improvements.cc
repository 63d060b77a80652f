#include "bsi/publish/improvements.h"

#include <algorithm>
#include <set>

#include "bsi/advisory/notes.h"

namespace bsi::publish {
namespace {

constexpr std::uint64_t kMaxNotesBytes = std::uint64_t{1} << 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Signs the changed record and publishes it, then refreshes the notes.
Status Republish(FileSystem& fs, repo::Repository& repo, repo::KeySource& keys,
                 const release::Improvement& improvement, UnixTime now) {
  BSI_TRY(repo.SetCustom(
      release::ImprovementTargetPath(improvement.product, improvement.base, improvement.letter),
      json::Value(json::Object{{"bsi", release::ToJson(improvement)}})));
  BSI_TRY(repo.Publish(keys, now));
  return WriteNotes(fs, repo, improvement, now);
}

}  // namespace

Result<std::vector<release::Improvement>> ListImprovements(const repo::Repository& repo) {
  std::vector<release::Improvement> all;
  for (const auto& [path, file] : repo.targets().targets) {
    if (release::RecordType(file.custom) != "improvement") continue;
    Result<release::Improvement> improvement = release::ParseImprovement(*file.custom->Find("bsi"));
    if (!improvement.ok()) return improvement.error().WithContext("target " + path);
    if (release::ImprovementTargetPath(improvement->product, improvement->base,
                                       improvement->letter) != path) {
      return Error(ErrorCode::kMalformed,
                   "target " + path + " holds the record of " + improvement->Id());
    }
    all.push_back(std::move(*improvement));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.product, a.base, a.letter) < std::tie(b.product, b.base, b.letter);
  });
  return all;
}

Result<std::vector<release::Improvement>> ImprovementsOf(const repo::Repository& repo,
                                                         std::string_view product,
                                                         const version::BaseVersion& base) {
  BSI_ASSIGN_OR_RETURN(std::vector<release::Improvement> all, ListImprovements(repo));
  std::erase_if(all, [&](const auto& i) { return i.product != product || i.base != base; });
  return all;
}

Result<release::Improvement> FindImprovement(const repo::Repository& repo, std::string_view product,
                                             const version::ImprovementVersion& version) {
  BSI_ASSIGN_OR_RETURN(const std::vector<release::Improvement> all, ListImprovements(repo));
  std::vector<const release::Improvement*> found;
  for (const release::Improvement& improvement : all) {
    if (improvement.version() == version && (product.empty() || improvement.product == product)) {
      found.push_back(&improvement);
    }
  }
  if (found.empty()) {
    return Error(ErrorCode::kTargetNotFound,
                 "no improvement " + (product.empty() ? "" : std::string(product) + " ") +
                     version.ToString() + " in the repository");
  }
  if (found.size() > 1) {
    return Invalid("several products have " + version.ToString() + ": name one with --product");
  }
  return *found.front();
}

Result<std::string> ReadReleaseNotes(FileSystem& fs, const repo::Repository& repo,
                                     const release::Improvement& improvement) {
  const std::string path =
      release::ImprovementTargetPath(improvement.product, improvement.base, improvement.letter);
  const auto found = repo.targets().targets.find(path);
  if (found == repo.targets().targets.end()) {
    return Error(ErrorCode::kTargetNotFound, "no target " + path);
  }
  return fs.ReadFile(repo.TargetFilePath(path, found->second), kMaxNotesBytes);
}

Status WriteNotes(FileSystem& fs, const repo::Repository& repo,
                  const release::Improvement& improvement, UnixTime now) {
  advisory::NotesInput input;
  input.improvement = improvement;
  input.publisher = {repo.settings().publisher_name, repo.settings().publisher_url};
  BSI_ASSIGN_OR_RETURN(input.release_notes, ReadReleaseNotes(fs, repo, improvement));
  input.now = now;
  const std::string dir =
      JoinPath(repo.dir(), std::string(repo::kNotesDir) + "/" + improvement.product + "/" +
                               improvement.base.ToString() + "/" + improvement.letter.ToString());
  BSI_ASSIGN_OR_RETURN(const std::vector<advisory::NoteFile> files, advisory::RenderNotes(input));
  for (const advisory::NoteFile& file : files) {
    const std::string path = JoinPath(dir, file.name);
    BSI_TRY(CreateDirs(fs, ParentDir(path)));
    BSI_TRY(WriteFileAtomically(fs, path, file.content));
  }
  return Ok();
}

Result<release::Improvement> Withdraw(FileSystem& fs, repo::Repository& repo, repo::KeySource& keys,
                                      std::string_view product,
                                      const version::ImprovementVersion& version,
                                      std::string reason, UnixTime now) {
  BSI_ASSIGN_OR_RETURN(release::Improvement improvement, FindImprovement(repo, product, version));
  if (improvement.withdrawal.has_value()) {
    return Invalid(improvement.Id() + " is already withdrawn");
  }
  if (reason.empty()) return Invalid("a withdrawal needs a reason");
  improvement.withdrawal = release::Withdrawal{std::move(reason), now};
  BSI_TRY(Republish(fs, repo, keys, improvement, now));
  return improvement;
}

Result<release::Improvement> ChangeRollout(FileSystem& fs, repo::Repository& repo,
                                           repo::KeySource& keys, std::string_view product,
                                           const version::ImprovementVersion& version,
                                           std::optional<bool> paused,
                                           std::optional<release::Rollout> waves, UnixTime now) {
  BSI_ASSIGN_OR_RETURN(release::Improvement improvement, FindImprovement(repo, product, version));
  if (improvement.withdrawal.has_value()) {
    return Invalid(improvement.Id() + " is withdrawn; its rollout no longer matters");
  }
  release::Rollout rollout = improvement.rollout;
  if (waves.has_value()) {
    BSI_TRY(release::CheckRollout(*waves));
    rollout.waves = waves->waves;
  }
  if (paused.has_value()) rollout.paused = *paused;
  if (rollout == improvement.rollout) {
    return Invalid(improvement.Id() + ": the rollout is already so");
  }
  improvement.rollout = std::move(rollout);
  BSI_TRY(Republish(fs, repo, keys, improvement, now));
  return improvement;
}

Result<std::vector<release::Improvement>> Supersede(FileSystem& fs, repo::Repository& repo,
                                                    repo::KeySource& keys, std::string_view product,
                                                    const version::BaseVersion& base,
                                                    const version::BaseVersion& by, UnixTime now) {
  if (!(base < by)) {
    return Invalid(by.ToString() + " is not newer than " + base.ToString());
  }
  BSI_ASSIGN_OR_RETURN(std::vector<release::Improvement> all, ListImprovements(repo));
  std::erase_if(all, [&](const auto& i) {
    return i.base != base || (!product.empty() && i.product != product);
  });
  std::set<std::string> products;
  for (const auto& improvement : all) products.insert(improvement.product);
  if (products.empty()) return Invalid("no improvement has base " + base.ToString());
  if (products.size() > 1) {
    return Invalid("several products have improvements of " + base.ToString() +
                   ": name one with --product");
  }
  for (release::Improvement& improvement : all) {
    improvement.superseded_by = by;
    BSI_TRY(repo.SetCustom(
        release::ImprovementTargetPath(improvement.product, improvement.base, improvement.letter),
        json::Value(json::Object{{"bsi", release::ToJson(improvement)}})));
  }
  BSI_TRY(repo.Publish(keys, now));
  for (const release::Improvement& improvement : all) {
    BSI_TRY(WriteNotes(fs, repo, improvement, now));
  }
  return all;
}

}  // namespace bsi::publish
