#include "bsi/repo/repository.h"

#include <algorithm>
#include <utility>

#include "bsi/core/time_format.h"
#include "bsi/crypto/hash.h"
#include "bsi/json/fields.h"
#include "bsi/metadata/serialize.h"
#include "bsi/repo/load.h"

namespace bsi::repo {
namespace {

constexpr const char* kSettingsFile = ".bsi/settings.json";
constexpr const char* kSupersededFile = ".bsi/superseded.json";
constexpr std::uint64_t kMaxStateBytes = std::uint64_t{64} << 20;
constexpr std::size_t kCopyChunk = std::size_t{1} << 20;

const char* const kTopLevelRoles[] = {"root", "targets", "snapshot", "timestamp"};

std::string MetadataFile(std::int64_t version, std::string_view role) {
  return std::string(kMetadataDir) + "/" + std::to_string(version) + "." + std::string(role) +
         ".json";
}

metadata::MetaFile DescribeMeta(std::int64_t version, std::string_view bytes) {
  metadata::MetaFile meta;
  meta.version = version;
  meta.length = static_cast<std::int64_t>(bytes.size());
  meta.hashes["sha256"] = crypto::Sha256Hex(bytes);
  return meta;
}

// "a/b/c.bundle" -> ("a/b", "c.bundle"); "c" -> ("", "c").
std::pair<std::string, std::string> SplitTargetPath(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

Result<std::map<std::string, std::int64_t>> ParseSuperseded(std::string_view bytes) {
  Result<json::Value> value = json::Parse(bytes);
  if (!value.ok() || !value->is_object()) {
    return Error(ErrorCode::kCorruptState, std::string(kSupersededFile) + " does not parse");
  }
  std::map<std::string, std::int64_t> result;
  for (const auto& [path, since] : value->object()) {
    if (!since.is_int() || CheckTargetPath(path).ok() == false) {
      return Error(ErrorCode::kCorruptState, std::string(kSupersededFile) + " holds a bad entry");
    }
    result[path] = since.int_value();
  }
  return result;
}

}  // namespace

Status CheckTargetPath(const std::string& target_path) {
  const auto unsafe = [&](const char* why) {
    return Error(ErrorCode::kUnsafePath, "target path \"" + target_path + "\" " + why);
  };
  if (target_path.empty() || target_path.size() > 4096) return unsafe("is empty or too long");
  if (target_path.front() == '/') return unsafe("is absolute");
  for (const char c : target_path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
      return unsafe("holds a control character or backslash");
    }
  }
  std::size_t start = 0;
  while (start <= target_path.size()) {
    std::size_t end = target_path.find('/', start);
    if (end == std::string::npos) end = target_path.size();
    const std::string_view part(target_path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return unsafe("has an empty, . or .. part");
    start = end + 1;
  }
  return Ok();
}

Result<Repository> Repository::Init(FileSystem& fs, const std::string& dir, KeySource& keys,
                                    const InitOptions& options) {
  Repository repo(fs, dir);
  const std::string metadata_dir = repo.Path(kMetadataDir);
  if (fs.Exists(metadata_dir)) {
    BSI_ASSIGN_OR_RETURN(const std::vector<std::string> existing, fs.ListDir(metadata_dir));
    if (!existing.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   metadata_dir + " is not empty: a repository exists");
    }
  }
  repo.settings_ = options.settings;
  // Root v1 lists every key the source has for each role.
  metadata::Root root;
  root.version = 0;  // Publish makes it 1
  root.consistent_snapshot = true;
  for (const char* role : kTopLevelRoles) {
    BSI_ASSIGN_OR_RETURN(const std::vector<std::unique_ptr<Signer>> signers, keys.SignersFor(role));
    metadata::RoleKeys role_keys;
    const auto threshold = options.thresholds.find(role);
    role_keys.threshold = threshold == options.thresholds.end() ? 1 : threshold->second;
    if (role_keys.threshold < 1) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(role) + " threshold must be at least 1");
    }
    for (const std::unique_ptr<Signer>& signer : signers) {
      if (std::find(role_keys.keyids.begin(), role_keys.keyids.end(), signer->key_id()) !=
          role_keys.keyids.end()) {
        continue;
      }
      role_keys.keyids.push_back(signer->key_id());
      root.keys[signer->key_id()] = signer->public_key();
    }
    if (static_cast<std::int64_t>(role_keys.keyids.size()) < role_keys.threshold) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(role) + " needs " + std::to_string(role_keys.threshold) +
                       " keys, the key source has " + std::to_string(role_keys.keyids.size()));
    }
    root.roles[role] = std::move(role_keys);
  }
  for (const char* sub : {kMetadataDir, kTargetsDir, kStateDir}) {
    BSI_TRY(CreateDirs(fs, repo.Path(sub)));
  }
  BSI_TRY(WriteFileAtomically(fs, repo.Path(kSettingsFile),
                              json::ToPrettyString(ToJson(repo.settings_))));
  repo.published_root_ = root;
  repo.root_ = std::move(root);
  repo.root_changed_ = true;
  repo.targets_.version = 0;
  repo.snapshot_.version = 0;
  repo.timestamp_.version = 0;
  BSI_TRY(repo.Publish(keys, options.now, PublishOptions{true, true}));
  return repo;
}

