// bsi_delta_tool: the delta library on the command line, for the benchmark
// (bench/delta/run.sh) and for looking at patches by hand.
//
//   bsi_delta_tool create OLD NEW PATCH [--level=N] [--methods=bsdiff,prefix,full] [--exhaustive]
//   bsi_delta_tool apply  OLD PATCH OUT [--no-sync]
//   bsi_delta_tool info   PATCH
//
// create prints "<method> <patch bytes>" on stdout; apply prints nothing.
// apply is ApplyDeltaFile (temporary file, fsync, rename, directory fsync);
// with --no-sync it streams ApplyDelta straight into OUT and closes it, as
// bspatch, xdelta3 and zstd do, to compare like with like.
// Exit status 0 on success, 1 on an error (printed on stderr), 2 on bad usage.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"

namespace {

using bsi::payload::DeltaMethod;

int Usage() {
  std::fputs(
      "usage: bsi_delta_tool create OLD NEW PATCH [--level=N] [--methods=bsdiff,prefix,full]\n"
      "                             [--exhaustive]\n"
      "       bsi_delta_tool apply OLD PATCH OUT [--no-sync]\n"
      "       bsi_delta_tool info PATCH\n",
      stderr);
  return 2;
}

int Fail(const bsi::Error& error) {
  std::fprintf(stderr, "bsi_delta_tool: %s\n", error.ToString().c_str());
  return 1;
}

// Parses "bsdiff,prefix,full" into methods; false on an unknown name.
bool ParseMethods(std::string_view list, std::vector<DeltaMethod>& methods) {
  methods.clear();
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    if (name == "bsdiff") {
      methods.push_back(DeltaMethod::kBsdiffZstd);
    } else if (name == "prefix") {
      methods.push_back(DeltaMethod::kZstdPrefix);
    } else if (name == "full") {
      methods.push_back(DeltaMethod::kZstdFull);
    } else {
      return false;
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return !methods.empty();
}

int Create(const std::vector<std::string_view>& args) {
  if (args.size() < 3) return Usage();
  bsi::payload::DeltaOptions options;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg.starts_with("--level=")) {
      options.level = std::stoi(std::string(arg.substr(8)));
    } else if (arg.starts_with("--methods=")) {
      if (!ParseMethods(arg.substr(10), options.methods)) return Usage();
    } else if (arg == "--exhaustive") {
      options.exhaustive = true;
    } else {
      return Usage();
    }
  }
  bsi::PosixFileSystem fs;
  const std::string patch_path(args[2]);
  bsi::Status created = bsi::payload::CreateDeltaFile(fs, std::string(args[0]),
                                                      std::string(args[1]), patch_path, options);
  if (!created.ok()) return Fail(created.error());
  auto patch = fs.OpenRandomAccess(patch_path);
  if (!patch.ok()) return Fail(patch.error());
  auto header = bsi::payload::ReadDeltaHeader(**patch);
  if (!header.ok()) return Fail(header.error());
  std::printf("%s %llu\n", std::string(DeltaMethodName(header->method)).c_str(),
              static_cast<unsigned long long>((*patch)->size()));
  return 0;
}

// ApplyDelta into a plain file: no temporary, no fsync. OUT is removed on
// an error.
bsi::Status ApplyWithoutSync(bsi::FileSystem& fs, const std::string& old_path,
                             const std::string& patch_path, const std::string& out_path) {
  BSI_ASSIGN_OR_RETURN(auto old_file, fs.OpenRandomAccess(old_path));
  BSI_ASSIGN_OR_RETURN(auto patch, fs.OpenRandomAccess(patch_path));
  BSI_ASSIGN_OR_RETURN(auto out, fs.OpenWritable(out_path));
  bsi::Status applied = bsi::payload::ApplyDelta(
      *old_file, *patch, [&out](std::span<const std::uint8_t> data) { return out->Append(data); });
  if (applied.ok()) applied = out->Close();
  if (!applied.ok()) (void)fs.RemoveFile(out_path);
  return applied;
}

int Apply(const std::vector<std::string_view>& args) {
  const bool no_sync = args.size() == 4 && args[3] == "--no-sync";
  if (args.size() != 3 && !no_sync) return Usage();
  bsi::PosixFileSystem fs;
  const std::string old_path(args[0]), patch_path(args[1]), out_path(args[2]);
  const bsi::Status applied =
      no_sync ? ApplyWithoutSync(fs, old_path, patch_path, out_path)
              : bsi::payload::ApplyDeltaFile(fs, old_path, patch_path, out_path);
  if (!applied.ok()) return Fail(applied.error());
  return 0;
}

int Info(const std::vector<std::string_view>& args) {
  if (args.size() != 1) return Usage();
  bsi::PosixFileSystem fs;
  auto patch = fs.OpenRandomAccess(std::string(args[0]));
  if (!patch.ok()) return Fail(patch.error());
  auto header = bsi::payload::ReadDeltaHeader(**patch);
  if (!header.ok()) return Fail(header.error());
  std::printf("method %s\npatch %llu bytes\nold %llu bytes sha256 %s\nnew %llu bytes sha256 %s\n",
              std::string(DeltaMethodName(header->method)).c_str(),
              static_cast<unsigned long long>((*patch)->size()),
              static_cast<unsigned long long>(header->old_size),
              bsi::crypto::HexEncode(header->old_sha256).c_str(),
              static_cast<unsigned long long>(header->new_size),
              bsi::crypto::HexEncode(header->new_sha256).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string_view command = argv[1];
  const std::vector<std::string_view> args(argv + 2, argv + argc);
  if (command == "create") return Create(args);
  if (command == "apply") return Apply(args);
  if (command == "info") return Info(args);
  return Usage();
}
