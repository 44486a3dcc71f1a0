#!/usr/bin/env bash
# Interop with the real TensorFlow (a test-time reference only): files TF writes are read by tfc,
# files tfc writes are read by TF. Exits 77 (ctest: skipped) when TensorFlow is not installed.
# usage: test_interop_tf.sh PATH/TO/tfc
set -uo pipefail
TFC=$1
PY=${TFC_PYTHON:-python3}
if ! "$PY" -c 'import tensorflow' >/dev/null 2>&1; then
  echo "interop_tensorflow: skipped (TensorFlow is not installed for $PY; pip install tensorflow-cpu)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
TF_CPP_MIN_LOG_LEVEL=3 "$PY" "$(dirname "$0")/interop_tf.py" "$TFC" "$T"
