#!/usr/bin/env bash
# Installs every Debian package that tfc's build, tests, benchmarks and demo need.
# Idempotent and quiet when everything is present. Run as root (or with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev   # toolchain, libFuzzer runtime
  zlib1g-dev libprotobuf-c-dev protobuf-c-compiler              # GZIP/ZLIB, protos
  libcjson-dev libcmocka-dev libsnappy-dev libopenblas-dev      # JSON, unit tests, checkpoints, GEMM
  dataset-fashion-mnist                                         # the demo's data
  python3 xxd gzip coreutils                                    # test and benchmark scripts
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
