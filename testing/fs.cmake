# bsi_testing: FakeClock, MemoryFileSystem, FaultInjectionFileSystem, TempDir.
# Included from testing/CMakeLists.txt, hence the absolute source paths.
bsi_library(NAME testing
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fake_clock.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/memory_file_system.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/fault_injection_file_system.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/temp_dir.cc
  DEPS bsi_core)
