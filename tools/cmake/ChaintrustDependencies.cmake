# Finds every library chaintrust links, from Debian 12's packages: CMake
# config files where the package ships them (absl, GTest, benchmark), CMake's
# own find modules (OpenSSL, Protobuf, SQLite3), and pkg-config for the
# libraries that ship no CMake files (re2, libpq). The same calls, minus the
# test-only ones, are repeated in chaintrustConfig.cmake for consumers.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(absl REQUIRED CONFIG)
find_package(Protobuf REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

if(NOT Protobuf_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "protoc not found: install protobuf-compiler")
endif()

# `chaintrust serve` (the command line, and so the tests): Boost.Asio/Beast,
# header-only, over OpenSSL's libssl and threads.
if(CHAINTRUST_BUILD_TOOLS OR CHAINTRUST_BUILD_TESTS)
  find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto SSL)
  find_package(Boost 1.74 REQUIRED CONFIG COMPONENTS headers)
  find_package(Threads REQUIRED)
endif()

if(CHAINTRUST_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  find_package(benchmark REQUIRED CONFIG)
endif()

# The Abseil libraries the engine's sources include.
set(CHAINTRUST_ABSL_LIBS
    absl::any_invocable
    absl::base
    absl::btree
    absl::core_headers
    absl::flat_hash_map
    absl::flat_hash_set
    absl::function_ref
    absl::hash
    absl::inlined_vector
    absl::memory
    absl::optional
    absl::span
    absl::status
    absl::statusor
    absl::str_format
    absl::strings
    absl::synchronization
    absl::time)
