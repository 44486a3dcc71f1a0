#!/usr/bin/env bash
# Installs every Debian package that tfc's build, tests, benchmarks and demo need.
# Idempotent and quiet when everything is present. Run as root (or with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev   # toolchain, libFuzzer runtime
  zlib1g-dev libprotobuf-c-dev protobuf-c-compiler              # GZIP/ZLIB, protos
  libcjson-dev libcmocka-dev libsnappy-dev libopenblas-dev      # JSON, unit tests, checkpoints, GEMM
  libpng-dev libjpeg62-turbo-dev                                # decode_png / decode_jpeg
  dataset-fashion-mnist                                         # the demo's data
  python3 gzip coreutils                                        # test and benchmark scripts
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# TensorFlow is a test-time reference only (tests/e2e/test_interop_tf.sh), never a dependency of
# tfc. Bring it from PyPI when possible; without it the interop test reports "skipped".
if [ "${TFC_SKIP_TENSORFLOW:-0}" != 1 ] && command -v python3 >/dev/null &&
  ! python3 -c 'import tensorflow' >/dev/null 2>&1; then
  echo "install-deps: pip install tensorflow-cpu (for the interop test)" >&2
  python3 -m pip install -q tensorflow-cpu >/dev/null 2>&1 ||
    echo "install-deps: TensorFlow could not be installed; the interop test will be skipped" >&2
fi
exit 0
