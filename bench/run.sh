#!/bin/bash
# Runs the TFRecord/Example benchmarks (see bench/README.md). Builds nothing: expects a Release
# build in $BUILD_DIR (default build/, as `make bench` leaves it). Prints `BENCH name value unit`
# and `RATIO name tfc/peer` lines on stdout, each run's details on stderr; exits 1 if any part
# failed (a failed part prints no figures).
#
#   BUILD_DIR=build-bench BENCH_REPS=5 bash bench/run.sh
#
# Environment: BUILD_DIR, BENCH_DIR (data files, default $BUILD_DIR/bench-data, ~1.3 GiB kept
# and reused; ~2 GiB more while the write figure runs), BENCH_REPS (default 5),
# BENCH_READ_BUF_KIB (reader buffer for the verify figures, default 256).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${BUILD_DIR:-build}
export BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-data}
export BENCH_REPS=${BENCH_REPS:-5}
export TFC_BIN=${TFC_BIN:-$BUILD_DIR/tfc}

for exe in "$BUILD_DIR/bench_record" "$BUILD_DIR/bench_engine" "$BUILD_DIR/bench_cnn" "$BUILD_DIR/bench_data" "$BUILD_DIR/bench_train" "$TFC_BIN"; do
    if [ ! -x "$exe" ]; then
        echo "bench/run.sh: $exe not found; build first (make, or cmake --build $BUILD_DIR)" >&2
        exit 1
    fi
done
for tool in cat zcat dd; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is not installed" >&2; exit 1; }
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
    cut -d: -f2 | sed 's/^ *//'), reps=$BENCH_REPS" >&2
rc=0
# One process per part: a failing part loses only its own figures. Cheapest first.
for part in crc example count read gzip write; do
    if ! "$BUILD_DIR/bench_record" "$part"; then
        echo "bench/run.sh: bench_record $part failed" >&2
        rc=1
    fi
done
# The engine: session overhead and MatMul through a session vs cblas_sgemm.
if ! "$BUILD_DIR/bench_engine"; then
    echo "bench/run.sh: bench_engine failed" >&2
    rc=1
fi
# The data pipeline over the demo's Fashion-MNIST TFRecords (made here if missing).
FMNIST=${TFC_DATA_DIR:-data/fashion_mnist}
if [ ! -f "$FMNIST/train.tfrecord.gz" ]; then
    "$BUILD_DIR/fmnist_to_tfrecord" --out "$FMNIST" >&2 || rc=1
fi
if ! "$BUILD_DIR/bench_data" "$FMNIST/train.tfrecord.gz"; then
    echo "bench/run.sh: bench_data failed" >&2
    rc=1
fi
# The tutorial CNN against PyTorch (issue 5's figures), in alternating rounds.
BUILD_DIR="$BUILD_DIR" FMNIST="$FMNIST" bash "$ROOT/bench/cnn_vs_pytorch.sh" || rc=1
exit $rc
