# bsi_delta: binary deltas (bsdiff-class with zstd streams, zstd --patch-from,
# full zstd) and the zstd streaming wrapper the payload module shares.
# Included from bsi/payload/CMakeLists.txt, hence the absolute source paths.
# divsufsort64 (suffix arrays of old files >= 2 GiB) ships in the same
# package as libdivsufsort but has no pkg-config file of its own.
bsi_library(NAME delta
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/zstd_stream.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_format.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_bsdiff.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_create.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_diff_codec.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_apply.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_apply_bsdiff.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_file.cc
  DEPS bsi_core bsi_crypto
  PRIVATE_DEPS PkgConfig::ZSTD PkgConfig::DIVSUFSORT divsufsort64)

bsi_test(NAME delta_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/delta_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_apply_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_diff_codec_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/delta_zstd_stream_test.cc
  DEPS bsi_delta bsi_testing)
