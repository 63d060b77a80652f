// Hostile bundles, built byte by byte: each must be refused with a clear
// error, and afterwards the working directory (the staging directory's
// parent and its siblings) must be exactly as before — no staging
// directory, nothing written anywhere else.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/json/json.h"
#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {
namespace {

using namespace std::string_literals;
using test::CanonicalJson;
using test::DirJson;
using test::FullFileJson;
using test::LinkJson;
using test::ManifestJson;
using test::RawBundle;
using test::RawRecord;
using test::Zstd;

// A zstd frame whose header does not record the content size, so that only
// the streaming cap can catch a size lie.
std::string ZstdUnsized(const std::string& data) {
  std::string out;
  ZstdCompressOptions options;
  options.level = 3;
  auto compressor = ZstdCompressor::Create(options, StringSink(out));
  EXPECT_TRUE(compressor.ok());
  EXPECT_TRUE((*compressor)->Write(AsBytes(data)).ok());
  EXPECT_TRUE((*compressor)->Finish().ok());
  Result<ZstdFrameInfo> info = ReadZstdFrameInfo(AsBytes(out));
  EXPECT_TRUE(info.ok() && !info->content_size.has_value());
  return out;
}

json::Value DeltaFileJson(const std::string& path, const std::string& old_data,
                          const std::string& new_data, std::uint64_t length) {
  return json::Object{
      {"path", path},
      {"type", "file"},
      {"mode", 0644},
      {"size", static_cast<std::int64_t>(new_data.size())},
      {"sha256", crypto::Sha256Hex(new_data)},
      {"content", json::Object{{"kind", "delta"},
                               {"length", static_cast<std::int64_t>(length)},
                               {"source_size", static_cast<std::int64_t>(old_data.size())},
                               {"source_sha256", crypto::Sha256Hex(old_data)}}}};
}

class HostileBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDir(Path("parent")).ok());
    ASSERT_TRUE(WriteFileAtomically(fs_, Path("parent/neighbour"), "do not touch").ok());
    test::WriteTree(fs_, Path("source"), {test::File("f", old_data_)});
  }

  std::string Path(const std::string& relative) const { return dir_.path() + "/" + relative; }

  // A full bundle: a directory and a good file first (so that a failure on
  // a later entry happens after apply has written something), then `extra`.
  std::string FullBundle(json::Array extra, std::vector<RawRecord> records) {
    json::Array entries = {DirJson("a"), FullFileJson("a/good", good_, Zstd(good_).size())};
    for (json::Value& entry : extra) entries.push_back(std::move(entry));
    std::vector<RawRecord> all = {RawRecord(1, 1, Zstd(good_))};
    for (RawRecord& record : records) all.push_back(std::move(record));
    return RawBundle(CanonicalJson(ManifestJson(std::move(entries))), all);
  }

  void ExpectRefused(const std::string& bundle, ErrorCode code, std::string_view why,
                     const BundleApplyOptions& options = {}) {
    ASSERT_TRUE(WriteFileAtomically(fs_, Path("b.bsi"), bundle).ok());
    const std::vector<std::string> before = test::Snapshot(fs_, dir_.path());
    ApplyRequest request;
    request.bundle_path = Path("b.bsi");
    request.source_dir = Path("source");
    request.staging_dir = Path("parent/staging");
    Result<Manifest> applied = ApplyBundle(fs_, request, options);
    ASSERT_FALSE(applied.ok()) << "accepted";
    EXPECT_EQ(applied.error().code(), code) << applied.error().ToString();
    EXPECT_NE(applied.error().message().find(why), std::string::npos)
        << applied.error().message() << "\n(wanted: " << why << ")";
    EXPECT_EQ(applied.error().message().find("removing"), std::string::npos)
        << "cleanup failed: " << applied.error().message();
    EXPECT_EQ(test::Snapshot(fs_, dir_.path()), before);
    EXPECT_FALSE(fs_.Exists(request.staging_dir));
  }

  test::TempDir dir_;
  PosixFileSystem fs_;
  const std::string good_ = "good content\n";
  const std::string old_data_ = test::RandomBytes(20000, 7);
};

TEST_F(HostileBundleTest, TraversalPaths) {
  for (const std::string& path : {"../x"s, "/etc/x"s, "a/../../x"s, "a//b"s, "a/./b"s, "a/\nb"s,
                                  "a/b\0c"s, "a/x/"s, "a/\x7f"s}) {
    // Compact (escaped) JSON, so that the path check, not the JSON parser,
    // is what refuses control characters.
    const std::string manifest = json::ToCompactString(
        ManifestJson({DirJson("a"), FullFileJson(path, "x", Zstd("x").size())}));
    SCOPED_TRACE(test::CanonicalJson(json::Value(path)));
    ExpectRefused(RawBundle(manifest, {RawRecord(1, 1, Zstd("x"))}), ErrorCode::kUnsafePath,
                  "path");
  }
}

