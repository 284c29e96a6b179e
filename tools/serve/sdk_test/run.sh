#!/usr/bin/env bash
# Runs the SDK end-to-end tests: mints the server's TLS certificate and the
# CA Node trusts (NODE_EXTRA_CA_CERTS is read when node starts), then
# `node --test`. Needs root (or CAP_NET_BIND_SERVICE) for port 443, and
# node_modules installed with `npm ci`.
#   CHAINTRUST_BIN=bazel-bin/tools/cli/chaintrust tools/serve/sdk_test/run.sh [TAP_FILE]
set -euo pipefail

: "${CHAINTRUST_BIN:?set CHAINTRUST_BIN to the chaintrust binary}"
CHAINTRUST_BIN=$(realpath "$CHAINTRUST_BIN")
export CHAINTRUST_BIN
tap_file=${1:-}
[[ -z "$tap_file" ]] || tap_file=$(realpath -m "$tap_file")
cd "$(dirname "$0")"
TEST_TMPDIR=$(mktemp -d)
export TEST_TMPDIR
trap 'rm -rf "$TEST_TMPDIR"' EXIT
(
  cd "$TEST_TMPDIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout tls-ca.key -out tls-ca.pem -subj "/CN=chaintrust test TLS CA" \
    -days 2 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA tls-ca.pem -CAkey tls-ca.key \
    -set_serial 0x$(openssl rand -hex 8) -days 2 -extfile server.ext \
    -out server.pem 2>/dev/null
)
export NODE_EXTRA_CA_CERTS="$TEST_TMPDIR/tls-ca.pem"
args=(--test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "$tap_file" ]]; then
  args+=(--test-reporter=tap --test-reporter-destination="$tap_file")
fi
node "${args[@]}" e2e.test.js
