# The independent TUF specification checker (tuf_spec_check.py) and its
# self-test, which builds small repositories with securesystemslib and
# requires the checker to pass the valid one and catch each broken one.
# Included from tests/CMakeLists.txt.
#
# Debian's /usr/bin/python3 is preferred: python3-securesystemslib is
# installed for it (scripts/setup.sh), not for a python3 that may come first
# in PATH (the scripts also re-run themselves under /usr/bin/python3).
find_program(BSI_SPEC_CHECK_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT BSI_SPEC_CHECK_PYTHON3)
  find_program(BSI_SPEC_CHECK_PYTHON3 NAMES python3)
endif()

if(BSI_SPEC_CHECK_PYTHON3)
  add_test(NAME tuf_spec_check_selftest
    COMMAND ${BSI_SPEC_CHECK_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/tuf_spec_check_test.py)
  set_tests_properties(tuf_spec_check_selftest PROPERTIES TIMEOUT 300)
else()
  message(WARNING "python3 not found: tuf_spec_check_selftest is not registered")
endif()
