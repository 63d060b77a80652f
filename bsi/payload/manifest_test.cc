#include "bsi/payload/manifest.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"
#include "bsi/json/json.h"
#include "bsi/payload/bundle_apply_test_util.h"

namespace bsi::payload {
namespace {

using test::CanonicalJson;
using test::DirJson;
using test::FullFileJson;
using test::LinkJson;
using test::ManifestJson;

ManifestEntry Entry(std::string_view path, NodeType type, unsigned mode) {
  ManifestEntry entry(*SafeRelativePath::Parse(path));
  entry.type = type;
  entry.mode = mode;
  return entry;
}

Manifest SampleDeltaManifest() {
  Manifest manifest;
  manifest.component = "webkit";
  manifest.source_version = "2.44.1";
  manifest.target_version = "2.44.2";
  manifest.entries.push_back(Entry("bin", NodeType::kDirectory, 0755));
  ManifestEntry tool = Entry("bin/tool", NodeType::kFile, 0755);
  tool.size = 5;
  tool.sha256 = crypto::Sha256Hex("hello");
  tool.kind = ContentKind::kDelta;
  tool.content_length = 120;
  tool.source_size = 4;
  tool.source_sha256 = crypto::Sha256Hex("hell");
  manifest.entries.push_back(tool);
  ManifestEntry empty = Entry("empty", NodeType::kFile, 0600);
  empty.sha256 = crypto::Sha256Hex("");
  empty.kind = ContentKind::kUnchanged;
  manifest.entries.push_back(empty);
  ManifestEntry link = Entry("tool", NodeType::kSymlink, 0);
  link.link_target = "bin/tool";
  manifest.entries.push_back(link);
  return manifest;
}

// ToCompactString is the canonical form unless a string holds a control
// character, which it escapes so that the JSON parses and the path check
// (not the JSON parser) is what refuses it.
std::string ParseError(const json::Value& value, ErrorCode expected_code) {
  Result<Manifest> parsed = ParseManifest(json::ToCompactString(value));
  if (parsed.ok()) {
    ADD_FAILURE() << "accepted " << json::ToCompactString(value);
    return "";
  }
  EXPECT_EQ(parsed.error().code(), expected_code) << parsed.error().ToString();
  return parsed.error().message();
}

void ExpectRefused(const json::Value& value, ErrorCode code, std::string_view why) {
  const std::string message = ParseError(value, code);
  EXPECT_NE(message.find(why), std::string::npos) << message << " (wanted " << why << ")";
}

TEST(ManifestTest, RoundTripsCanonically) {
  const Manifest manifest = SampleDeltaManifest();
  Result<std::string> bytes = SerializeManifest(manifest);
  ASSERT_TRUE(bytes.ok()) << bytes.error().ToString();
  Result<Manifest> parsed = ParseManifest(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->component, "webkit");
  EXPECT_EQ(parsed->source_version, "2.44.1");
  EXPECT_EQ(parsed->target_version, "2.44.2");
  ASSERT_EQ(parsed->entries.size(), 4u);
  EXPECT_EQ(parsed->entries[1].kind, ContentKind::kDelta);
  EXPECT_EQ(parsed->entries[1].source_sha256, crypto::Sha256Hex("hell"));
  EXPECT_EQ(parsed->entries[2].kind, ContentKind::kUnchanged);
  EXPECT_EQ(parsed->entries[3].link_target, "bin/tool");
  EXPECT_EQ(*SerializeManifest(*parsed), *bytes);
  EXPECT_FALSE(parsed->is_full());
  EXPECT_EQ(*TotalFileBytes(*parsed), 5u);
}

TEST(ManifestTest, FullManifestHasNoSourceVersion) {
  json::Value value = ManifestJson({DirJson("a"), FullFileJson("a/x", "data", 13)});
  Result<Manifest> parsed = ParseManifest(CanonicalJson(value));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->is_full());
}

TEST(ManifestTest, RefusesNonCanonicalBytes) {
  json::Value value = ManifestJson({FullFileJson("x", "data", 13)});
  std::string pretty = json::ToPrettyString(value);
  Result<Manifest> parsed = ParseManifest(pretty);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(parsed.error().message().find("canonical"), std::string::npos);
}

TEST(ManifestTest, RefusesUnknownFormatVersionFirst) {
  json::Value value = ManifestJson({});
  value.object()["format_version"] = 2;
  value.object()["something_new"] = "x";
  ExpectRefused(value, ErrorCode::kUnsupported, "format version 2");
}

TEST(ManifestTest, RefusesUnknownAndMissingMembers) {
  json::Value extra = ManifestJson({});
  extra.object()["signed_by"] = "me";
  ExpectRefused(extra, ErrorCode::kMalformed, "unknown member");

  json::Value no_target = ManifestJson({});
  no_target.object().erase("target_version");
  ExpectRefused(no_target, ErrorCode::kMalformed, "target_version");

  json::Value dir_with_size = ManifestJson({DirJson("a")});
  dir_with_size.object()["entries"].array()[0].object()["size"] = 3;
  ExpectRefused(dir_with_size, ErrorCode::kMalformed, "unknown member");

  json::Value negative = ManifestJson({FullFileJson("x", "data", 13)});
  negative.object()["entries"].array()[0].object()["size"] = -1;
  ExpectRefused(negative, ErrorCode::kMalformed, "negative");
}

TEST(ManifestTest, RefusesUnknownTypeAndContentKind) {
  json::Value fifo = ManifestJson({DirJson("a")});
  fifo.object()["entries"].array()[0].object()["type"] = "fifo";
  ExpectRefused(fifo, ErrorCode::kMalformed, "not file, dir or symlink");

  json::Value sparse = ManifestJson({FullFileJson("x", "data", 13)});
  sparse.object()["entries"].array()[0].object()["content"].object()["kind"] = "sparse";
  ExpectRefused(sparse, ErrorCode::kMalformed, "not a content kind");
}

TEST(ManifestTest, RefusesUnsafePaths) {
  for (const char* path : {"../x", "/etc/x", "a/../../x", "a//b", "a/./b", "a\nb", "a/"}) {
    ExpectRefused(ManifestJson({FullFileJson(path, "x", 12)}), ErrorCode::kUnsafePath, "path");
  }
}

TEST(ManifestTest, RefusesDuplicateAndUnsortedPaths) {
  ExpectRefused(ManifestJson({FullFileJson("x", "1", 12), FullFileJson("x", "2", 12)}),
                ErrorCode::kMalformed, "lists x twice");
  ExpectRefused(ManifestJson({FullFileJson("y", "1", 12), FullFileJson("x", "2", 12)}),
                ErrorCode::kMalformed, "not sorted");
}

TEST(ManifestTest, RequiresParentsToBeDirectoriesInTheManifest) {
  ExpectRefused(ManifestJson({FullFileJson("a/x", "1", 12)}), ErrorCode::kMalformed,
                "parent directory a is not in the manifest");
  // A file placed "through" a symlink, even one that stays inside.
  ExpectRefused(
      ManifestJson({DirJson("a"), LinkJson("a/link", ".."), FullFileJson("a/link/x", "1", 12)}),
      ErrorCode::kUnsafePath, "its parent a/link is a symlink");
  ExpectRefused(ManifestJson({FullFileJson("f", "1", 12), FullFileJson("f/x", "1", 12)}),
                ErrorCode::kUnsafePath, "its parent f is a file");
}

TEST(ManifestTest, RefusesSpecialModeBits) {
  for (unsigned mode : {04755u, 02755u, 01777u}) {
    ExpectRefused(ManifestJson({FullFileJson("x", "1", 12, mode)}), ErrorCode::kMalformed,
                  "setuid, setgid or sticky");
    ExpectRefused(ManifestJson({DirJson("d", mode)}), ErrorCode::kMalformed,
                  "setuid, setgid or sticky");
  }
  ExpectRefused(ManifestJson({DirJson("d", 0311)}), ErrorCode::kMalformed, "0500");
  json::Value huge = ManifestJson({DirJson("d")});
  huge.object()["entries"].array()[0].object()["mode"] = 0100755;
  ExpectRefused(huge, ErrorCode::kMalformed, "not a file mode");
}

TEST(ManifestTest, RefusesSymlinkEscapes) {
  ExpectRefused(ManifestJson({DirJson("a"), LinkJson("a/l", "../../etc/passwd")}),
                ErrorCode::kUnsafePath, "outside the tree");
  ExpectRefused(ManifestJson({LinkJson("l", "/etc/passwd")}), ErrorCode::kUnsafePath, "absolute");
  // Each link stays inside on its own; together they climb out: a/x is the
  // root, so a/y = root/.. is above it.
  ExpectRefused(ManifestJson({DirJson("a"), LinkJson("a/x", ".."), LinkJson("a/y", "x/..")}),
                ErrorCode::kUnsafePath, "through other symlinks");
  ExpectRefused(ManifestJson({LinkJson("p", "q"), LinkJson("q", "p")}), ErrorCode::kUnsafePath,
                "symlink loop");
}

TEST(ManifestTest, AcceptsLinksThatStayInsideAndDanglingOnes) {
  json::Value value = ManifestJson({DirJson("a"), DirJson("a/b"), LinkJson("a/b/up", "../.."),
                                    LinkJson("a/lib", "b"), LinkJson("a/missing", "nowhere/x"),
                                    LinkJson("top", "a/lib/up/a")});
  Result<Manifest> parsed = ParseManifest(CanonicalJson(value));
  EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
}

// Many long targets, each going through the link before it: the check must
// stay linear (each link is resolved once), not splice targets into targets.
TEST(ManifestTest, LongSymlinkChainsAreCheckedInLinearTime) {
  Manifest manifest;
  manifest.component = "c";
  manifest.target_version = "1";
  manifest.entries.push_back(Entry("d", NodeType::kDirectory, 0755));
  constexpr int kLinks = 1000;
  auto name = [](int i) {
    std::string digits = std::to_string(i);
    return "l" + std::string(5 - digits.size(), '0') + digits;
  };
  for (int i = 0; i < kLinks; ++i) {
    ManifestEntry link = Entry(name(i), NodeType::kSymlink, 0);
    if (i == 0) {
      link.link_target = "d";
    } else {
      for (int k = 0; k < 400; ++k) link.link_target += name(i - 1) + "/../";
      link.link_target += "d";
    }
    manifest.entries.push_back(link);
  }
  EXPECT_TRUE(ValidateManifest(manifest).ok());
  // One more hop through the chain and up twice leaves the tree.
  ManifestEntry escape = Entry("z", NodeType::kSymlink, 0);
  escape.link_target = name(kLinks - 1) + "/../..";
  manifest.entries.push_back(escape);
  Status status = ValidateManifest(manifest);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kUnsafePath);
  EXPECT_NE(status.error().message().find("symlink z"), std::string::npos);
}

