// CreateRelease: from component trees and CVE ids to a published
// improvement, in one call (`bsi release create`).
//
// For the next letter of a product's base version it builds, per
// component, a full bundle of the new tree, a delta bundle from the base
// tree, and a delta bundle from the tree of every earlier letter that
// changed the component (rebuilt from that letter's full bundle and checked
// against its recorded tree digest), so a device installs from whatever it
// has with the smallest payload. Then it adds the bundles and the release
// notes as targets, with the improvement record (bsi/release) in the notes
// target's custom field, publishes, and writes the security notes.
//
// Improvements are cumulative: a letter must change every component that
// an earlier letter (not withdrawn) changed, and every letter of a base
// must start from the same base tree (checked by tree digest).
//
// Work files live in DIR/.bsi/staging-<random>/ and are removed at the end,
// on success or error. If publishing fails the repository is as before
// (target files already copied are unreferenced and harmless).
//
// Thread-safety: as Repository.
#ifndef BSI_PUBLISH_RELEASE_WORKFLOW_H_
#define BSI_PUBLISH_RELEASE_WORKFLOW_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/bundle_writer.h"
#include "bsi/release/improvement.h"
#include "bsi/repo/key_source.h"
#include "bsi/repo/repository.h"

namespace bsi::publish {

struct ComponentInput {
  std::string name;
  // The version the improvement installs. Default: "<base>-<letter>",
  // e.g. "26.3.1-a".
  std::optional<std::string> version;
  std::string old_tree;  // the component as the base version has it
  std::string new_tree;  // the component as this improvement makes it
};

struct ReleaseRequest {
  std::string product;
  version::BaseVersion base;
  std::vector<ComponentInput> components;  // at least one
  std::vector<release::Cve> cves;          // at least one
  std::optional<std::string> notes_file;   // Markdown; default: generated
  release::Rollout rollout = release::DefaultRollout();
  payload::BundleWriterOptions bundle_options;
  // Called with a line of progress ("webkit: delta bundle from (a)").
  std::function<void(const std::string&)> progress;
};

struct PayloadSummary {
  std::string path;  // target path
  std::uint64_t size = 0;
};

struct ReleaseResult {
  release::Improvement improvement;
  std::vector<PayloadSummary> payloads;
  repo::PublishResult published;
};

Result<ReleaseResult> CreateRelease(FileSystem& fs, repo::Repository& repo, repo::KeySource& keys,
                                    const ReleaseRequest& request, UnixTime now);

}  // namespace bsi::publish

#endif  // BSI_PUBLISH_RELEASE_WORKFLOW_H_
