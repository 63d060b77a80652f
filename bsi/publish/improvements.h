// The improvements a repository holds, and the signed changes a release
// engineer makes to one after publication: withdrawal, rollout (waves,
// pause, resume) and supersession by a full OS update. Each change edits
// the improvement record in its target's custom field, publishes through
// Repository::Publish (new targets, snapshot and timestamp versions), and
// regenerates the improvement's security notes.
//
// Improvements are named by product and improvement version; the product
// may be left out when only one product has that version.
//
// Thread-safety: as Repository.
#ifndef BSI_PUBLISH_IMPROVEMENTS_H_
#define BSI_PUBLISH_IMPROVEMENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/release/improvement.h"
#include "bsi/repo/key_source.h"
#include "bsi/repo/repository.h"
#include "bsi/version/version.h"

namespace bsi::publish {

// Every improvement record in the repository's top-level targets, sorted by
// product, base and letter. Errors: kMalformed naming the target whose
// record does not parse.
Result<std::vector<release::Improvement>> ListImprovements(const repo::Repository& repo);

// The improvements of one product and base, by letter.
Result<std::vector<release::Improvement>> ImprovementsOf(const repo::Repository& repo,
                                                         std::string_view product,
                                                         const version::BaseVersion& base);

// Errors: kTargetNotFound if none matches; kInvalidArgument if product is
// empty and several products have this version.
Result<release::Improvement> FindImprovement(const repo::Repository& repo, std::string_view product,
                                             const version::ImprovementVersion& version);

// The release notes an improvement was published with (its notes.md target).
Result<std::string> ReadReleaseNotes(FileSystem& fs, const repo::Repository& repo,
                                     const release::Improvement& improvement);

// Writes the security notes of an improvement under
// DIR/notes/<product>/<base>/<letter>/ (advisory::RenderNotes), each file
// atomically.
Status WriteNotes(FileSystem& fs, const repo::Repository& repo,
                  const release::Improvement& improvement, UnixTime now);

// Publishes a signed withdrawal. Errors: kInvalidArgument if already
// withdrawn or the reason is empty.
Result<release::Improvement> Withdraw(FileSystem& fs, repo::Repository& repo, repo::KeySource& keys,
                                      std::string_view product,
                                      const version::ImprovementVersion& version,
                                      std::string reason, UnixTime now);

// Pauses or resumes the rollout, or replaces its waves (nullopt keeps them).
// Errors: kInvalidArgument for a withdrawn improvement or nothing to change.
Result<release::Improvement> ChangeRollout(FileSystem& fs, repo::Repository& repo,
                                           repo::KeySource& keys, std::string_view product,
                                           const version::ImprovementVersion& version,
                                           std::optional<bool> paused,
                                           std::optional<release::Rollout> waves, UnixTime now);

// Records that the full OS version `by` contains the fixes of every
// improvement of `base` (of one product; empty product: the only one with
// improvements of that base). Errors: kInvalidArgument if `by` is not newer
// than base, or no improvement has that base.
Result<std::vector<release::Improvement>> Supersede(FileSystem& fs, repo::Repository& repo,
                                                    repo::KeySource& keys, std::string_view product,
                                                    const version::BaseVersion& base,
                                                    const version::BaseVersion& by, UnixTime now);

}  // namespace bsi::publish

#endif  // BSI_PUBLISH_IMPROVEMENTS_H_
