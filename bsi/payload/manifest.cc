// JSON encoding of the manifest. The rules a manifest must meet beyond its
// shape are in manifest_validate.cc.
#include "bsi/payload/manifest.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "bsi/json/fields.h"
#include "bsi/json/json.h"

namespace bsi::payload {
namespace {

using json::Malformed;

// Refuses members other than `allowed`, so that a manifest has exactly one
// meaning (and a newer writer's extra field is not silently dropped).
Status CheckMembers(const json::Object& object, std::initializer_list<std::string_view> allowed,
                    const std::string& where) {
  for (const auto& [key, value] : object) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) return Malformed(where + " has an unknown member " + QuoteForMessage(key));
  }
  return Ok();
}

Result<std::uint64_t> GetSize(const json::Object& object, std::string_view key,
                              const std::string& where) {
  BSI_ASSIGN_OR_RETURN(std::int64_t value, json::GetInt(object, key, where));
  if (value < 0) return Malformed(where + "." + std::string(key) + " must not be negative");
  return static_cast<std::uint64_t>(value);
}

Result<NodeType> ParseNodeType(const std::string& name, const std::string& where) {
  for (NodeType type : {NodeType::kFile, NodeType::kDirectory, NodeType::kSymlink}) {
    if (name == NodeTypeName(type)) return type;
  }
  return Malformed(where + ".type " + QuoteForMessage(name) + " is not file, dir or symlink");
}

Result<ContentKind> ParseContentKind(const std::string& name, const std::string& where) {
  for (ContentKind kind : {ContentKind::kFull, ContentKind::kDelta, ContentKind::kUnchanged}) {
    if (name == ContentKindName(kind)) return kind;
  }
  return Malformed(where + ".kind " + QuoteForMessage(name) +
                   " is not a content kind this build knows (full, delta, unchanged)");
}

Result<unsigned> GetMode(const json::Object& object, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(std::int64_t mode, json::GetInt(object, "mode", where));
  if (mode < 0 || mode > 07777) return Malformed(where + ".mode is not a file mode");
  return static_cast<unsigned>(mode);
}

// The "content" member of a file: how its content travels.
Status ParseContent(const json::Object& object, const std::string& where, ManifestEntry& out) {
  BSI_ASSIGN_OR_RETURN(const json::Object* content, json::GetObject(object, "content", where));
  const std::string at = where + ".content";
  BSI_ASSIGN_OR_RETURN(std::string kind_name, json::GetString(*content, "kind", at));
  BSI_ASSIGN_OR_RETURN(out.kind, ParseContentKind(kind_name, at));
  switch (out.kind) {
    case ContentKind::kFull: {
      BSI_TRY(CheckMembers(*content, {"kind", "length"}, at));
      BSI_ASSIGN_OR_RETURN(out.content_length, GetSize(*content, "length", at));
      return Ok();
    }
    case ContentKind::kDelta: {
      BSI_TRY(CheckMembers(*content, {"kind", "length", "source_size", "source_sha256"}, at));
      BSI_ASSIGN_OR_RETURN(out.content_length, GetSize(*content, "length", at));
      BSI_ASSIGN_OR_RETURN(out.source_size, GetSize(*content, "source_size", at));
      BSI_ASSIGN_OR_RETURN(out.source_sha256, json::GetString(*content, "source_sha256", at));
      return Ok();
    }
    case ContentKind::kUnchanged:
      return CheckMembers(*content, {"kind"}, at);
  }
  return Malformed(at + ".kind is invalid");
}

Result<ManifestEntry> ParseEntry(const json::Value& value, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_ASSIGN_OR_RETURN(std::string path_text, json::GetString(*object, "path", where));
  BSI_ASSIGN_OR_RETURN(SafeRelativePath path, SafeRelativePath::Parse(path_text));
  const std::string entry_where = where + " (" + path.str() + ")";
  ManifestEntry entry(std::move(path));
  BSI_ASSIGN_OR_RETURN(std::string type_name, json::GetString(*object, "type", entry_where));
  BSI_ASSIGN_OR_RETURN(entry.type, ParseNodeType(type_name, entry_where));
  switch (entry.type) {
    case NodeType::kFile: {
      BSI_TRY(CheckMembers(*object, {"path", "type", "mode", "size", "sha256", "content"},
                           entry_where));
      BSI_ASSIGN_OR_RETURN(entry.mode, GetMode(*object, entry_where));
      BSI_ASSIGN_OR_RETURN(entry.size, GetSize(*object, "size", entry_where));
      BSI_ASSIGN_OR_RETURN(entry.sha256, json::GetString(*object, "sha256", entry_where));
      BSI_TRY(ParseContent(*object, entry_where, entry));
      break;
    }
    case NodeType::kDirectory: {
      BSI_TRY(CheckMembers(*object, {"path", "type", "mode"}, entry_where));
      BSI_ASSIGN_OR_RETURN(entry.mode, GetMode(*object, entry_where));
      break;
    }
    case NodeType::kSymlink: {
      BSI_TRY(CheckMembers(*object, {"path", "type", "target"}, entry_where));
      BSI_ASSIGN_OR_RETURN(entry.link_target, json::GetString(*object, "target", entry_where));
      break;
    }
  }
  return entry;
}

