#include "bsi/payload/bundle_apply_test_util.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/payload/bundle_writer.h"
#include "bsi/payload/zstd_stream.h"

#include "testing/memory_file_system.h"

namespace bsi::payload::test {
namespace {

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) {
    ADD_FAILURE() << what << ": " << status.error().ToString();
    std::abort();
  }
}

void ReadTreeInto(FileSystem& fs, const std::string& root, const std::string& dir,
                  std::vector<TreeNode>& out) {
  Result<std::vector<std::string>> names = fs.ListDir(JoinPath(root, dir));
  Check(names.ok() ? Ok() : Status(names.error()), "listing " + dir);
  for (const std::string& name : *names) {
    const std::string relative = dir.empty() ? name : dir + "/" + name;
    const std::string full = JoinPath(root, relative);
    Result<FileInfo> info = fs.GetInfo(full);
    Check(info.ok() ? Ok() : Status(info.error()), "stat " + full);
    TreeNode node;
    node.path = relative;
    switch (info->type) {
      case FileType::kRegular: {
        node.type = NodeType::kFile;
        node.mode = info->mode;
        Result<std::string> data = fs.ReadFile(full, std::uint64_t{1} << 30);
        Check(data.ok() ? Ok() : Status(data.error()), "reading " + full);
        node.data = *data;
        out.push_back(node);
        break;
      }
      case FileType::kDirectory:
        node.type = NodeType::kDirectory;
        node.mode = info->mode;
        out.push_back(node);
        ReadTreeInto(fs, root, relative, out);
        break;
      case FileType::kSymlink: {
        node.type = NodeType::kSymlink;
        Result<std::string> target = fs.ReadSymlink(full);
        Check(target.ok() ? Ok() : Status(target.error()), "readlink " + full);
        node.data = *target;
        out.push_back(node);
        break;
      }
      case FileType::kOther:
        node.data = "<other>";
        out.push_back(node);
        break;
    }
  }
}

void SnapshotInto(FileSystem& fs, const std::string& path, std::vector<std::string>& out) {
  Result<FileInfo> info = fs.GetInfo(path);
  if (!info.ok()) return;
  out.push_back(path + " " + std::to_string(static_cast<int>(info->type)) + " " +
                (info->type == FileType::kRegular ? std::to_string(info->size) : "-"));
  if (info->type != FileType::kDirectory) return;
  Result<std::vector<std::string>> names = fs.ListDir(path);
  if (!names.ok()) return;
  for (const std::string& name : *names) SnapshotInto(fs, JoinPath(path, name), out);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const TreeNode& node) {
  os << "{" << node.path << " " << NodeTypeName(node.type) << " 0" << std::oct << node.mode
     << std::dec << " ";
  if (node.type == NodeType::kFile) {
    os << node.data.size() << " bytes " << crypto::Sha256Hex(node.data).substr(0, 12);
  } else {
    os << node.data;
  }
  return os << "}";
}

TreeNode File(std::string path, std::string data, unsigned mode) {
  return TreeNode{
      .path = std::move(path), .type = NodeType::kFile, .mode = mode, .data = std::move(data)};
}

TreeNode Dir(std::string path, unsigned mode) {
  return TreeNode{.path = std::move(path), .type = NodeType::kDirectory, .mode = mode, .data = {}};
}

TreeNode Link(std::string path, std::string target) {
  return TreeNode{
      .path = std::move(path), .type = NodeType::kSymlink, .mode = 0, .data = std::move(target)};
}

