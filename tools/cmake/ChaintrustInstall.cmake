# `cmake --install`: the public API headers, the generated chaintrust.v1
# header, libchaintrust_engine.a, the exported chaintrust::engine target
# with chaintrustConfig.cmake, and chaintrust.pc.
include(CMakePackageConfigHelpers)

# The sealed API, what a front-end includes: exactly engine/*.h, which
# include one another, Abseil, protobuf and proto/enrollment.pb.h, never a
# header of a layer below. The consumer's header check (tools/cmake_consumer)
# compiles each on its own against the install.
set(CHAINTRUST_PUBLIC_HEADERS
  engine/decision.h
  engine/engine.h
  engine/policy_load_options.h
  engine/policy_loader.h
  engine/provisioner.h
  engine/registration_record.h
  engine/registration_store.h
  engine/throttle.h
  engine/types.h)
# A public header added to engine/ but not to the list above would install
# a package whose headers do not compile: stop at configure time instead.
file(GLOB chaintrust_engine_headers RELATIVE "${CMAKE_SOURCE_DIR}"
     "${CMAKE_SOURCE_DIR}/engine/*.h")
list(SORT chaintrust_engine_headers)
if(NOT chaintrust_engine_headers STREQUAL CHAINTRUST_PUBLIC_HEADERS)
  message(FATAL_ERROR "CHAINTRUST_PUBLIC_HEADERS in ${CMAKE_CURRENT_LIST_FILE}"
          " is not engine/*.h (${chaintrust_engine_headers})")
endif()

if(CHAINTRUST_BUILD_TESTS)
  # That they include only public headers (Bazel's
  # //engine:public_headers_test, over the headers installed here).
  list(TRANSFORM CHAINTRUST_PUBLIC_HEADERS PREPEND "${CMAKE_SOURCE_DIR}/"
       OUTPUT_VARIABLE chaintrust_public_header_paths)
  chaintrust_add_test(public_headers_test
                      ARGS "${CMAKE_SOURCE_DIR}/engine/public_headers_test.sh"
                           ${chaintrust_public_header_paths})
endif()

foreach(header ${CHAINTRUST_PUBLIC_HEADERS})
  get_filename_component(dir "${header}" DIRECTORY)
  install(FILES "${CMAKE_SOURCE_DIR}/${header}"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${dir}"
          COMPONENT chaintrust)
endforeach()
install(FILES "${CMAKE_BINARY_DIR}/proto/enrollment.pb.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/proto"
        COMPONENT chaintrust)

set(CHAINTRUST_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/chaintrust")
install(TARGETS chaintrust_engine EXPORT chaintrustTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT chaintrust
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT chaintrustTargets NAMESPACE chaintrust::
        DESTINATION "${CHAINTRUST_CMAKE_DIR}" COMPONENT chaintrust)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/chaintrustConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/chaintrustConfig.cmake"
  INSTALL_DESTINATION "${CHAINTRUST_CMAKE_DIR}")
write_basic_package_version_file(
  "${CMAKE_BINARY_DIR}/chaintrustConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/chaintrustConfig.cmake"
              "${CMAKE_BINARY_DIR}/chaintrustConfigVersion.cmake"
        DESTINATION "${CHAINTRUST_CMAKE_DIR}" COMPONENT chaintrust)

# chaintrust.pc: the library is static, so Requires names every library it
# links (those its headers expose and those only its objects call), so that
# `pkg-config --cflags --libs chaintrust` links without --static.
set(CHAINTRUST_PC_REQUIRES
    "absl_status absl_statusor absl_strings absl_str_format absl_time absl_synchronization absl_flat_hash_map absl_flat_hash_set absl_btree absl_hash absl_span absl_optional absl_inlined_vector protobuf libcrypto re2 libpq sqlite3")
configure_file("${CMAKE_CURRENT_LIST_DIR}/chaintrust.pc.in"
               "${CMAKE_BINARY_DIR}/chaintrust.pc" @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/chaintrust.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
        COMPONENT chaintrust)
