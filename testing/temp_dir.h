// TempDir: a fresh directory for a test, under $TMPDIR (or /tmp), removed
// with everything in it when the object goes — read-only directories (as
// bundles make them) included.
//
// Thread-safety: one object per test; construct before starting threads
// (it reads $TMPDIR).
#ifndef BSI_TESTING_TEMP_DIR_H_
#define BSI_TESTING_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace bsi::testing {

class TempDir {
 public:
  // Aborts if the directory cannot be made: no test can run without it.
  explicit TempDir(std::string_view prefix = "bsi-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_TEMP_DIR_H_
