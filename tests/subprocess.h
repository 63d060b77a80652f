// Runs a program to completion for end-to-end tests: argv as given (no
// shell), stdin from /dev/null, stdout and stderr captured.
#ifndef BSI_TESTS_SUBPROCESS_H_
#define BSI_TESTS_SUBPROCESS_H_

#include <string>
#include <vector>

namespace bsi::tests {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// REQUIRES: argv[0] is a path to an executable.
ProcessResult RunProcess(const std::vector<std::string>& argv);

}  // namespace bsi::tests

#endif  // BSI_TESTS_SUBPROCESS_H_
