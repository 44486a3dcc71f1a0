#!/bin/bash
# The TF tutorial CNN in tfc (bench_cnn, bench_train) against PyTorch training the same CNN
# (../shared/peers/cnn_bench.py), at 1 and 2 threads: training images/s, batch-1 latency, peak
# RSS. Prints BENCH and RATIO lines (stdout), each round's raw figures on stderr. Called by
# bench/run.sh; alone:
#
#   BENCH_PAIRS=5 bash bench/cnn_vs_pytorch.sh
#
# Environment: BUILD_DIR (default build), FMNIST (the demo's records, default data/fashion_mnist),
# PEERS (default ../shared/peers), BENCH_PAIRS (default 3).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${BUILD_DIR:-build}
FMNIST=${FMNIST:-data/fashion_mnist}
rc=0
# The tutorial CNN vs PyTorch training the same CNN (../shared/peers), tuned as peers/README.md
# says. The machine is shared and noisy, so at each thread count tfc and the peer run in
# alternation, BENCH_PAIRS rounds (default 3), and each figure is the median of the rounds' ratios.
PEERS=${PEERS:-$ROOT/../shared/peers}
PAIRS=${BENCH_PAIRS:-3}
median() { sort -g | awk '{v[NR]=$1} END{if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
worst_lat=""; worst_rss=""
if [ -f "$PEERS/cnn_bench.py" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    for t in 1 2; do
        # forward + backward alone (issue 3's figure)
        line=$("$BUILD_DIR/bench_cnn" "$t") || { rc=1; continue; }
        echo "$line"
        ours=$(echo "$line" | awk '{print $3}')
        r_fb=(); r_train=(); r_lat=(); r_rss=(); v=()
        for ((round = 1; round <= PAIRS; round++)); do
            train=$(BENCH_REPS=1 "$BUILD_DIR/bench_train" "$t" "$FMNIST/train.tfrecord.gz") || { rc=1; continue; }
            echo "$train" | sed "s/^/# round $round: /" >&2
            peer_out=$(GOMP_SPINCOUNT=1000 /usr/bin/time -f "PEAK_RSS_KB %M" /usr/bin/python3 \
                "$PEERS/cnn_bench.py" --threads "$t" --reps 1 --lat-runs 1000 2>&1)
            peer=$(echo "$peer_out" | awk -F'[= ]' "/^METRIC cnn_train_b100_t$t=/{print \$3}")
            peer_lat=$(echo "$peer_out" | awk -F'[= ]' "/^METRIC cnn_lat_b1_median_t$t=/{print \$3}")
            peer_rss=$(echo "$peer_out" | awk '/^PEAK_RSS_KB/{printf "%.1f", $2 / 1024}')
            our_train=$(echo "$train" | awk "/cnn_train_${t}t/{print \$3}")
            our_lat=$(echo "$train" | awk "/cnn_latency_b1_${t}t/{print \$3}")
            our_rss=$(echo "$train" | awk "/cnn_peak_rss_${t}t/{print \$3}")
            if [ -z "$peer" ] || [ -z "$our_train" ] || [ -z "$peer_lat" ] || [ -z "$peer_rss" ]; then
                echo "bench/run.sh: CNN round $round at $t threads failed" >&2
                rc=1
                continue
            fi
            echo "# round $round: pytorch train $peer img/s, latency $peer_lat us, rss $peer_rss MiB" >&2
            r_fb+=("$(ratio "$ours" "$peer")")
            r_train+=("$(ratio "$our_train" "$peer")")
            r_lat+=("$(ratio "$our_lat" "$peer_lat")")
            r_rss+=("$(ratio "$our_rss" "$peer_rss")")
            v+=("$our_train $peer $our_lat $peer_lat $our_rss $peer_rss")
        done
        [ ${#r_train[@]} -gt 0 ] || continue
        col() { printf '%s\n' "${v[@]}" | awk -v c="$1" '{print $c}' | median; }
        echo "BENCH cnn_train_${t}t $(col 1) img/s"
        echo "BENCH cnn_train_pytorch_${t}t $(col 2) img/s"
        echo "BENCH cnn_latency_b1_${t}t $(col 3) us"
        echo "BENCH cnn_latency_b1_pytorch_${t}t $(col 4) us"
        echo "BENCH cnn_peak_rss_${t}t $(col 5) MiB"
        echo "BENCH cnn_peak_rss_pytorch_${t}t $(col 6) MiB"
        echo "RATIO conv_fwd_bwd_${t}t_vs_pytorch $(printf '%s\n' "${r_fb[@]}" | median)"
        echo "RATIO cnn_train_${t}t_vs_pytorch $(printf '%s\n' "${r_train[@]}" | median)"
        lat=$(printf '%s\n' "${r_lat[@]}" | median)
        rss=$(printf '%s\n' "${r_rss[@]}" | median)
        echo "RATIO cnn_latency_b1_${t}t_vs_pytorch $lat"
        echo "RATIO cnn_peak_rss_${t}t_vs_pytorch $rss"
        worst_lat=$(printf '%s\n' $worst_lat $lat | sort -g | tail -1)
        worst_rss=$(printf '%s\n' $worst_rss $rss | sort -g | tail -1)
    done
    # the issue's names: the worse of the two thread counts
    [ -n "$worst_lat" ] && echo "RATIO cnn_latency_b1_vs_pytorch $worst_lat"
    [ -n "$worst_rss" ] && echo "RATIO cnn_peak_rss_vs_pytorch $worst_rss"
else
    echo "bench/run.sh: PyTorch peer not available (scripts/install-bench-deps.sh): CNN ratio skipped" >&2
fi
exit $rc
