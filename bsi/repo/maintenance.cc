#include "bsi/repo/maintenance.h"

#include <algorithm>
#include <set>

#include "bsi/crypto/hash.h"
#include "bsi/metadata/parse.h"
#include "bsi/repo/load.h"

namespace bsi::repo {
namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 20;
const char* const kRoles[] = {"root", "targets", "snapshot", "timestamp"};

bool ExpiringSoon(UnixTime expires, std::int64_t lifetime, UnixTime now) {
  return expires.seconds - now.seconds < lifetime / 2;
}

// Streams a target file through every hash it lists.
Status CheckTargetFile(FileSystem& fs, const std::string& path, const std::string& target,
                       const metadata::TargetFile& file) {
  Result<std::unique_ptr<SequentialFile>> in = fs.OpenSequential(path);
  if (!in.ok()) return in.error().WithContext("target " + target);
  std::vector<crypto::Hasher> hashers;
  std::vector<std::string> expected;
  for (const auto& [name, digest] : file.hashes) {
    const std::optional<crypto::HashAlgorithm> algorithm = crypto::HashAlgorithmFromName(name);
    if (!algorithm.has_value()) continue;
    BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher, crypto::Hasher::Create(*algorithm));
    hashers.push_back(std::move(hasher));
    expected.push_back(digest);
  }
  std::vector<std::uint8_t> buffer(kReadChunk);
  std::int64_t length = 0;
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, (*in)->Read(buffer));
    if (n == 0) break;
    length += static_cast<std::int64_t>(n);
    if (length > file.length) break;
    for (crypto::Hasher& hasher : hashers) hasher.Update(std::span(buffer.data(), n));
  }
  if (length != file.length) {
    return Error(ErrorCode::kLengthMismatch, "target " + target + ": " + path + " is not " +
                                                 std::to_string(file.length) + " bytes");
  }
  for (std::size_t i = 0; i < hashers.size(); ++i) {
    if (hashers[i].FinishHex() != expected[i]) {
      return Error(ErrorCode::kHashMismatch,
                   "target " + target + ": " + path + " does not match its hash");
    }
  }
  return Ok();
}

std::string ResolveKeyId(const metadata::RoleKeys& role, const std::string& id_or_prefix,
                         bool& ambiguous) {
  std::string match;
  ambiguous = false;
  for (const std::string& id : role.keyids) {
    if (id == id_or_prefix) return id;
    if (id_or_prefix.size() >= 8 && id.starts_with(id_or_prefix)) {
      if (!match.empty()) ambiguous = true;
      match = id;
    }
  }
  return match;
}

}  // namespace

Result<VerifyReport> VerifyRepository(FileSystem& fs, const std::string& dir, UnixTime now) {
  BSI_ASSIGN_OR_RETURN(const LoadedMetadata loaded,
                       LoadMetadata(fs, JoinPath(dir, kMetadataDir), now));
  // Lifetimes for the "expiring soon" mark come from the writer's settings
  // when the repository has them (read alone: the metadata is loaded above).
  BSI_ASSIGN_OR_RETURN(const RepoSettings settings, LoadSettings(fs, dir));
  VerifyReport report;
  const std::pair<const char*, const metadata::Common*> roles[] = {
      {"root", &loaded.root.signed_part},
      {"targets", &loaded.targets.signed_part},
      {"snapshot", &loaded.snapshot.signed_part},
      {"timestamp", &loaded.timestamp.signed_part}};
  for (const auto& [name, common] : roles) {
    report.roles.push_back({name, common->version, common->expires,
                            ExpiringSoon(common->expires, settings.ExpiryOf(name), now)});
  }
  const bool consistent = loaded.root.signed_part.consistent_snapshot;
  for (const auto& [target, file] : loaded.targets.signed_part.targets) {
    BSI_TRY(CheckTargetPath(target));
    const std::size_t slash = target.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : target.substr(0, slash);
    const std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
    std::vector<std::string> names;
    if (consistent) {
      for (const auto& [algorithm, digest] : file.hashes) names.push_back(digest + "." + name);
    } else {
      names.push_back(name);
    }
    for (const std::string& file_name : names) {
      const std::string relative = directory.empty() ? file_name : directory + "/" + file_name;
      BSI_TRY(CheckTargetFile(fs, JoinPath(JoinPath(dir, kTargetsDir), relative), target, file));
    }
    ++report.target_count;
    report.target_bytes += static_cast<std::uint64_t>(file.length);
  }
  return report;
}

