# bsi_testing_http: a real HTTP/1.1 server on 127.0.0.1 for tests
# (http_test_server.h). Included from testing/CMakeLists.txt, hence the
# absolute paths. Boost.Beast stays inside the .cc file.
bsi_library(NAME testing_http
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_test_server.cc
  DEPS bsi_core
  PRIVATE_DEPS Boost::headers Threads::Threads)
target_compile_definitions(bsi_testing_http PRIVATE BOOST_ASIO_NO_DEPRECATED)

bsi_test(NAME http_test_server_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_test_server_test.cc
  DEPS bsi_testing_http)
