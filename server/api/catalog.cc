#include "server/api/catalog.h"

#include <cstdio>

#include "bsi/core/file_system.h"
#include "bsi/release/improvement.h"
#include "bsi/repo/load.h"

namespace bsi::server {

Result<std::vector<ImprovementInfo>> LoadCatalog(FileSystem& fs, const std::string& repo_dir) {
  BSI_ASSIGN_OR_RETURN(repo::LoadedMetadata loaded,
                       repo::LoadMetadata(fs, JoinPath(repo_dir, "metadata"), std::nullopt));
  std::vector<ImprovementInfo> out;
  for (const auto& [path, file] : loaded.targets.signed_part.targets) {
    if (release::RecordType(file.custom) != "improvement") continue;
    Result<release::Improvement> record = release::ParseImprovement(*file.custom->Find("bsi"));
    if (!record.ok()) return record.error().WithContext(path);
    ImprovementInfo info;
    info.id = record->Id();
    info.product = record->product;
    info.base_version = record->base.ToString();
    info.letter = record->letter.ToString();
    for (const release::Cve& cve : record->cves) info.cves.push_back(cve.id);
    info.withdrawn = record->withdrawal.has_value();
    out.push_back(std::move(info));
  }
  return out;
}

CatalogWatcher::CatalogWatcher(FileSystem& fs, FleetDb& db, std::string repo_dir,
                               std::chrono::milliseconds interval)
    : fs_(fs), db_(db), repo_dir_(std::move(repo_dir)) {
  if (Result<std::size_t> n = Refresh(); !n.ok()) {
    std::fprintf(stderr, "bsi-server: repository %s not read: %s\n", repo_dir_.c_str(),
                 n.error().ToString().c_str());
  }
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      if (Result<std::size_t> n = Refresh(); !n.ok()) {
        std::fprintf(stderr, "bsi-server: repository %s not read: %s\n", repo_dir_.c_str(),
                     n.error().ToString().c_str());
      }
      lock.lock();
    }
  });
}

CatalogWatcher::~CatalogWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Result<std::size_t> CatalogWatcher::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  BSI_ASSIGN_OR_RETURN(const std::string timestamp,
                       fs_.ReadFile(JoinPath(repo_dir_, "metadata/timestamp.json"), 1 << 20));
  if (timestamp == last_timestamp_) return std::size_t{0};
  BSI_ASSIGN_OR_RETURN(const std::vector<ImprovementInfo> catalog, LoadCatalog(fs_, repo_dir_));
  BSI_TRY(db_.PutImprovements(catalog));
  last_timestamp_ = timestamp;
  return catalog.size();
}

}  // namespace bsi::server