json::Value EntryToJson(const ManifestEntry& entry) {
  json::Object out;
  out["path"] = entry.path.str();
  out["type"] = NodeTypeName(entry.type);
  switch (entry.type) {
    case NodeType::kFile: {
      out["mode"] = static_cast<std::int64_t>(entry.mode);
      out["size"] = static_cast<std::int64_t>(entry.size);
      out["sha256"] = entry.sha256;
      json::Object content;
      content["kind"] = ContentKindName(entry.kind);
      if (entry.kind != ContentKind::kUnchanged) {
        content["length"] = static_cast<std::int64_t>(entry.content_length);
      }
      if (entry.kind == ContentKind::kDelta) {
        content["source_size"] = static_cast<std::int64_t>(entry.source_size);
        content["source_sha256"] = entry.source_sha256;
      }
      out["content"] = std::move(content);
      break;
    }
    case NodeType::kDirectory:
      out["mode"] = static_cast<std::int64_t>(entry.mode);
      break;
    case NodeType::kSymlink:
      out["target"] = entry.link_target;
      break;
  }
  return out;
}

// The canonical bytes, without validation. REQUIRES: sizes fit in int64
// (ValidateManifest checks it).
Result<std::string> Encode(const Manifest& manifest) {
  json::Object root;
  root["format_version"] = kManifestFormatVersion;
  root["component"] = manifest.component;
  if (manifest.source_version) root["source_version"] = *manifest.source_version;
  root["target_version"] = manifest.target_version;
  json::Array entries;
  entries.reserve(manifest.entries.size());
  for (const ManifestEntry& entry : manifest.entries) entries.push_back(EntryToJson(entry));
  root["entries"] = std::move(entries);
  return json::Canonicalize(json::Value(std::move(root)));
}

}  // namespace

std::string_view NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kFile:
      return "file";
    case NodeType::kDirectory:
      return "dir";
    case NodeType::kSymlink:
      return "symlink";
  }
  return "invalid";
}

std::string_view ContentKindName(ContentKind kind) {
  switch (kind) {
    case ContentKind::kFull:
      return "full";
    case ContentKind::kDelta:
      return "delta";
    case ContentKind::kUnchanged:
      return "unchanged";
  }
  return "invalid";
}

Result<Manifest> ParseManifest(std::string_view bytes) {
  Result<json::Value> parsed = json::Parse(bytes);
  if (!parsed.ok()) return parsed.error().WithContext("manifest");
  BSI_ASSIGN_OR_RETURN(const json::Object* root, json::AsObject(*parsed, "manifest"));
  // The format version first: a newer format may differ in everything else.
  BSI_ASSIGN_OR_RETURN(std::int64_t format, json::GetInt(*root, "format_version", "manifest"));
  if (format != kManifestFormatVersion) {
    return Error(ErrorCode::kUnsupported, "manifest format version " + std::to_string(format) +
                                              " is not supported (this build reads version " +
                                              std::to_string(kManifestFormatVersion) + ")");
  }
  BSI_TRY(CheckMembers(
      *root, {"format_version", "component", "source_version", "target_version", "entries"},
      "manifest"));
  Manifest manifest;
  BSI_ASSIGN_OR_RETURN(manifest.component, json::GetString(*root, "component", "manifest"));
  if (json::Find(*root, "source_version") != nullptr) {
    BSI_ASSIGN_OR_RETURN(manifest.source_version,
                         json::GetString(*root, "source_version", "manifest"));
  }
  BSI_ASSIGN_OR_RETURN(manifest.target_version,
                       json::GetString(*root, "target_version", "manifest"));
  BSI_ASSIGN_OR_RETURN(const json::Array* entries, json::GetArray(*root, "entries", "manifest"));
  manifest.entries.reserve(entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i) {
    BSI_ASSIGN_OR_RETURN(ManifestEntry entry,
                         ParseEntry((*entries)[i], "manifest.entries[" + std::to_string(i) + "]"));
    manifest.entries.push_back(std::move(entry));
  }
  BSI_TRY(ValidateManifest(manifest));
  // One manifest, one encoding: what was signed (as part of the bundle) is
  // exactly what the fields say.
  BSI_ASSIGN_OR_RETURN(std::string canonical, Encode(manifest));
  if (canonical != bytes) return Malformed("manifest is not in canonical JSON form");
  return manifest;
}

Result<std::string> SerializeManifest(const Manifest& manifest) {
  BSI_TRY(ValidateManifest(manifest));
  return Encode(manifest);
}

Result<std::uint64_t> TotalFileBytes(const Manifest& manifest) {
  std::uint64_t total = 0;
  for (const ManifestEntry& entry : manifest.entries) {
    if (entry.type != NodeType::kFile) continue;
    if (entry.size > UINT64_MAX - total) {
      return Error(ErrorCode::kTooLarge, "manifest declares more than 2^64 bytes of files");
    }
    total += entry.size;
  }
  return total;
}

}  // namespace bsi::payload