Result<Repository> Repository::Open(FileSystem& fs, const std::string& dir) {
  Repository repo(fs, dir);
  if (!fs.Exists(repo.Path(std::string(kMetadataDir) + "/1.root.json"))) {
    return Error(ErrorCode::kFileNotFound, dir + " is not a repository (no metadata/1.root.json)");
  }
  BSI_ASSIGN_OR_RETURN(LoadedMetadata loaded,
                       LoadMetadata(fs, repo.Path(kMetadataDir), std::nullopt));
  repo.root_ = std::move(loaded.root.signed_part);
  repo.published_root_ = repo.root_;
  repo.timestamp_ = std::move(loaded.timestamp.signed_part);
  repo.snapshot_ = std::move(loaded.snapshot.signed_part);
  repo.targets_ = std::move(loaded.targets.signed_part);
  BSI_ASSIGN_OR_RETURN(repo.settings_, LoadSettings(fs, dir));
  if (fs.Exists(repo.Path(kSupersededFile))) {
    BSI_ASSIGN_OR_RETURN(const std::string bytes,
                         fs.ReadFile(repo.Path(kSupersededFile), kMaxStateBytes));
    BSI_ASSIGN_OR_RETURN(repo.superseded_, ParseSuperseded(bytes));
  }
  return repo;
}

std::string Repository::TargetFilePath(const std::string& target_path,
                                       const metadata::TargetFile& file) const {
  const auto [directory, name] = SplitTargetPath(target_path);
  const std::string hashed = file.hashes.at("sha256") + "." + name;
  return JoinPath(Path(kTargetsDir), directory.empty() ? hashed : JoinPath(directory, hashed));
}

metadata::Root& Repository::mutable_root() {
  root_changed_ = true;
  return root_;
}

Result<metadata::TargetFile> Repository::AddTargetFile(const std::string& target_path,
                                                       const std::string& source_file,
                                                       std::optional<json::Value> custom) {
  BSI_TRY(CheckTargetPath(target_path));
  const auto [directory, name] = SplitTargetPath(target_path);
  const std::string target_dir =
      directory.empty() ? Path(kTargetsDir) : JoinPath(Path(kTargetsDir), directory);
  BSI_TRY(CreateDirs(*fs_, target_dir));
  const std::string temp = JoinPath(target_dir, ".incoming." + UniqueTempSuffix());
  metadata::TargetFile file;
  {
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, fs_->OpenSequential(source_file));
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs_->OpenWritable(temp));
    BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                         crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
    std::vector<std::uint8_t> buffer(kCopyChunk);
    Status copied = Ok();
    while (copied.ok()) {
      Result<std::size_t> n = in->Read(buffer);
      if (!n.ok()) {
        copied = n.error();
        break;
      }
      if (*n == 0) break;
      const std::span<const std::uint8_t> data(buffer.data(), *n);
      hasher.Update(data);
      file.length += static_cast<std::int64_t>(*n);
      copied = out->Append(data);
    }
    if (copied.ok()) copied = out->Sync();
    if (copied.ok()) copied = out->Close();
    if (!copied.ok()) {
      (void)fs_->RemoveFile(temp);
      return copied.error();
    }
    file.hashes["sha256"] = hasher.FinishHex();
  }
  file.custom = std::move(custom);
  const std::string final_path = TargetFilePath(target_path, file);
  if (fs_->Exists(final_path)) {
    BSI_TRY(fs_->RemoveFile(temp));  // the same content is in place already
  } else {
    BSI_TRY(fs_->Rename(temp, final_path));
    created_.push_back(final_path);
    BSI_TRY(fs_->SyncDir(target_dir));
  }
  superseded_.erase(final_path.substr(dir_.size() + 1));
  const auto existing = targets_.targets.find(target_path);
  if (existing != targets_.targets.end()) {
    const std::string old_path = TargetFilePath(target_path, existing->second);
    if (old_path != final_path) replaced_targets_.insert(old_path.substr(dir_.size() + 1));
  }
  targets_.targets[target_path] = file;
  targets_changed_ = true;
  return file;
}

