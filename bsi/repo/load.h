// Loading a repository's current metadata from disk the way a client
// verifies it: root 1 is trusted as found, then roots 2..N are each checked
// against the previous one, timestamp.json, the snapshot and the top-level
// targets it names (trust::TrustedMetadata does every check). Used by the
// writer (Repository::Open, with expiry ignored) and by VerifyRepository.
//
// Thread-safety: pure functions over the file system.
#ifndef BSI_REPO_LOAD_H_
#define BSI_REPO_LOAD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/metadata/metadata.h"

namespace bsi::repo {

// The largest metadata file read (10,000 targets take about 4 MB).
inline constexpr std::uint64_t kMaxMetadataBytes = std::uint64_t{256} << 20;

struct LoadedMetadata {
  metadata::Metadata<metadata::Root> root;
  metadata::Metadata<metadata::Timestamp> timestamp;
  metadata::Metadata<metadata::Snapshot> snapshot;
  metadata::Metadata<metadata::Targets> targets;
};

// reference_time: the time expiry is judged at; nullopt ignores expiry.
// Errors: kFileNotFound (no 1.root.json, or a file another names is
// missing, with its name); the TUF checks' codes, with the file name.
Result<LoadedMetadata> LoadMetadata(FileSystem& fs, const std::string& metadata_dir,
                                    std::optional<UnixTime> reference_time);

}  // namespace bsi::repo

#endif  // BSI_REPO_LOAD_H_
