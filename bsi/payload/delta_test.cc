// Round trips of CreateDelta / ApplyDelta on generated and real files, the
// format's pieces, streaming memory use and the file-level helpers.
#include "bsi/payload/delta.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/delta_bsdiff.h"
#include "bsi/payload/delta_test_util.h"

#include "testing/fault_injection_file_system.h"
#include "testing/memory_file_system.h"

namespace bsi::payload {
namespace {

using testing::CodeLikeBytes;
using testing::CodeOf;
using testing::RandomBytes;

DeltaOptions Only(DeltaMethod method) {
  DeltaOptions options;
  options.methods = {method};
  return options;
}

// Creates a patch, checks its header, applies it and compares.
std::string ExpectRoundTrip(const std::string& old_data, const std::string& new_data,
                            const DeltaOptions& options) {
  Result<std::string> patch = CreateDelta(old_data, new_data, options);
  EXPECT_TRUE(patch.ok()) << patch.error().ToString();
  if (!patch.ok()) return "";
  Result<DeltaHeader> header = ReadDeltaHeader(BufferFile(*patch));
  EXPECT_TRUE(header.ok());
  if (options.methods.size() == 1) {
    EXPECT_EQ(header->method, options.methods[0]);
  }
  EXPECT_EQ(header->old_size, old_data.size());
  EXPECT_EQ(header->new_size, new_data.size());
  Result<std::string> applied = ApplyDeltaToString(old_data, *patch);
  EXPECT_TRUE(applied.ok()) << applied.error().ToString();
  if (applied.ok()) {
    EXPECT_TRUE(*applied == new_data) << "applied result differs";
  }
  return *patch;
}

// A relocation-style edit of code: bytes inserted in the middle shift what
// follows, and every "address" after the insertion point grows.
std::string Relocate(std::string data, std::size_t at, std::size_t inserted) {
  data.insert(at, RandomBytes(99, inserted));
  for (std::size_t i = at + inserted; i + 4 <= data.size(); i += 97) {
    data[i] = static_cast<char>(data[i] + 1);
  }
  return data;
}

struct MethodCase {
  const char* name;
  std::vector<DeltaMethod> methods;
};

class DeltaRoundTripTest : public ::testing::TestWithParam<MethodCase> {
 protected:
  std::string RoundTrip(const std::string& old_data, const std::string& new_data) {
    DeltaOptions options;
    options.methods = GetParam().methods;
    return ExpectRoundTrip(old_data, new_data, options);
  }
};

TEST_P(DeltaRoundTripTest, EmptyFiles) {
  RoundTrip("", "");
  RoundTrip("", "new content");
  RoundTrip("old content", "");
}

TEST_P(DeltaRoundTripTest, Identical) {
  const std::string data = CodeLikeBytes(1, 300'000);
  const std::string patch = RoundTrip(data, data);
  if (GetParam().methods.size() > 1 || GetParam().methods[0] != DeltaMethod::kZstdFull) {
    EXPECT_LT(patch.size(), 400u);
  }
}

TEST_P(DeltaRoundTripTest, AppendedPrependedShifted) {
  const std::string old_data = CodeLikeBytes(2, 200'000);
  RoundTrip(old_data, old_data + RandomBytes(3, 5000));
  RoundTrip(old_data, RandomBytes(4, 5000) + old_data);
  std::string shifted = old_data;
  shifted.erase(50'000, 777);
  shifted.insert(120'000, "inserted in the middle");
  RoundTrip(old_data, shifted);
  RoundTrip(old_data, old_data.substr(100'000) + old_data.substr(0, 100'000));  // rotated
}

TEST_P(DeltaRoundTripTest, Unrelated) {
  RoundTrip(RandomBytes(5, 100'000), RandomBytes(6, 120'000));
  RoundTrip("a", "b");
  RoundTrip(std::string(10'000, '\0'), std::string(20'000, '\xff'));
}

TEST_P(DeltaRoundTripTest, SmallEditsInLargeRandomData) {
  const std::string old_data = RandomBytes(7, 2 << 20);
  std::string new_data = old_data;
  for (std::size_t i = 1; i <= 40; ++i) new_data[i * 50'000 + i] ^= 0x5a;
  const std::string patch = RoundTrip(old_data, new_data);
  if (GetParam().methods.size() != 1 || GetParam().methods[0] != DeltaMethod::kZstdFull) {
    EXPECT_LT(patch.size(), 2000u);
  }
}

TEST_P(DeltaRoundTripTest, RelocatedCode) {
  const std::string old_data = CodeLikeBytes(8, 500'000);
  RoundTrip(old_data, Relocate(old_data, 150'000, 3000));
}

INSTANTIATE_TEST_SUITE_P(
    Methods, DeltaRoundTripTest,
    ::testing::Values(MethodCase{"Best",
                                 {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix,
                                  DeltaMethod::kZstdFull}},
                      MethodCase{"BsdiffZstd", {DeltaMethod::kBsdiffZstd}},
                      MethodCase{"ZstdPrefix", {DeltaMethod::kZstdPrefix}},
                      MethodCase{"ZstdFull", {DeltaMethod::kZstdFull}}),
    [](const ::testing::TestParamInfo<MethodCase>& param_info) { return param_info.param.name; });

TEST(DeltaTest, BestIsTheSmallestMethod) {
  const std::string old_data = CodeLikeBytes(9, 400'000);
  const std::string new_data = Relocate(old_data, 100'000, 5000);
  const std::size_t best = ExpectRoundTrip(old_data, new_data, {}).size();
  for (DeltaMethod method :
       {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix, DeltaMethod::kZstdFull}) {
    SCOPED_TRACE(DeltaMethodName(method));
    EXPECT_LE(best, ExpectRoundTrip(old_data, new_data, Only(method)).size());
  }
  // Unrelated data: nothing beats compressing the new file alone by much.
  const std::string fresh = CodeLikeBytes(10, 100'000);
  const std::string unrelated = RandomBytes(11, 100'000);
  EXPECT_LE(ExpectRoundTrip(unrelated, fresh, {}).size(),
            ExpectRoundTrip(unrelated, fresh, Only(DeltaMethod::kZstdFull)).size());
}

TEST(DeltaTest, CreateRefusesBadOptions) {
  DeltaOptions options;
  options.methods.clear();
  EXPECT_EQ(CodeOf(CreateDelta("a", "b", options)), ErrorCode::kInvalidArgument);
  options = DeltaOptions();
  options.level = 23;
  EXPECT_EQ(CodeOf(CreateDelta("a", "b", options)), ErrorCode::kInvalidArgument);
  options = Only(DeltaMethod::kZstdPrefix);
  options.max_prefix_bytes = 0;
  EXPECT_EQ(CodeOf(CreateDelta("a", "b", options)), ErrorCode::kInvalidArgument);
}

// bsdiff's output on a small case, by hand: the whole file is one add with
// one changed byte in the diff stream, no extra.
TEST(DeltaTest, BsdiffStreamsForOneChangedByte) {
  const std::string old_data = RandomBytes(12, 1000);
  std::string new_data = old_data;
  new_data[500] = static_cast<char>(new_data[500] + 3);
  Result<BsdiffStreams> streams = ComputeBsdiff(AsBytes(old_data), AsBytes(new_data));
  ASSERT_OK(streams);
  ControlTuple tuple;
  ASSERT_EQ(*DecodeControlTuple(AsBytes(streams->control), tuple), streams->control.size());
  EXPECT_EQ(tuple, (ControlTuple{1000, 0, 0}));
  std::string expected_diff(1000, '\0');
  expected_diff[500] = 3;
  EXPECT_EQ(streams->diff, expected_diff);
  EXPECT_EQ(streams->extra, "");
}

TEST(DeltaFormatTest, ControlTuplesRoundTrip) {
  const std::vector<ControlTuple> tuples = {
      {0, 0, 0}, {1, 2, -3}, {~std::uint64_t{0}, 1u << 31, INT64_MIN}, {5, 0, INT64_MAX}};
  std::string encoded;
  for (const ControlTuple& tuple : tuples) AppendControlTuple(encoded, tuple);
  std::span<const std::uint8_t> rest = AsBytes(encoded);
  for (const ControlTuple& expected : tuples) {
    ControlTuple tuple;
    Result<std::size_t> used = DecodeControlTuple(rest, tuple);
    ASSERT_OK(used);
    EXPECT_EQ(tuple, expected);
    rest = rest.subspan(*used);
  }
  EXPECT_TRUE(rest.empty());
  ControlTuple tuple;
  EXPECT_EQ(*DecodeControlTuple(AsBytes(std::string("\x01\x02")), tuple), 0u);  // partial
  EXPECT_EQ(CodeOf(DecodeControlTuple(AsBytes(std::string("\x81\x00\x00\x00", 4)), tuple)),
            ErrorCode::kMalformed);  // not minimal
  EXPECT_EQ(CodeOf(DecodeControlTuple(AsBytes(std::string(10, '\xff') + "\x01"), tuple)),
            ErrorCode::kMalformed);  // over 64 bits
}

TEST(DeltaFormatTest, HeaderRoundTripAndChecks) {
  DeltaHeader header;
  header.method = DeltaMethod::kZstdPrefix;
  header.old_size = 0x0102030405060708;
  header.old_sha256.fill(0xaa);
  header.new_size = 42;
  header.new_sha256.fill(0xbb);
  const std::string encoded = EncodeDeltaHeader(header);
  ASSERT_EQ(encoded.size(), kDeltaHeaderSize);
  EXPECT_EQ(encoded.substr(0, 13), std::string("BSIDELTA\x01\x00\x00\x00\x02", 13));
  Result<DeltaHeader> parsed = ParseDeltaHeader(AsBytes(encoded));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->old_size, header.old_size);
  EXPECT_EQ(parsed->old_sha256, header.old_sha256);
  EXPECT_EQ(parsed->new_size, 42u);
  EXPECT_EQ(parsed->new_sha256, header.new_sha256);
  EXPECT_EQ(parsed->method, DeltaMethod::kZstdPrefix);
  const auto with = [&](std::size_t at, char value) {
    std::string changed = encoded;
    changed[at] = value;
    return CodeOf(ParseDeltaHeader(AsBytes(changed)));
  };
  EXPECT_EQ(with(0, 'X'), ErrorCode::kMalformed);
  EXPECT_EQ(with(8, 2), ErrorCode::kUnsupported);
  EXPECT_EQ(with(12, 0), ErrorCode::kMalformed);
  EXPECT_EQ(with(12, 4), ErrorCode::kMalformed);
  EXPECT_EQ(with(14, 1), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf(ParseDeltaHeader(AsBytes(encoded.substr(0, 95)))), ErrorCode::kMalformed);
}

// Counts reads, to show that applying streams: no read (of the old file or
// the patch) is larger than a small fixed buffer.
class CountingFile final : public RandomAccessFile {
 public:
  explicit CountingFile(std::string_view data) : file_(data) {}
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const override {
    largest_read_ = std::max(largest_read_, buffer.size());
    return file_.ReadAt(offset, buffer);
  }
  std::uint64_t size() const override { return file_.size(); }
  std::size_t largest_read() const { return largest_read_; }

 private:
  BufferFile file_;
  mutable std::size_t largest_read_ = 0;
};

TEST(DeltaTest, ApplyStreamsInBoundedPieces) {
  const std::string old_data = CodeLikeBytes(13, 8 << 20);
  const std::string new_data = Relocate(old_data, 4 << 20, 10'000);
  for (DeltaMethod method : {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdFull}) {
    SCOPED_TRACE(DeltaMethodName(method));
    DeltaOptions options = Only(method);
    options.level = 3;
    Result<std::string> patch = CreateDelta(old_data, new_data, options);
    ASSERT_OK(patch);
    CountingFile old_file(old_data);
    CountingFile patch_file(*patch);
    std::size_t largest_write = 0;
    std::uint64_t written = 0;
    ASSERT_OK(ApplyDelta(old_file, patch_file, [&](std::span<const std::uint8_t> data) {
      largest_write = std::max(largest_write, data.size());
      written += data.size();
      return Ok();
    }));
    EXPECT_EQ(written, new_data.size());
    EXPECT_LE(old_file.largest_read(), 1u << 20);
    EXPECT_LE(patch_file.largest_read(), 1u << 20);
    EXPECT_LE(largest_write, 1u << 20);
  }
}

// One > 100 MB round trip. bsdiff's suffix sort of 100 MB takes long under
// ASan, so this exercises the zstd-prefix path (long-distance matching over
// a 128 MiB window) at a fast level; the bsdiff path is covered above at
// 8 MB.
TEST(DeltaTest, LargeFileRoundTrip) {
  constexpr std::size_t kSize = 105 << 20;
  std::string old_data = CodeLikeBytes(14, 1 << 20);
  old_data.reserve(kSize);
  while (old_data.size() < kSize) old_data += RandomBytes(old_data.size(), 1 << 20);
  std::string new_data = old_data;
  for (std::size_t i = 1; i < 100; ++i) new_data[i * (kSize / 100)] ^= 1;
  new_data.insert(kSize / 2, RandomBytes(15, 4096));
  DeltaOptions options;
  options.methods = {DeltaMethod::kZstdPrefix, DeltaMethod::kZstdFull};
  options.level = 3;
  const std::string patch = ExpectRoundTrip(old_data, new_data, options);
  EXPECT_EQ(ReadDeltaHeader(BufferFile(patch))->method, DeltaMethod::kZstdPrefix);
  EXPECT_LT(patch.size(), 64u << 10);
}

// Real ELF shared libraries that scripts/setup.sh always installs (libssl-dev,
// libcurl4-openssl-dev): an unrelated pair, and a library against a copy
// patched as a security fix would be (code inserted, addresses moved).
TEST(DeltaTest, RealSharedLibraries) {
  PosixFileSystem fs;
  const std::string lib = "/usr/lib/x86_64-linux-gnu/";
  Result<std::string> ssl = fs.ReadFile(lib + "libssl.so.3", 64 << 20);
  Result<std::string> curl = fs.ReadFile(lib + "libcurl.so.4", 64 << 20);
  ASSERT_OK(ssl);
  ASSERT_OK(curl);
  ASSERT_EQ(ssl->substr(0, 4),
            "\x7f"
            "ELF");
  const std::string ssl_to_curl = ExpectRoundTrip(*ssl, *curl, {});
  EXPECT_LT(ssl_to_curl.size(), curl->size() / 2);
  const std::string fixed = Relocate(*curl, curl->size() / 3, 700);
  const std::string fix = ExpectRoundTrip(*curl, fixed, {});
  EXPECT_LT(fix.size(), fixed.size() / 20);
}

// ---------------------------------------------------------------------------
// File-level helpers.

class DeltaFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_data_ = CodeLikeBytes(16, 100'000);
    new_data_ = Relocate(old_data_, 40'000, 500);
    ASSERT_OK(memory_.CreateDir("/d"));
    ASSERT_OK(memory_.SyncDir("/"));
    ASSERT_OK(WriteFileAtomically(memory_, "/d/old", old_data_));
    ASSERT_OK(WriteFileAtomically(memory_, "/d/new", new_data_));
    ASSERT_OK(CreateDeltaFile(memory_, "/d/old", "/d/new", "/d/patch"));
    ASSERT_OK(memory_.RemoveFile("/d/new"));
    ASSERT_OK(memory_.SyncDir("/d"));
  }

  std::string Read(const std::string& path) {
    Result<std::string> data = memory_.ReadFile(path, 1 << 30);
    return data.ok() ? *data : "<missing>";
  }

  bsi::testing::MemoryFileSystem memory_;
  std::string old_data_;
  std::string new_data_;
};

TEST_F(DeltaFileTest, ApplyWritesTheNewFile) {
  ASSERT_OK(ApplyDeltaFile(memory_, "/d/old", "/d/patch", "/d/out", {}, 0755));
  EXPECT_TRUE(Read("/d/out") == new_data_);
  EXPECT_EQ(*memory_.Mode("/d/out"), 0755u);
  memory_.SimulateCrash();  // durable: synced and the directory synced
  EXPECT_TRUE(Read("/d/out") == new_data_);
  // In place: the old file is replaced only by the verified result.
  ASSERT_OK(ApplyDeltaFile(memory_, "/d/old", "/d/patch", "/d/old"));
  EXPECT_TRUE(Read("/d/old") == new_data_);
  EXPECT_EQ(CodeOf(ApplyDeltaFile(memory_, "/d/old", "/d/patch", "/d/old")),
            ErrorCode::kLengthMismatch);
  EXPECT_EQ(memory_.AllFiles(), (std::vector<std::string>{"/d/old", "/d/out", "/d/patch"}));
}

TEST_F(DeltaFileTest, WrongOldFileLeavesNothing) {
  std::string wrong = old_data_;
  wrong[10] ^= 1;
  ASSERT_OK(WriteFileAtomically(memory_, "/d/wrong", wrong));
  EXPECT_EQ(CodeOf(ApplyDeltaFile(memory_, "/d/wrong", "/d/patch", "/d/out")),
            ErrorCode::kHashMismatch);
  EXPECT_EQ(CodeOf(ApplyDeltaFile(memory_, "/d/missing", "/d/patch", "/d/out")),
            ErrorCode::kFileNotFound);
  EXPECT_EQ(memory_.AllFiles(), (std::vector<std::string>{"/d/old", "/d/patch", "/d/wrong"}));
}

TEST_F(DeltaFileTest, FaultAtEveryStepLeavesOldOrNew) {
  // OpenWritable, Append x N, Sync, Close, Rename, SyncDir: fail each in turn.
  for (std::uint64_t n = 1;; ++n) {
    SCOPED_TRACE("failing operation " + std::to_string(n));
    bsi::testing::FaultInjectionFileSystem fs(memory_);
    fs.FailAt(n);
    const Status status = ApplyDeltaFile(fs, "/d/old", "/d/patch", "/d/old");
    const std::vector<std::string> files = memory_.AllFiles();
    EXPECT_EQ(files, (std::vector<std::string>{"/d/old", "/d/patch"}));
    const std::string now = Read("/d/old");
    EXPECT_TRUE(now == old_data_ || now == new_data_);
    memory_.SimulateCrash();
    const std::string after_crash = Read("/d/old");
    EXPECT_TRUE(after_crash == old_data_ || after_crash == new_data_);
    if (status.ok()) {
      EXPECT_EQ(fs.InjectedFaultCount(), 0u);
      EXPECT_TRUE(after_crash == new_data_);
      break;
    }
    // Back to the old file for the next round.
    ASSERT_OK(WriteFileAtomically(memory_, "/d/old", old_data_));
  }
}

}  // namespace
}  // namespace bsi::payload
