#!/usr/bin/env bash
# Runs one ctest test with a fresh, empty $TEST_TMPDIR, as Bazel does.
set -eu
rm -rf "$TEST_TMPDIR"
mkdir -p "$TEST_TMPDIR"
exec "$@"
