#!/bin/bash
# Runs frontend_load briefly against chaintrust serve, with the same binary
# as baseline: every phase must run without errors, the rounds of the
# floor, connections alone and registrations must each print a ratio per
# server, and both servers must exit 0 on SIGTERM.
set -euo pipefail
# Three ports from --port up (serve, floor, baseline); a random base keeps
# concurrent runs apart, and a taken port (exit status 2 before any
# measurement) gets another try.
for attempt in 1 2 3; do
  port=$((20000 + RANDOM % 20000))
  status=0
  out=$(bench/frontend_load --chaintrust=tools/cli/chaintrust \
    --baseline=tools/cli/chaintrust --port="$port" --seconds=2 --slices=2 \
    --devices=40 --clients=2 --lookup_connections=4 --soak_seconds=1 \
    --soak_rate=200 --soak_sample_seconds=1) || status=$?
  [[ $status -eq 2 ]] || break
done
echo "$out"
[[ $status -eq 0 ]]
for label in baseline serve; do
  grep -Eq "^$label: tls handshake only .* errors 0 " <<<"$out"
  grep -Eq "^$label: register, new TLS connection .* errors 0  server cpu" \
    <<<"$out"
  grep -Eq "^$label: lookup, 4 kept-alive .* errors 0 " <<<"$out"
  grep -q "^$label: server exit status 0$" <<<"$out"
done
grep -Eq "^tls handshake floor .* errors 0  server cpu .* client cpu" <<<"$out"
[[ $(grep -Ec "^    server cpu beyond the floor's handshake: -?[0-9]+ us for a TLS connection alone, -?[0-9]+ us more" <<<"$out") -eq 2 ]]
for round in 1 2; do
  grep -Eq "^round $round: floor [0-9]+/s [0-9]+ us; baseline [0-9]+/s [0-9]+ us = [0-9.]+; serve [0-9]+/s [0-9]+ us = [0-9.]+$" \
    <<<"$out"
done
grep -Eq "^serve: soak, lookups at 200/s .* errors 0 " <<<"$out"
grep -Eq "^serve: register / floor = [0-9.]+ pooled, median of 2 rounds [0-9.]+ \([0-9.]+-[0-9.]+\)" \
  <<<"$out"
grep -Eq "^serve / baseline: register [0-9.]+x \(median of rounds [0-9.]+x\)" \
  <<<"$out"
