#include "testing/repository_simulator.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "bsi/client/updater.h"
#include "bsi/core/file_system.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/metadata/serialize.h"

namespace bsi::testing {
namespace {

constexpr std::int64_t kOneYear = std::int64_t{365} * 24 * 60 * 60;
constexpr std::size_t kChunkSize = 4096;
constexpr std::string_view kJson = ".json";

// Test support has no way to report a broken setup but to stop.
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "RepositorySimulator: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) Die(std::string(what) + ": " + result.error().ToString());
  return std::move(result).value();
}

crypto::PrivateKey NewKey() {
  return Must(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519), "generating a key");
}

std::string KeyIdOf(const crypto::PrivateKey& key) {
  return metadata::ComputeKeyId(metadata::PublicKeyOf(key));
}

Error NotFound(const std::string& name) {
  return Error(ErrorCode::kNotFound, "HTTP 404 for " + name);
}

bool IsDigits(std::string_view text) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// urllib.parse.unquote: "%XX" decoded, anything else kept as it is.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// urllib.parse.quote(text, safe=""), as the client names role files.

// "dir/name" -> {"dir/", "name"}; "name" -> {"", "name"}.
std::pair<std::string, std::string> SplitDir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash + 1), path.substr(slash + 1)};
}

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

RepositorySimulator::RepositorySimulator(UnixTime now) : now_(now) {
  const UnixTime expires{now.seconds + kOneYear};
  root.expires = timestamp.expires = snapshot.expires = targets.expires = expires;
  root.consistent_snapshot = true;
  for (const char* role : {"root", "timestamp", "snapshot", "targets"}) {
    root.roles[role] = metadata::RoleKeys{};
    AddKey(role);
  }
  snapshot.meta["targets.json"] = metadata::MetaFile{};
  timestamp.snapshot_meta = metadata::MetaFile{};
  PublishCurrentRoot({});
}

std::string RepositorySimulator::AddKey(const std::string& role) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) Die("AddKey: not a top-level role: " + role);
  crypto::PrivateKey key = NewKey();
  std::string keyid = KeyIdOf(key);
  root.keys[keyid] = metadata::PublicKeyOf(key);
  it->second.keyids.push_back(keyid);
  signers[role].push_back(std::move(key));
  return keyid;
}

std::string RepositorySimulator::RotateKeys(const std::string& role) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) Die("RotateKeys: not a top-level role: " + role);
  crypto::PrivateKey key = NewKey();
  std::string keyid = KeyIdOf(key);
  root.keys[keyid] = metadata::PublicKeyOf(key);
  it->second = metadata::RoleKeys{{keyid}, 1};
  signers[role].clear();
  signers[role].push_back(std::move(key));
  std::set<std::string> used;
  for (const auto& [name, keys] : root.roles) used.insert(keys.keyids.begin(), keys.keyids.end());
  std::erase_if(root.keys, [&](const auto& entry) { return used.count(entry.first) == 0; });
  return keyid;
}

void RepositorySimulator::AddTarget(const std::string& role, const std::string& path,
                                    const std::string& content, bool both_hashes) {
  metadata::TargetFile file;
  file.length = static_cast<std::int64_t>(content.size());
  file.hashes["sha256"] = crypto::Sha256Hex(content);
  if (both_hashes) file.hashes["sha512"] = crypto::HashHex(crypto::HashAlgorithm::kSha512, content);
  TargetsOf(role).targets[path] = std::move(file);
  artifacts[path] = content;
}

void RepositorySimulator::AddDelegation(const std::string& delegator,
                                        metadata::DelegatedRole role) {
  metadata::Targets& parent = TargetsOf(delegator);
  crypto::PrivateKey key = NewKey();
  const std::string keyid = KeyIdOf(key);
  if (!parent.delegations) parent.delegations.emplace();
  parent.delegations->keys[keyid] = metadata::PublicKeyOf(key);
  role.keys = metadata::RoleKeys{{keyid}, 1};
  const std::string name = role.name;
  parent.delegations->roles.push_back(std::move(role));
  metadata::Targets empty;
  empty.expires = UnixTime{now_.seconds + kOneYear};
  delegated[name] = std::move(empty);
  signers[name].clear();
  signers[name].push_back(std::move(key));
  snapshot.meta[name + ".json"] = MetaFileFor(name, 1);
}

void RepositorySimulator::PublishRoot(const std::vector<const crypto::PrivateKey*>& extra_signers) {
  ++root.version;
  PublishCurrentRoot(extra_signers);
}