Result<metadata::TargetFile> Repository::AddTargetBytes(const std::string& target_path,
                                                        std::string_view content,
                                                        std::optional<json::Value> custom) {
  BSI_TRY(CreateDirs(*fs_, Path(kStateDir)));
  const std::string spool = Path(std::string(kStateDir) + "/spool." + UniqueTempSuffix());
  BSI_TRY(WriteFileAtomically(*fs_, spool, content));
  Result<metadata::TargetFile> added = AddTargetFile(target_path, spool, std::move(custom));
  (void)fs_->RemoveFile(spool);
  return added;
}

Status Repository::SetCustom(const std::string& target_path, std::optional<json::Value> custom) {
  const auto found = targets_.targets.find(target_path);
  if (found == targets_.targets.end()) {
    return Error(ErrorCode::kTargetNotFound, "no target " + target_path);
  }
  found->second.custom = std::move(custom);
  targets_changed_ = true;
  return Ok();
}

Result<std::string> Repository::Sign(const json::Value& signed_part,
                                     const std::vector<const metadata::RoleKeys*>& roles,
                                     const std::string& role_name, KeySource& keys) {
  BSI_ASSIGN_OR_RETURN(const std::vector<std::unique_ptr<Signer>> signers,
                       keys.SignersFor(role_name));
  BSI_ASSIGN_OR_RETURN(const std::string canonical, json::Canonicalize(signed_part));
  std::vector<metadata::Signature> signatures;
  for (const metadata::RoleKeys* role : roles) {
    std::int64_t have = 0;
    for (const std::unique_ptr<Signer>& signer : signers) {
      if (std::find(role->keyids.begin(), role->keyids.end(), signer->key_id()) !=
          role->keyids.end()) {
        ++have;
      }
    }
    if (have < role->threshold) {
      std::string needed;
      for (const std::string& id : role->keyids) {
        needed += (needed.empty() ? "" : ", ") + id.substr(0, 16);
      }
      return Error(ErrorCode::kInvalidArgument,
                   role_name + " needs " + std::to_string(role->threshold) +
                       " signature(s) from keys [" + needed + "], the key source has " +
                       std::to_string(have) + " of them");
    }
  }
  for (const std::unique_ptr<Signer>& signer : signers) {
    const bool listed = std::any_of(roles.begin(), roles.end(), [&](const metadata::RoleKeys* r) {
      return std::find(r->keyids.begin(), r->keyids.end(), signer->key_id()) != r->keyids.end();
    });
    const bool done = std::any_of(signatures.begin(), signatures.end(),
                                  [&](const auto& s) { return s.keyid == signer->key_id(); });
    if (!listed || done) continue;
    BSI_ASSIGN_OR_RETURN(std::string sig, signer->Sign(canonical));
    signatures.push_back({signer->key_id(), std::move(sig)});
  }
  return metadata::EnvelopeBytesOfCanonical(signed_part, signatures);
}

Status Repository::WriteNew(const std::string& relative, std::string_view bytes) {
  const std::string path = Path(relative);
  if (fs_->Exists(path)) {
    return Error(ErrorCode::kCorruptState,
                 relative +
                     " exists already: another writer, or a publication that failed "
                     "half-way (check and remove it)");
  }
  BSI_TRY(WriteFileAtomically(*fs_, path, bytes));
  created_.push_back(path);
  return Ok();
}

Result<metadata::MetaFile> Repository::WriteNextVersion(const std::string& role,
                                                        metadata::Common& common,
                                                        const std::function<json::Value()>& to_json,
                                                        KeySource& keys, UnixTime now) {
  const std::int64_t old_version = common.version;
  common.version = old_version + 1;
  common.expires = UnixTime{now.seconds + settings_.ExpiryOf(role)};
  BSI_ASSIGN_OR_RETURN(const std::string bytes,
                       Sign(to_json(), {&root_.roles.at(role)}, role, keys));
  BSI_TRY(WriteNew(MetadataFile(common.version, role), bytes));
  if (old_version > 0) Supersede(MetadataFile(old_version, role), now);
  return DescribeMeta(common.version, bytes);
}

