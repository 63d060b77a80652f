// The fixture the Updater tests share: an Updater over a MemoryFileSystem,
// a FakeClock and a RepositorySimulator as its Transport, with helpers to
// look at what the client stored. Test-only; included by *_test.cc.
#ifndef BSI_CLIENT_UPDATER_TEST_FIXTURE_H_
#define BSI_CLIENT_UPDATER_TEST_FIXTURE_H_

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/client/updater.h"

#include "testing/fake_clock.h"
#include "testing/memory_file_system.h"
#include "testing/repository_simulator.h"
#include "testing/status_matchers.h"

namespace bsi {

// So that failed expectations print "bad_signature", not a raw number.
inline void PrintTo(ErrorCode code, std::ostream* os) { *os << CodeName(code); }

namespace client {

using ::bsi::testing::CodeOf;

using Files = std::map<std::string, std::string>;  // file name -> bytes
using Requests = std::vector<std::string>;

inline constexpr UnixTime kNow{1'700'000'000};
inline constexpr std::int64_t kDay = 24 * 60 * 60;
inline constexpr const char* kMetadataDir = "/client/metadata";
inline constexpr const char* kTargetDir = "/client/targets";

class UpdaterTest : public ::testing::Test {
 protected:
  using RepositorySimulator = ::bsi::testing::RepositorySimulator;

  UpdaterTest() : clock_(kNow), sim_(kNow) {
    EXPECT_OK(Updater::InitMetadataDir(fs_, kMetadataDir, sim_.TrustedRoot()));
  }

  // A new Updater over fs (default: fs_), with options_.
  std::unique_ptr<Updater> MakeUpdater(FileSystem* fs = nullptr) {
    UpdaterConfig config{kMetadataDir, RepositorySimulator::kMetadataUrl, kTargetDir,
                         RepositorySimulator::kTargetsUrl, options_};
    return std::make_unique<Updater>(config, sim_, fs != nullptr ? *fs : fs_, clock_);
  }

  // Refreshes with a new Updater (as a client run does), after forgetting
  // the requests seen so far.
  Status Refresh() {
    sim_.requests.clear();
    return MakeUpdater()->Refresh();
  }

  // Every file in the metadata directory (fs_ unless given).
  Files MetadataFiles(FileSystem* fs = nullptr) {
    FileSystem& from = fs != nullptr ? *fs : fs_;
    Files files;
    auto names = from.ListDir(kMetadataDir);
    EXPECT_OK(names);
    if (!names.ok()) return files;
    for (const std::string& name : *names) {
      auto bytes = from.ReadFile(std::string(kMetadataDir) + "/" + name, 1 << 24);
      files[name] = bytes.ok() ? *bytes : "<" + bytes.error().ToString() + ">";
    }
    return files;
  }

  // The local copy of one role's metadata ("" when absent).
  std::string Local(const std::string& role) {
    Files files = MetadataFiles();
    auto it = files.find(PercentEncode(role) + ".json");
    return it == files.end() ? "" : it->second;
  }

  // The exact bytes the repository serves now for these roles, keyed by the
  // client's file names; root is the latest published.
  Files Served(const std::vector<std::string>& roles) {
    Files files;
    for (const std::string& role : roles)
      files[PercentEncode(role) + ".json"] = sim_.SignedBytes(role);
    return files;
  }

  // Every file under the target directory.
  std::vector<std::string> TargetFiles() {
    std::vector<std::string> out;
    for (const std::string& path : fs_.AllFiles()) {
      if (path.starts_with(std::string(kTargetDir) + "/")) out.push_back(path);
    }
    return out;
  }

  ::bsi::testing::MemoryFileSystem fs_;
  ::bsi::testing::FakeClock clock_;
  RepositorySimulator sim_;
  UpdaterOptions options_;
};

}  // namespace client
}  // namespace bsi

#endif  // BSI_CLIENT_UPDATER_TEST_FIXTURE_H_
