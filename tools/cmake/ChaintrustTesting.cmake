# chaintrust_test(NAME name SRCS file... [LIBS lib...] [ARGS arg...]
#                 [LABELS label...] [NO_GTEST_MAIN])
#
# Builds one test binary and registers it with ctest. Tests run as under
# Bazel: from a workspace-like root, here the build directory, where every
# built binary sits at its package path (tools/cli/chaintrust,
# engine/registry/sqlite_registration_store_test_writer, ...) and
# testdata/scenarios and testdata/fuzz are links to the source tree's (links
# to those two only: <build>/testdata is the testdata package's binary
# directory); each test gets a fresh, empty $TEST_TMPDIR, and $TEST_SRCDIR
# names the source tree.
set(CHAINTRUST_TEST_ROOT "${CMAKE_BINARY_DIR}")
file(MAKE_DIRECTORY "${CHAINTRUST_TEST_ROOT}/testdata")
foreach(data scenarios fuzz)
  file(CREATE_LINK "${CMAKE_SOURCE_DIR}/testdata/${data}"
       "${CHAINTRUST_TEST_ROOT}/testdata/${data}" SYMBOLIC)
endforeach()

function(chaintrust_add_test name)
  cmake_parse_arguments(T "" "" "ARGS;LABELS" ${ARGN})
  set(tmp "${CMAKE_BINARY_DIR}/test_tmp/${name}")
  add_test(NAME ${name}
           COMMAND "${CMAKE_SOURCE_DIR}/tools/cmake/run_test.sh" ${T_ARGS}
           WORKING_DIRECTORY "${CHAINTRUST_TEST_ROOT}")
  set_tests_properties(${name} PROPERTIES
      ENVIRONMENT "TEST_TMPDIR=${tmp};TEST_SRCDIR=${CMAKE_SOURCE_DIR};TEST_WORKSPACE="
      LABELS "${T_LABELS}"
      TIMEOUT 600)
endfunction()

function(chaintrust_test)
  cmake_parse_arguments(T "NO_GTEST_MAIN" "NAME" "SRCS;LIBS;ARGS;LABELS"
                        ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  if(T_NO_GTEST_MAIN)
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest GTest::gmock)
  else()
    target_link_libraries(${T_NAME} PRIVATE GTest::gmock GTest::gtest_main)
  endif()
  chaintrust_add_test(${T_NAME} ARGS "$<TARGET_FILE:${T_NAME}>" ${T_ARGS}
                      LABELS ${T_LABELS})
endfunction()
