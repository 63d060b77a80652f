#include <algorithm>
#include <map>
#include <set>

#include "bsi/advisory/notes.h"
#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/tree_digest.h"
#include "bsi/publish/improvements.h"
#include "bsi/publish/release_workflow.h"

namespace bsi::publish {
namespace {

constexpr std::uint64_t kMaxNotesBytes = std::uint64_t{1} << 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Removes the staging directory however the workflow ends.
class Staging {
 public:
  Staging(FileSystem& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  ~Staging() { (void)RemoveTree(fs_, dir_); }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return JoinPath(dir_, name); }

 private:
  FileSystem& fs_;
  std::string dir_;
};

Status CheckRequest(FileSystem& fs, const ReleaseRequest& request) {
  BSI_TRY(release::CheckName("product", request.product));
  if (request.components.empty()) return Invalid("a release needs at least one --component");
  if (request.cves.empty()) return Invalid("a security improvement fixes at least one --cve");
  std::set<std::string> names;
  for (const ComponentInput& component : request.components) {
    BSI_TRY(release::CheckName("component", component.name));
    if (!names.insert(component.name).second) {
      return Invalid("component " + component.name + " is given twice");
    }
    if (component.version.has_value()) BSI_TRY(release::CheckComponentVersion(*component.version));
    for (const std::string& tree : {component.old_tree, component.new_tree}) {
      Result<FileType> type = fs.Stat(tree);
      if (!type.ok() || *type != FileType::kDirectory) {
        return Invalid(component.name + ": " + tree + " is not a directory");
      }
    }
  }
  std::set<std::string> ids;
  for (const release::Cve& cve : request.cves) {
    BSI_TRY(release::CheckCveId(cve.id));
    if (!ids.insert(cve.id).second) return Invalid(cve.id + " is given twice");
  }
  return release::CheckRollout(request.rollout);
}

// The earlier letters' facts about one component.
struct History {
  std::optional<std::string> from_version;
  std::optional<std::string> from_tree;
  std::string first_letter;  // the letter that set them, for messages
  // Letters that changed the component, with their version and tree.
  std::vector<std::pair<const release::Improvement*, const release::ComponentChange*>> letters;
};

History HistoryOf(const std::vector<release::Improvement>& earlier, const std::string& component) {
  History history;
  for (const release::Improvement& improvement : earlier) {
    for (const release::ComponentChange& change : improvement.components) {
      if (change.name != component) continue;
      if (!history.from_tree.has_value()) {
        history.from_version = change.from_version;
        history.from_tree = change.from_tree;
        history.first_letter = improvement.version().ToString();
      }
      history.letters.emplace_back(&improvement, &change);
    }
  }
  return history;
}

void Progress(const ReleaseRequest& request, const std::string& line) {
  if (request.progress) request.progress(line);
}

}  // namespace

Result<ReleaseResult> CreateRelease(FileSystem& fs, repo::Repository& repo, repo::KeySource& keys,
                                    const ReleaseRequest& request, UnixTime now) {
  BSI_TRY(CheckRequest(fs, request));
  BSI_ASSIGN_OR_RETURN(const std::vector<release::Improvement> earlier,
                       ImprovementsOf(repo, request.product, request.base));

  release::Improvement improvement;
  improvement.product = request.product;
  improvement.base = request.base;
  if (earlier.empty()) {
    improvement.letter = version::Letter::Parse("a").value();
  } else {
    BSI_ASSIGN_OR_RETURN(improvement.letter, earlier.back().letter.Next());
  }
  improvement.published = now;
  improvement.cves = request.cves;
  improvement.rollout = request.rollout;
  const std::string label = improvement.version().ToString();

  // Cumulative: every component a standing earlier letter changed.
  for (const release::Improvement& previous : earlier) {
    if (previous.withdrawal.has_value()) continue;
    for (const release::ComponentChange& change : previous.components) {
      const bool given = std::any_of(request.components.begin(), request.components.end(),
                                     [&](const auto& c) { return c.name == change.name; });
      if (!given) {
        return Invalid(label + " must also carry " + change.name + ", which " +
                       previous.version().ToString() +
                       " changed (improvements are cumulative): add --component " + change.name +
                       "=BASE_TREE:NEW_TREE");
      }
    }
  }

  BSI_TRY(CreateDirs(fs, JoinPath(repo.dir(), repo::kStateDir)));
  Staging staging(
      fs, JoinPath(repo.dir(), std::string(repo::kStateDir) + "/staging-" + UniqueTempSuffix()));
  BSI_TRY(fs.CreateDir(staging.dir(), 0700));
  payload::BundleWriter writer(fs, request.bundle_options);

  struct Built {
    std::string file;
    release::PayloadRef ref;
    release::PayloadRecord record;
  };
  std::vector<Built> built;
  for (const ComponentInput& input : request.components) {
    const History history = HistoryOf(earlier, input.name);
    release::ComponentChange change;
    change.name = input.name;
    change.from_version = history.from_version.value_or(request.base.ToString());
    change.version =
        input.version.value_or(request.base.ToString() + "-" + improvement.letter.ToString());
    Progress(request, input.name + ": hashing the base tree");
    BSI_ASSIGN_OR_RETURN(change.from_tree, payload::TreeDigest(fs, input.old_tree));
    if (history.from_tree.has_value() && *history.from_tree != change.from_tree) {
      return Invalid(input.name + ": " + input.old_tree + " is not the base tree " +
                     history.first_letter + " started from (tree digests differ)");
    }
    const auto add = [&](const std::optional<std::string>& from, const std::string& file) {
      release::PayloadRef ref{input.name, from,
                              release::PayloadTargetPath(request.product, request.base,
                                                         improvement.letter, input.name, from)};
      release::PayloadRecord record{request.product, request.base, improvement.letter,
                                    input.name,      from,         change.version};
      built.push_back({file, std::move(ref), std::move(record)});
    };

    Progress(request, input.name + ": full bundle");
    const std::string full = staging.Path(input.name + "-full.bundle");
    BSI_ASSIGN_OR_RETURN(
        const payload::BundleInfo full_info,
        writer.Write({input.name, std::nullopt, std::nullopt, change.version, input.new_tree},
                     full));
    change.tree = payload::TreeDigest(full_info.manifest);
    if (change.tree == change.from_tree) {
      return Invalid(input.name + ": the new tree is the same as the base tree");
    }
    add(std::nullopt, full);

    Progress(request, input.name + ": delta bundle from the base");
    const std::string from_base = staging.Path(input.name + "-from-base.bundle");
    BSI_TRY(writer.Write(
        {input.name, change.from_version, input.old_tree, change.version, input.new_tree},
        from_base));
    add("base", from_base);

    for (const auto& [previous, previous_change] : history.letters) {
      const std::string letter = previous->letter.ToString();
      const std::string full_path = release::PayloadTargetPath(
          request.product, request.base, previous->letter, input.name, std::nullopt);
      const auto target = repo.targets().targets.find(full_path);
      if (target == repo.targets().targets.end()) continue;
      Progress(request, input.name + ": delta bundle from (" + letter + ")");
      const std::string tree = staging.Path(input.name + "-tree-" + letter);
      payload::ApplyRequest rebuild;
      rebuild.bundle_path = repo.TargetFilePath(full_path, target->second);
      rebuild.staging_dir = tree;
      rebuild.expected_component = input.name;
      rebuild.expected_target_version = previous_change->version;
      BSI_ASSIGN_OR_RETURN(const payload::Manifest rebuilt, payload::ApplyBundle(fs, rebuild));
      if (payload::TreeDigest(rebuilt) != previous_change->tree) {
        return Error(ErrorCode::kCorruptState, full_path + " does not rebuild the tree " +
                                                   previous->version().ToString() + " recorded");
      }
      const std::string from_letter = staging.Path(input.name + "-from-" + letter + ".bundle");
      BSI_TRY(
          writer.Write({input.name, previous_change->version, tree, change.version, input.new_tree},
                       from_letter));
      add(letter, from_letter);
    }
    improvement.components.push_back(std::move(change));
  }

  ReleaseResult result;
  for (const Built& b : built) improvement.payloads.push_back(b.ref);
  advisory::NotesInput notes_input;
  notes_input.improvement = improvement;
  notes_input.publisher = {repo.settings().publisher_name, repo.settings().publisher_url};
  notes_input.now = now;
  if (request.notes_file.has_value()) {
    BSI_ASSIGN_OR_RETURN(notes_input.release_notes,
                         fs.ReadFile(*request.notes_file, kMaxNotesBytes));
  }
  // Everything the notes need is checked before anything is published.
  BSI_TRY(advisory::CheckNotesInput(notes_input));
  const std::string notes = request.notes_file.has_value() ? notes_input.release_notes
                                                           : advisory::RenderMarkdown(notes_input);

  Progress(request, "publishing " + improvement.Id());
  for (const Built& b : built) {
    BSI_ASSIGN_OR_RETURN(
        const metadata::TargetFile file,
        repo.AddTargetFile(b.ref.path, b.file,
                           json::Value(json::Object{{"bsi", release::ToJson(b.record)}})));
    result.payloads.push_back({b.ref.path, static_cast<std::uint64_t>(file.length)});
  }
  BSI_TRY(repo.AddTargetBytes(
      release::ImprovementTargetPath(request.product, request.base, improvement.letter), notes,
      json::Value(json::Object{{"bsi", release::ToJson(improvement)}})));
  BSI_ASSIGN_OR_RETURN(result.published, repo.Publish(keys, now));
  BSI_TRY(WriteNotes(fs, repo, improvement, now));
  result.improvement = std::move(improvement);
  return result;
}

}  // namespace bsi::publish
