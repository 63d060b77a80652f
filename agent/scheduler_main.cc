// bsi-agent-scheduler: the long-lived process of `bsi-agent run`, which
// exec's it; it runs each pass as a child process of the full bsi-agent
// (agent/scheduler.h).
//
//   bsi-agent-scheduler --agent PATH --config PATH --interval SECONDS
//
// Exit status: 0 when stopped by SIGTERM or SIGINT, 1 if it could not set
// itself up, 2 for a wrong command line.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "agent/scheduler.h"

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    bsi::Result<bsi::agent::SchedulerArgs> parsed = bsi::agent::ParseSchedulerArgs(args);
    if (!parsed.ok()) {
      std::fprintf(stderr, "bsi-agent-scheduler: %s\n%s", parsed.error().message().c_str(),
                   bsi::agent::SchedulerUsage().c_str());
      return 2;
    }
    if (parsed->help) {
      std::fputs(bsi::agent::SchedulerUsage().c_str(), stdout);
      return 0;
    }
    return bsi::agent::RunScheduler(*parsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bsi-agent-scheduler: internal error: %s\n", e.what());
  }
  return 1;
}
