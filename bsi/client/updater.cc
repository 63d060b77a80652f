#include "bsi/client/updater.h"

#include <cstdio>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/random.h"
#include "bsi/metadata/parse.h"
#include "bsi/metadata/path_pattern.h"

namespace bsi::client {
namespace {

std::string FileNameFor(const std::string& role) { return PercentEncode(role) + ".json"; }

// Marks a partial download: '#' never occurs in a percent-encoded name.
constexpr std::string_view kPartialMarker = "#partial-";

// Streams an artifact into a file while hashing it with every known
// algorithm the target lists, refusing more bytes than expected.
class VerifyingFileSink final : public fetch::ByteSink {
 public:
  VerifyingFileSink(WritableFile& file, crypto::MultiHasher& hasher, std::uint64_t max_bytes)
      : file_(file), hasher_(hasher), max_bytes_(max_bytes) {}

  Status Write(std::string_view chunk) override {
    written_ += chunk.size();
    if (written_ > max_bytes_) {
      return Error(ErrorCode::kTooLarge, "artifact is longer than its metadata says");
    }
    hasher_.Update(chunk);
    return file_.Append(chunk);
  }

  std::uint64_t written() const { return written_; }

 private:
  WritableFile& file_;
  crypto::MultiHasher& hasher_;
  std::uint64_t max_bytes_;
  std::uint64_t written_ = 0;
};

// The hash algorithms we know among those a target lists.
std::vector<crypto::HashAlgorithm> KnownAlgorithms(const metadata::TargetFile& file) {
  std::vector<crypto::HashAlgorithm> out;
  for (const auto& [name, digest] : file.hashes) {
    if (auto algorithm = crypto::HashAlgorithmFromName(name)) out.push_back(*algorithm);
  }
  return out;
}

Status CheckDigests(const metadata::TargetFile& file,
                    const std::vector<crypto::HashDigest>& digests) {
  for (const crypto::HashDigest& digest : digests) {
    const std::string name(crypto::HashAlgorithmName(digest.algorithm));
    if (file.hashes.at(name) != digest.hex) {
      return Error(ErrorCode::kHashMismatch, name + " hash does not match");
    }
  }
  return Ok();
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", u);
      out += buffer;
    }
  }
  return out;
}

Updater::Updater(UpdaterConfig config, fetch::Transport& transport, FileSystem& fs,
                 const Clock& clock)
    : config_(std::move(config)), transport_(transport), fs_(fs), clock_(clock) {}

Status Updater::InitMetadataDir(FileSystem& fs, const std::string& metadata_dir,
                                std::string_view root_bytes) {
  // A directory created here must be durable too, or a power cut could take
  // the trusted root with it: sync the parent of each one created.
  std::vector<std::string> created;
  for (std::string dir = metadata_dir; !dir.empty() && dir != "/" && dir != "." && !fs.Exists(dir);
       dir = ParentDir(dir)) {
    created.push_back(dir);
  }
  BSI_TRY(CreateDirs(fs, metadata_dir));
  for (const std::string& dir : created) BSI_TRY(fs.SyncDir(ParentDir(dir)));
  return WriteFileAtomically(fs, JoinPath(metadata_dir, "root.json"), root_bytes);
}

std::optional<std::string> Updater::ReadLocal(const std::string& role, std::uint64_t max_bytes) {
  auto bytes = fs_.ReadFile(JoinPath(config_.metadata_dir, FileNameFor(role)), max_bytes);
  if (!bytes.ok()) return std::nullopt;
  return std::move(*bytes);
}

Status Updater::Persist(const std::string& role, std::string_view bytes) {
  Status written =
      WriteFileAtomically(fs_, JoinPath(config_.metadata_dir, FileNameFor(role)), bytes);
  if (!written.ok()) return written.error().WithContext("saving " + FileNameFor(role));
  return Ok();
}

