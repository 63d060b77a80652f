#include "bsi/core/file_system.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"

#include "testing/fault_injection_file_system.h"
#include "testing/memory_file_system.h"
#include "testing/status_matchers.h"

namespace bsi {

// So that failed expectations print "file_not_found", not raw bytes.
static void PrintTo(ErrorCode code, std::ostream* os) { *os << CodeName(code); }

namespace {

using ::bsi::testing::FaultInjectionFileSystem;
using ::bsi::testing::FaultKind;
using ::bsi::testing::FaultScope;
using ::bsi::testing::MemoryFileSystem;

using ::bsi::testing::CodeOf;

Status WriteFile(FileSystem& fs, const std::string& path, std::string_view data) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.OpenWritable(path));
  BSI_TRY(file->Append(data));
  return file->Close();
}

std::string ReadOrError(FileSystem& fs, const std::string& path) {
  Result<std::string> data = fs.ReadFile(path, 1 << 20);
  return data.ok() ? *data : "<" + data.error().ToString() + ">";
}

// ---------------------------------------------------------------------------
// One contract, every implementation.

// A fresh directory from mkdtemp on the real file system, removed afterwards.
class PosixEnv {
 public:
  PosixEnv() {
    std::string pattern = ::testing::TempDir() + "bsi_fs_XXXXXX";  // honours TMPDIR
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    root_ = pattern;
  }
  ~PosixEnv() { std::filesystem::remove_all(root_); }
  FileSystem& Fs() { return fs_; }
  const std::string& Root() const { return root_; }

 private:
  PosixFileSystem fs_;
  std::string root_;
};

class MemoryEnv {
 public:
  MemoryEnv() {
    if (!fs_.CreateDir(root_).ok()) std::abort();
  }
  FileSystem& Fs() { return fs_; }
  const std::string& Root() const { return root_; }

 private:
  MemoryFileSystem fs_;
  std::string root_ = "/contract";
};

template <typename Env>
class FileSystemContractTest : public ::testing::Test {
 protected:
  FileSystem& Fs() { return env_.Fs(); }
  std::string Path(std::string_view name) const { return JoinPath(env_.Root(), name); }

  Env env_;
};

class EnvNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, PosixEnv> ? "Posix" : "Memory";
  }
};

using Implementations = ::testing::Types<PosixEnv, MemoryEnv>;
TYPED_TEST_SUITE(FileSystemContractTest, Implementations, EnvNames);

TYPED_TEST(FileSystemContractTest, WriteThenReadBinary) {
  const std::string data("a\0b\xff\n", 5);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), data));
  Result<std::string> read = this->Fs().ReadFile(this->Path("f"), 100);
  ASSERT_OK(read);
  EXPECT_EQ(*read, data);
  EXPECT_EQ(*this->Fs().FileSize(this->Path("f")), 5u);
}

TYPED_TEST(FileSystemContractTest, ManyAppendsAndSyncs) {
  const std::string chunk(100'000, 'x');
  auto file = this->Fs().OpenWritable(this->Path("big"));
  ASSERT_OK(file);
  for (int i = 0; i < 11; ++i) ASSERT_OK((*file)->Append(chunk));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append("tail"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Close());
  Result<std::string> read = this->Fs().ReadFile(this->Path("big"), 2'000'000);
  ASSERT_OK(read);
  EXPECT_EQ(read->size(), 1'100'004u);
  EXPECT_EQ(read->substr(read->size() - 5), "xtail");
}

TYPED_TEST(FileSystemContractTest, ReadFileLimit) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "12345"));
  EXPECT_OK(this->Fs().ReadFile(this->Path("f"), 5));
  EXPECT_EQ(CodeOf(this->Fs().ReadFile(this->Path("f"), 4)), ErrorCode::kTooLarge);
  EXPECT_EQ(CodeOf(this->Fs().ReadFile(this->Path("f"), 0)), ErrorCode::kTooLarge);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("empty"), ""));
  EXPECT_EQ(*this->Fs().ReadFile(this->Path("empty"), 0), "");
}

TYPED_TEST(FileSystemContractTest, ReadErrors) {
  const Result<std::string> missing = this->Fs().ReadFile(this->Path("missing"), 10);
  EXPECT_EQ(CodeOf(missing), ErrorCode::kFileNotFound);
  EXPECT_NE(missing.error().message().find("missing"), std::string::npos);
  EXPECT_EQ(CodeOf(this->Fs().OpenSequential(this->Path("missing"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(this->Fs().FileSize(this->Path("missing"))), ErrorCode::kFileNotFound);
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_EQ(CodeOf(this->Fs().ReadFile(this->Path("d"), 10)), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(this->Fs().FileSize(this->Path("d"))), ErrorCode::kIo);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "x"));
  EXPECT_EQ(CodeOf(this->Fs().ReadFile(this->Path("f/below"), 10)), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, SequentialReadInChunks) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "abcdefg"));
  auto file = this->Fs().OpenSequential(this->Path("f"));
  ASSERT_OK(file);
  std::uint8_t buffer[3];
  std::string got;
  while (true) {
    Result<std::size_t> n = (*file)->Read(buffer);
    ASSERT_OK(n);
    if (*n == 0) break;
    got.append(reinterpret_cast<const char*>(buffer), *n);
  }
  EXPECT_EQ(got, "abcdefg");
  EXPECT_EQ(*(*file)->Read(buffer), 0u);  // stays at the end
}

