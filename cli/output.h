// How bsi commands talk to people and scripts: human text on stdout, or one
// JSON document with --json; progress lines on stderr only when stderr is a
// terminal (never in pipes, logs or CI); errors on stderr as
// "bsi: <what>: <category> error <code> (<name>): <message>".
//
// Exit status: 0 success, 1 the operation failed, 2 the command line was
// wrong.
#ifndef BSI_CLI_OUTPUT_H_
#define BSI_CLI_OUTPUT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "bsi/core/error.h"
#include "bsi/json/json.h"

namespace bsi::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

class Output {
 public:
  explicit Output(bool json) : json_(json) {}

  bool json() const { return json_; }

  // Human text (a line), printed only without --json.
  void Line(std::string_view text) const;
  // The JSON document, printed only with --json.
  void Json(const json::Value& value) const;

  // A progress line on a terminal: "\r<text>" rewritten in place; Done()
  // ends it with the elapsed time.
  void Progress(std::string_view text);
  void Done();

  // Prints the error and returns kExitFailed.
  int Fail(std::string_view what, const Error& error) const;

 private:
  bool json_;
  bool progress_open_ = false;
  std::chrono::steady_clock::time_point started_{};
};

// "1.2 MiB", "734 B".
std::string HumanBytes(std::uint64_t bytes);

}  // namespace bsi::cli

#endif  // BSI_CLI_OUTPUT_H_
