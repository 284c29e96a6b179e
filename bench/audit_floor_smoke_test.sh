#!/bin/bash
# Generates a tiny fleet of distinct devices and runs audit_floor on it,
# once with the chaintrust binary and once with the library calls: both
# must finish and report every leaf verified and a ratio.
set -euo pipefail
dir="${TEST_TMPDIR:-$(mktemp -d)}/fleet"
bench/fleet_gen --devices=200 --out="$dir"
for audit in --chaintrust=tools/cli/chaintrust ""; do
  out=$(bench/audit_floor --policy="$dir/policy.json" \
    --devices="$dir/devices.jsonl" --rounds=2 $audit)
  echo "$out"
  grep -q "^corpus: 200 devices, 200 distinct leaves" <<<"$out"
  grep -q "^round 2: audit 1 " <<<"$out"
  grep -q "^audit 1: median audit/floor wall" <<<"$out"
done
