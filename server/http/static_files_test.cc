// StaticFiles: the pure parts (content types, Cache-Control, Range,
// If-None-Match), then a TUF-like repository served over real HTTP:
// headers, 304, ranges, traversal attempts, files replaced while served.
#include "server/http/static_files.h"

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "server/http/server.h"
#include "server/http/test_client.h"

namespace bsi::http {
namespace {

using namespace std::chrono_literals;
using testing::Fetch;
using testing::ParsedResponse;
using testing::RawClient;
using testing::Request;
using testing::TempDir;
using testing::WriteFile;

const std::string kSha256 = "3b0c4ec2c4a0e34ec6a4a8f7d1e5b1c7a6b5f4e3d2c1b0a9f8e7d6c5b4a39281";

TEST(StaticFilesPartsTest, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("timestamp.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("notes.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("notes.md"), "text/markdown; charset=utf-8");
  EXPECT_EQ(ContentTypeFor(kSha256 + ".webkit.bundle"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("json"), "application/octet-stream");
}

TEST(StaticFilesPartsTest, CacheControlByKind) {
  StaticFilesOptions options;
  for (const char* name : {"timestamp.json", "root.json", "snapshot.json", "targets.json",
                           "role-a.json", "a.b.json", "5.json"}) {
    EXPECT_EQ(CacheControlFor(name, options), "no-cache") << name;
  }
  for (std::string name :
       {std::string("1.root.json"), std::string("12.snapshot.json"), std::string("5.role-a.json"),
        kSha256 + ".webkit.bundle", kSha256 + kSha256 + ".x"}) {
    EXPECT_EQ(CacheControlFor(name, options), "max-age=31536000, immutable") << name;
  }
  for (std::string name :
       {std::string("index.html"), kSha256.substr(1) + ".bundle", std::string("1.root.jsonx")}) {
    EXPECT_EQ(CacheControlFor(name, options), "max-age=60") << name;
  }
}

TEST(StaticFilesPartsTest, Ranges) {
  ByteRange r;
  EXPECT_EQ(ParseRange("bytes=0-9", 100, &r), RangeOutcome::kPartial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(ParseRange("bytes=90-", 100, &r), RangeOutcome::kPartial);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(ParseRange("bytes=-5", 100, &r), RangeOutcome::kPartial);
  EXPECT_EQ(r.first, 95u);
  EXPECT_EQ(r.length, 5u);
  EXPECT_EQ(ParseRange("bytes=-500", 100, &r), RangeOutcome::kPartial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(ParseRange("bytes=50-500", 100, &r), RangeOutcome::kPartial);
  EXPECT_EQ(r.length, 50u);
  EXPECT_EQ(ParseRange("bytes=100-", 100, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0, &r), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100, &r), RangeOutcome::kWhole);
  EXPECT_EQ(ParseRange("bytes=5-1", 100, &r), RangeOutcome::kWhole);
  EXPECT_EQ(ParseRange("items=0-1", 100, &r), RangeOutcome::kWhole);
  EXPECT_EQ(ParseRange("bytes=x-1", 100, &r), RangeOutcome::kWhole);
  EXPECT_EQ(ParseRange("bytes=99999999999999999999-", 100, &r), RangeOutcome::kWhole);
}

TEST(StaticFilesPartsTest, IfNoneMatch) {
  EXPECT_TRUE(IfNoneMatchMatches("\"a-1\"", "\"a-1\""));
  EXPECT_TRUE(IfNoneMatchMatches("W/\"a-1\"", "\"a-1\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", \"a-1\"", "\"a-1\""));
  EXPECT_TRUE(IfNoneMatchMatches(" * ", "\"a-1\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"a-2\"", "\"a-1\""));
  EXPECT_FALSE(IfNoneMatchMatches("a-1", "\"a-1\""));
}

// A repository under root/repo, a secret beside it, served under /repo/.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.path() + "/repo";
    WriteFile(repo_ + "/metadata/timestamp.json", R"({"signed":{"version":7}})");
    WriteFile(repo_ + "/metadata/3.root.json", R"({"signed":{"version":3}})");
    WriteFile(repo_ + "/metadata/root.json", R"({"signed":{"version":3}})");
    WriteFile(repo_ + "/metadata/5.snapshot.json", R"({"signed":{"version":5}})");
    WriteFile(repo_ + "/notes/index.html", "<p>notes</p>");
    WriteFile(repo_ + "/notes/a b.md", "# A B");
    WriteFile(repo_ + "/other.bin", "bin");
    large_.resize(3 << 20);
    for (std::size_t i = 0; i < large_.size(); ++i) large_[i] = static_cast<char>('a' + i % 26);
    WriteFile(repo_ + "/targets/" + kSha256 + ".webkit.bundle", large_);
    WriteFile(dir_.path() + "/secret.txt", "SECRET");
    std::filesystem::create_directories(repo_ + "/empty-dir");
    std::filesystem::create_symlink("../../secret.txt", repo_ + "/metadata/escape.json");
    std::filesystem::create_symlink(dir_.path(), repo_ + "/outside");
    std::filesystem::create_symlink("3.root.json", repo_ + "/metadata/current.root.json");
    Start(StaticFilesOptions());
  }

  void Start(const StaticFilesOptions& options) {
    server_.reset();
    Result<Handler> files = StaticFiles(repo_, options);
    ASSERT_TRUE(files.ok()) << files.error().ToString();
    Router router;
    ASSERT_TRUE(router.Mount("/repo/", std::move(*files)).ok());
    ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(server_options, std::move(router));
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
  }

  ParsedResponse Get(std::string_view target, std::string_view headers = "") {
    std::optional<ParsedResponse> response = Fetch(server_->port(), "GET", target, headers);
    EXPECT_TRUE(response.has_value()) << target;
    return response.value_or(ParsedResponse());
  }

  TempDir dir_;
  std::string repo_;
  std::string large_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypes) {
  ParsedResponse response = Get("/repo/metadata/timestamp.json");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"signed":{"version":7}})");
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  EXPECT_EQ(response.Header("Accept-Ranges"), "bytes");
  EXPECT_EQ(response.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(response.Header("Last-Modified").has_value());
  EXPECT_EQ(Get("/repo/notes/index.html").Header("Content-Type"), "text/html; charset=utf-8");
  ParsedResponse md = Get("/repo/notes/a%20b.md");
  EXPECT_EQ(md.status, 200);
  EXPECT_EQ(md.body, "# A B");
  EXPECT_EQ(md.Header("Content-Type"), "text/markdown; charset=utf-8");
  EXPECT_EQ(Get("/repo/other.bin").Header("Content-Type"), "application/octet-stream");
  ParsedResponse large = Get("/repo/targets/" + kSha256 + ".webkit.bundle");
  EXPECT_EQ(large.status, 200);
  EXPECT_TRUE(large.body == large_);
  // A symbolic link inside the root is followed.
  EXPECT_EQ(Get("/repo/metadata/current.root.json").body, R"({"signed":{"version":3}})");
}

TEST_F(StaticFilesTest, HeadAndMethods) {
  std::optional<ParsedResponse> head =
      Fetch(server_->port(), "HEAD", "/repo/targets/" + kSha256 + ".webkit.bundle");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(large_.size()));
  EXPECT_TRUE(head->body.empty());
  std::optional<ParsedResponse> post =
      Fetch(server_->port(), "POST", "/repo/metadata/timestamp.json", "", "x");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->Header("Allow"), "GET, HEAD");
}

