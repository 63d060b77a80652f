// Runs programs for end-to-end tests: to completion with their output
// captured (RunProcess), or in the background (Spawn). argv as given (no
// shell), stdin from /dev/null.
#ifndef BSI_TESTS_SUBPROCESS_H_
#define BSI_TESTS_SUBPROCESS_H_

#include <string>
#include <vector>

#include <sys/types.h>

namespace bsi::tests {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// REQUIRES: argv[0] is a path to an executable.
ProcessResult RunProcess(const std::vector<std::string>& argv);

// Starts a program in the background: argv as given, stdin from /dev/null,
// stdout and stderr appended to `output`. Returns its pid, or -1 if it
// could not start. The caller waits for it (waitpid).
// REQUIRES: argv[0] is a path to an executable.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& output = "/dev/null");

}  // namespace bsi::tests

#endif  // BSI_TESTS_SUBPROCESS_H_
