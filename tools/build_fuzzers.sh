#!/usr/bin/env bash
# Builds real libFuzzer binaries (clang, -fsanitize=fuzzer,address,undefined)
# outside Bazel into a temp dir and, with --run=SECONDS, runs each over a
# copy of its seed corpus (testdata/fuzz/<target>/).
#   tools/build_fuzzers.sh [--run=60] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run=0
out=""
for arg in "$@"; do
  case "${arg}" in
    --run=*) run="${arg#--run=}" ;;
    *) out="${arg}" ;;
  esac
done
out="${out:-$(mktemp -d /tmp/chaintrust-fuzz.XXXXXX)}"
mkdir -p "${out}/gen/proto"
cxx="${CXX_FUZZ:-clang++-14}"
command -v "${cxx}" >/dev/null || cxx=clang++
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined
       -I"${root}" -I"${out}/gen")
protoc --proto_path="${root}" --cpp_out="${out}/gen" "${root}"/proto/*.proto
libs=$(pkg-config --libs absl_status absl_statusor absl_strings \
    absl_str_format absl_time absl_synchronization absl_flat_hash_map \
    absl_flat_hash_set absl_hash protobuf re2 libcrypto 2>/dev/null ||
  echo "-lprotobuf -lre2 -lcrypto")
srcs=(engine/x509/certificate.cc engine/x509/verification_key.cc engine/x509/pem.cc
      engine/x509/der.cc engine/internal/openssl_util.cc
      engine/core/resolver.cc engine/x509/chain_checks.cc engine/engine.cc
      engine/decision.cc
      engine/policy/enrollment_set.cc engine/policy/registration_id.cc engine/policy/sas_token.cc
      engine/internal/json.cc engine/policy_loader.cc
      engine/x509/test_certs.cc)
objs=()
for s in "${srcs[@]}"; do
  o="${out}/obj/${s//\//_}.o"
  mkdir -p "${out}/obj"
  "${cxx}" "${flags[@]}" -c "${root}/${s}" -o "${o}"
  objs+=("${o}")
done
for p in "${out}"/gen/proto/*.pb.cc; do
  o="${out}/obj/$(basename "${p}").o"
  "${cxx}" "${flags[@]}" -c "${p}" -o "${o}"
  objs+=("${o}")
done
fuzzers=(engine/x509/certificate_fuzzer engine/core/resolver_fuzzer
         engine/policy/policy_loader_fuzzer engine/policy/sas_token_fuzzer)
targets=()
for f in "${fuzzers[@]}"; do
  t=$(basename "${f}")
  targets+=("${t}")
  "${cxx}" "${flags[@]}" -fsanitize=fuzzer "${root}/${f}.cc" \
    "${objs[@]}" ${libs} -o "${out}/${t}"
  echo "built ${out}/${t}"
done
if [[ "${run}" != 0 ]]; then
  for t in "${targets[@]}"; do
    mkdir -p "${out}/corpus/${t}"
    cp "${root}/testdata/fuzz/${t}/"* "${out}/corpus/${t}/"
    echo "== ${t}: ${run}s"
    (cd "${out}" && "./${t}" -max_total_time="${run}" -rss_limit_mb=2048 \
        "corpus/${t}" 2>&1 | tail -n 3)
  done
fi