TEST_F(HostileBundleTest, SymlinkEscapes) {
  ExpectRefused(FullBundle({LinkJson("a/passwd", "../../etc/passwd")}, {}), ErrorCode::kUnsafePath,
                "points outside the tree");
  ExpectRefused(FullBundle({LinkJson("a/passwd", "/etc/passwd")}, {}), ErrorCode::kUnsafePath,
                "is absolute");
  ExpectRefused(FullBundle({LinkJson("a/neighbour", "../../parent/neighbour")}, {}),
                ErrorCode::kUnsafePath, "points outside the tree");
  ExpectRefused(FullBundle({LinkJson("a/root", ".."), LinkJson("a/up", "root/..")}, {}),
                ErrorCode::kUnsafePath, "through other symlinks");
}

TEST_F(HostileBundleTest, FileWrittenThroughASymlink) {
  ExpectRefused(FullBundle({LinkJson("a/link", "/tmp"), FullFileJson("a/link/x", "x", 12)},
                           {RawRecord(1, 3, Zstd("x"))}),
                ErrorCode::kUnsafePath, "/tmp");
  // Even a link that stays inside may not be a parent.
  ExpectRefused(FullBundle({LinkJson("a/link", ".."), FullFileJson("a/link/x", "x", 12)},
                           {RawRecord(1, 3, Zstd("x"))}),
                ErrorCode::kUnsafePath, "its parent a/link is a symlink");
}

TEST_F(HostileBundleTest, RecordLongerOrShorterThanDeclared) {
  const std::string blob = Zstd("payload");
  // Both say 5 more bytes than the manifest: the bundle is longer.
  ExpectRefused(
      FullBundle({FullFileJson("a/x", "payload", blob.size())}, {RawRecord(1, 2, blob + "12345")}),
      ErrorCode::kMalformed, "5 bytes after its last content record");
  // Both say fewer bytes: the bundle ends early.
  ExpectRefused(FullBundle({FullFileJson("a/x", "payload", blob.size())},
                           {RawRecord(1, 2, blob.substr(0, 3))}),
                ErrorCode::kMalformed, "truncated");
  // The lengths add up, but the record header disagrees with the manifest.
  ExpectRefused(FullBundle({FullFileJson("a/x", "payload", blob.size())},
                           {RawRecord(1, 2, blob, blob.size() + 1)}),
                ErrorCode::kMalformed, "but the manifest declares");
}

TEST_F(HostileBundleTest, TruncatedBundle) {
  const std::string bundle = FullBundle({FullFileJson("a/x", "payload", Zstd("payload").size())},
                                        {RawRecord(1, 2, Zstd("payload"))});
  for (std::size_t size : {std::size_t{0}, std::size_t{8}, std::size_t{16}, std::size_t{40},
                           bundle.size() / 2, bundle.size() - 17, bundle.size() - 1}) {
    SCOPED_TRACE(size);
    ExpectRefused(bundle.substr(0, size), ErrorCode::kMalformed, "truncated");
  }
}

TEST_F(HostileBundleTest, CorruptZstd) {
  // A broken frame header: refused before anything is written.
  const std::string garbage = "not zstd at all";
  ExpectRefused(
      FullBundle({FullFileJson("a/x", "payload", garbage.size())}, {RawRecord(1, 2, garbage)}),
      ErrorCode::kMalformed, "full content of a/x");
  // Broken blocks: found while streaming, after a/good was written. (Text,
  // so that zstd makes compressed blocks rather than storing raw ones.)
  std::string data;
  for (int i = 0; data.size() < 200000; ++i) {
    data += "line " + std::to_string(i * 7919 % 1000) + "\n";
  }
  std::string blob = Zstd(data);
  for (std::size_t i = blob.size() / 3; i < blob.size() / 3 + 64; ++i) {
    blob[i] = static_cast<char>(~blob[i]);
  }
  ASSERT_TRUE(WriteFileAtomically(
                  fs_, Path("b.bsi"),
                  FullBundle({FullFileJson("a/x", data, blob.size())}, {RawRecord(1, 2, blob)}))
                  .ok());
  ApplyRequest request;
  request.bundle_path = Path("b.bsi");
  request.staging_dir = Path("parent/staging");
  const std::vector<std::string> before = test::Snapshot(fs_, dir_.path());
  Result<Manifest> applied = ApplyBundle(fs_, request);
  ASSERT_FALSE(applied.ok());
  // Corrupt blocks either fail to decode or decode to other bytes.
  EXPECT_TRUE(applied.error().code() == ErrorCode::kMalformed ||
              applied.error().code() == ErrorCode::kHashMismatch)
      << applied.error().ToString();
  EXPECT_NE(applied.error().message().find("a/x"), std::string::npos);
  EXPECT_EQ(test::Snapshot(fs_, dir_.path()), before);
}