Result<std::string> Updater::FetchMetadata(const std::string& role,
                                           std::optional<std::int64_t> version,
                                           std::uint64_t max_bytes) {
  std::string name = FileNameFor(role);
  if (version) name = std::to_string(*version) + "." + name;
  auto bytes = transport_.Fetch(
      fetch::FetchRequest{config_.metadata_base_url + name, max_bytes, std::nullopt});
  if (!bytes.ok()) return bytes.error().WithContext(name);
  return bytes;
}

void Updater::RemoveLeftovers(const std::string& dir, std::string_view marker,
                              std::string_view keep) {
  // Temporary files of a run that crashed before it could clean up. Only
  // names we create are matched, so nothing else in the directory is touched.
  auto names = fs_.ListDir(dir);
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    // A stored file's name ends with ".json" (metadata) or is percent-encoded
    // (artifacts: never a '#'), so it never matches.
    const bool stored =
        marker.front() == '.' && name.size() >= 5 && name.compare(name.size() - 5, 5, ".json") == 0;
    if (!stored && name != keep && name.find(marker) != std::string::npos) {
      (void)fs_.RemoveFile(JoinPath(dir, name));
    }
  }
}

Status Updater::Refresh() {
  trusted_.reset();
  auto root =
      fs_.ReadFile(JoinPath(config_.metadata_dir, "root.json"), config_.options.root_max_bytes);
  if (!root.ok()) return root.error().WithContext("reading the trusted root");
  BSI_ASSIGN_OR_RETURN(trust::TrustedMetadata trusted,
                       trust::TrustedMetadata::Create(*root, clock_.Now()));
  trusted_.emplace(std::move(trusted));
  RemoveLeftovers(config_.metadata_dir, ".json.tmp.");
  BSI_TRY(LoadRoot());
  BSI_TRY(LoadTimestamp());
  BSI_TRY(LoadSnapshot());
  return LoadTargets("targets", "root");
}

Status Updater::LoadRoot() {
  const std::int64_t first = trusted_->root().signed_part.version + 1;
  for (std::int64_t version = first; version < first + config_.options.max_root_rotations;
       ++version) {
    auto bytes = FetchMetadata("root", version, config_.options.root_max_bytes);
    if (!bytes.ok()) {
      if (bytes.error().code() == ErrorCode::kNotFound) break;
      return bytes.error();
    }
    Status updated = trusted_->UpdateRoot(*bytes);
    if (!updated.ok()) return updated.error().WithContext(std::to_string(version) + ".root.json");
    BSI_TRY(Persist("root", *bytes));
  }
  return Ok();
}

Status Updater::LoadTimestamp() {
  if (auto local = ReadLocal("timestamp", config_.options.timestamp_max_bytes)) {
    // A local timestamp that no longer verifies (expired, or signed by keys
    // the new root rotated away) is only skipped: the remote one decides.
    (void)trusted_->UpdateTimestamp(*local);
  }
  BSI_ASSIGN_OR_RETURN(std::string bytes, FetchMetadata("timestamp", std::nullopt,
                                                        config_.options.timestamp_max_bytes));
  auto outcome = trusted_->UpdateTimestamp(bytes);
  if (!outcome.ok()) return outcome.error().WithContext("timestamp.json");
  if (*outcome == trust::TrustedMetadata::TimestampOutcome::kUnchanged) return Ok();
  return Persist("timestamp", bytes);
}

Status Updater::LoadSnapshot() {
  if (auto local = ReadLocal("snapshot", config_.options.snapshot_max_bytes)) {
    if (trusted_->UpdateSnapshot(*local, trust::Provenance::kLocalCache).ok()) return Ok();
  }
  const metadata::MetaFile& meta = trusted_->timestamp()->signed_part.snapshot_meta;
  const std::uint64_t max_bytes =
      meta.length ? static_cast<std::uint64_t>(*meta.length) : config_.options.snapshot_max_bytes;
  std::optional<std::int64_t> version;
  if (trusted_->root().signed_part.consistent_snapshot) version = meta.version;
  BSI_ASSIGN_OR_RETURN(std::string bytes, FetchMetadata("snapshot", version, max_bytes));
  Status updated = trusted_->UpdateSnapshot(bytes, trust::Provenance::kNetwork);
  if (!updated.ok()) return updated.error().WithContext("snapshot.json");
  return Persist("snapshot", bytes);
}

