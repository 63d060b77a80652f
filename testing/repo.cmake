#bsi_testing_repo : RepositorySimulator, a whole signed TUF repository in
#memory behind the Transport seam.Included from testing / CMakeLists.txt,
#hence the absolute source paths.
bsi_library(
    NAME testing_repo SOURCES ${CMAKE_CURRENT_SOURCE_DIR} /
    repository_simulator.cc DEPS bsi_core bsi_crypto bsi_metadata bsi_fetch bsi_client bsi_testing)

    bsi_test(NAME testing_repo_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR} /
             repository_simulator_test.cc DEPS bsi_testing_repo)
