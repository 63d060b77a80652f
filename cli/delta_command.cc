#include "cli/delta_command.h"

#include <memory>

#include <CLI/CLI.hpp>

#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"

#include "cli/output.h"

namespace bsi::cli {
namespace {

struct DeltaArgs {
  std::string old_path;
  std::string new_path;
  std::string patch_path;
  std::string out_path;
  bool json = false;
};

json::Value HeaderJson(const payload::DeltaHeader& header, std::uint64_t patch_size) {
  json::Object out;
  out["method"] = std::string(payload::DeltaMethodName(header.method));
  out["old_size"] = static_cast<std::int64_t>(header.old_size);
  out["old_sha256"] = crypto::HexEncode(std::span<const std::uint8_t>(header.old_sha256));
  out["new_size"] = static_cast<std::int64_t>(header.new_size);
  out["new_sha256"] = crypto::HexEncode(std::span<const std::uint8_t>(header.new_sha256));
  out["patch_size"] = static_cast<std::int64_t>(patch_size);
  return out;
}

struct PatchSummary {
  payload::DeltaHeader header;
  std::uint64_t size = 0;
};

// The header and size of a patch just written or applied.
Result<PatchSummary> Summarize(FileSystem& fs, const std::string& patch_path) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> patch, fs.OpenRandomAccess(patch_path));
  BSI_ASSIGN_OR_RETURN(payload::DeltaHeader header, payload::ReadDeltaHeader(*patch));
  return PatchSummary{header, patch->size()};
}

int Create(const DeltaArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  out.Progress("creating delta " + args.old_path + " -> " + args.new_path);
  Status created = payload::CreateDeltaFile(fs, args.old_path, args.new_path, args.patch_path);
  out.Done();
  if (!created.ok()) return out.Fail("delta create", created.error());
  auto summary = Summarize(fs, args.patch_path);
  if (!summary.ok()) return out.Fail("delta create", summary.error());
  const payload::DeltaHeader& header = summary->header;
  const std::uint64_t size = summary->size;
  out.Json(HeaderJson(header, size));
  const double percent = header.new_size == 0 ? 0.0
                                              : 100.0 * static_cast<double>(size) /
                                                    static_cast<double>(header.new_size);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.1f%%", percent);
  out.Line(args.patch_path + ": " + HumanBytes(size) + " (" +
           std::string(payload::DeltaMethodName(header.method)) + ", " + ratio + " of " +
           HumanBytes(header.new_size) + ")");
  return kExitOk;
}

int Apply(const DeltaArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  out.Progress("applying " + args.patch_path + " to " + args.old_path);
  Status applied = payload::ApplyDeltaFile(fs, args.old_path, args.patch_path, args.out_path);
  out.Done();
  if (!applied.ok()) return out.Fail("delta apply", applied.error());
  auto summary = Summarize(fs, args.patch_path);
  if (!summary.ok()) return out.Fail("delta apply", summary.error());
  out.Json(HeaderJson(summary->header, summary->size));
  out.Line(args.out_path + ": " + HumanBytes(summary->header.new_size) + ", sha256 verified");
  return kExitOk;
}

}  // namespace

void AddDeltaCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<DeltaArgs>();
  CLI::App* delta = app.add_subcommand("delta", "Binary deltas between two files");
  delta->require_subcommand(1);

  CLI::App* create = delta->add_subcommand(
      "create",
      "Make PATCH that turns OLD into NEW (smallest of bsdiff-zstd, zstd-prefix, "
      "zstd-full)");
  create->add_option("OLD", args->old_path, "The file devices have")->required();
  create->add_option("NEW", args->new_path, "The file they should get")->required();
  create->add_option("PATCH", args->patch_path, "Where to write the patch")->required();
  create->add_flag("--json", args->json, "Print a JSON summary");
  create->callback([args, &run] { run = [args] { return Create(*args); }; });

  CLI::App* apply = delta->add_subcommand(
      "apply", "Turn OLD into OUT with PATCH; OLD and OUT are verified against the patch");
  apply->add_option("OLD", args->old_path, "The file the patch was made from")->required();
  apply->add_option("PATCH", args->patch_path, "The patch")->required();
  apply->add_option("OUT", args->out_path, "Where to write the result (replaced atomically)")
      ->required();
  apply->add_flag("--json", args->json, "Print a JSON summary");
  apply->callback([args, &run] { run = [args] { return Apply(*args); }; });
}

}  // namespace bsi::cli
