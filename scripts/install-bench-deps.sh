#!/usr/bin/env bash
# What `make bench` needs beyond scripts/install-deps.sh: the peers' PyTorch and NumPy
# (../shared/peers), and GNU time for the peak RSS figures. Idempotent and quiet when present.
set -euo pipefail
missing=()
for p in python3-torch python3-numpy time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-bench-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