TYPED_TEST(FileSystemContractTest, OpenWritableTruncates) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "long old content"));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "new"));
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("f")), "new");
}

TYPED_TEST(FileSystemContractTest, OpenWritableErrors) {
  EXPECT_EQ(CodeOf(this->Fs().OpenWritable(this->Path("no/f"))), ErrorCode::kFileNotFound);
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_EQ(CodeOf(this->Fs().OpenWritable(this->Path("d"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, ClosedFileRefusesEverything) {
  auto file = this->Fs().OpenWritable(this->Path("f"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("x"));
  ASSERT_OK((*file)->Close());
  EXPECT_EQ(CodeOf((*file)->Append("y")), ErrorCode::kIo);
  EXPECT_EQ(CodeOf((*file)->Sync()), ErrorCode::kIo);
  EXPECT_EQ(CodeOf((*file)->Close()), ErrorCode::kIo);
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("f")), "x");
}

TYPED_TEST(FileSystemContractTest, DestructorCloses) {
  {
    auto file = this->Fs().OpenWritable(this->Path("f"));
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append("kept"));
  }
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("f")), "kept");
}

TYPED_TEST(FileSystemContractTest, RenameReplaces) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("a"), "A"));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("b"), "B"));
  ASSERT_OK(this->Fs().Rename(this->Path("a"), this->Path("b")));
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("b")), "A");
  EXPECT_FALSE(this->Fs().Exists(this->Path("a")));
  ASSERT_OK(this->Fs().Rename(this->Path("b"), this->Path("b")));  // to itself: nothing
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("b")), "A");
}

TYPED_TEST(FileSystemContractTest, RenameAcrossDirectoriesAndOfDirectories) {
  ASSERT_OK(this->Fs().CreateDir(this->Path("d1")));
  ASSERT_OK(this->Fs().CreateDir(this->Path("d2")));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("d1/f"), "F"));
  ASSERT_OK(this->Fs().Rename(this->Path("d1/f"), this->Path("d2/g")));
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("d2/g")), "F");
  ASSERT_OK(this->Fs().Rename(this->Path("d2"), this->Path("d3")));
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("d3/g")), "F");
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("d1"), this->Path("d1/inner"))), ErrorCode::kIo);
  // Over an empty directory: replaced. Over a non-empty one: refused.
  ASSERT_OK(this->Fs().Rename(this->Path("d3"), this->Path("d1")));
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("d1/g")), "F");
  ASSERT_OK(this->Fs().CreateDir(this->Path("d4")));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("d4/h"), "H"));
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("d1"), this->Path("d4"))), ErrorCode::kIo);
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("d4/h")), "H");
}

TYPED_TEST(FileSystemContractTest, RenameErrors) {
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("missing"), this->Path("x"))),
            ErrorCode::kFileNotFound);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "F"));
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("f"), this->Path("no/f"))),
            ErrorCode::kFileNotFound);
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("d/in"), ""));
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("f"), this->Path("d"))), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(this->Fs().Rename(this->Path("d"), this->Path("f"))), ErrorCode::kIo);
  EXPECT_EQ(ReadOrError(this->Fs(), this->Path("f")), "F");
}

