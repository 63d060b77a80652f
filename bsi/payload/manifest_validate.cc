// ValidateManifest (manifest.h): the rules a manifest must meet beyond its
// JSON shape, checked in full before a bundle writes a single byte.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bsi/json/fields.h"
#include "bsi/payload/manifest.h"
#include "bsi/payload/manifest_links.h"

namespace bsi::payload {
namespace {

using json::Malformed;

constexpr std::uint64_t kMaxJsonInteger = static_cast<std::uint64_t>(INT64_MAX);

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// A component name: it becomes a directory name on devices.
Status CheckComponentName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= kMaxNameLength && IsLowerAlnum(name.front());
  for (char c : name) {
    ok = ok && (IsLowerAlnum(c) || c == '.' || c == '_' || c == '+' || c == '-');
  }
  if (!ok) {
    return Malformed("manifest component " + QuoteForMessage(name) + " must be 1-" +
                     std::to_string(kMaxNameLength) +
                     " of [a-z0-9._+-], starting with a letter or digit");
  }
  return Ok();
}

// A component version: it becomes a directory name on devices too.
Status CheckVersion(std::string_view what, const std::string& version) {
  auto alnum = [](char c) { return IsLowerAlnum(c) || IsUpper(c); };
  bool ok = !version.empty() && version.size() <= kMaxNameLength && alnum(version.front());
  for (char c : version) {
    ok = ok && (alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-');
  }
  if (!ok) {
    return Malformed("manifest " + std::string(what) + " " + QuoteForMessage(version) +
                     " must be 1-" + std::to_string(kMaxNameLength) +
                     " of [A-Za-z0-9._+~-], starting with a letter or digit");
  }
  return Ok();
}

bool IsSha256Hex(const std::string& hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ToOctal(unsigned value) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + (value & 7)));
    value >>= 3;
  } while (value != 0);
  return out;
}

Status CheckMode(const ManifestEntry& entry) {
  if (entry.mode > kMaxMode) {
    return Malformed(entry.path.str() + ": mode 0" + ToOctal(entry.mode) +
                     " has setuid, setgid or sticky bits, which a bundle never carries");
  }
  if (entry.type == NodeType::kDirectory && (entry.mode & 0500) != 0500) {
    return Malformed(entry.path.str() + ": directory mode 0" + ToOctal(entry.mode) +
                     " must let its owner read and search it (0500)");
  }
  return Ok();
}

Status CheckFile(const Manifest& manifest, const ManifestEntry& entry) {
  const std::string& path = entry.path.str();
  if (entry.size > kMaxJsonInteger) return Malformed(path + ": size is too large");
  if (!IsSha256Hex(entry.sha256)) {
    return Malformed(path + ": sha256 must be 64 lowercase hex digits");
  }
  switch (entry.kind) {
    case ContentKind::kFull:
    case ContentKind::kDelta:
      if (entry.content_length == 0 || entry.content_length > kMaxJsonInteger) {
        return Malformed(path + ": content length must be between 1 and 2^63-1");
      }
      break;
    case ContentKind::kUnchanged:
      if (entry.content_length != 0) return Malformed(path + ": unchanged content has no data");
      break;
    default:
      return Malformed(path + ": unknown content kind " +
                       std::to_string(static_cast<int>(entry.kind)));
  }
  if (entry.kind != ContentKind::kFull && manifest.is_full()) {
    return Malformed(path + ": a full bundle (no source_version) holds only full content, not " +
                     std::string(ContentKindName(entry.kind)));
  }
  if (entry.kind == ContentKind::kDelta) {
    if (entry.source_size > kMaxJsonInteger) return Malformed(path + ": source_size is too large");
    if (!IsSha256Hex(entry.source_sha256)) {
      return Malformed(path + ": source_sha256 must be 64 lowercase hex digits");
    }
  }
  return Ok();
}

}  // namespace

Status ValidateManifest(const Manifest& manifest) {
  BSI_TRY(CheckComponentName(manifest.component));
  if (manifest.source_version) BSI_TRY(CheckVersion("source_version", *manifest.source_version));
  BSI_TRY(CheckVersion("target_version", manifest.target_version));

  std::unordered_map<std::string_view, const ManifestEntry*> index;
  index.reserve(manifest.entries.size());
  const ManifestEntry* previous = nullptr;
  for (const ManifestEntry& entry : manifest.entries) {
    const std::string& path = entry.path.str();
    if (previous != nullptr && !(previous->path < entry.path)) {
      if (previous->path == entry.path) return Malformed("manifest lists " + path + " twice");
      return Malformed("manifest entries are not sorted by path: " + path + " after " +
                       previous->path.str());
    }
    previous = &entry;
    // Parents sort before their children, so a parent is already indexed.
    // Requiring it to be a directory entry keeps every write of apply inside
    // directories it created: nothing is ever placed "through" a symlink.
    if (std::optional<SafeRelativePath> parent = entry.path.Parent()) {
      auto it = index.find(parent->str());
      if (it == index.end()) {
        return Malformed(path + ": its parent directory " + parent->str() +
                         " is not in the manifest");
      }
      if (it->second->type != NodeType::kDirectory) {
        return Error(ErrorCode::kUnsafePath, path + ": its parent " + parent->str() + " is a " +
                                                 std::string(NodeTypeName(it->second->type)) +
                                                 ", not a directory");
      }
    }
    index.emplace(path, &entry);
    switch (entry.type) {
      case NodeType::kFile:
        BSI_TRY(CheckMode(entry));
        BSI_TRY(CheckFile(manifest, entry));
        break;
      case NodeType::kDirectory:
        BSI_TRY(CheckMode(entry));
        break;
      case NodeType::kSymlink: {
        Result<std::string> resolved = ResolveLinkTarget(entry.path, entry.link_target);
        if (!resolved.ok()) return resolved.error();
        break;
      }
      default:
        return Malformed(path + ": unknown type");
    }
  }
  return CheckSymlinksStayInside(manifest);
}

}  // namespace bsi::payload