TEST_F(HostileBundleTest, HashMismatch) {
  json::Value entry = FullFileJson("a/x", "payload", Zstd("PAYLOAD").size());
  ExpectRefused(FullBundle({entry}, {RawRecord(1, 2, Zstd("PAYLOAD"))}), ErrorCode::kHashMismatch,
                "a/x has SHA-256");
}

TEST_F(HostileBundleTest, ZipBomb) {
  const std::string zeros(4 << 20, '\0');
  const std::string sized = Zstd(zeros);
  ASSERT_LT(sized.size(), 1024u);
  // The frame header admits the size: refused before writing.
  ExpectRefused(FullBundle({FullFileJson("a/x", "tiny", sized.size())}, {RawRecord(1, 2, sized)}),
                ErrorCode::kTooLarge, "declares 4194304 bytes, more than the manifest's 4");
  // It does not: the output cap stops it after the declared size.
  const std::string unsized = ZstdUnsized(zeros);
  ExpectRefused(FullBundle({FullFileJson("a/x", std::string(1000, '\0'), unsized.size())},
                           {RawRecord(1, 2, unsized)}),
                ErrorCode::kTooLarge, "a/x");
}

TEST_F(HostileBundleTest, ContentShorterThanDeclared) {
  const std::string blob = ZstdUnsized("short");
  ExpectRefused(FullBundle({FullFileJson("a/x", "short and then some", blob.size())},
                           {RawRecord(1, 2, blob)}),
                ErrorCode::kLengthMismatch, "a/x has 5 bytes, the manifest declares 19");
}

TEST_F(HostileBundleTest, OverTheCaps) {
  const std::string blob = Zstd(std::string(600, 'x'));
  const std::string bundle =
      FullBundle({DirJson("b"), FullFileJson("b/x", std::string(600, 'x'), blob.size()),
                  FullFileJson("b/y", std::string(600, 'x'), blob.size())},
                 {RawRecord(1, 3, blob), RawRecord(1, 4, blob)});
  BundleApplyOptions options;
  options.max_files = 4;
  ExpectRefused(bundle, ErrorCode::kTooLarge, "entry count 5 is over the cap of 4", options);
  options = {};
  options.max_total_bytes = 1000;
  ExpectRefused(bundle, ErrorCode::kTooLarge, "total file size 1213 is over the cap", options);
  options = {};
  options.max_file_bytes = 599;
  ExpectRefused(bundle, ErrorCode::kTooLarge, "the size of b/x 600 is over the cap", options);
}

TEST_F(HostileBundleTest, DuplicatePaths) {
  ExpectRefused(FullBundle({FullFileJson("a/good", good_, Zstd(good_).size())},
                           {RawRecord(1, 2, Zstd(good_))}),
                ErrorCode::kMalformed, "lists a/good twice");
  ExpectRefused(RawBundle(CanonicalJson(ManifestJson({DirJson("a"), DirJson("a")})), {}),
                ErrorCode::kMalformed, "lists a twice");
}

TEST_F(HostileBundleTest, SetuidMode) {
  ExpectRefused(FullBundle({FullFileJson("a/su", "x", Zstd("x").size(), 04755)},
                           {RawRecord(1, 2, Zstd("x"))}),
                ErrorCode::kMalformed, "setuid");
  ExpectRefused(FullBundle({DirJson("a/tmp", 01777)}, {}), ErrorCode::kMalformed, "sticky");
}