TYPED_TEST(FileSystemContractTest, RemoveFile) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), "F"));
  ASSERT_OK(this->Fs().RemoveFile(this->Path("f")));
  EXPECT_FALSE(this->Fs().Exists(this->Path("f")));
  EXPECT_EQ(CodeOf(this->Fs().RemoveFile(this->Path("f"))), ErrorCode::kFileNotFound);
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_EQ(CodeOf(this->Fs().RemoveFile(this->Path("d"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, CreateDir) {
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_EQ(*this->Fs().Stat(this->Path("d")), FileType::kDirectory);
  EXPECT_OK(this->Fs().CreateDir(this->Path("d")));  // already there
  EXPECT_EQ(CodeOf(this->Fs().CreateDir(this->Path("no/d"))), ErrorCode::kFileNotFound);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), ""));
  EXPECT_EQ(CodeOf(this->Fs().CreateDir(this->Path("f"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, RemoveDir) {
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("d/f"), ""));
  EXPECT_EQ(CodeOf(this->Fs().RemoveDir(this->Path("d"))), ErrorCode::kIo);  // not empty
  ASSERT_OK(this->Fs().RemoveFile(this->Path("d/f")));
  ASSERT_OK(this->Fs().RemoveDir(this->Path("d")));
  EXPECT_FALSE(this->Fs().Exists(this->Path("d")));
  EXPECT_EQ(CodeOf(this->Fs().RemoveDir(this->Path("d"))), ErrorCode::kFileNotFound);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), ""));
  EXPECT_EQ(CodeOf(this->Fs().RemoveDir(this->Path("f"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, SyncDir) {
  EXPECT_OK(this->Fs().SyncDir(this->Path("")));
  EXPECT_EQ(CodeOf(this->Fs().SyncDir(this->Path("missing"))), ErrorCode::kFileNotFound);
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), ""));
  EXPECT_EQ(CodeOf(this->Fs().SyncDir(this->Path("f"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, StatAndExists) {
  ASSERT_OK(WriteFile(this->Fs(), this->Path("f"), ""));
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_EQ(*this->Fs().Stat(this->Path("f")), FileType::kRegular);
  EXPECT_EQ(*this->Fs().Stat(this->Path("d")), FileType::kDirectory);
  EXPECT_EQ(CodeOf(this->Fs().Stat(this->Path("missing"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(this->Fs().Stat(this->Path("d/missing"))), ErrorCode::kFileNotFound);
  EXPECT_TRUE(this->Fs().Exists(this->Path("f")));
  EXPECT_FALSE(this->Fs().Exists(this->Path("missing")));
}

TYPED_TEST(FileSystemContractTest, ListDirIsSorted) {
  ASSERT_OK(this->Fs().CreateDir(this->Path("d")));
  EXPECT_TRUE(this->Fs().ListDir(this->Path("d"))->empty());
  for (const char* name : {"c", "a", "B", "b.tmp", "b"}) {
    ASSERT_OK(WriteFile(this->Fs(), this->Path("d/") + name, ""));
  }
  ASSERT_OK(this->Fs().CreateDir(this->Path("d/sub")));
  EXPECT_EQ(*this->Fs().ListDir(this->Path("d")),
            (std::vector<std::string>{"B", "a", "b", "b.tmp", "c", "sub"}));
  EXPECT_EQ(CodeOf(this->Fs().ListDir(this->Path("missing"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(this->Fs().ListDir(this->Path("d/a"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, CreateDirs) {
  ASSERT_OK(CreateDirs(this->Fs(), this->Path("x/y/z")));
  EXPECT_EQ(*this->Fs().Stat(this->Path("x/y/z")), FileType::kDirectory);
  EXPECT_OK(CreateDirs(this->Fs(), this->Path("x/y/z")));
  EXPECT_OK(CreateDirs(this->Fs(), this->Path("x/y/z/")));
  ASSERT_OK(WriteFile(this->Fs(), this->Path("x/f"), ""));
  EXPECT_EQ(CodeOf(CreateDirs(this->Fs(), this->Path("x/f"))), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(CreateDirs(this->Fs(), this->Path("x/f/g"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, WriteFileAtomically) {
  const std::string path = this->Path("state.json");
  ASSERT_OK(WriteFileAtomically(this->Fs(), path, "first"));
  EXPECT_EQ(ReadOrError(this->Fs(), path), "first");
  ASSERT_OK(WriteFileAtomically(this->Fs(), path, "second, longer"));
  EXPECT_EQ(ReadOrError(this->Fs(), path), "second, longer");
  ASSERT_OK(WriteFileAtomically(this->Fs(), path, ""));
  EXPECT_EQ(ReadOrError(this->Fs(), path), "");
  // No temporary file is left behind.
  EXPECT_EQ(*this->Fs().ListDir(this->Path("")), std::vector<std::string>{"state.json"});
  EXPECT_EQ(CodeOf(WriteFileAtomically(this->Fs(), this->Path("no/f"), "x")),
            ErrorCode::kFileNotFound);
  EXPECT_EQ(*this->Fs().ListDir(this->Path("")), std::vector<std::string>{"state.json"});
}

TYPED_TEST(FileSystemContractTest, RandomAccessReads) {
  FileSystem& fs = this->Fs();
  ASSERT_OK(WriteFile(fs, this->Path("f"), "0123456789"));
  auto file = fs.OpenRandomAccess(this->Path("f"));
  ASSERT_OK(file);
  EXPECT_EQ((*file)->size(), 10u);
  std::uint8_t buffer[4];
  auto read_at = [&](std::uint64_t offset) {
    Result<std::size_t> n = (*file)->ReadAt(offset, buffer);
    return n.ok() ? std::string(reinterpret_cast<const char*>(buffer), *n) : "<error>";
  };
  EXPECT_EQ(read_at(3), "3456");
  EXPECT_EQ(read_at(8), "89");  // short only at the end
  EXPECT_EQ(read_at(10), "");
  EXPECT_EQ(read_at(~std::uint64_t{0}), "");
  std::thread other([&file] {  // concurrent reads share no offset
    std::uint8_t two[2];
    for (int i = 0; i < 100; ++i) EXPECT_EQ(*(*file)->ReadAt(i % 9, two), 2u);
  });
  for (int i = 0; i < 100; ++i) EXPECT_EQ(read_at(i % 7), std::string("0123456789", i % 7, 4));
  other.join();
  EXPECT_EQ(CodeOf(fs.OpenRandomAccess(this->Path("missing"))), ErrorCode::kFileNotFound);
  ASSERT_OK(fs.CreateDir(this->Path("d")));
  EXPECT_EQ(CodeOf(fs.OpenRandomAccess(this->Path("d"))), ErrorCode::kIo);
}

TYPED_TEST(FileSystemContractTest, GetInfoAndSetMode) {
  FileSystem& fs = this->Fs();
  ASSERT_OK(WriteFile(fs, this->Path("f"), "12345"));
  ASSERT_OK(fs.CreateDir(this->Path("d")));
  ASSERT_OK(fs.SetMode(this->Path("f"), 0751));
  ASSERT_OK(fs.SetMode(this->Path("d"), 01750));
  const Result<FileInfo> file = fs.GetInfo(this->Path("f"));
  ASSERT_OK(file);
  EXPECT_EQ(std::tie(file->type, file->size, file->mode, file->link_count),
            std::make_tuple(FileType::kRegular, std::uint64_t{5}, 0751u, std::uint64_t{1}));
  const Result<FileInfo> dir = fs.GetInfo(this->Path("d"));
  ASSERT_OK(dir);
  EXPECT_EQ(std::tie(dir->type, dir->mode), std::make_tuple(FileType::kDirectory, 01750u));
  ASSERT_OK(fs.SetMode(this->Path("d"), 0755));
  EXPECT_EQ(fs.GetInfo(this->Path("d"))->mode, 0755u);
  EXPECT_EQ(CodeOf(fs.GetInfo(this->Path("missing"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(fs.SetMode(this->Path("missing"), 0644)), ErrorCode::kFileNotFound);
}

TYPED_TEST(FileSystemContractTest, Symlinks) {
  FileSystem& fs = this->Fs();
  ASSERT_OK(fs.CreateDir(this->Path("d")));
  ASSERT_OK(WriteFile(fs, this->Path("d/f"), "F"));
  ASSERT_OK(fs.CreateSymlink("f", this->Path("d/rel")));  // relative to d/
  ASSERT_OK(fs.CreateSymlink(this->Path("d"), this->Path("abs")));
  ASSERT_OK(fs.CreateSymlink("nowhere", this->Path("dangling")));
  EXPECT_EQ(*fs.ReadSymlink(this->Path("d/rel")), "f");
  EXPECT_EQ(*fs.ReadSymlink(this->Path("abs")), this->Path("d"));
  EXPECT_EQ(*fs.Stat(this->Path("abs")), FileType::kSymlink);
  EXPECT_EQ(fs.GetInfo(this->Path("dangling"))->size, 7u);  // the target's length
  // Opening follows links, also through a directory link.
  EXPECT_EQ(ReadOrError(fs, this->Path("d/rel")), "F");
  EXPECT_EQ(ReadOrError(fs, this->Path("abs/rel")), "F");
  EXPECT_EQ(*fs.ListDir(this->Path("abs")), (std::vector<std::string>{"f", "rel"}));
  EXPECT_EQ(CodeOf(fs.ReadFile(this->Path("dangling"), 10)), ErrorCode::kFileNotFound);
  ASSERT_OK(WriteFile(fs, this->Path("dangling"), "N"));  // creates what it names
  EXPECT_EQ(ReadOrError(fs, this->Path("nowhere")), "N");
  // Errors.
  EXPECT_EQ(CodeOf(fs.CreateSymlink("x", this->Path("d/f"))), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(fs.CreateSymlink("x", this->Path("no/l"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(fs.ReadSymlink(this->Path("d/f"))), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(fs.ReadSymlink(this->Path("missing"))), ErrorCode::kFileNotFound);
  EXPECT_EQ(CodeOf(fs.SetMode(this->Path("d/rel"), 0600)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(fs.RemoveDir(this->Path("abs"))), ErrorCode::kIo);
  // Rename and RemoveFile act on the link, not on what it names.
  ASSERT_OK(fs.Rename(this->Path("d/rel"), this->Path("moved")));
  EXPECT_EQ(*fs.ReadSymlink(this->Path("moved")), "f");
  ASSERT_OK(fs.RemoveFile(this->Path("abs")));
  EXPECT_FALSE(fs.Exists(this->Path("abs")));
  EXPECT_EQ(ReadOrError(fs, this->Path("d/f")), "F");
}

// ---------------------------------------------------------------------------
// PosixFileSystem only: what the memory one cannot have.

class PosixFileSystemTest : public ::testing::Test {
 protected:
  std::string Path(std::string_view name) const { return JoinPath(env_.Root(), name); }
  PosixEnv env_;
  PosixFileSystem fs_;
};

TEST_F(PosixFileSystemTest, StatDoesNotFollowSymlinks) {
  ASSERT_OK(WriteFile(fs_, Path("target"), "T"));
  ASSERT_EQ(::symlink(Path("target").c_str(), Path("link").c_str()), 0);
  ASSERT_EQ(::symlink(Path("missing").c_str(), Path("dangling").c_str()), 0);
  EXPECT_EQ(*fs_.Stat(Path("link")), FileType::kSymlink);
  EXPECT_EQ(*fs_.Stat(Path("dangling")), FileType::kSymlink);
}

TEST_F(PosixFileSystemTest, OtherFileTypes) { EXPECT_EQ(*fs_.Stat("/dev/null"), FileType::kOther); }

TEST_F(PosixFileSystemTest, LimitIsCheckedWhileReading) {
  // Files in /proc report size 0 but hold more: a stat-only check misses them.
  Result<std::string> status = fs_.ReadFile("/proc/self/status", 1 << 20);
  ASSERT_OK(status);
  EXPECT_GT(status->size(), 10u);
  EXPECT_EQ(CodeOf(fs_.ReadFile("/proc/self/status", 10)), ErrorCode::kTooLarge);
}

TEST_F(PosixFileSystemTest, ModeIsApplied) {
  const mode_t old_umask = ::umask(022);
  ASSERT_OK(WriteFileAtomically(fs_, Path("secret"), "k", 0600));
  ASSERT_OK(fs_.CreateDir(Path("private"), 0700));
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat(Path("secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(Path("private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(PosixFileSystemTest, MessagesNameThePathAndTheReason) {
  Status status = fs_.RemoveFile(Path("missing"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find(Path("missing")), std::string::npos);
  EXPECT_NE(status.error().message().find("No such file or directory"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Path helpers.

TEST(PathTest, ParentDir) {
  EXPECT_EQ(ParentDir("a/b/c"), "a/b");
  EXPECT_EQ(ParentDir("c"), ".");
  EXPECT_EQ(ParentDir("/c"), "/");
  EXPECT_EQ(ParentDir("/"), "/");
  EXPECT_EQ(ParentDir(""), ".");
  EXPECT_EQ(ParentDir("a/b/"), "a");
  EXPECT_EQ(ParentDir("a//b"), "a");
  EXPECT_EQ(ParentDir("/x/y"), "/x");
}

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "/b"), "a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("a", ""), "a");
  EXPECT_EQ(JoinPath("a/b", "c/d"), "a/b/c/d");
}

// ---------------------------------------------------------------------------
// MemoryFileSystem: crash simulation.

class MemoryCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(fs_.CreateDir("/d"));
    ASSERT_OK(fs_.SyncDir("/"));
  }

  // Writes path with data; whether the data and the entry are made durable.
  void Write(const std::string& path, std::string_view data, bool sync_data, bool sync_dir) {
    auto file = fs_.OpenWritable(path);
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append(data));
    if (sync_data) ASSERT_OK((*file)->Sync());
    ASSERT_OK((*file)->Close());
    if (sync_dir) ASSERT_OK(fs_.SyncDir(ParentDir(path)));
  }

  MemoryFileSystem fs_;
};

TEST_F(MemoryCrashTest, DurableFileSurvives) {
  Write("/d/f", "data", true, true);
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "data");
}

TEST_F(MemoryCrashTest, UnsyncedDataIsLost) {
  Write("/d/f", "data", false, true);
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "");  // the entry survived, the data did not
}

TEST_F(MemoryCrashTest, UnsyncedEntryIsLost) {
  Write("/d/f", "data", true, false);
  fs_.SimulateCrash();
  EXPECT_FALSE(fs_.Exists("/d/f"));
}

TEST_F(MemoryCrashTest, DataAfterTheLastSyncIsLost) {
  auto file = fs_.OpenWritable("/d/f");
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("synced"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append(" unsynced"));
  ASSERT_OK(fs_.SyncDir("/d"));
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "synced unsynced");
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "synced");
  EXPECT_EQ(CodeOf((*file)->Append("x")), ErrorCode::kIo);  // opened before the crash
  EXPECT_EQ(CodeOf((*file)->Close()), ErrorCode::kIo);
}

TEST_F(MemoryCrashTest, UnsyncedTruncationIsUndone) {
  Write("/d/f", "old", true, true);
  Write("/d/f", "new", false, false);
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "old");
}

TEST_F(MemoryCrashTest, RenameNeedsSyncDir) {
  Write("/d/old", "O", true, true);
  Write("/d/tmp", "N", true, true);
  ASSERT_OK(fs_.Rename("/d/tmp", "/d/old"));
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/old"), "O");
  EXPECT_EQ(ReadOrError(fs_, "/d/tmp"), "N");

  ASSERT_OK(fs_.Rename("/d/tmp", "/d/old"));
  ASSERT_OK(fs_.SyncDir("/d"));
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/old"), "N");
  EXPECT_FALSE(fs_.Exists("/d/tmp"));
}

TEST_F(MemoryCrashTest, RemovalNeedsSyncDir) {
  Write("/d/f", "F", true, true);
  ASSERT_OK(fs_.RemoveFile("/d/f"));
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/f"), "F");
  ASSERT_OK(fs_.RemoveFile("/d/f"));
  ASSERT_OK(fs_.SyncDir("/d"));
  fs_.SimulateCrash();
  EXPECT_FALSE(fs_.Exists("/d/f"));
}

TEST_F(MemoryCrashTest, NewDirectoryNeedsItsParentSynced) {
  ASSERT_OK(fs_.CreateDir("/d/sub"));
  Write("/d/sub/f", "F", true, true);  // syncs /d/sub, not /d
  fs_.SimulateCrash();
  EXPECT_FALSE(fs_.Exists("/d/sub"));

  ASSERT_OK(fs_.CreateDir("/d/sub"));
  ASSERT_OK(fs_.SyncDir("/d"));
  Write("/d/sub/f", "F", true, true);
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/sub/f"), "F");
}

TEST_F(MemoryCrashTest, WriteFileAtomicallyIsDurable) {
  ASSERT_OK(WriteFileAtomically(fs_, "/d/state", "v1"));
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/state"), "v1");
  ASSERT_OK(WriteFileAtomically(fs_, "/d/state", "v2"));
  fs_.SimulateCrash();
  EXPECT_EQ(ReadOrError(fs_, "/d/state"), "v2");
  EXPECT_EQ(fs_.AllFiles(), std::vector<std::string>{"/d/state"});
}

TEST_F(MemoryCrashTest, SymlinkNeedsSyncDir) {
  ASSERT_OK(fs_.CreateSymlink("target", "/d/link"));
  fs_.SimulateCrash();
  EXPECT_FALSE(fs_.Exists("/d/link"));
  ASSERT_OK(fs_.CreateSymlink("target", "/d/link"));
  ASSERT_OK(fs_.SyncDir("/d"));
  fs_.SimulateCrash();
  EXPECT_EQ(*fs_.ReadSymlink("/d/link"), "target");
  EXPECT_TRUE(fs_.AllFiles().empty());  // regular files only
}

TEST(MemoryFileSystemTest, SymlinkLoopsAndReadsAfterCrash) {
  MemoryFileSystem fs;
  ASSERT_OK(fs.CreateSymlink("b", "/a"));
  ASSERT_OK(fs.CreateSymlink("a", "/b"));
  EXPECT_EQ(CodeOf(fs.ReadFile("/a", 10)), ErrorCode::kIo);  // ELOOP
  ASSERT_OK(WriteFile(fs, "/f", "x"));
  auto file = fs.OpenRandomAccess("/f");
  ASSERT_OK(file);
  fs.SimulateCrash();
  std::uint8_t byte = 0;
  EXPECT_EQ(CodeOf((*file)->ReadAt(0, std::span<std::uint8_t>(&byte, 1))), ErrorCode::kIo);
}

TEST(MemoryFileSystemTest, PathsAreNormalized) {
  MemoryFileSystem fs;
  ASSERT_OK(fs.CreateDir("a"));
  ASSERT_OK(WriteFile(fs, "a/f", "F"));
  EXPECT_EQ(ReadOrError(fs, "/a/f"), "F");
  EXPECT_EQ(ReadOrError(fs, "./a//f"), "F");
  EXPECT_EQ(ReadOrError(fs, "/a/../a/./f"), "F");
  EXPECT_EQ(ReadOrError(fs, "/../a/f"), "F");
  EXPECT_EQ(*fs.Stat("/"), FileType::kDirectory);
  EXPECT_EQ(*fs.Stat("."), FileType::kDirectory);
  EXPECT_OK(fs.CreateDir("/"));
  EXPECT_EQ(CodeOf(fs.RemoveDir("/")), ErrorCode::kIo);
  EXPECT_EQ(fs.AllFiles(), std::vector<std::string>{"/a/f"});
}

TEST(MemoryFileSystemTest, AllFilesAndModes) {
  MemoryFileSystem fs;
  ASSERT_OK(CreateDirs(fs, "/x/y"));
  ASSERT_OK(fs.CreateDir("/x/private", 0700));
  ASSERT_OK(WriteFile(fs, "/x/y/b", ""));
  ASSERT_OK(WriteFile(fs, "/x/a", ""));
  ASSERT_OK(WriteFileAtomically(fs, "/top", "", 0600));
  EXPECT_EQ(fs.AllFiles(), (std::vector<std::string>{"/top", "/x/a", "/x/y/b"}));
  EXPECT_EQ(*fs.Mode("/top"), 0600u);
  EXPECT_EQ(*fs.Mode("/x/a"), 0644u);
  EXPECT_EQ(*fs.Mode("/x/private"), 0700u);
  EXPECT_EQ(CodeOf(fs.Mode("/missing")), ErrorCode::kFileNotFound);
}

TEST(MemoryFileSystemTest, ConcurrentWriters) {
  MemoryFileSystem fs;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&fs, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string path = "/f" + std::to_string(t);
        EXPECT_OK(WriteFileAtomically(fs, path, std::to_string(i)));
        EXPECT_OK(fs.ListDir("/"));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(fs.AllFiles(), (std::vector<std::string>{"/f0", "/f1", "/f2", "/f3"}));
  EXPECT_EQ(ReadOrError(fs, "/f3"), "49");
}

// ---------------------------------------------------------------------------
// FaultInjectionFileSystem.

TEST(FaultInjectionTest, CountsOnlyMutatingOperations) {
  MemoryFileSystem memory;
  FaultInjectionFileSystem fs(memory);
  ASSERT_OK(fs.CreateDir("/d"));        // 1
  auto file = fs.OpenWritable("/d/f");  // 2
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("x"));  // 3
  ASSERT_OK((*file)->Sync());       // 4
  ASSERT_OK((*file)->Close());      // 5
  EXPECT_OK(fs.ReadFile("/d/f", 10));
  EXPECT_OK(fs.OpenSequential("/d/f"));
  EXPECT_OK(fs.Stat("/d/f"));
  EXPECT_OK(fs.FileSize("/d/f"));
  EXPECT_OK(fs.ListDir("/d"));
  EXPECT_OK(fs.OpenRandomAccess("/d/f"));
  EXPECT_OK(fs.GetInfo("/d/f"));
  EXPECT_EQ(fs.OperationCount(), 5u);
  ASSERT_OK(fs.CreateSymlink("f", "/d/l"));  // 6
  ASSERT_OK(fs.SetMode("/d/f", 0600));       // 7
  EXPECT_OK(fs.ReadSymlink("/d/l"));
  ASSERT_OK(fs.RemoveFile("/d/l"));  // 8
  EXPECT_EQ(fs.OperationCount(), 8u);
  ASSERT_OK(fs.Rename("/d/f", "/d/g"));  // 9
  ASSERT_OK(fs.SyncDir("/d"));           // 10
  ASSERT_OK(fs.RemoveFile("/d/g"));      // 11
  ASSERT_OK(fs.RemoveDir("/d"));         // 12
  EXPECT_EQ(fs.OperationCount(), 12u);
  EXPECT_EQ(fs.InjectedFaultCount(), 0u);
}

TEST(FaultInjectionTest, FailsOnlyTheNthOperation) {
  MemoryFileSystem memory;
  FaultInjectionFileSystem fs(memory);
  ASSERT_OK(fs.CreateDir("/a"));
  fs.FailAt(2);  // counted from here
  EXPECT_OK(fs.CreateDir("/b"));
  const Status failed = fs.CreateDir("/c");
  EXPECT_EQ(CodeOf(failed), ErrorCode::kIo);
  EXPECT_EQ(failed.error().message().rfind("injected fault", 0), 0u);
  EXPECT_FALSE(memory.Exists("/c"));  // the failed call did not reach the target
  EXPECT_OK(fs.CreateDir("/d"));
  EXPECT_EQ(fs.OperationCount(), 4u);
  EXPECT_EQ(fs.InjectedFaultCount(), 1u);
}

TEST(FaultInjectionTest, FromThenOnFailsEverythingAfter) {
  MemoryFileSystem memory;
  FaultInjectionFileSystem fs(memory);
  fs.FailAt(2, FaultScope::kFromThenOn);
  auto file = fs.OpenWritable("/f");
  ASSERT_OK(file);
  EXPECT_EQ(CodeOf((*file)->Append("x")), ErrorCode::kIo);
  EXPECT_EQ(CodeOf((*file)->Sync()), ErrorCode::kIo);
  EXPECT_EQ(CodeOf(fs.SyncDir("/")), ErrorCode::kIo);
  EXPECT_OK(fs.ReadFile("/f", 10));  // reads still work
  EXPECT_EQ(fs.InjectedFaultCount(), 3u);
  fs.FailAt(0);  // healed
  EXPECT_OK(fs.SyncDir("/"));
}

TEST(FaultInjectionTest, NoSpaceKind) {
  MemoryFileSystem memory;
  FaultInjectionFileSystem fs(memory);
  fs.FailAt(1, FaultScope::kOnce, FaultKind::kNoSpace);
  EXPECT_EQ(CodeOf(WriteFileAtomically(fs, "/f", "x")), ErrorCode::kNoSpace);
  EXPECT_TRUE(memory.AllFiles().empty());
}

struct FaultCase {
  FaultScope scope;
  FaultKind kind;
  bool had_old;  // whether the file existed before the write
};

std::string FaultCaseName(const FaultCase& c) {
  std::string name = c.scope == FaultScope::kOnce ? "Once" : "FromThenOn";
  name += c.kind == FaultKind::kIo ? "Io" : "NoSpace";
  name += c.had_old ? "Replace" : "Create";
  return name;
}

void PrintTo(const FaultCase& c, std::ostream* os) { *os << FaultCaseName(c); }

class AtomicWriteUnderFaultTest : public ::testing::TestWithParam<FaultCase> {};

// Fails each operation of WriteFileAtomically in turn, then crashes: the file
// holds the old content or the new one, never a mix, and no temporary file
// survives the crash (nor the failure itself, when cleanup could run).
TEST_P(AtomicWriteUnderFaultTest, OldOrNewAtEveryStep) {
  const FaultCase param = GetParam();
  const std::string old_data = "old content, quite long";
  const std::string new_data = "new";
  const ErrorCode expected =
      param.kind == FaultKind::kNoSpace ? ErrorCode::kNoSpace : ErrorCode::kIo;
  // OpenWritable, Append, Sync, Close, Rename, SyncDir.
  constexpr std::uint64_t kOperations = 6;
  constexpr std::uint64_t kRename = 5;
  for (std::uint64_t n = 1; n <= kOperations + 1; ++n) {
    SCOPED_TRACE("failing operation " + std::to_string(n));
    MemoryFileSystem memory;
    ASSERT_OK(memory.CreateDir("/d"));
    ASSERT_OK(memory.SyncDir("/"));
    if (param.had_old) ASSERT_OK(WriteFileAtomically(memory, "/d/state", old_data));
    const std::vector<std::string> before =
        param.had_old ? std::vector<std::string>{"/d/state"} : std::vector<std::string>{};

    FaultInjectionFileSystem fs(memory);
    fs.FailAt(n, param.scope, param.kind);
    const Status status = WriteFileAtomically(fs, "/d/state", new_data);
    if (n > kOperations) {
      ASSERT_OK(status);
      EXPECT_EQ(fs.OperationCount(), kOperations);
    } else {
      ASSERT_EQ(CodeOf(status), expected);
      EXPECT_NE(status.error().message().find("/d/state"), std::string::npos);
    }

    // Before the crash: the rename is the commit point.
    if (n > kRename) {
      EXPECT_EQ(ReadOrError(memory, "/d/state"), new_data);
    } else if (param.had_old) {
      EXPECT_EQ(ReadOrError(memory, "/d/state"), old_data);
    } else {
      EXPECT_FALSE(memory.Exists("/d/state"));
    }
    if (param.scope == FaultScope::kOnce || n > kOperations) {
      EXPECT_EQ(memory.AllFiles(), n > kRename ? std::vector<std::string>{"/d/state"} : before);
    }

    memory.SimulateCrash();
    if (n > kOperations) {
      EXPECT_EQ(ReadOrError(memory, "/d/state"), new_data);
    } else if (param.had_old || memory.Exists("/d/state")) {
      const std::string after = ReadOrError(memory, "/d/state");
      EXPECT_TRUE(after == old_data || after == new_data) << after;
    }
    const std::vector<std::string> files = memory.AllFiles();
    EXPECT_TRUE(files.empty() || files == std::vector<std::string>{"/d/state"})
        << ::testing::PrintToString(files);
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, AtomicWriteUnderFaultTest,
                         ::testing::Values(FaultCase{FaultScope::kOnce, FaultKind::kIo, true},
                                           FaultCase{FaultScope::kFromThenOn, FaultKind::kIo, true},
                                           FaultCase{FaultScope::kOnce, FaultKind::kNoSpace, true},
                                           FaultCase{FaultScope::kOnce, FaultKind::kIo, false},
                                           FaultCase{FaultScope::kFromThenOn, FaultKind::kIo,
                                                     false}),
                         [](const ::testing::TestParamInfo<FaultCase>& param_info) {
                           return FaultCaseName(param_info.param);
                         });

}  // namespace
}  // namespace bsi
