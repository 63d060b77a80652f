# Helpers that encode the architecture: one static library per module, with the
# project's warning set; tests linked with GoogleTest and registered with ctest.

set(BSI_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                 -Woverloaded-virtual -Wcast-qual -Wformat=2 -Wimplicit-fallthrough)

function(bsi_apply_options target)
  target_compile_options(${target} PRIVATE ${BSI_WARNINGS})
  if(BSI_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(BSI_FUZZ)
    # Fuzz build: every library is instrumented for coverage (libFuzzer steers by
    # it) and sanitized, so a bug deep in libbsi is found, not just in the target.
    # Only bsi_fuzzer() links libFuzzer itself (-fsanitize=fuzzer).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  elseif(BSI_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# bsi_library(NAME name SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# Defines target bsi_<name>. DEPS are public (they appear in our headers);
# PRIVATE_DEPS are third-party libraries fenced inside the module.
function(bsi_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(bsi_${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(bsi_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(bsi_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(bsi_${ARG_NAME} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  bsi_apply_options(bsi_${ARG_NAME})
endfunction()

# bsi_test(NAME name SOURCES ... [DEPS ...] [TEST_PREFIX prefix] [PROPERTIES name value ...])
# One GoogleTest executable, each test registered with ctest, its name
# prefixed with TEST_PREFIX if given. PROPERTIES are set on every test (e.g.
# FIXTURES_REQUIRED for a server the tests need).
function(bsi_test)
  cmake_parse_arguments(ARG "" "NAME;TEST_PREFIX" "SOURCES;DEPS;PROPERTIES" ${ARGN})
  if(NOT BSI_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  bsi_apply_options(${ARG_NAME})
  include(GoogleTest)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${ARG_TEST_PREFIX}"
                       PROPERTIES ENVIRONMENT "BSI_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
                                  ${ARG_PROPERTIES})
endfunction()

# bsi_program(NAME name SOURCES ... [DEPS ...]): an installed executable.
function(bsi_program)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  bsi_apply_options(${ARG_NAME})
  install(TARGETS ${ARG_NAME} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

# bsi_fuzzer(NAME name SOURCES ... [DEPS ...]): a libFuzzer target (clang only).
function(bsi_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()