TEST(ManifestTest, RefusesChainsLongerThanTheKernelFollows) {
  Manifest manifest;
  manifest.component = "c";
  manifest.target_version = "1";
  // Sorted so that each link is checked before the one it points to.
  for (int i = 99; i >= 0; --i) {
    ManifestEntry link = Entry("l" + std::to_string(100 + i), NodeType::kSymlink, 0);
    link.link_target = i == 99 ? "." : "l" + std::to_string(100 + i + 1);
    manifest.entries.insert(manifest.entries.begin(), link);
  }
  manifest.entries.back().link_target = "nowhere";
  Status status = ValidateManifest(manifest);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("does not resolve within 40 links"), std::string::npos)
      << status.error().message();
}

TEST(ManifestTest, ChecksContentRules) {
  json::Value unchanged_in_full = ManifestJson({FullFileJson("x", "1", 12)});
  unchanged_in_full.object()["entries"].array()[0].object()["content"] =
      json::Object{{"kind", "unchanged"}};
  ExpectRefused(unchanged_in_full, ErrorCode::kMalformed, "full bundle");

  json::Value zero_length = ManifestJson({FullFileJson("x", "1", 0)});
  ExpectRefused(zero_length, ErrorCode::kMalformed, "content length");

  json::Value bad_hash = ManifestJson({FullFileJson("x", "1", 12)});
  bad_hash.object()["entries"].array()[0].object()["sha256"] = "ABCDEF";
  ExpectRefused(bad_hash, ErrorCode::kMalformed, "sha256");

  json::Value bad_delta = ManifestJson({FullFileJson("x", "1", 12)}, "1.0");
  bad_delta.object()["entries"].array()[0].object()["content"] =
      json::Object{{"kind", "delta"}, {"length", 10}, {"source_size", 3}, {"source_sha256", "xyz"}};
  ExpectRefused(bad_delta, ErrorCode::kMalformed, "source_sha256");
}

