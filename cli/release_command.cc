#include "cli/release_command.h"

#include <memory>

#include <CLI/CLI.hpp>

#include "bsi/core/posix_file_system.h"
#include "bsi/core/time_format.h"
#include "bsi/publish/improvements.h"
#include "bsi/publish/release_workflow.h"
#include "bsi/release/rollout.h"

#include "cli/output.h"

namespace bsi::cli {
namespace {

struct ReleaseArgs {
  std::string repo;
  std::string keys;
  std::string product;
  std::string base;
  std::vector<std::string> components;  // NAME[@VERSION]=OLD_TREE:NEW_TREE
  std::vector<std::string> cves;        // ID[:severity[:description]]
  std::string notes;
  std::string waves;
  std::string improvement;  // "26.3.1 (a)"
  std::string reason;
  std::string by;
  bool json = false;
};

Error Usage(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

Result<publish::ComponentInput> ParseComponent(const std::string& text) {
  const std::size_t eq = text.find('=');
  const std::size_t colon = text.find(':', eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || colon == std::string::npos) {
    return Usage("--component \"" + text + "\" is not NAME[@VERSION]=OLD_TREE:NEW_TREE");
  }
  publish::ComponentInput component;
  component.name = text.substr(0, eq);
  if (const std::size_t at = component.name.find('@'); at != std::string::npos) {
    component.version = component.name.substr(at + 1);
    component.name.resize(at);
  }
  component.old_tree = text.substr(eq + 1, colon - eq - 1);
  component.new_tree = text.substr(colon + 1);
  if (component.old_tree.empty() || component.new_tree.empty()) {
    return Usage("--component \"" + text + "\" needs both trees");
  }
  return component;
}

Result<release::Cve> ParseCve(const std::string& text) {
  release::Cve cve;
  const std::size_t first = text.find(':');
  cve.id = text.substr(0, first);
  BSI_TRY(release::CheckCveId(cve.id));
  if (first != std::string::npos) {
    const std::size_t second = text.find(':', first + 1);
    BSI_ASSIGN_OR_RETURN(cve.severity,
                         release::ParseSeverity(text.substr(first + 1, second - first - 1)));
    if (second != std::string::npos) cve.description = text.substr(second + 1);
  }
  return cve;
}

json::Value ImprovementJson(const release::Improvement& improvement) {
  json::Value value = release::ToJson(improvement);
  value.object()["id"] = improvement.Id();
  value.object()["version"] = improvement.version().ToString();
  return value;
}

std::string State(const release::Improvement& improvement) {
  if (improvement.withdrawal.has_value()) return "withdrawn";
  if (improvement.superseded_by.has_value()) {
    return "superseded by " + improvement.superseded_by->ToString();
  }
  return improvement.rollout.paused ? "paused" : "rolling out";
}

void PrintImprovement(const Output& out, const release::Improvement& improvement) {
  out.Line(improvement.Id() + "  (" + State(improvement) + ")");
  out.Line("  published  " + FormatUtcTimestamp(improvement.published));
  out.Line("  rollout    " + release::FormatWaves(improvement.rollout) +
           (improvement.rollout.paused ? "  PAUSED" : ""));
  if (improvement.withdrawal.has_value()) {
    out.Line("  withdrawn  " + FormatUtcTimestamp(improvement.withdrawal->time) + ": " +
             improvement.withdrawal->reason);
  }
  for (const release::ComponentChange& c : improvement.components) {
    out.Line("  component  " + c.name + " " + c.from_version + " -> " + c.version);
  }
  for (const release::Cve& cve : improvement.cves) {
    out.Line("  fixes      " + cve.id + " (" + std::string(release::SeverityName(cve.severity)) +
             ")" + (cve.description.empty() ? "" : ": " + cve.description));
  }
  for (const release::PayloadRef& payload : improvement.payloads) {
    out.Line("  payload    " + payload.path);
  }
}

Result<version::ImprovementVersion> ParseImprovementArg(const std::string& text) {
  Result<version::ImprovementVersion> parsed = version::ImprovementVersion::Parse(text);
  if (!parsed.ok()) return Usage("\"" + text + "\" is not an improvement such as \"26.3.1 (a)\"");
  return parsed;
}

int Create(const ReleaseArgs& args) {
  Output out(args.json);
  publish::ReleaseRequest request;
  request.product = args.product;
  Result<version::BaseVersion> base = version::BaseVersion::Parse(args.base);
  if (!base.ok()) return out.Fail("release create", base.error());
  request.base = *base;
  for (const std::string& text : args.components) {
    Result<publish::ComponentInput> component = ParseComponent(text);
    if (!component.ok()) return out.Fail("release create", component.error());
    request.components.push_back(std::move(*component));
  }
  for (const std::string& text : args.cves) {
    Result<release::Cve> cve = ParseCve(text);
    if (!cve.ok()) return out.Fail("release create", cve.error());
    request.cves.push_back(std::move(*cve));
  }
  if (!args.notes.empty()) request.notes_file = args.notes;
  if (!args.waves.empty()) {
    Result<release::Rollout> rollout = release::ParseWaves(args.waves);
    if (!rollout.ok()) return out.Fail("release create", rollout.error());
    request.rollout = *rollout;
  }
  Output* progress = &out;
  request.progress = [progress](const std::string& line) { progress->Progress(line); };
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("release create", repository.error());
  repo::KeyDirectory keys(fs, args.keys);
  Result<publish::ReleaseResult> result =
      publish::CreateRelease(fs, *repository, keys, request, SystemClock().Now());
  out.Done();
  if (!result.ok()) return out.Fail("release create", result.error());
  json::Array payloads;
  for (const publish::PayloadSummary& payload : result->payloads) {
    payloads.push_back(
        json::Object{{"path", payload.path}, {"size", static_cast<std::int64_t>(payload.size)}});
  }
  json::Value value = ImprovementJson(result->improvement);
  value.object()["payload_sizes"] = std::move(payloads);
  out.Json(value);
  out.Line("published " + result->improvement.Id() + " (targets v" +
           std::to_string(*result->published.targets_version) + ", timestamp v" +
           std::to_string(result->published.timestamp_version) + ")");
  for (const publish::PayloadSummary& payload : result->payloads) {
    out.Line("  " + payload.path + "  " + HumanBytes(payload.size));
  }
  out.Line("  notes in " + args.repo + "/notes/" + result->improvement.product + "/" +
           result->improvement.base.ToString() + "/" + result->improvement.letter.ToString() + "/");
  return kExitOk;
}

int List(const ReleaseArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("release list", repository.error());
  Result<std::vector<release::Improvement>> all = publish::ListImprovements(*repository);
  if (!all.ok()) return out.Fail("release list", all.error());
  json::Array list;
  for (const release::Improvement& improvement : *all) {
    if (!args.product.empty() && improvement.product != args.product) continue;
    list.push_back(ImprovementJson(improvement));
    std::string cves;
    for (const release::Cve& cve : improvement.cves) cves += (cves.empty() ? "" : " ") + cve.id;
    out.Line(improvement.Id() + "  " + State(improvement) + "  " + cves);
  }
  if (list.empty()) out.Line("no improvements");
  out.Json(json::Value(std::move(list)));
  return kExitOk;
}

int Show(const ReleaseArgs& args) {
  Output out(args.json);
  Result<version::ImprovementVersion> version = ParseImprovementArg(args.improvement);
  if (!version.ok()) return out.Fail("release show", version.error());
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("release show", repository.error());
  Result<release::Improvement> improvement =
      publish::FindImprovement(*repository, args.product, *version);
  if (!improvement.ok()) return out.Fail("release show", improvement.error());
  out.Json(ImprovementJson(*improvement));
  PrintImprovement(out, *improvement);
  return kExitOk;
}

// The commands that change a published improvement.
enum class Change { kWithdraw, kPause, kResume, kRollout };

int Modify(const ReleaseArgs& args, Change change, const char* name) {
  Output out(args.json);
  const std::string what = std::string("release ") + name;
  Result<version::ImprovementVersion> version = ParseImprovementArg(args.improvement);
  if (!version.ok()) return out.Fail(what, version.error());
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail(what, repository.error());
  repo::KeyDirectory keys(fs, args.keys);
  const UnixTime now = SystemClock().Now();
  Result<release::Improvement> changed = Error(ErrorCode::kInternal, "no change");
  if (change == Change::kWithdraw) {
    changed = publish::Withdraw(fs, *repository, keys, args.product, *version, args.reason, now);
  } else if (change == Change::kRollout) {
    Result<release::Rollout> waves = release::ParseWaves(args.waves);
    if (!waves.ok()) return out.Fail(what, waves.error());
    changed = publish::ChangeRollout(fs, *repository, keys, args.product, *version, std::nullopt,
                                     *waves, now);
  } else {
    changed = publish::ChangeRollout(fs, *repository, keys, args.product, *version,
                                     change == Change::kPause, std::nullopt, now);
  }
  if (!changed.ok()) return out.Fail(what, changed.error());
  out.Json(ImprovementJson(*changed));
  PrintImprovement(out, *changed);
  return kExitOk;
}

int SupersedeCommand(const ReleaseArgs& args) {
  Output out(args.json);
  Result<version::BaseVersion> base = version::BaseVersion::Parse(args.base);
  if (!base.ok()) return out.Fail("release supersede", base.error());
  Result<version::BaseVersion> by = version::BaseVersion::Parse(args.by);
  if (!by.ok()) return out.Fail("release supersede", by.error());
  PosixFileSystem fs;
  Result<repo::Repository> repository = repo::Repository::Open(fs, args.repo);
  if (!repository.ok()) return out.Fail("release supersede", repository.error());
  repo::KeyDirectory keys(fs, args.keys);
  Result<std::vector<release::Improvement>> changed =
      publish::Supersede(fs, *repository, keys, args.product, *base, *by, SystemClock().Now());
  if (!changed.ok()) return out.Fail("release supersede", changed.error());
  json::Array list;
  for (const release::Improvement& improvement : *changed) {
    list.push_back(ImprovementJson(improvement));
    out.Line(improvement.Id() + " superseded by " + by->ToString());
  }
  out.Json(json::Value(std::move(list)));
  return kExitOk;
}

void AddCommon(CLI::App* command, ReleaseArgs& args, bool signs) {
  command->add_option("--repo", args.repo, "Repository directory")->required();
  if (signs) {
    command->add_option("--keys", args.keys, "Key directory (<role>.pem, <role>.<n>.pem)")
        ->required();
  }
  command->add_flag("--json", args.json, "Print JSON");
}

void AddImprovementArgs(CLI::App* command, ReleaseArgs& args) {
  command->add_option("IMPROVEMENT", args.improvement, "The improvement, e.g. \"26.3.1 (a)\"")
      ->required();
  command->add_option("--product", args.product,
                      "Product (needed only if several have this version)");
}

}  // namespace

void AddReleaseCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<ReleaseArgs>();
  CLI::App* release = app.add_subcommand("release", "Improvements: publish, stage, withdraw");
  release->require_subcommand(1);

