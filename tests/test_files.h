// Whole-file reads and writes for end-to-end tests (std::filesystem paths).
#ifndef BSI_TESTS_TEST_FILES_H_
#define BSI_TESTS_TEST_FILES_H_

#include <filesystem>
#include <string>

namespace bsi::tests {

// The file's bytes, or "" if it cannot be read.
std::string ReadAll(const std::filesystem::path& path);

// Replaces the file's content, creating missing parent directories.
void WriteAll(const std::filesystem::path& path, const std::string& data);

}  // namespace bsi::tests

#endif  // BSI_TESTS_TEST_FILES_H_