void Repository::Supersede(const std::string& relative, UnixTime now) {
  superseded_.emplace(relative, now.seconds);
}

Status Repository::SaveSuperseded() {
  json::Object object;
  for (const auto& [path, since] : superseded_) object[path] = since;
  return WriteFileAtomically(*fs_, Path(kSupersededFile), json::ToPrettyString(object));
}

Result<PublishResult> Repository::Publish(KeySource& keys, UnixTime now,
                                          const PublishOptions& options) {
  Result<PublishResult> result = PublishStaged(keys, now, options);
  if (!result.ok()) {
    // Not yet visible to clients (timestamp.json names none of them): take
    // back every file this round of changes created.
    for (const std::string& path : created_) (void)fs_->RemoveFile(path);
  }
  created_.clear();
  return result;
}

Result<PublishResult> Repository::PublishStaged(KeySource& keys, UnixTime now,
                                                const PublishOptions& options) {
  PublishResult result;
  const bool new_root = root_changed_;
  if (!new_root && root_.expires <= now) {
    // Clients refuse everything under an expired root: publishing would
    // only look like it worked.
    return Error(ErrorCode::kExpired,
                 "root expired at " + FormatUtcTimestamp(root_.expires) +
                     "; sign a new root first (bsi repo refresh with the root keys, or bsi repo "
                     "rotate)");
  }
  const bool new_targets = targets_changed_ || options.targets || new_root;
  const bool new_snapshot = new_targets || options.snapshot;

  if (new_root) {
    root_.version = published_root_.version + 1;
    root_.expires = UnixTime{now.seconds + settings_.root_expiry};
    std::vector<const metadata::RoleKeys*> roles = {&root_.roles.at("root")};
    if (root_.version > 1) roles.push_back(&published_root_.roles.at("root"));
    BSI_ASSIGN_OR_RETURN(const std::string bytes,
                         Sign(metadata::ToJson(root_), roles, "root", keys));
    BSI_TRY(WriteNew(MetadataFile(root_.version, "root"), bytes));
    result.root_version = root_.version;
  }
  if (new_targets) {
    BSI_ASSIGN_OR_RETURN(
        snapshot_.meta["targets.json"],
        WriteNextVersion(
            "targets", targets_, [this] { return metadata::ToJson(targets_); }, keys, now));
    result.targets_version = targets_.version;
  }
  if (new_snapshot) {
    BSI_ASSIGN_OR_RETURN(
        timestamp_.snapshot_meta,
        WriteNextVersion(
            "snapshot", snapshot_, [this] { return metadata::ToJson(snapshot_); }, keys, now));
    result.snapshot_version = snapshot_.version;
  }
  timestamp_.version += 1;
  timestamp_.expires = UnixTime{now.seconds + settings_.timestamp_expiry};
  BSI_ASSIGN_OR_RETURN(
      const std::string timestamp_bytes,
      Sign(metadata::ToJson(timestamp_), {&root_.roles.at("timestamp")}, "timestamp", keys));
  for (const std::string& replaced : replaced_targets_) Supersede(replaced, now);
  // Record what this publication supersedes before clients can see it, so
  // that a crash now leaves nothing unaccounted for.
  BSI_TRY(SaveSuperseded());
  BSI_TRY(WriteFileAtomically(*fs_, Path(std::string(kMetadataDir) + "/timestamp.json"),
                              timestamp_bytes));
  result.timestamp_version = timestamp_.version;
  created_.clear();  // live now
  published_root_ = root_;
  root_changed_ = false;
  targets_changed_ = false;
  replaced_targets_.clear();
  BSI_ASSIGN_OR_RETURN(result.pruned, Prune(now));
  return result;
}

Result<std::vector<std::string>> Repository::Prune(UnixTime now) {
  std::vector<std::string> removed;
  for (auto it = superseded_.begin(); it != superseded_.end();) {
    if (now.seconds - it->second < settings_.retention_seconds) {
      ++it;
      continue;
    }
    Status status = fs_->RemoveFile(Path(it->first));
    if (!status.ok() && status.error().code() != ErrorCode::kFileNotFound) return status.error();
    removed.push_back(it->first);
    it = superseded_.erase(it);
  }
  if (!removed.empty()) BSI_TRY(SaveSuperseded());
  return removed;
}

}  // namespace bsi::repo