  CLI::App* create = release->add_subcommand(
      "create", "Build the bundles of the next letter, sign and publish it with its notes");
  AddCommon(create, *args, true);
  create->add_option("--product", args->product, "Product, e.g. acme-os")->required();
  create->add_option("--base", args->base, "Base version, e.g. 26.3.1")->required();
  create
      ->add_option("--component", args->components,
                   "NAME[@VERSION]=BASE_TREE:NEW_TREE (repeat for several components)")
      ->required();
  create
      ->add_option("--cve", args->cves,
                   "ID[:SEVERITY[:DESCRIPTION]], severity critical|high|medium|low|unknown")
      ->required();
  create->add_option("--notes", args->notes, "Release notes (Markdown file)");
  create->add_option("--waves", args->waves,
                     "Rollout waves DELAY:PERCENT,... (default 0:1,6h:10,1d:100; \"now\": all)");
  create->callback([args, &run] { run = [args] { return Create(*args); }; });

  CLI::App* list = release->add_subcommand("list", "List the improvements in the repository");
  AddCommon(list, *args, false);
  list->add_option("--product", args->product, "Only this product");
  list->callback([args, &run] { run = [args] { return List(*args); }; });

  CLI::App* show = release->add_subcommand("show", "Show one improvement");
  AddCommon(show, *args, false);
  AddImprovementArgs(show, *args);
  show->callback([args, &run] { run = [args] { return Show(*args); }; });

