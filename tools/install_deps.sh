#!/usr/bin/env bash
# Installs every Debian 12 package that chaintrust's build, tests,
# benchmarks, sanitizers and fuzzers need. Idempotent: packages already
# present are left alone, and nothing is downloaded when all are there.
# Run as root or through sudo.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap          # Bazel 4.2.3, runs on the system JDK
  pkg-config               # the WORKSPACE finds libraries with it
  g++
  libssl-dev               # OpenSSL 3 libcrypto
  libabsl-dev              # Abseil
  libre2-dev               # RE2
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  libbenchmark-dev         # Google Benchmark
  libsqlite3-dev           # the durable registration store
  libpq-dev                # the PostgreSQL registration store (libpq)
  postgresql-15            # the server the PostgreSQL store's tests start
  clang libclang-rt-14-dev # libFuzzer and sanitizer runtimes (fuzzers)
  graphviz                 # `chaintrust graph` renders SVG with dot
  openssl                  # the CLI, used by a few tests for known answers
  libboost-dev             # Boost.Beast/Asio (header-only): `chaintrust serve`
  cmake                    # the CMake build (3.25) and the installed package
)
# Node.js and npm run the Azure IoT SDK tests of `chaintrust serve`
# (tools/serve/sdk_test). Counted as present when the command exists, so a
# Node.js from another source (that bundles npm) is left alone.
COMMAND_PACKAGES=(node:nodejs npm:npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

for entry in "${COMMAND_PACKAGES[@]}"; do
  command -v "${entry%%:*}" >/dev/null || missing+=("${entry#*:}")
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#PACKAGES[@]} packages, node and npm are installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install_deps: run as root (sudo not found)" >&2; exit 1; }
  SUDO=sudo
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