TEST_F(HostileBundleTest, UnknownContentKind) {
  json::Value sparse = FullFileJson("a/x", "x", 12);
  sparse.object()["content"].object()["kind"] = "sparse";
  ExpectRefused(FullBundle({sparse}, {RawRecord(1, 2, Zstd("x"))}), ErrorCode::kMalformed,
                "\"sparse\" is not a content kind");
  ExpectRefused(
      FullBundle({FullFileJson("a/x", "x", Zstd("x").size())}, {RawRecord(9, 2, Zstd("x"))}),
      ErrorCode::kMalformed, "unknown content kind 9");
  ExpectRefused(
      FullBundle({FullFileJson("a/x", "x", Zstd("x").size())}, {RawRecord(2, 2, Zstd("x"))}),
      ErrorCode::kMalformed, "is of kind delta but the manifest says full");
  ExpectRefused(
      FullBundle({FullFileJson("a/x", "x", Zstd("x").size())}, {RawRecord(1, 1, Zstd("x"))}),
      ErrorCode::kMalformed, "names entry 1, expected 2");
  json::Value unchanged = FullFileJson("a/x", "x", 12);
  unchanged.object()["content"] = json::Object{{"kind", "unchanged"}};
  ExpectRefused(FullBundle({unchanged}, {RawRecord(3, 2, "")}), ErrorCode::kMalformed,
                "a full bundle");
}

TEST_F(HostileBundleTest, BadHeaders) {
  const std::string good = FullBundle({}, {});
  std::string magic = good;
  magic[0] = 'X';
  ExpectRefused(magic, ErrorCode::kMalformed, "not a bsi bundle");
  ExpectRefused(RawBundle(CanonicalJson(ManifestJson({})), {}, 2), ErrorCode::kUnsupported,
                "format version 2");
  json::Value v2 = ManifestJson({});
  v2.object()["format_version"] = 2;
  ExpectRefused(RawBundle(CanonicalJson(v2), {}), ErrorCode::kUnsupported,
                "manifest format version 2");
  std::string reserved = good;
  reserved[reserved.size() - Zstd(good_).size() - 14] = 1;  // record header byte 2
  ExpectRefused(reserved, ErrorCode::kMalformed, "reserved");
  ExpectRefused(RawBundle(json::ToPrettyString(ManifestJson({})), {}), ErrorCode::kMalformed,
                "canonical");
}

TEST_F(HostileBundleTest, ManifestTooLarge) {
  std::string bundle = RawBundle("", {});
  bundle[12] = 1;  // manifest length 16 MiB + 1, little-endian
  bundle[13] = 0;
  bundle[14] = 0;
  bundle[15] = 1;
  ExpectRefused(bundle, ErrorCode::kTooLarge, "manifest of 16777217 bytes");
}

TEST_F(HostileBundleTest, DeltaAgainstAnotherSource) {
  const std::string new_data = old_data_ + "more";
  const std::string other_old = test::RandomBytes(20000, 8);
  Result<std::string> patch = CreateDelta(other_old, new_data);
  ASSERT_TRUE(patch.ok());
  // The manifest claims the real source; the patch names another.
  json::Array entries = {DirJson("a"), DeltaFileJson("f", old_data_, new_data, patch->size())};
  ExpectRefused(
      RawBundle(CanonicalJson(ManifestJson(std::move(entries), "1.0")), {RawRecord(2, 1, *patch)}),
      ErrorCode::kMalformed, "delta patch of f is for another source file");
}

TEST_F(HostileBundleTest, CorruptDeltaStream) {
  const std::string new_data = test::RandomBytes(30000, 9) + old_data_;
  DeltaOptions options;
  options.methods = {DeltaMethod::kBsdiffZstd};
  Result<std::string> patch = CreateDelta(old_data_, new_data, options);
  ASSERT_TRUE(patch.ok());
  std::string corrupt = *patch;
  for (std::size_t i = corrupt.size() - 200; i < corrupt.size() - 100; ++i) corrupt[i] ^= 0x55;
  json::Array entries = {DirJson("a"), FullFileJson("a/good", good_, Zstd(good_).size()),
                         DeltaFileJson("f", old_data_, new_data, corrupt.size())};
  const std::string bundle = RawBundle(CanonicalJson(ManifestJson(std::move(entries), "1.0")),
                                       {RawRecord(1, 1, Zstd(good_)), RawRecord(2, 2, corrupt)});
  ASSERT_TRUE(WriteFileAtomically(fs_, Path("b.bsi"), bundle).ok());
  ApplyRequest request;
  request.bundle_path = Path("b.bsi");
  request.source_dir = Path("source");
  request.staging_dir = Path("parent/staging");
  const std::vector<std::string> before = test::Snapshot(fs_, dir_.path());
  Result<Manifest> applied = ApplyBundle(fs_, request);
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(applied.error().code() == ErrorCode::kMalformed ||
              applied.error().code() == ErrorCode::kHashMismatch ||
              applied.error().code() == ErrorCode::kTooLarge)
      << applied.error().ToString();
  EXPECT_NE(applied.error().message().find("applying bundle"), std::string::npos);
  EXPECT_EQ(test::Snapshot(fs_, dir_.path()), before);
}

}  // namespace
}  // namespace bsi::payload
