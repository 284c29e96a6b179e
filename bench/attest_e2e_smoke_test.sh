#!/bin/bash
# Generates a tiny fleet and attests it end to end: every device must be
# allowed (attest_e2e exits non-zero on any DENY).
set -euo pipefail
dir="${TEST_TMPDIR:-$(mktemp -d)}/fleet"
bench/fleet_gen --devices=300 --individual_every=10 --extra_individuals=50 \
  --out="$dir"
bench/attest_e2e --fleet="$dir" --warm_devices=100 --warm_attestations=2000 \
  --cold_attestations=500