Status Updater::LoadTargets(const std::string& role, const std::string& delegator) {
  if (trusted_->targets(role) != nullptr) return Ok();
  auto update = [&](std::string_view bytes) {
    return role == "targets" ? trusted_->UpdateTargets(bytes)
                             : trusted_->UpdateDelegated(bytes, role, delegator);
  };
  if (auto local = ReadLocal(role, config_.options.targets_max_bytes)) {
    if (update(*local).ok()) return Ok();
  }
  const auto& meta = trusted_->snapshot()->signed_part.meta;
  auto listed = meta.find(role + ".json");
  if (listed == meta.end()) {
    return Error(ErrorCode::kUntrustedRole, "snapshot does not list " + role + ".json");
  }
  const std::uint64_t max_bytes = listed->second.length
                                      ? static_cast<std::uint64_t>(*listed->second.length)
                                      : config_.options.targets_max_bytes;
  std::optional<std::int64_t> version;
  if (trusted_->root().signed_part.consistent_snapshot) version = listed->second.version;
  BSI_ASSIGN_OR_RETURN(std::string bytes, FetchMetadata(role, version, max_bytes));
  Status updated = update(bytes);
  if (!updated.ok()) return updated.error().WithContext(FileNameFor(role));
  return Persist(role, bytes);
}

Result<const metadata::Targets*> Updater::TopLevelTargets() {
  if (!trusted_ || trusted_->targets("targets") == nullptr) BSI_TRY(Refresh());
  return &trusted_->targets("targets")->signed_part;
}

Result<TargetInfo> Updater::GetTargetInfo(const std::string& target_path) {
  if (!trusted_ || trusted_->targets("targets") == nullptr) BSI_TRY(Refresh());
  struct Visit {
    std::string role;
    std::string delegator;
  };
  std::vector<Visit> to_visit{{"targets", "root"}};
  std::set<std::string> visited;
  while (!to_visit.empty() && static_cast<int>(visited.size()) <= config_.options.max_delegations) {
    Visit visit = std::move(to_visit.back());
    to_visit.pop_back();
    if (visited.count(visit.role) != 0) continue;
    BSI_TRY(LoadTargets(visit.role, visit.delegator));
    const metadata::Targets& targets = trusted_->targets(visit.role)->signed_part;
    auto found = targets.targets.find(target_path);
    if (found != targets.targets.end()) return TargetInfo{target_path, found->second, visit.role};
    visited.insert(visit.role);
    if (!targets.delegations) continue;
    std::vector<Visit> children;
    for (const metadata::DelegatedRole& child : targets.delegations->roles) {
      if (!metadata::IsDelegatedPath(child, target_path)) continue;
      children.push_back(Visit{child.name, visit.role});
      if (child.terminating) {
        to_visit.clear();
        break;
      }
    }
    to_visit.insert(to_visit.end(), children.rbegin(), children.rend());
  }
  return Error(ErrorCode::kTargetNotFound, "no trusted metadata lists target " + target_path);
}

std::string Updater::LocalPathFor(const TargetInfo& target) const {
  return JoinPath(config_.target_dir, PercentEncode(target.path));
}

