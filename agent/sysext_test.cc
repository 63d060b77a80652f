#include "agent/sysext.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "testing/status_matchers.h"

namespace bsi::agent {
namespace {

namespace stdfs = std::filesystem;

void Write(const stdfs::path& path, const std::string& data) {
  stdfs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string Read(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

class SysextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-sysext.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    root_ = dir_template;
    // The OS: a /usr with the component's base tree and an os-release.
    Write(root_ / "usr/lib/os-release", "ID=acme-os\nVERSION_ID=26.3.1\n");
    Write(root_ / "usr/lib/webkit/libwebkit.so", "base\n");
    // The store's version trees.
    Write(root_ / "var/lib/bsi/versions/2.44.1/libwebkit.so", "fix-a\n");
    Write(root_ / "var/lib/bsi/versions/2.44.2/libwebkit.so", "fix-b\n");
    Write(root_ / "var/lib/bsi/versions/2.44.2/plugins/jit.so", "jit-b\n");
    stdfs::create_directory_symlink("plugins", root_ / "var/lib/bsi/versions/2.44.2/p");
    setup_.extensions_dir = (root_ / "var/lib/extensions").string();
    setup_.mount_path = "/usr/lib/webkit";
    setup_.os_id = "acme-os";
    setup_.os_version_id = "26.3.1";
  }
  void TearDown() override { stdfs::remove_all(root_); }

  std::string Tree(const std::string& version) const {
    return (root_ / "var/lib/bsi/versions" / version).string();
  }

  stdfs::path root_;
  SysextSetup setup_;
};

TEST_F(SysextTest, PublishesSwapsAndRemovesTheExtensionRefreshingOnlyOnChange) {
  int refreshes = 0;
  const auto run = [&refreshes](const std::vector<std::string>&) -> Result<int> {
    ++refreshes;
    return 0;
  };
  const stdfs::path live = root_ / "var/lib/extensions/bsi-webkit";

  ASSERT_OK(PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run));
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(Read(live / "usr/lib/webkit/libwebkit.so"), "fix-a\n");
  EXPECT_EQ(Read(live / "usr/lib/extension-release.d/extension-release.bsi-webkit"),
            "ID=acme-os\nVERSION_ID=26.3.1\nBSI_VERSION=2.44.1\n");
  // Hard links to the store's tree: no data copied.
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(::stat((live / "usr/lib/webkit/libwebkit.so").c_str(), &a), 0);
  ASSERT_EQ(::stat((Tree("2.44.1") + "/libwebkit.so").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(PublishedVersion(setup_, "webkit").value(), std::optional<std::string>("2.44.1"));

  ASSERT_OK(PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run));
  EXPECT_EQ(refreshes, 1);  // nothing changed

  ASSERT_OK(PublishExtension(setup_, "webkit", "2.44.2", Tree("2.44.2"), run));
  EXPECT_EQ(refreshes, 2);
  EXPECT_EQ(Read(live / "usr/lib/webkit/libwebkit.so"), "fix-b\n");
  EXPECT_EQ(Read(live / "usr/lib/webkit/p/jit.so"), "jit-b\n");
  EXPECT_TRUE(stdfs::is_symlink(live / "usr/lib/webkit/p"));
  EXPECT_FALSE(stdfs::exists(root_ / "var/lib/extensions/.bsi-webkit.next"));

  ASSERT_OK(PublishExtension(setup_, "webkit", std::nullopt, "", run));
  EXPECT_EQ(refreshes, 3);
  EXPECT_FALSE(stdfs::exists(live));
  EXPECT_EQ(PublishedVersion(setup_, "webkit").value(), std::nullopt);
}

TEST_F(SysextTest, AFailedRefreshIsRetriedByTheNextCall) {
  bool fail = true;
  int refreshes = 0;
  const auto run = [&](const std::vector<std::string>&) -> Result<int> {
    ++refreshes;
    return fail ? 1 : 0;
  };
  Status failed = PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("status 1"), std::string::npos);
  fail = false;
  ASSERT_OK(PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run));
  EXPECT_EQ(refreshes, 2);  // published already, but not yet refreshed: refreshed now
}

TEST_F(SysextTest, RefusesAPathOutsideUsrAndOpt) {
  const auto run = [](const std::vector<std::string>&) -> Result<int> { return 0; };
  for (const char* path : {"/etc/webkit", "usr/lib/webkit", "/usr/../etc", "/var/lib/x"}) {
    setup_.mount_path = path;
    Status status = PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run);
    ASSERT_FALSE(status.ok()) << path;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument) << path;
  }
}

// The real systemd-sysext merges the extension over the OS's /usr, inside
// a mount namespace this test makes (so the machine's own /usr is never
// touched): /run gets a private tmpfs, the fake root is bind-mounted onto
// itself with shared propagation (systemd-sysext mounts in a namespace of
// its own and moves the overlay back), and systemd-sysext runs with --root.
TEST_F(SysextTest, SystemdSysextOverlaysTheImprovementOntoUsrAndTakesItAway) {
  if (::geteuid() != 0) GTEST_SKIP() << "a mount namespace needs root (CAP_SYS_ADMIN)";
  ASSERT_TRUE(stdfs::exists("/usr/bin/systemd-sysext")) << "install systemd (scripts/setup.sh)";
  setup_.refresh = {"/usr/bin/systemd-sysext", "--root=" + root_.string(), "refresh"};
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes tell the parent which step failed.
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(10);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(11);
    if (::mount("tmpfs", "/run", "tmpfs", 0, nullptr) != 0) ::_exit(12);
    if (::mount(nullptr, "/run", nullptr, MS_SHARED, nullptr) != 0) ::_exit(13);
    if (::mount(root_.c_str(), root_.c_str(), nullptr, MS_BIND, nullptr) != 0) ::_exit(14);
    if (::mount(nullptr, root_.c_str(), nullptr, MS_SHARED, nullptr) != 0) ::_exit(15);
    const auto run = [](const std::vector<std::string>& argv) { return RunCommand(argv, 60); };
    const stdfs::path lib = root_ / "usr/lib/webkit/libwebkit.so";
    if (!PublishExtension(setup_, "webkit", "2.44.1", Tree("2.44.1"), run).ok()) ::_exit(20);
    if (Read(lib) != "fix-a\n") ::_exit(21);
    if (!PublishExtension(setup_, "webkit", "2.44.2", Tree("2.44.2"), run).ok()) ::_exit(22);
    if (Read(lib) != "fix-b\n") ::_exit(23);
    if (Read(root_ / "usr/lib/webkit/plugins/jit.so") != "jit-b\n") ::_exit(24);
    if (!PublishExtension(setup_, "webkit", std::nullopt, "", run).ok()) ::_exit(25);
    if (Read(lib) != "base\n") ::_exit(26);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "step " << WEXITSTATUS(status)
      << " failed (10-15: making the namespace; 20-26: publishing and reading /usr)";
  // Outside the namespace, /usr never changed.
  EXPECT_EQ(Read(root_ / "usr/lib/webkit/libwebkit.so"), "base\n");
}

}  // namespace
}  // namespace bsi::agent