TEST_F(StaticFilesTest, CacheControlPerKind) {
  EXPECT_EQ(Get("/repo/metadata/timestamp.json").Header("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/repo/metadata/root.json").Header("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/repo/metadata/3.root.json").Header("Cache-Control"),
            "max-age=31536000, immutable");
  EXPECT_EQ(Get("/repo/metadata/5.snapshot.json").Header("Cache-Control"),
            "max-age=31536000, immutable");
  EXPECT_EQ(Get("/repo/targets/" + kSha256 + ".webkit.bundle").Header("Cache-Control"),
            "max-age=31536000, immutable");
  EXPECT_EQ(Get("/repo/other.bin").Header("Cache-Control"), "max-age=60");
}

TEST_F(StaticFilesTest, ETagAndNotModified) {
  for (std::string target : {std::string("/repo/metadata/timestamp.json"),
                             "/repo/targets/" + kSha256 + ".webkit.bundle"}) {
    ParsedResponse first = Get(target);
    std::optional<std::string> etag = first.Header("ETag");
    ASSERT_TRUE(etag.has_value());
    EXPECT_EQ(etag->front(), '"');
    EXPECT_EQ(Get(target).Header("ETag"), etag);  // stable
    ParsedResponse again = Get(target, "If-None-Match: " + *etag + "\r\n");
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.Header("ETag"), etag);
    EXPECT_EQ(again.Header("Cache-Control"), first.Header("Cache-Control"));
    EXPECT_FALSE(again.Header("Content-Length").has_value());
    EXPECT_EQ(Get(target, "If-None-Match: W/" + *etag + "\r\n").status, 304);
    EXPECT_EQ(Get(target, "If-None-Match: \"other\", " + *etag + "\r\n").status, 304);
    EXPECT_EQ(Get(target, "If-None-Match: \"other\"\r\n").status, 200);
  }
  // A new version of the file has a new tag.
  std::string old_tag = *Get("/repo/metadata/timestamp.json").Header("ETag");
  WriteFile(repo_ + "/metadata/timestamp.json", R"({"signed":{"version":8}})", /*atomic=*/true);
  ParsedResponse changed =
      Get("/repo/metadata/timestamp.json", "If-None-Match: " + old_tag + "\r\n");
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, R"({"signed":{"version":8}})");
  EXPECT_NE(changed.Header("ETag"), old_tag);
}

