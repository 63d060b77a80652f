// bsi_static_server_bench: serves a directory over HTTP with the HttpServer
// and the StaticFiles handler of bsi-server (server/http), mounted at "/",
// until SIGINT or SIGTERM; then stops gracefully. Run by
// bench/server/static.sh next to nginx serving the same directory.
//
//   bsi_static_server_bench ROOT_DIR [LISTEN] [THREADS]
//   defaults:                         127.0.0.1:0  2
//
// Prints "port N" on standard output once listening (N is the bound port,
// the chosen one for port 0), and a line of counters after stopping.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <pthread.h>

#include "server/http/server.h"
#include "server/http/static_files.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: %s ROOT_DIR [LISTEN] [THREADS]\n", argv[0]);
    return 2;
  }
  // Blocked in every thread (the server's threads inherit the mask), so that
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  bsi::Result<bsi::http::Handler> files = bsi::http::StaticFiles(argv[1]);
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", files.error().ToString().c_str());
    return 1;
  }
  bsi::http::Router router;
  if (bsi::Status mounted = router.Mount("/", std::move(*files)); !mounted.ok()) {
    std::fprintf(stderr, "%s\n", mounted.error().ToString().c_str());
    return 1;
  }
  bsi::http::ServerOptions options;
  options.listen = argc > 2 ? argv[2] : "127.0.0.1:0";
  options.threads = argc > 3 ? std::atoi(argv[3]) : 2;
  bsi::Result<std::unique_ptr<bsi::http::HttpServer>> server =
      bsi::http::HttpServer::Start(options, std::move(router));
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().ToString().c_str());
    return 1;
  }
  std::printf("port %u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  bsi::http::HttpServer::Stats stats = (*server)->stats();
  std::printf("requests %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu, connections %llu\n",
              static_cast<unsigned long long>(stats.requests_total),
              static_cast<unsigned long long>(stats.responses_by_class[1]),
              static_cast<unsigned long long>(stats.responses_by_class[2]),
              static_cast<unsigned long long>(stats.responses_by_class[3]),
              static_cast<unsigned long long>(stats.responses_by_class[4]),
              static_cast<unsigned long long>(stats.connections_total));
  return 0;
}