Result<RefreshResult> RefreshRepository(Repository& repo, KeySource& keys, UnixTime now,
                                        bool force) {
  RefreshResult result;
  const RepoSettings& settings = repo.settings();
  const auto due = [&](const metadata::Common& role, const char* name) {
    return force || ExpiringSoon(role.expires, settings.ExpiryOf(name), now);
  };
  PublishOptions options;
  if (due(repo.root(), "root")) {
    BSI_ASSIGN_OR_RETURN(const std::vector<std::unique_ptr<Signer>> signers,
                         keys.SignersFor("root"));
    const metadata::RoleKeys& root_keys = repo.root().roles.at("root");
    const auto usable = std::count_if(signers.begin(), signers.end(), [&](const auto& signer) {
      return std::find(root_keys.keyids.begin(), root_keys.keyids.end(), signer->key_id()) !=
             root_keys.keyids.end();
    });
    if (usable >= root_keys.threshold) {
      repo.mutable_root();
      result.resigned.push_back("root");
    } else {
      result.warnings.push_back("root expires " + std::to_string(repo.root().expires.seconds) +
                                " (unix time) and its keys are not in the key source: "
                                "re-sign it with the offline root keys");
    }
  }
  if (due(repo.targets(), "targets")) {
    options.targets = true;
    result.resigned.push_back("targets");
  }
  if (due(repo.snapshot(), "snapshot")) {
    options.snapshot = true;
    result.resigned.push_back("snapshot");
  }
  const bool timestamp_due = due(repo.timestamp(), "timestamp");
  if (result.resigned.empty() && !timestamp_due) return result;
  result.resigned.push_back("timestamp");
  BSI_ASSIGN_OR_RETURN(result.published, repo.Publish(keys, now, options));
  return result;
}

Result<PublishResult> RotateKeys(Repository& repo, KeySource& keys, const RotateRequest& request,
                                 UnixTime now) {
  if (std::find(std::begin(kRoles), std::end(kRoles), request.role) == std::end(kRoles)) {
    return Error(ErrorCode::kInvalidArgument,
                 "role \"" + request.role + "\" is not root, targets, snapshot or timestamp");
  }
  metadata::Root root = repo.root();
  metadata::RoleKeys& role = root.roles.at(request.role);
  std::vector<std::string> keep;
  std::set<std::string> removed;
  for (const std::string& remove : request.remove) {
    bool ambiguous = false;
    const std::string id = ResolveKeyId(role, remove, ambiguous);
    if (id.empty() || ambiguous) {
      return Error(ErrorCode::kInvalidArgument,
                   (ambiguous ? "key ID prefix " + remove + " is ambiguous"
                              : "role " + request.role + " has no key " + remove));
    }
    removed.insert(id);
  }
  if (!request.remove_all_others) {
    for (const std::string& id : role.keyids) {
      if (removed.count(id) == 0) keep.push_back(id);
    }
  }
  for (const metadata::Key& key : request.add) {
    const std::string id = metadata::ComputeKeyId(key);
    if (std::find(keep.begin(), keep.end(), id) == keep.end()) keep.push_back(id);
    root.keys[id] = key;
  }
  if (keep.empty()) return Error(ErrorCode::kInvalidArgument, request.role + " would have no key");
  role.keyids = keep;
  if (request.threshold.has_value()) role.threshold = *request.threshold;
  if (role.threshold < 1 || role.threshold > static_cast<std::int64_t>(role.keyids.size())) {
    return Error(ErrorCode::kInvalidArgument,
                 request.role + " threshold " + std::to_string(role.threshold) + " must be 1.." +
                     std::to_string(role.keyids.size()) + " (its number of keys)");
  }
  // Drop keys no role lists any more.
  for (auto it = root.keys.begin(); it != root.keys.end();) {
    const bool used = std::any_of(root.roles.begin(), root.roles.end(), [&](const auto& r) {
      return std::find(r.second.keyids.begin(), r.second.keyids.end(), it->first) !=
             r.second.keyids.end();
    });
    it = used ? std::next(it) : root.keys.erase(it);
  }
  repo.mutable_root() = std::move(root);
  return repo.Publish(keys, now);
}

}  // namespace bsi::repo
