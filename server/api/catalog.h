// The improvement catalogue the fleet manager knows, read from the vendor
// repository the server serves: every improvement record of the top-level
// targets (product, base, letter, CVEs, withdrawn). The metadata is loaded
// the way the writer loads it (repo::LoadMetadata: every signature and
// version chain checked, expiry not judged — an expired repository still
// says what was published), so a file someone dropped into the directory
// cannot invent an improvement.
//
// CatalogWatcher re-reads it when timestamp.json changes and stores it in
// the FleetDb, where the exposure and progress questions find it.
//
// Thread-safety: LoadCatalog is a pure function over the file system;
// CatalogWatcher owns one thread.
#ifndef BSI_SERVER_API_CATALOG_H_
#define BSI_SERVER_API_CATALOG_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bsi/core/file_system.h"

#include "server/fleet/fleet_db.h"

namespace bsi::server {

// Errors: LoadMetadata's (kFileNotFound when there is no repository yet).
Result<std::vector<ImprovementInfo>> LoadCatalog(FileSystem& fs, const std::string& repo_dir);

class CatalogWatcher {
 public:
  // Loads once now (an error is logged, not fatal: the repository may not
  // exist yet), then every `interval` when timestamp.json changed.
  // REQUIRES: fs and db outlive the watcher.
  CatalogWatcher(FileSystem& fs, FleetDb& db, std::string repo_dir,
                 std::chrono::milliseconds interval);
  ~CatalogWatcher();

  CatalogWatcher(const CatalogWatcher&) = delete;
  CatalogWatcher& operator=(const CatalogWatcher&) = delete;

  // Reads the repository now if timestamp.json changed; returns how many
  // improvements it stored (0 when unchanged). Safe from any thread.
  // Errors: LoadCatalog's, the database's.
  Result<std::size_t> Refresh();

 private:
  FileSystem& fs_;
  FleetDb& db_;
  const std::string repo_dir_;
  std::mutex refresh_mu_;  // one Refresh at a time; guards last_timestamp_
  std::string last_timestamp_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bsi::server

#endif  // BSI_SERVER_API_CATALOG_H_