TEST(ManifestTest, ChecksNamesAndVersions) {
  for (const char* name : {"", "Webkit", ".hidden", "a/b", "..", "x y"}) {
    json::Value value = ManifestJson({});
    value.object()["component"] = name;
    ExpectRefused(value, ErrorCode::kMalformed, "component");
  }
  for (const char* version : {"", "..", "1/2", "26.3.1 (a)", "-1"}) {
    json::Value value = ManifestJson({});
    value.object()["target_version"] = version;
    ExpectRefused(value, ErrorCode::kMalformed, "target_version");
  }
  json::Value ok = ManifestJson({});
  ok.object()["component"] = "lib-ssl_3.0+x";
  ok.object()["target_version"] = "3.0.13-1~deb12u1";
  EXPECT_TRUE(ParseManifest(CanonicalJson(ok)).ok());
}

TEST(ManifestTest, SerializeRefusesInvalidManifests) {
  Manifest manifest = SampleDeltaManifest();
  manifest.source_version.reset();  // a delta entry in a full bundle
  Result<std::string> bytes = SerializeManifest(manifest);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code(), ErrorCode::kMalformed);
}

TEST(ManifestTest, RefusesGarbage) {
  for (std::string_view text : {"", "null", "[]", "{", "{\"format_version\":\"1\"}"}) {
    Result<Manifest> parsed = ParseManifest(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace bsi::payload
