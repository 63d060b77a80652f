// store_crash_worker: drives a component store round and round — install
// (a) from the base, (b) by delta from (a), roll back to (a), roll back to
// the base — until it is killed. tests/store_crash_test.cc kills it with
// SIGKILL at random instants and checks what a restart finds.
//
//   store_crash_worker ROOT BASE_TREE A_FULL_BUNDLE B_FROM_A_BUNDLE
//
// Exit status 1 (with the error on stderr) if a store operation fails.
#include <cstdio>

#include "bsi/core/posix_file_system.h"
#include "bsi/store/component_store.h"

namespace {

int Fail(const char* what, const bsi::Error& error) {
  std::fprintf(stderr, "store_crash_worker: %s: %s\n", what, error.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: store_crash_worker ROOT BASE_TREE A_FULL_BUNDLE B_FROM_A_BUNDLE\n", stderr);
    return 2;
  }
  bsi::PosixFileSystem fs;
  bsi::store::ComponentStore store(fs, argv[1], {"webkit", argv[2]});
  bsi::Result<bsi::store::Recovery> opened = store.Open();
  if (!opened.ok()) return Fail("open", opened.error());
  while (true) {
    const bsi::store::Version active = store.state().active;
    bsi::Status status;
    if (!active.has_value()) {
      status = store.Stage(argv[3], "a");
      if (status.ok()) status = store.Activate();
      if (status.ok()) status = store.Commit();
    } else if (*active == "a" && store.state().has_previous) {
      status = store.Stage(argv[4], "b");
      if (status.ok()) status = store.Activate();
      if (status.ok()) status = store.Commit();
    } else if (*active == "b") {
      status = store.RollBack("a");
    } else {
      status = store.RollBack(std::nullopt);
    }
    if (status.ok()) status = store.CollectGarbage();
    if (!status.ok()) return Fail("step", status.error());
  }
}
