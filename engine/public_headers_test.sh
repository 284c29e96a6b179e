#!/bin/bash
# Checks that the public headers (engine/*.h, the hdrs of the public targets
# in engine/BUILD.bazel) include only other public headers, the public
# generated proto/enrollment.pb.h, Abseil and the standard library: an
# embedder that includes engine/*.h needs nothing from engine's private
# layers. Usage: public_headers_test.sh HEADER...
set -euo pipefail

# Prints one line per offending include of header $1; returns 1 if any.
check_header() {
  local header="$1" bad=0 include
  while IFS= read -r include; do
    case "${include}" in
      engine/*/*)
        echo "${header}: includes the private header ${include}"
        bad=1
        ;;
      engine/*.h | proto/enrollment.pb.h | absl/*) ;;
      *)
        echo "${header}: includes ${include}, which is not a public header"
        bad=1
        ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "${header}")
  return "${bad}"
}

if [[ $# -eq 0 ]]; then
  echo "no public headers given"
  exit 1
fi

# The check itself must catch a private include.
probe="${TEST_TMPDIR:-/tmp}/probe.h"
printf '#include "engine/types.h"\n#include "engine/internal/tsan_mutex.h"\n' >"${probe}"
if check_header "${probe}" >/dev/null; then
  echo "the check let a private include through"
  exit 1
fi

status=0
for header in "$@"; do
  check_header "${header}" || status=1
done
if [[ ${status} -eq 0 ]]; then
  echo "$# public headers include only public headers"
fi
exit "${status}"
