#include "bsi/payload/manifest_links.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bsi::payload {
namespace {

// Node 0 is the tree's root; node i + 1 is manifest entry i.
constexpr std::size_t kRoot = 0;

struct Node {
  std::size_t parent = kRoot;
  const ManifestEntry* entry = nullptr;  // nullptr for the root
  std::unordered_map<std::string_view, std::size_t> children;
};

// Where a walk is: a node, plus `missing` parts below it that name nothing
// in the tree (the kernel would fail there; they are followed lexically,
// which can only refuse more).
struct Position {
  std::size_t node = kRoot;
  std::size_t missing = 0;
};

enum class LinkState { kUnvisited, kResolving, kResolved };

class LinkResolver {
 public:
  explicit LinkResolver(const Manifest& manifest) : nodes_(manifest.entries.size() + 1) {
    std::unordered_map<std::string_view, std::size_t> id_of;
    id_of.reserve(manifest.entries.size());
    for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
      const ManifestEntry& entry = manifest.entries[i];
      const std::size_t id = i + 1;
      std::size_t parent = kRoot;
      if (std::optional<SafeRelativePath> parent_path = entry.path.Parent()) {
        parent = id_of.at(parent_path->str());  // present: ValidateManifest checked
      }
      nodes_[id].parent = parent;
      nodes_[id].entry = &entry;
      nodes_[parent].children.emplace(entry.path.BaseName(), id);
      id_of.emplace(entry.path.str(), id);
    }
    state_.assign(nodes_.size(), LinkState::kUnvisited);
    resolved_.resize(nodes_.size());
  }

  Status CheckAll() {
    for (std::size_t id = 1; id < nodes_.size(); ++id) {
      if (nodes_[id].entry->type == NodeType::kSymlink) BSI_TRY(Resolve(id, 0));
    }
    return Ok();
  }

 private:
  bool IsDirectory(std::size_t id) const {
    return id == kRoot || nodes_[id].entry->type == NodeType::kDirectory;
  }

  Error Outside(std::size_t link) const {
    const ManifestEntry& entry = *nodes_[link].entry;
    return Error(ErrorCode::kUnsafePath, "symlink " + entry.path.str() + " -> " +
                                             QuoteForMessage(entry.link_target) +
                                             " leads outside the tree through other symlinks");
  }

  // Where symlink `link` points, every symlink on the way followed.
  Result<Position> Resolve(std::size_t link, int depth) {
    if (state_[link] == LinkState::kResolved) return resolved_[link];
    const ManifestEntry& entry = *nodes_[link].entry;
    if (state_[link] == LinkState::kResolving || depth >= kMaxSymlinkHops) {
      return Error(ErrorCode::kUnsafePath,
                   "symlink " + entry.path.str() + " does not resolve within " +
                       std::to_string(kMaxSymlinkHops) + " links (a symlink loop or chain)");
    }
    state_[link] = LinkState::kResolving;
    Position at{.node = nodes_[link].parent, .missing = 0};
    std::string_view rest = entry.link_target;
    while (!rest.empty()) {
      const std::size_t slash = rest.find('/');
      const std::string_view part = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      if (part.empty()) continue;  // ResolveLinkTarget refuses empty parts; be safe
      if (part == "..") {
        if (at.missing > 0) {
          --at.missing;
        } else if (at.node == kRoot) {
          return Outside(link);
        } else {
          at.node = nodes_[at.node].parent;
        }
        continue;
      }
      if (at.missing > 0 || !IsDirectory(at.node)) {
        ++at.missing;
        continue;
      }
      auto child = nodes_[at.node].children.find(part);
      if (child == nodes_[at.node].children.end()) {
        at.missing = 1;
      } else if (nodes_[child->second].entry->type == NodeType::kSymlink) {
        // An error names the innermost link at fault.
        BSI_ASSIGN_OR_RETURN(at, Resolve(child->second, depth + 1));
      } else {
        at.node = child->second;
      }
    }
    state_[link] = LinkState::kResolved;
    resolved_[link] = at;
    return at;
  }

  std::vector<Node> nodes_;
  std::vector<LinkState> state_;
  std::vector<Position> resolved_;
};

}  // namespace

Status CheckSymlinksStayInside(const Manifest& manifest) {
  LinkResolver resolver(manifest);
  return resolver.CheckAll();
}

}  // namespace bsi::payload
