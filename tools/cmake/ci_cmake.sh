#!/usr/bin/env bash
# The CMake half of CI: the build-sync check, configure + build (-j2) +
# ctest, `cmake --install` into a fresh prefix, and the example consumer
# (tools/cmake_consumer) configured, built and run against that prefix, by
# find_package and by pkg-config. Every step counts as one result, ctest as
# its own counts; the last line is "ci-cmake: N passed, N failed" and the
# exit status is non-zero on any failure.
#
#   tools/cmake/ci_cmake.sh [--bazel]   (--bazel: sync check via bazel query)
#
# The build directory, $CHAINTRUST_CMAKE_BUILD (default
# /tmp/chaintrust-cmake-build-<hash of the checkout's path>), is kept
# between runs so that builds are incremental; the install prefix and the
# consumer's build are fresh. The build is unoptimized and without debug
# information, like Bazel's default (fastbuild), the cheapest to compile;
# $CHAINTRUST_CMAKE_JOBS (default 2) sets the parallelism.
# $CHAINTRUST_CMAKE_TESTS picks the tests: "all" builds every target and
# runs every ctest test; a list of test names (each a chaintrust_test()
# target) builds the library, the `chaintrust` binary and those tests only,
# and runs those.
set -uo pipefail
cd "$(dirname "$0")/../.."

sync_args=("$@")
# One build directory per checkout (CMake binds it to its source tree).
checkout_id=$(pwd -P | md5sum | cut -c1-8)
build=${CHAINTRUST_CMAKE_BUILD:-/tmp/chaintrust-cmake-build-$checkout_id}
scratch=$(mktemp -d /tmp/chaintrust-ci-cmake.XXXXXX) || exit 1
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
jobs=${CHAINTRUST_CMAKE_JOBS:-2}
tests=${CHAINTRUST_CMAKE_TESTS:-all}
if [[ $tests == all ]]; then
  targets=(all)
  ctest_filter=()
else
  read -r -a targets <<<"chaintrust_engine chaintrust $tests"
  ctest_filter=(-R "^($(tr ' ' '|' <<<"$tests"))\$")
fi

passed=0
failed=0
step() {  # step NAME COMMAND...: one result
  local name=$1
  shift
  echo "ci-cmake: $name"
  if "$@"; then
    passed=$((passed + 1))
    return 0
  fi
  echo "ci-cmake: $name FAILED"
  failed=$((failed + 1))
  return 1
}

step "build-sync check" python3 tools/check_build_sync.py "${sync_args[@]}"

start=$SECONDS
if step "configure and build ($build; targets: ${targets[*]})" \
    bash -c "cmake -S . -B '$build' -DCMAKE_INSTALL_PREFIX='$prefix' \
               -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 >/dev/null &&
             cmake --build '$build' -j '$jobs' --target ${targets[*]} 2>&1 |
               grep -v '^\[ *[0-9]*%\]'
             exit \${PIPESTATUS[0]}"; then
  echo "ci-cmake: configure and build took $((SECONDS - start))s"
  # ctest prints its own summary; its counts join the totals.
  start=$SECONDS
  ctest --test-dir "$build" -j "$jobs" --output-on-failure \
      "${ctest_filter[@]}" | tee "$scratch/ctest.log"
  echo "ci-cmake: ctest took $((SECONDS - start))s"
  summary=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$scratch/ctest.log")
  if [[ $summary =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  else
    echo "ci-cmake: ctest printed no summary"
    failed=$((failed + 1))
  fi

  if step "install into a fresh prefix" \
      bash -c "cmake --install '$build' --prefix '$prefix' >/dev/null"; then
    consumer=$scratch/consumer
    if step "consumer: configure and build (find_package), header check" \
        bash -c "cmake -S tools/cmake_consumer -B '$consumer' \
                   -DCMAKE_PREFIX_PATH='$prefix' >/dev/null &&
                 cmake --build '$consumer' -j '$jobs' >/dev/null"; then
      # Every certificate device of the fleet scenario, against its
      # expected verdict (exit 0 allowed, 1 denied).
      fleet=testdata/scenarios/fleet
      while read -r chain at verdict; do
        want=1
        [[ $verdict == ALLOW ]] && want=0
        step "consumer: $chain at $at is $verdict" bash -c "
          '$consumer/chaintrust_consumer' --policy=$fleet/policy.json \
              --chain=$fleet/$chain --at=$at >/dev/null
          [[ \$? -eq $want ]]"
      done < <(python3 - "$fleet/expected.json" <<'PY'
import json, sys
for device in json.load(open(sys.argv[1]))["devices"]:
    if device.get("chain"):
        print(device["chain"], device["at"], device["verdict"])
PY
)
    fi
    step "consumer: built with pkg-config (chaintrust.pc)" bash -c "
      export PKG_CONFIG_PATH='$prefix/lib/pkgconfig'
      c++ -std=c++17 -o '$scratch/consumer_pc' tools/cmake_consumer/main.cc \
          \$(pkg-config --cflags --libs chaintrust) &&
      '$scratch/consumer_pc' --policy=testdata/scenarios/fleet/policy.json \
          --chain=testdata/scenarios/fleet/fleet-dev-001.pem \
          --at=2025-06-01T00:00:00Z"
  fi
fi

echo "ci-cmake: $passed passed, $failed failed"
((failed == 0))
