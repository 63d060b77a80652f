// The vendor's workflow on the `bsi` command line, run as real processes:
// keys, repository, releases, rollout, withdrawal, supersession. The
// repository it writes is checked three ways: by `bsi repo verify`, by the
// conformance client bsi-tuf-client over real HTTP on 127.0.0.1, and by
// tests/tuf_spec_check.py, a checker written against the TUF
// specification with securesystemslib, sharing no code with bsi.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/json/json.h"

#include "testing/http_test_server.h"
#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;

std::string Library(const std::string& fix) {
  std::string bytes(250'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 31 + i / 7) % 253);
  bytes.replace(4096, fix.size(), fix);
  return bytes;
}

class ReleaseCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-release-cli.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    for (const auto& [tree, fix] : std::vector<std::pair<std::string, std::string>>{
             {"base", "base"}, {"a", "fix-a"}, {"b", "fix-b"}}) {
      WriteAll(work_ / tree / "lib/libwebkit.so.6", Library(fix));
      WriteAll(work_ / tree / "share/VERSION", tree + "\n");
    }
    WriteAll(work_ / "NOTES.md", "# Urgent fix\n\nPlease update.\n");
  }
  void TearDown() override {
    server_.Stop();
    fs::remove_all(work_);
  }

  ProcessResult Bsi(std::vector<std::string> args) {
    args.insert(args.begin(), BSI_CLI_PATH);
    return RunProcess(args);
  }
  std::string Repo() const { return (work_ / "repo").string(); }
  std::string Keys() const { return (work_ / "keys").string(); }
  std::string Path(const std::string& relative) const { return (work_ / relative).string(); }

  ProcessResult SpecCheck(std::vector<std::string> extra = {}) {
    const char* source = std::getenv("BSI_SOURCE_DIR");
    std::vector<std::string> argv = {
        "/usr/bin/python3", std::string(source ? source : ".") + "/tests/tuf_spec_check.py",
        Repo()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }

  ProcessResult Client(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BSI_TUF_CLIENT_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  std::string Timestamp() { return ReadAll(work_ / "repo/metadata/timestamp.json"); }

  // Every file of the repository with its content, to compare states.
  std::map<std::string, std::string> RepoFiles() {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(work_ / "repo")) {
      if (entry.is_regular_file()) {
        files[fs::relative(entry.path(), work_ / "repo").string()] = ReadAll(entry.path());
      }
    }
    return files;
  }

  ProcessResult Create(const std::string& base_tree, const std::string& new_tree,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "release",     "create",
        "--repo",      Repo(),
        "--keys",      Keys(),
        "--product",   "acme-os",
        "--base",      "26.3.1",
        "--component", "webkit=" + Path(base_tree) + ":" + Path(new_tree),
        "--cve",       "CVE-2026-20643:critical:Use after free in WebKit"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Bsi(args);
  }

  fs::path work_;
  testing::HttpTestServer server_;
};