void WriteTree(FileSystem& fs, const std::string& root, const std::vector<TreeNode>& nodes) {
  Check(CreateDirs(fs, root), "creating " + root);
  for (const TreeNode& node : nodes) {
    const std::string path = JoinPath(root, node.path);
    switch (node.type) {
      case NodeType::kFile: {
        // Synced (a MemoryFileSystem crash keeps it) but not renamed into
        // place: one fsync per file keeps the tests on real disks quick.
        Result<std::unique_ptr<WritableFile>> file = fs.OpenWritable(path, 0644);
        Check(file.ok() ? Ok() : Status(file.error()), "creating " + path);
        Check((*file)->Append(node.data), "writing " + path);
        Check((*file)->Sync(), "syncing " + path);
        Check((*file)->Close(), "closing " + path);
        Check(fs.SetMode(path, node.mode), "chmod " + path);
        break;
      }
      case NodeType::kDirectory:
        Check(fs.CreateDir(path, 0755), "mkdir " + path);
        break;
      case NodeType::kSymlink:
        Check(fs.CreateSymlink(node.data, path), "symlink " + path);
        break;
    }
  }
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    if (it->type == NodeType::kDirectory) {
      Check(fs.SetMode(JoinPath(root, it->path), it->mode), "chmod " + it->path);
    }
  }
}