TEST_F(StaticFilesTest, Ranges) {
  const std::string small = R"({"signed":{"version":7}})";
  for (const auto& [target, content] :
       {std::pair<std::string, std::string>{"/repo/metadata/timestamp.json", small},
        std::pair<std::string, std::string>{"/repo/targets/" + kSha256 + ".webkit.bundle",
                                            large_}}) {
    std::string size = std::to_string(content.size());
    ParsedResponse first = Get(target, "Range: bytes=0-9\r\n");
    EXPECT_EQ(first.status, 206);
    EXPECT_EQ(first.body, content.substr(0, 10));
    EXPECT_EQ(first.Header("Content-Range"), "bytes 0-9/" + size);
    ParsedResponse from = Get(target, "Range: bytes=5-\r\n");
    EXPECT_EQ(from.status, 206);
    EXPECT_TRUE(from.body == content.substr(5));
    ParsedResponse suffix = Get(target, "Range: bytes=-7\r\n");
    EXPECT_EQ(suffix.status, 206);
    EXPECT_EQ(suffix.body, content.substr(content.size() - 7));
    EXPECT_EQ(suffix.Header("Content-Range"), "bytes " + std::to_string(content.size() - 7) + "-" +
                                                  std::to_string(content.size() - 1) + "/" + size);
    ParsedResponse past = Get(target, "Range: bytes=" + size + "-\r\n");
    EXPECT_EQ(past.status, 416);
    EXPECT_EQ(past.Header("Content-Range"), "bytes */" + size);
    ParsedResponse several = Get(target, "Range: bytes=0-1,4-5\r\n");
    EXPECT_EQ(several.status, 200);
    EXPECT_TRUE(several.body == content);
    // If-Range with another tag: the whole file.
    ParsedResponse stale = Get(target, "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n");
    EXPECT_EQ(stale.status, 200);
    std::string etag = *first.Header("ETag");
    ParsedResponse current = Get(target, "Range: bytes=0-1\r\nIf-Range: " + etag + "\r\n");
    EXPECT_EQ(current.status, 206);
  }
  // A range in the middle of the large file, read from disk.
  ParsedResponse middle =
      Get("/repo/targets/" + kSha256 + ".webkit.bundle", "Range: bytes=1000000-2100000\r\n");
  EXPECT_EQ(middle.status, 206);
  EXPECT_TRUE(middle.body == large_.substr(1000000, 1100001));
}

