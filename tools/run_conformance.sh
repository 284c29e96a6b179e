#!/usr/bin/env bash
# Runs `chaintrust conformance` over ../shared/testsuites (relative to the
# repository root) and fails when a pass count drops below the minimums in
# tools/conformance/conformance_baseline.txt. Skips, visibly, when the suites are absent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suites="${root}/../shared/testsuites"
if [[ ! -d "${suites}" ]]; then
  echo "conformance: skipped: ../shared/testsuites not found"
  exit 0
fi
suites="$(cd "${suites}" && pwd)"
limbo="${suites}/x509-limbo/limbo.json"
boringssl="${suites}/boringssl-verify-certificate-chain"
openssl_cases="${suites}/openssl-test-verify/cases.json"
baseline="${root}/tools/conformance/conformance_baseline.txt"

minimum() {
  awk -v name="$1" '$1 == name { print $2 }' "${baseline}"
}

# Prints the pass count of the closing "N passed, N failed, N skipped" line.
run() {
  local out
  out="$(cd "${root}" && bazel run --ui_event_filters=-info,-stdout \
      --noshow_progress //tools:chaintrust -- conformance "$@")"
  echo "${out}" | grep -E '^(FAIL|x509-limbo|boringssl|openssl|==)' >&2 || true
  echo "${out}" | tail -n 1 >&2
  echo "${out}" | tail -n 1 | awk '{ print $1 }'
}

status=0
check() {
  local name="$1" passed="$2" min
  min="$(minimum "${name}")"
  if [[ -z "${min}" ]]; then
    echo "conformance: ${name}: no minimum in ${baseline}" >&2
    status=1
  elif (( passed < min )); then
    echo "conformance: ${name}: ${passed} passed, below the minimum ${min}" >&2
    status=1
  else
    echo "conformance: ${name}: ${passed} passed (minimum ${min})"
  fi
}

check x509-limbo "$(run --limbo="${limbo}")"
check x509-limbo-device-high \
  "$(run --limbo="${limbo}" --device_relevant_only)"
check boringssl "$(run --boringssl="${boringssl}")"
check openssl "$(run --openssl="${openssl_cases}")"
exit "${status}"
