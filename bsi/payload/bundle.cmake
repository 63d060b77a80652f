# bsi_payload: component bundles — the manifest, safe paths, tree scans, the
# bundle writer and reader, and the streaming, all-checks-first apply.
# zstd and the delta engine come only through bsi_delta (zstd_stream.h,
# delta.h). Included from bsi/payload/CMakeLists.txt, hence the absolute
# source paths.
bsi_library(NAME payload
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/safe_path.cc
          ${CMAKE_CURRENT_LIST_DIR}/manifest.cc
          ${CMAKE_CURRENT_LIST_DIR}/manifest_validate.cc
          ${CMAKE_CURRENT_LIST_DIR}/manifest_links.cc
          ${CMAKE_CURRENT_LIST_DIR}/tree_scan.cc
          ${CMAKE_CURRENT_LIST_DIR}/tree_digest.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_reader.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_writer.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_apply_check.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_apply.cc
  DEPS bsi_core bsi_json bsi_crypto bsi_delta)


bsi_test(NAME payload_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bundle_apply_test_util.cc
          ${CMAKE_CURRENT_LIST_DIR}/safe_path_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/manifest_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/tree_scan_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/tree_digest_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_writer_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_apply_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_apply_hostile_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/bundle_apply_fault_test.cc
  DEPS bsi_payload bsi_testing)