void RepositorySimulator::PublishCurrentRoot(
    const std::vector<const crypto::PrivateKey*>& extra_signers) {
  std::vector<const crypto::PrivateKey*> keys;
  for (const crypto::PrivateKey& key : signers["root"]) keys.push_back(&key);
  keys.insert(keys.end(), extra_signers.begin(), extra_signers.end());
  published_roots_[root.version] =
      Must(metadata::SignEnvelope(metadata::ToJson(root), keys), "signing root");
  latest_root_ = root.version;
}

void RepositorySimulator::UpdateSnapshot() {
  snapshot.meta["targets.json"] = MetaFileFor("targets", targets.version);
  for (const auto& [name, role] : delegated) {
    snapshot.meta[name + ".json"] = MetaFileFor(name, role.version);
  }
  ++snapshot.version;
  UpdateTimestamp();
}

void RepositorySimulator::UpdateTimestamp() {
  timestamp.snapshot_meta = MetaFileFor("snapshot", snapshot.version);
  ++timestamp.version;
}

void RepositorySimulator::BumpTargets(const std::string& role) { ++TargetsOf(role).version; }

std::string RepositorySimulator::SignedBytes(const std::string& role) {
  if (role == "root") return PublishedRoot(latest_root_);
  std::optional<std::string> bytes = SignRole(role);
  if (!bytes) Die("SignedBytes: no role " + role);
  return *bytes;
}

const std::string& RepositorySimulator::PublishedRoot(std::int64_t version) const {
  auto it = published_roots_.find(version);
  if (it == published_roots_.end()) Die("root v" + std::to_string(version) + " not published");
  return it->second;
}

std::optional<std::string> RepositorySimulator::SignRole(const std::string& role) {
  json::Value signed_part;
  if (role == "timestamp") {
    signed_part = metadata::ToJson(timestamp);
  } else if (role == "snapshot") {
    signed_part = metadata::ToJson(snapshot);
  } else if (role == "targets") {
    signed_part = metadata::ToJson(targets);
  } else if (auto it = delegated.find(role); it != delegated.end()) {
    signed_part = metadata::ToJson(it->second);
  } else {
    return std::nullopt;
  }
  std::vector<const crypto::PrivateKey*> keys;
  for (const crypto::PrivateKey& key : signers[role]) keys.push_back(&key);
  return Must(metadata::SignEnvelope(signed_part, keys), "signing metadata");
}

metadata::MetaFile RepositorySimulator::MetaFileFor(const std::string& role, std::int64_t version) {
  metadata::MetaFile meta;
  meta.version = version;
  if (compute_metafile_hashes_and_length) {
    const std::string bytes = SignedBytes(role);
    meta.length = static_cast<std::int64_t>(bytes.size());
    meta.hashes["sha256"] = crypto::Sha256Hex(bytes);
  }
  return meta;
}

metadata::Targets& RepositorySimulator::TargetsOf(const std::string& role) {
  if (role == "targets") return targets;
  auto it = delegated.find(role);
  if (it == delegated.end()) Die("no targets role " + role);
  return it->second;
}

std::string RepositorySimulator::HashPrefixedName(const std::string& path,
                                                  const std::string& content) const {
  auto [dir, name] = SplitDir(path);
  return dir + crypto::Sha256Hex(content) + "." + name;
}

Result<std::string> RepositorySimulator::Fetch(const fetch::FetchRequest& request) {
  BSI_ASSIGN_OR_RETURN(std::string body, Serve(request.url));
  if (request.range_start) {
    if (*request.range_start > body.size()) {
      return Error(ErrorCode::kHttpStatus, "HTTP 416 for " + request.url);
    }
    body.erase(0, *request.range_start);
  }
  if (body.size() > request.max_bytes) {
    return Error(ErrorCode::kTooLarge, request.url + ": body has " + std::to_string(body.size()) +
                                           " bytes, more than " +
                                           std::to_string(request.max_bytes));
  }
  return body;
}

Status RepositorySimulator::FetchTo(const fetch::FetchRequest& request, fetch::ByteSink& sink) {
  BSI_ASSIGN_OR_RETURN(std::string body, Fetch(request));
  for (std::size_t offset = 0; offset < body.size(); offset += kChunkSize) {
    BSI_TRY(sink.Write(std::string_view(body).substr(offset, kChunkSize)));
  }
  return Ok();
}

Result<std::string> RepositorySimulator::Serve(const std::string& url) {
  const std::string metadata_url = kMetadataUrl;
  const std::string targets_url = kTargetsUrl;
  const bool is_metadata = url.starts_with(metadata_url);
  if (!is_metadata && !url.starts_with(targets_url)) {
    requests.push_back(url);
    return NotFound(url);
  }
  const std::string name = url.substr(is_metadata ? metadata_url.size() : targets_url.size());
  requests.push_back(name);
  if (auto failure = failures.find(name); failure != failures.end()) {
    return Error(failure->second, "injected failure for " + name);
  }
  if (auto override = overrides.find(name); override != overrides.end()) return override->second;
  return is_metadata ? ServeMetadata(name) : ServeArtifact(name);
}