  CLI::App* withdraw = release->add_subcommand(
      "withdraw", "Publish a signed withdrawal: devices running it roll back");
  AddCommon(withdraw, *args, true);
  AddImprovementArgs(withdraw, *args);
  withdraw->add_option("--reason", args->reason, "Why (shown to admins and in the notes)")
      ->required();
  withdraw->callback(
      [args, &run] { run = [args] { return Modify(*args, Change::kWithdraw, "withdraw"); }; });

  CLI::App* pause = release->add_subcommand("pause", "Stop further devices from installing it");
  AddCommon(pause, *args, true);
  AddImprovementArgs(pause, *args);
  pause->callback(
      [args, &run] { run = [args] { return Modify(*args, Change::kPause, "pause"); }; });

  CLI::App* resume = release->add_subcommand("resume", "Resume a paused rollout");
  AddCommon(resume, *args, true);
  AddImprovementArgs(resume, *args);
  resume->callback(
      [args, &run] { run = [args] { return Modify(*args, Change::kResume, "resume"); }; });

  CLI::App* rollout = release->add_subcommand("rollout", "Replace the rollout waves");
  AddCommon(rollout, *args, true);
  AddImprovementArgs(rollout, *args);
  rollout->add_option("--waves", args->waves, "DELAY:PERCENT,... e.g. 0:5,2h:50,12h:100")
      ->required();
  rollout->callback(
      [args, &run] { run = [args] { return Modify(*args, Change::kRollout, "rollout"); }; });

  CLI::App* supersede = release->add_subcommand(
      "supersede", "Record that a full OS update contains the fixes of a base's improvements");
  AddCommon(supersede, *args, true);
  supersede->add_option("--base", args->base, "The base version, e.g. 26.3.1")->required();
  supersede->add_option("--by", args->by, "The full update, e.g. 26.4")->required();
  supersede->add_option("--product", args->product, "Product (if several)");
  supersede->callback([args, &run] { run = [args] { return SupersedeCommand(*args); }; });
}

}  // namespace bsi::cli
