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
# The tutorial CNN's forward+backward vs PyTorch training the same CNN (../shared/peers), one
# after the other at each thread count (PyTorch tuned as peers/README.md says).
PEERS=${PEERS:-$(dirname "$0")/../../shared/peers}
if [ -f "$PEERS/cnn_bench.py" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    for t in 1 2; do
        line=$("$BUILD_DIR/bench_cnn" "$t") || { rc=1; continue; }
        echo "$line"
        ours=$(echo "$line" | awk '{print $3}')
        # issue 5's figures: the training step with its update, batch-1 latency, peak RSS
        train=$("$BUILD_DIR/bench_train" "$t" "$FMNIST/train.tfrecord.gz") || { rc=1; continue; }
        echo "$train"
        peer_out=$(GOMP_SPINCOUNT=1000 /usr/bin/time -f "PEAK_RSS_KB %M" /usr/bin/python3 \
            "$PEERS/cnn_bench.py" --threads "$t" --reps "$BENCH_REPS" --lat-runs 1000 2>&1)
        peer=$(echo "$peer_out" | awk -F'[= ]' "/^METRIC cnn_train_b100_t$t=/{print \$3}")
        peer_lat=$(echo "$peer_out" | awk -F'[= ]' "/^METRIC cnn_lat_b1_median_t$t=/{print \$3}")
        peer_rss=$(echo "$peer_out" | awk '/^PEAK_RSS_KB/{printf "%.1f", $2 / 1024}')
        our_train=$(echo "$train" | awk "/cnn_train_${t}t/{print \$3}")
        our_lat=$(echo "$train" | awk "/cnn_latency_b1_${t}t/{print \$3}")
        our_rss=$(echo "$train" | awk "/cnn_peak_rss_${t}t/{print \$3}")
        if [ -n "$ours" ] && [ -n "$peer" ] && [ -n "$our_train" ] && [ -n "$peer_lat" ]; then
            echo "BENCH cnn_train_pytorch_${t}t $peer img/s"
            echo "BENCH cnn_latency_b1_pytorch_${t}t $peer_lat us"
            echo "BENCH cnn_peak_rss_pytorch_${t}t $peer_rss MiB"
            echo "RATIO conv_fwd_bwd_${t}t_vs_pytorch $(awk -v a="$ours" -v b="$peer" 'BEGIN{printf "%.3f", a/b}')"
            echo "RATIO cnn_train_${t}t_vs_pytorch $(awk -v a="$our_train" -v b="$peer" 'BEGIN{printf "%.3f", a/b}')"
            echo "RATIO cnn_latency_b1_${t}t_vs_pytorch $(awk -v a="$our_lat" -v b="$peer_lat" 'BEGIN{printf "%.3f", a/b}')"
            echo "RATIO cnn_peak_rss_${t}t_vs_pytorch $(awk -v a="$our_rss" -v b="$peer_rss" 'BEGIN{printf "%.3f", a/b}')"
        else
            echo "bench/run.sh: the CNN comparison at $t threads failed" >&2
            rc=1
        fi
    done
else
    echo "bench/run.sh: PyTorch peer not available (scripts/install-bench-deps.sh): CNN ratio skipped" >&2
fi
exit $rc