Result<std::string> RepositorySimulator::ServeMetadata(const std::string& name) {
  if (!name.ends_with(kJson)) return NotFound(name);
  const std::string stem = name.substr(0, name.size() - kJson.size());
  std::optional<std::int64_t> version;
  std::string role = PercentDecode(stem);
  if (const auto dot = stem.find('.');
      dot != std::string::npos && IsDigits(stem.substr(0, dot)) && dot + 1 < stem.size()) {
    version = std::stoll(stem.substr(0, dot));
    role = PercentDecode(stem.substr(dot + 1));
  }
  if (role == "root") {
    if (!version) return SignedBytes("root");
    auto it = published_roots_.find(*version);
    if (it == published_roots_.end()) return NotFound(name);
    return it->second;
  }
  if (role == "timestamp" && version) return NotFound(name);  // never versioned
  std::int64_t current = 0;
  if (role == "timestamp") {
    current = timestamp.version;
  } else if (role == "snapshot") {
    current = snapshot.version;
  } else if (role == "targets" || delegated.count(role) != 0) {
    current = TargetsOf(role).version;
  } else {
    return NotFound(name);
  }
  if (version && *version != current) return NotFound(name);
  return *SignRole(role);
}

Result<std::string> RepositorySimulator::ServeArtifact(const std::string& name) {
  if (!root.consistent_snapshot) {
    auto it = artifacts.find(name);
    if (it == artifacts.end()) return NotFound(name);
    return it->second;
  }
  // "dir/<hash>.file": served when the hash is the content's, or one that
  // targets metadata lists for the path (as python-tuf's simulator does, so
  // that a test may change the content behind the metadata's back).
  auto [dir, prefixed] = SplitDir(name);
  const auto dot = prefixed.find('.');
  if (dot == std::string::npos) return NotFound(name);
  const std::string hash = prefixed.substr(0, dot);
  const std::string path = dir + prefixed.substr(dot + 1);
  auto it = artifacts.find(path);
  if (it == artifacts.end()) return NotFound(name);
  bool listed = crypto::Sha256Hex(it->second) == hash;
  auto lists = [&](const metadata::Targets& role) {
    auto file = role.targets.find(path);
    if (file == role.targets.end()) return false;
    for (const auto& [algorithm, digest] : file->second.hashes) {
      if (digest == hash) return true;
    }
    return false;
  };
  listed = listed || lists(targets);
  for (const auto& [role_name, role] : delegated) listed = listed || lists(role);
  if (!listed) return NotFound(name);
  return it->second;
}

Status RepositorySimulator::WriteTo(const std::string& dir) {
  PosixFileSystem fs;
  std::map<std::string, std::string> metadata_files;
  for (const auto& [version, bytes] : published_roots_) {
    metadata_files[std::to_string(version) + ".root.json"] = bytes;
  }
  metadata_files["root.json"] = SignedBytes("root");
  metadata_files["timestamp.json"] = SignedBytes("timestamp");
  std::vector<std::pair<std::string, std::int64_t>> versioned{{"snapshot", snapshot.version},
                                                              {"targets", targets.version}};
  for (const auto& [name, role] : delegated) versioned.emplace_back(name, role.version);
  for (const auto& [role, version] : versioned) {
    const std::string file = client::PercentEncode(role) + ".json";
    metadata_files[file] = SignedBytes(role);
    metadata_files[std::to_string(version) + "." + file] = metadata_files[file];
  }
  std::map<std::string, std::string> target_files;
  for (const auto& [path, content] : artifacts) {
    target_files[path] = content;
    target_files[HashPrefixedName(path, content)] = content;
  }
  for (const auto& [name, bytes] : overrides) {
    const bool is_target = target_files.count(name) != 0 ||
                           (metadata_files.count(name) == 0 && !name.ends_with(kJson));
    (is_target ? target_files : metadata_files)[name] = bytes;
  }
  for (const auto& [subdir, files] :
       {std::pair{"metadata", &metadata_files}, std::pair{"targets", &target_files}}) {
    const std::string base = JoinPath(dir, subdir);
    BSI_TRY(CreateDirs(fs, base));
    for (const auto& [name, bytes] : *files) {
      if (!IsSafeRelativePath(name)) {
        return Error(ErrorCode::kUnsafePath, "refusing to write " + name);
      }
      const std::string path = JoinPath(base, name);
      BSI_TRY(CreateDirs(fs, ParentDir(path)));
      BSI_TRY(WriteFileAtomically(fs, path, bytes));
    }
  }
  return Ok();
}

}  // namespace bsi::testing
