#include "bsi/payload/tree_digest.h"

#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/json/json.h"
#include "bsi/payload/tree_scan.h"

namespace bsi::payload {
namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 20;

// One entry as the digest sees it: [path, type, mode, size, sha256 or link].
json::Value EntryJson(const std::string& path, NodeType type, unsigned mode, std::uint64_t size,
                      const std::string& content) {
  return json::Array{path, NodeTypeName(type), static_cast<std::int64_t>(mode),
                     static_cast<std::int64_t>(size), content};
}

std::string DigestOf(const json::Array& entries) {
  // Strings and integers only: canonicalization cannot fail.
  return crypto::Sha256Hex(json::Canonicalize(json::Value(entries)).value());
}

Result<std::string> FileSha256(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, fs.OpenSequential(path));
  BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                       crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
  std::vector<std::uint8_t> buffer(kReadChunk);
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, file->Read(buffer));
    if (n == 0) break;
    hasher.Update(std::span<const std::uint8_t>(buffer.data(), n));
  }
  return hasher.FinishHex();
}

}  // namespace

Result<std::string> TreeDigest(FileSystem& fs, const std::string& root) {
  BSI_ASSIGN_OR_RETURN(const std::vector<TreeEntry> entries,
                       ScanTree(fs, root, ScanPolicy::kRefuseUnsafe));
  json::Array list;
  for (const TreeEntry& entry : entries) {
    std::string content;
    std::uint64_t size = 0;
    if (entry.type == NodeType::kFile) {
      BSI_ASSIGN_OR_RETURN(content, FileSha256(fs, JoinPath(root, entry.path.str())));
      size = entry.size;
    } else if (entry.type == NodeType::kSymlink) {
      content = entry.link_target;
    }
    list.push_back(EntryJson(entry.path.str(), entry.type, entry.mode, size, content));
  }
  return DigestOf(list);
}

std::string TreeDigest(const Manifest& manifest) {
  json::Array list;
  for (const ManifestEntry& entry : manifest.entries) {
    const bool file = entry.type == NodeType::kFile;
    list.push_back(EntryJson(entry.path.str(), entry.type, entry.mode, file ? entry.size : 0,
                             file                               ? entry.sha256
                             : entry.type == NodeType::kSymlink ? entry.link_target
                                                                : std::string()));
  }
  return DigestOf(list);
}

}  // namespace bsi::payload