std::vector<TreeNode> ReadTree(FileSystem& fs, const std::string& root) {
  std::vector<TreeNode> out;
  ReadTreeInto(fs, root, "", out);
  std::sort(out.begin(), out.end(),
            [](const TreeNode& a, const TreeNode& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> Snapshot(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  SnapshotInto(fs, dir, out);
  std::sort(out.begin(), out.end());
  return out;
}

void SyncTree(FileSystem& fs, const std::string& dir) {
  Check(fs.SyncDir(dir), "syncing " + dir);
  Result<std::vector<std::string>> names = fs.ListDir(dir);
  Check(names.ok() ? Ok() : Status(names.error()), "listing " + dir);
  for (const std::string& name : *names) {
    const std::string path = JoinPath(dir, name);
    Result<FileInfo> info = fs.GetInfo(path);
    if (info.ok() && info->type == FileType::kDirectory) SyncTree(fs, path);
  }
}

std::string RandomBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(generator() & 0xff);
  return out;
}

namespace {

// data with a few bytes changed every `stride` bytes.
std::string Mutate(std::string data, std::size_t stride) {
  for (std::size_t i = stride / 2; i < data.size(); i += stride) data[i] ^= 0x5a;
  return data;
}

}  // namespace

std::vector<TreeNode> OldTree() {
  return {
      Dir("bin"),
      File("bin/helper", RandomBytes(3000, 2), 0755),
      File("bin/tool", RandomBytes(std::size_t{64} * 1024, 1), 0755),
      File("becomes_dir", "a file today"),
      File("empty", ""),
      Dir("etc", 0700),
      File("etc/config", "key=value\n", 0600),
      File("gone", "deleted in the new version"),
      Dir("lib"),
      File("lib/libfoo.so.1", RandomBytes(std::size_t{96} * 1024, 3)),
      Link("lib/libfoo.so", "libfoo.so.1"),
      File("lib/old_name.dat", RandomBytes(std::size_t{10} * 1024, 4)),
      File("mode_change", "same bytes, other mode"),
      Dir("share"),
      Dir("share/doc"),
      File("share/doc/README", "Read me.\n"),
  };
}

std::vector<TreeNode> NewTree() {
  return {
      Dir("becomes_dir"),
      File("becomes_dir/inside", "now a directory"),
      Dir("bin"),
      File("bin/helper", RandomBytes(3000, 2), 0755),
      File("bin/tool", Mutate(RandomBytes(std::size_t{64} * 1024, 1), 4096), 0755),
      Link("current", "bin/tool"),
      Link("dangling", "nowhere/at/all"),
      File("empty", ""),
      Dir("etc", 0700),
      File("etc/config", "key=value\n", 0600),
      Dir("lib", 0555),
      File("lib/libfoo.so.1", Mutate(RandomBytes(std::size_t{96} * 1024, 3), 8192)),
      Link("lib/libfoo.so", "libfoo.so.1"),
      File("lib/new_name.dat", RandomBytes(std::size_t{10} * 1024, 4)),
      File("mode_change", "same bytes, other mode", 0755),
      File("new_empty", "", 0444),
      File("readonly", "read only", 0400),
      Dir("share"),
      Dir("share/doc", 0700),
      File("share/doc/README", "Read me, please.\n"),
      Link("share/doc/libs", "../../lib"),
  };
}

namespace {

std::string MakeBundle(bool delta) {
  testing::MemoryFileSystem fs;
  WriteTree(fs, "/old", OldTree());
  WriteTree(fs, "/new", NewTree());
  BundleSpec spec;
  spec.component = "webkit";
  spec.target_version = "2.44.2";
  spec.new_tree = "/new";
  if (delta) {
    spec.source_version = "2.44.1";
    spec.old_tree = "/old";
  }
  BundleWriterOptions options;
  options.level = 3;
  options.delta.level = 3;
  Result<BundleInfo> info = BundleWriter(fs, options).Write(spec, "/b.bsi");
  Check(info.ok() ? Ok() : Status(info.error()), "writing the test bundle");
  return *fs.ReadFile("/b.bsi", std::uint64_t{1} << 30);
}

}  // namespace

const std::string& DeltaBundleBytes() {
  static const std::string* bytes = new std::string(MakeBundle(true));
  return *bytes;
}

const std::string& FullBundleBytes() {
  static const std::string* bytes = new std::string(MakeBundle(false));
  return *bytes;
}

namespace {

class PosixWorkspace final : public Workspace {
 public:
  FileSystem& fs() override { return fs_; }
  const std::string& root() const override { return dir_.path(); }

 private:
  TempDir dir_;
  PosixFileSystem fs_;
};

class MemoryWorkspace final : public Workspace {
 public:
  MemoryWorkspace() { Check(fs_.CreateDir(root_), "mkdir " + root_); }
  FileSystem& fs() override { return fs_; }
  const std::string& root() const override { return root_; }

 private:
  testing::MemoryFileSystem fs_;
  std::string root_ = "/work";
};

}  // namespace

std::unique_ptr<Workspace> MakeWorkspace(FsKind kind) {
  if (kind == FsKind::kPosix) return std::make_unique<PosixWorkspace>();
  return std::make_unique<MemoryWorkspace>();
}

std::string FsKindName(const ::testing::TestParamInfo<FsKind>& info) {
  return info.param == FsKind::kPosix ? "Posix" : "Memory";
}

std::string RawBundle(const std::string& manifest, const std::vector<RawRecord>& records,
                      std::uint32_t format_version) {
  std::string out =
      EncodeBundleHeader(format_version, static_cast<std::uint32_t>(manifest.size())) + manifest;
  for (const RawRecord& record : records) {
    std::string header = EncodeRecordHeader(ContentKind::kFull, record.index,
                                            record.declared_length.value_or(record.data.size()));
    header[0] = static_cast<char>(record.kind);
    out += header;
    out += record.data;
  }
  return out;
}

std::string CanonicalJson(const json::Value& value) {
  Result<std::string> out = json::Canonicalize(value);
  Check(out.ok() ? Ok() : Status(out.error()), "canonicalizing");
  return *out;
}

std::string Zstd(const std::string& data) {
  ZstdCompressOptions options;
  options.level = 3;
  Result<std::string> out = ZstdCompress(AsBytes(data), options);
  Check(out.ok() ? Ok() : Status(out.error()), "compressing");
  return *out;
}

json::Value DirJson(const std::string& path, unsigned mode) {
  return json::Object{{"path", path}, {"type", "dir"}, {"mode", static_cast<std::int64_t>(mode)}};
}

json::Value LinkJson(const std::string& path, const std::string& target) {
  return json::Object{{"path", path}, {"type", "symlink"}, {"target", target}};
}

json::Value FullFileJson(const std::string& path, const std::string& content, std::uint64_t length,
                         unsigned mode) {
  return json::Object{
      {"path", path},
      {"type", "file"},
      {"mode", static_cast<std::int64_t>(mode)},
      {"size", static_cast<std::int64_t>(content.size())},
      {"sha256", crypto::Sha256Hex(content)},
      {"content", json::Object{{"kind", "full"}, {"length", static_cast<std::int64_t>(length)}}}};
}

json::Value ManifestJson(json::Array entries, std::optional<std::string> source_version) {
  json::Object root{{"format_version", 1},
                    {"component", "webkit"},
                    {"target_version", "2.44.2"},
                    {"entries", std::move(entries)}};
  if (source_version) root["source_version"] = *source_version;
  return root;
}

}  // namespace bsi::payload::test
