// Fuzzes ApplyDelta (bsi/payload/delta.h): the input is a patch, applied to
// a fixed old file. Patches arrive from the network; applying one must never
// crash, hang or take memory beyond the caps, whatever the bytes.
//
// The seeds in corpus/delta/ are real patches against OldFile() below (one
// per method), so mutations get past the old file's SHA-256 check and reach
// the stream decoders.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - a rejection has a code ApplyDelta documents, and a short message;
//  - an accepted patch produced exactly the new size its header declares,
//    with the SHA-256 it declares, and ApplyDeltaToString agrees;
//  - output never exceeds the max_new_size cap.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"

namespace {

using bsi::ErrorCode;

constexpr std::uint64_t kMaxNewSize = 1 << 20;
constexpr std::size_t kMaxMessage = 1024;

// 8 KiB of code-like bytes: the old file every seed was made against.
const std::string& OldFile() {
  static const std::string* const old_file = [] {
    auto* data = new std::string;
    std::uint32_t state = 12345;
    while (data->size() < 8192) {
      state = state * 1103515245u + 12345u;
      data->push_back(static_cast<char>((state >> 16) % 37));  // a small alphabet
      if (data->size() % 64 == 0) data->append("\xe8\x10\x20\x00\x00", 5);
    }
    data->resize(8192);
    return data;
  }();
  return *old_file;
}

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "delta_fuzzer: %s\n", what);
  std::abort();
}

bool Documented(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
    case ErrorCode::kTooLarge:
    case ErrorCode::kHashMismatch:
    case ErrorCode::kLengthMismatch:
    case ErrorCode::kUnsupported:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view patch(reinterpret_cast<const char*>(data), size);
  bsi::payload::ApplyOptions options;
  options.max_new_size = kMaxNewSize;
  options.max_window_log = 20;  // 1 MiB per stream at most
  options.max_prefix_bytes = OldFile().size();

  std::string out;
  const bsi::Status status = bsi::payload::ApplyDelta(
      bsi::payload::BufferFile(OldFile()), bsi::payload::BufferFile(patch),
      [&out](std::span<const std::uint8_t> bytes) {
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return bsi::Ok();
      },
      options);
  Check(out.size() <= kMaxNewSize, "output beyond max_new_size");
  if (!status.ok()) {
    Check(Documented(status.error().code()), "undocumented error code");
    Check(!status.error().message().empty(), "empty error message");
    Check(status.error().message().size() <= kMaxMessage, "error message too long");
    return 0;
  }
  const bsi::Result<bsi::payload::DeltaHeader> header =
      bsi::payload::ReadDeltaHeader(bsi::payload::BufferFile(patch));
  Check(header.ok(), "accepted a patch whose header does not parse");
  Check(out.size() == header->new_size, "output size differs from the header");
  const std::vector<std::uint8_t> digest = bsi::crypto::Sha256(out);
  Check(std::equal(digest.begin(), digest.end(), header->new_sha256.begin()),
        "output SHA-256 differs from the header");
  const bsi::Result<std::string> again =
      bsi::payload::ApplyDeltaToString(OldFile(), patch, options);
  Check(again.ok() && *again == out, "ApplyDeltaToString disagrees");
  return 0;
}
