#include "cli/bundle_command.h"

#include <cstdio>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/bundle_reader.h"
#include "bsi/payload/bundle_writer.h"

#include "cli/output.h"

namespace bsi::cli {
namespace {

struct BundleArgs {
  std::string component;
  std::string from_tree;
  std::string to_tree;
  std::string from_version;
  std::string to_version;
  std::string out;
  std::string bundle;
  std::string source;
  bool json = false;
};

json::Value InfoJson(const payload::BundleInfo& info) {
  json::Object out;
  out["component"] = info.manifest.component;
  out["full"] = info.manifest.is_full();
  if (info.manifest.source_version) out["source_version"] = *info.manifest.source_version;
  out["target_version"] = info.manifest.target_version;
  out["bundle_size"] = static_cast<std::int64_t>(info.bundle_size);
  json::Array entries;
  for (const payload::BundleEntryInfo& entry : info.entries) {
    json::Object item;
    item["path"] = entry.path;
    item["type"] = std::string(payload::NodeTypeName(entry.type));
    if (entry.type != payload::NodeType::kSymlink) {
      item["mode"] = static_cast<std::int64_t>(entry.mode);
    }
    if (entry.type == payload::NodeType::kFile) {
      item["size"] = static_cast<std::int64_t>(entry.size);
      item["content"] = std::string(payload::ContentKindName(*entry.kind));
      item["content_length"] = static_cast<std::int64_t>(entry.content_length);
      if (entry.delta_method) {
        item["delta_method"] = std::string(payload::DeltaMethodName(*entry.delta_method));
      }
    }
    if (entry.type == payload::NodeType::kSymlink) item["link_target"] = entry.link_target;
    entries.emplace_back(std::move(item));
  }
  out["entries"] = std::move(entries);
  return out;
}

void PrintInfo(const Output& out, const payload::BundleInfo& info) {
  const payload::Manifest& m = info.manifest;
  out.Line("component " + m.component + ": " +
           (m.is_full() ? "full bundle" : "delta bundle from " + *m.source_version) + " to " +
           m.target_version + ", " + HumanBytes(info.bundle_size));
  std::uint64_t files = 0, bytes = 0;
  for (const payload::BundleEntryInfo& entry : info.entries) {
    std::string line = "  " + std::string(payload::NodeTypeName(entry.type));
    line.resize(12, ' ');
    line += entry.path;
    if (entry.type == payload::NodeType::kFile) {
      ++files;
      bytes += entry.size;
      line +=
          "  " + HumanBytes(entry.size) + ", " + std::string(payload::ContentKindName(*entry.kind));
      if (*entry.kind != payload::ContentKind::kUnchanged) {
        line += " " + HumanBytes(entry.content_length);
      }
      if (entry.delta_method) {
        line += " (" + std::string(payload::DeltaMethodName(*entry.delta_method)) + ")";
      }
    } else if (entry.type == payload::NodeType::kSymlink) {
      line += " -> " + entry.link_target;
    }
    out.Line(line);
  }
  out.Line(std::to_string(files) + " files, " + HumanBytes(bytes) + " when applied");
}

int Create(const BundleArgs& args) {
  Output out(args.json);
  if (!args.from_tree.empty() && args.from_version.empty()) {
    std::fprintf(stderr, "bsi: bundle create: --from needs --from-version\n");
    return kExitUsage;
  }
  PosixFileSystem fs;
  payload::BundleSpec spec;
  spec.component = args.component;
  spec.target_version = args.to_version;
  spec.new_tree = args.to_tree;
  if (!args.from_tree.empty()) {
    spec.old_tree = args.from_tree;
    spec.source_version = args.from_version;
  }
  out.Progress("building bundle " + args.out + " (" + (spec.old_tree ? "delta, " : "full, ") +
               args.component + ")");
  auto info = payload::BundleWriter(fs).Write(spec, args.out);
  out.Done();
  if (!info.ok()) return out.Fail("bundle create", info.error());
  out.Json(InfoJson(*info));
  PrintInfo(out, *info);
  return kExitOk;
}

int Inspect(const BundleArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  auto info = payload::ReadBundleInfo(fs, args.bundle);
  if (!info.ok()) return out.Fail("bundle inspect " + args.bundle, info.error());
  out.Json(InfoJson(*info));
  PrintInfo(out, *info);
  return kExitOk;
}

int Apply(const BundleArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  payload::ApplyRequest request;
  request.bundle_path = args.bundle;
  if (!args.source.empty()) request.source_dir = args.source;
  request.staging_dir = args.out;
  out.Progress("applying " + args.bundle + " into " + args.out);
  auto manifest = payload::ApplyBundle(fs, request);
  out.Done();
  if (!manifest.ok()) return out.Fail("bundle apply " + args.bundle, manifest.error());
  json::Object summary;
  summary["component"] = manifest->component;
  summary["target_version"] = manifest->target_version;
  summary["out"] = args.out;
  summary["entries"] = static_cast<std::int64_t>(manifest->entries.size());
  out.Json(json::Value(std::move(summary)));
  out.Line(args.out + ": " + manifest->component + " " + manifest->target_version + ", " +
           std::to_string(manifest->entries.size()) + " entries, every file's sha256 verified");
  return kExitOk;
}

}  // namespace

void AddBundleCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<BundleArgs>();
  CLI::App* bundle = app.add_subcommand("bundle", "Component bundles: full or delta file trees");
  bundle->require_subcommand(1);

  CLI::App* create = bundle->add_subcommand(
      "create", "Build a bundle bringing a component from OLD_TREE (or nothing) to NEW_TREE");
  create->add_option("--component", args->component, "Component name, e.g. webkit")->required();
  create->add_option("--from", args->from_tree, "The tree devices have (omit for a full bundle)");
  create->add_option("--from-version", args->from_version,
                     "Component version of --from (required with --from)");
  create->add_option("--to", args->to_tree, "The tree devices should get")->required();
  create->add_option("--to-version", args->to_version, "Component version of --to")->required();
  create->add_option("--out", args->out, "Bundle file to write (replaced atomically)")->required();
  create->add_flag("--json", args->json, "Print the bundle's description as JSON");
  create->callback([args, &run] { run = [args] { return Create(*args); }; });

  CLI::App* inspect = bundle->add_subcommand("inspect", "Describe a bundle without applying it");
  inspect->add_option("BUNDLE", args->bundle, "The bundle file")->required();
  inspect->add_flag("--json", args->json, "Print JSON");
  inspect->callback([args, &run] { run = [args] { return Inspect(*args); }; });

  CLI::App* apply = bundle->add_subcommand(
      "apply", "Build the target tree into a new directory, verifying every file");
  apply->add_option("BUNDLE", args->bundle, "The bundle file")->required();
  apply->add_option("--source", args->source, "The source tree (required for delta bundles)");
  apply->add_option("--out", args->out, "Directory to create (must not exist)")->required();
  apply->add_flag("--json", args->json, "Print a JSON summary");
  apply->callback([args, &run] { run = [args] { return Apply(*args); }; });
}

}  // namespace bsi::cli