TEST_F(ReleaseCli, FromTwoTreesToAPublishedWithdrawnAndReplacedImprovement) {
  ProcessResult init = Bsi({"repo", "init", "--repo", Repo(), "--keys", Keys(), "--publisher",
                            "Acme Corp", "--publisher-url", "https://acme.example"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(fs::status(work_ / "keys/root.pem").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(init.out.find("PRIVATE KEY"), std::string::npos);

  ProcessResult a =
      Create("base", "a", {"--notes", Path("NOTES.md"), "--cve", "CVE-2026-1111:low"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("published acme-os 26.3.1 (a)"), std::string::npos) << a.out;

  ProcessResult verify = Bsi({"repo", "verify", "--repo", Repo()});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  ProcessResult spec = SpecCheck({"--expect-target", "acme-os/26.3.1/a/notes.md", "--expect-target",
                                  "acme-os/26.3.1/a/webkit-from-base.bundle"});
  ASSERT_EQ(spec.exit_code, 0) << spec.out << spec.err;

  // A conforming client reads and downloads it over HTTP.
  server_.ServeDirectory(Repo());
  ASSERT_TRUE(server_.Start().ok());
  const std::string metadata = Path("client/metadata");
  ASSERT_EQ(
      Client({"--metadata-dir", metadata, "init", Path("repo/metadata/1.root.json")}).exit_code, 0);
  ProcessResult download =
      Client({"--metadata-url", server_.BaseUrl() + "metadata/", "--metadata-dir", metadata,
              "--target-name", "acme-os/26.3.1/a/notes.md", "--target-dir", Path("client/t"),
              "--target-base-url", server_.BaseUrl() + "targets/", "download"});
  ASSERT_EQ(download.exit_code, 0) << download.err;
  EXPECT_EQ(ReadAll(work_ / "client/t" / "acme-os%2F26.3.1%2Fa%2Fnotes.md"),
            "# Urgent fix\n\nPlease update.\n");

  // Show, as JSON for scripts.
  ProcessResult show = Bsi({"release", "show", "26.3.1 (a)", "--repo", Repo(), "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  Result<json::Value> shown = json::Parse(show.out);
  ASSERT_TRUE(shown.ok()) << show.out;
  EXPECT_EQ(shown->Find("id")->string_value(), "acme-os 26.3.1 (a)");
  EXPECT_EQ(shown->Find("cves")->array().size(), 2u);

  // Stage it: pause, new waves, resume.
  EXPECT_EQ(Bsi({"release", "pause", "26.3.1 (a)", "--repo", Repo(), "--keys", Keys()}).exit_code,
            0);
  ProcessResult waves = Bsi({"release", "rollout", "26.3.1 (a)", "--waves", "0:5,2h:50,12h:100",
                             "--repo", Repo(), "--keys", Keys()});
  ASSERT_EQ(waves.exit_code, 0) << waves.err;
  EXPECT_NE(waves.out.find("0:5,2h:50,12h:100  PAUSED"), std::string::npos) << waves.out;
  EXPECT_EQ(Bsi({"release", "resume", "26.3.1 (a)", "--repo", Repo(), "--keys", Keys()}).exit_code,
            0);

  // Withdraw it, and replace it with (b), which also carries a delta from (a).
  ProcessResult withdraw = Bsi({"release", "withdraw", "26.3.1 (a)", "--reason", "crashes on start",
                                "--repo", Repo(), "--keys", Keys()});
  ASSERT_EQ(withdraw.exit_code, 0) << withdraw.err;
  ProcessResult b = Create("base", "b");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("acme-os/26.3.1/b/webkit-from-a.bundle"), std::string::npos) << b.out;
  ProcessResult supersede = Bsi({"release", "supersede", "--base", "26.3.1", "--by", "26.4",
                                 "--repo", Repo(), "--keys", Keys()});
  ASSERT_EQ(supersede.exit_code, 0) << supersede.err;
  ProcessResult list = Bsi({"release", "list", "--repo", Repo()});
  EXPECT_NE(list.out.find("acme-os 26.3.1 (a)  withdrawn"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("acme-os 26.3.1 (b)  superseded by 26.4"), std::string::npos) << list.out;

  // The client follows every change; the checker still passes.
  ProcessResult refresh = Client(
      {"--metadata-url", server_.BaseUrl() + "metadata/", "--metadata-dir", metadata, "refresh"});
  EXPECT_EQ(refresh.exit_code, 0) << refresh.err;
  spec = SpecCheck({"--expect-target", "acme-os/26.3.1/b/webkit-from-a.bundle"});
  EXPECT_EQ(spec.exit_code, 0) << spec.out << spec.err;
  const std::string notes = ReadAll(work_ / "repo/notes/acme-os/26.3.1/a/notes.md");
  EXPECT_NE(notes.find("crashes on start"), std::string::npos);

  // The security notes the commands wrote pass the CSAF and OSV validators.
  const char* source = std::getenv("BSI_SOURCE_DIR");
  const std::string validate = std::string(source ? source : ".") + "/tests/js/validate.mjs";
  for (const char* letter : {"a", "b"}) {
    const std::string dir = Path(std::string("repo/notes/acme-os/26.3.1/") + letter);
    ProcessResult csaf = RunProcess({"/usr/bin/env", "node", validate, "csaf", dir + "/csaf.json"});
    EXPECT_EQ(csaf.exit_code, 0) << csaf.out << csaf.err;
    ProcessResult osv =
        RunProcess({"/usr/bin/env", "node", validate, "osv", dir + "/osv/CVE-2026-20643.json"});
    EXPECT_EQ(osv.exit_code, 0) << osv.out << osv.err;
  }
}

TEST_F(ReleaseCli, BadInputGetsAClearErrorAndLeavesTheRepositoryAsItWas) {
  ASSERT_EQ(Bsi({"repo", "init", "--repo", Repo(), "--keys", Keys()}).exit_code, 0);
  ASSERT_EQ(Create("base", "a").exit_code, 0);
  const std::map<std::string, std::string> before = RepoFiles();

  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"release", "show", "26.3.1 (q)", "--repo", Repo()}, "no improvement"},
      {{"release", "show", "26.3.1 a", "--repo", Repo()}, "is not an improvement"},
      {{"release", "withdraw", "26.3.1 (q)", "--reason", "x", "--repo", Repo(), "--keys", Keys()},
       "no improvement"},
      {{"release", "withdraw", "26.3.1 (a)", "--reason", "x", "--repo", Repo(), "--keys",
        Path("no-keys")},
       "needs 1 signature"},
      {{"release", "rollout", "26.3.1 (a)", "--waves", "1h:50,0:10", "--repo", Repo(), "--keys",
        Keys()},
       "later in time"},
      {{"release", "create", "--repo", Repo(), "--keys", Keys(), "--product", "acme-os", "--base",
        "26.3.1", "--component", "webkit=" + Path("b") + ":" + Path("a"), "--cve",
        "CVE-2026-20643"},
       "not the base tree"},
      {{"release", "create", "--repo", Repo(), "--keys", Keys(), "--product", "acme-os", "--base",
        "26.3.1", "--component", "webkit=" + Path("base") + ":" + Path("b"), "--cve", "CVE-1"},
       "not a CVE id"},
      {{"release", "create", "--repo", Repo(), "--keys", Keys(), "--product", "Acme OS", "--base",
        "26.3.1", "--component", "webkit=" + Path("base") + ":" + Path("b"), "--cve",
        "CVE-2026-20643"},
       "product"},
      {{"release", "supersede", "--base", "26.3.1", "--by", "26.3", "--repo", Repo(), "--keys",
        Keys()},
       "not newer"},
      {{"repo", "rotate", "--role", "targets", "--remove-key", "deadbeefdeadbeef", "--repo", Repo(),
        "--keys", Keys()},
       "has no key"},
      {{"release", "list", "--repo", Path("nowhere")}, "not a repository"},
      {{"release", "create", "--repo", Repo(), "--keys", Path("no-keys"), "--product", "acme-os",
        "--base", "26.3.1", "--component", "webkit=" + Path("base") + ":" + Path("b"), "--cve",
        "CVE-2026-20643"},
       "needs 1 signature"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args[1] + " " + c.message);
    ProcessResult result = Bsi(c.args);
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    EXPECT_TRUE(RepoFiles() == before) << "the repository changed";
  }
  // Usage errors exit 2.
  EXPECT_EQ(Bsi({"release", "create", "--repo", Repo()}).exit_code, 2);
  EXPECT_EQ(Bsi({"repo", "rotate", "--role", "root", "--repo", Repo(), "--keys", Keys()}).exit_code,
            2);
  EXPECT_EQ(Bsi({"repo", "verify", "--repo", Repo()}).exit_code, 0);
}

TEST_F(ReleaseCli, ExpiredRolesAreReportedAndRefreshed) {
  ASSERT_EQ(Bsi({"repo", "init", "--repo", Repo(), "--keys", Keys(), "--expiry", "timestamp=1h"})
                .exit_code,
            0);
  // Two hours later the timestamp has expired: verify fails, refresh mends.
  const std::vector<std::string> later = {
      "/usr/bin/env", "ASAN_OPTIONS=verify_asan_link_order=0", "/usr/bin/faketime", "-f", "+2h",
      BSI_CLI_PATH};
  std::vector<std::string> verify = later;
  verify.insert(verify.end(), {"repo", "verify", "--repo", Repo()});
  ProcessResult expired = RunProcess(verify);
  EXPECT_EQ(expired.exit_code, 1) << expired.out;
  EXPECT_NE(expired.err.find("timestamp.json"), std::string::npos) << expired.err;
  EXPECT_NE(expired.err.find("expired"), std::string::npos) << expired.err;
  std::vector<std::string> refresh = later;
  refresh.insert(refresh.end(), {"repo", "refresh", "--repo", Repo(), "--keys", Keys()});
  ProcessResult refreshed = RunProcess(refresh);
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.err;
  EXPECT_NE(refreshed.out.find("re-signed timestamp"), std::string::npos) << refreshed.out;
  ProcessResult ok = RunProcess(verify);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  // A year and more later root has expired: releasing is refused, clearly,
  // and nothing changes.
  ASSERT_EQ(Create("base", "a").exit_code, 0);
  const std::string before = Timestamp();
  std::vector<std::string> pause = {"/usr/bin/env",
                                    "ASAN_OPTIONS=verify_asan_link_order=0",
                                    "/usr/bin/faketime",
                                    "-f",
                                    "+400d",
                                    BSI_CLI_PATH,
                                    "release",
                                    "pause",
                                    "26.3.1 (a)",
                                    "--repo",
                                    Repo(),
                                    "--keys",
                                    Path("no-root-keys")};
  ProcessResult refused = RunProcess(pause);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("root expired"), std::string::npos) << refused.err;
  EXPECT_EQ(Timestamp(), before);
}

}  // namespace
}  // namespace bsi::tests