Result<std::optional<std::string>> Updater::FindCachedTarget(const TargetInfo& target) {
  const std::string path = LocalPathFor(target);
  auto bytes = fs_.ReadFile(path, static_cast<std::uint64_t>(target.file.length));
  if (!bytes.ok()) return std::optional<std::string>();
  if (!metadata::VerifyLengthAndHashes(*bytes, target.file.length, target.file.hashes, true).ok()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(path);
}

Result<std::string> Updater::DownloadTarget(const TargetInfo& target) {
  BSI_ASSIGN_OR_RETURN(std::optional<std::string> cached, FindCachedTarget(target));
  if (cached) return *cached;
  if (!trusted_) {
    return Error(ErrorCode::kInvalidArgument, "DownloadTarget before Refresh or GetTargetInfo");
  }
  const std::vector<crypto::HashAlgorithm> algorithms = KnownAlgorithms(target.file);
  if (algorithms.empty()) {
    return Error(ErrorCode::kMissingHash,
                 "target " + target.path + " lists no sha256 or sha512 hash");
  }
  std::string url_path = target.path;
  if (trusted_->root().signed_part.consistent_snapshot &&
      config_.options.prefix_targets_with_hash) {
    const auto slash = url_path.rfind('/');
    const std::string prefix = slash == std::string::npos ? "" : url_path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? url_path : url_path.substr(slash + 1);
    const std::string digest =
        target.file.hashes.at(std::string(crypto::HashAlgorithmName(algorithms.front())));
    url_path = prefix + digest + "." + name;
  }
  BSI_TRY(CreateDirs(fs_, config_.target_dir));
  const std::string final_path = LocalPathFor(target);
  // A resumable partial download is named after the content it must become.
  const std::string resume_name =
      final_path.substr(config_.target_dir.size() + 1) + std::string(kPartialMarker) + "resume-" +
      target.file.hashes.at(std::string(crypto::HashAlgorithmName(algorithms.front())))
          .substr(0, 16);
  const std::string resume_path = JoinPath(config_.target_dir, resume_name);
  RemoveLeftovers(config_.target_dir, kPartialMarker,
                  config_.options.resume_downloads ? resume_name : "");
  BSI_ASSIGN_OR_RETURN(std::string suffix, crypto::RandomHex(8));
  const std::string temp_path = final_path + std::string(kPartialMarker) + suffix;
  BSI_ASSIGN_OR_RETURN(crypto::MultiHasher hasher, crypto::MultiHasher::Create(algorithms));
  const auto length = static_cast<std::uint64_t>(target.file.length);
  Status status = [&]() -> Status {
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_.OpenWritable(temp_path));
    VerifyingFileSink sink(*file, hasher, length);
    // What an earlier attempt got goes first, through the same checks.
    std::uint64_t resume_from = 0;
    if (config_.options.resume_downloads && fs_.Exists(resume_path)) {
      // Copied in pieces: a partial artifact may be large.
      Result<std::uint64_t> size = fs_.FileSize(resume_path);
      if (size.ok() && *size > 0 && *size < length) {
        BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> partial,
                             fs_.OpenSequential(resume_path));
        std::vector<std::uint8_t> buffer(std::size_t{1} << 20);
        while (true) {
          BSI_ASSIGN_OR_RETURN(const std::size_t n, partial->Read(buffer));
          if (n == 0) break;
          BSI_TRY(sink.Write(std::string_view(reinterpret_cast<const char*>(buffer.data()), n)));
        }
        resume_from = sink.written();
      }
      (void)fs_.RemoveFile(resume_path);
    }
    Status fetched = transport_.FetchTo(
        fetch::FetchRequest{
            config_.target_base_url + url_path, length - resume_from,
            resume_from > 0 ? std::optional<std::uint64_t>(resume_from) : std::nullopt},
        sink);
    if (!fetched.ok()) {
      if (config_.options.resume_downloads &&
          fetched.error().category() == ErrorCategory::kTransient) {
        // Keep the progress for the next attempt (best effort).
        if (file->Sync().ok() && file->Close().ok()) (void)fs_.Rename(temp_path, resume_path);
      }
      return fetched.error().WithContext("target " + target.path);
    }
    if (sink.written() != length) {
      return Error(ErrorCode::kLengthMismatch, "target " + target.path + ": expected " +
                                                   std::to_string(length) + " bytes, got " +
                                                   std::to_string(sink.written()));
    }
    Status digests = CheckDigests(target.file, hasher.FinishHex());
    if (!digests.ok()) return digests.error().WithContext("target " + target.path);
    BSI_TRY(file->Sync());
    BSI_TRY(file->Close());
    BSI_TRY(fs_.Rename(temp_path, final_path));
    return fs_.SyncDir(config_.target_dir);
  }();
  if (!status.ok()) {
    (void)fs_.RemoveFile(temp_path);
    return status.error();
  }
  return final_path;
}

}  // namespace bsi::client