TEST_F(StaticFilesTest, TraversalIsRefused) {
  const char* attempts[] = {
      "/repo/../secret.txt",
      "/repo/metadata/../../secret.txt",
      "/repo/%2e%2e/secret.txt",
      "/repo/%2E%2E/secret.txt",
      "/repo/metadata/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/repo/metadata%2f..%2f..%2fsecret.txt",
      "/repo/..%5csecret.txt",
      "/repo/..\\secret.txt",
      "/repo/metadata/timestamp.json%00.md",
      "/repo//etc/passwd",
      "/repo/%2fetc/passwd",
      "/repo/./metadata/timestamp.json",
      "/repo/metadata//timestamp.json",
      "/repo/metadata/escape.json",  // a symbolic link out of the root
      "/repo/outside/secret.txt",    // a directory link out of the root
      "/repo/%2e%2e",
  };
  for (const char* target : attempts) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send(Request("GET", target)));
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_TRUE(response->status == 400 || response->status == 404)
        << target << ": " << response->status;
    EXPECT_EQ(response->body.find("SECRET"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, DirectoriesAreNotListed) {
  for (const char* target :
       {"/repo/", "/repo/metadata", "/repo/metadata/", "/repo/empty-dir", "/repo/empty-dir/"}) {
    ParsedResponse response = Get(target);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_EQ(response.body.find("timestamp"), std::string::npos) << target;
  }
  EXPECT_EQ(Get("/repo/metadata/missing.json").status, 404);
}

// The publisher replaces files by rename while clients download them: every
// answer is one whole version, never a mix.
TEST_F(StaticFilesTest, FilesReplacedByRenameAreNeverTorn) {
  struct Case {
    std::string path;
    std::size_t size_a;
    std::size_t size_b;
    int reads;
  };
  // A small (cached) file and a large one (read from disk in pieces).
  for (const Case& c : {Case{"metadata/timestamp.json", 10000, 20000, 300},
                        Case{"targets/big.bin", 1500000, 2500000, 20}}) {
    const std::string a(c.size_a, 'a');
    const std::string b(c.size_b, 'b');
    WriteFile(repo_ + "/" + c.path, a, /*atomic=*/true);
    std::atomic<bool> done{false};
    std::thread publisher([&] {
      for (int i = 0; !done.load(); ++i) {
        WriteFile(repo_ + "/" + c.path, i % 2 == 0 ? b : a, /*atomic=*/true);
        std::this_thread::sleep_for(1ms);
      }
    });
    RawClient client(server_->port());
    int seen_a = 0;
    int seen_b = 0;
    for (int i = 0; i < c.reads; ++i) {
      ASSERT_TRUE(client.Send(Request("GET", "/repo/" + c.path)));
      std::optional<ParsedResponse> response = client.ReadResponse();
      ASSERT_TRUE(response.has_value());
      ASSERT_EQ(response->status, 200);
      if (response->body == a) {
        ++seen_a;
      } else if (response->body == b) {
        ++seen_b;
      } else {
        ADD_FAILURE() << c.path << ": a torn body of " << response->body.size() << " bytes";
        break;
      }
    }
    done = true;
    publisher.join();
    EXPECT_EQ(seen_a + seen_b, c.reads);
  }
}

TEST_F(StaticFilesTest, FilesAboveTheCacheLimitAndTheCacheBound) {
  StaticFilesOptions options;
  options.cache_max_file_bytes = 8;
  options.cache_max_total_bytes = 40;
  Start(options);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(Get("/repo/metadata/timestamp.json").body, R"({"signed":{"version":7}})");
    EXPECT_EQ(Get("/repo/other.bin").body, "bin");
    EXPECT_EQ(Get("/repo/notes/a%20b.md").body, "# A B");
  }
}

TEST(StaticFilesRootTest, MissingRootIsAnError) {
  Result<Handler> files = StaticFiles("/nonexistent/bsi-repo");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().code(), ErrorCode::kFileNotFound);
}

}  // namespace
}  // namespace bsi::http
