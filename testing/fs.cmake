# bsi_testing: FakeClock, MemoryFileSystem, FaultInjectionFileSystem.
# Included from testing/CMakeLists.txt, hence the absolute source paths.
bsi_library(NAME testing
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fake_clock.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/memory_file_system.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/fault_injection_file_system.cc
  DEPS bsi_core)
