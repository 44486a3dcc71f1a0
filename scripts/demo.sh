#!/usr/bin/env bash
# The demo (make demo): Fashion-MNIST's IDX files -> GZIP TFRecords of tf.train.Examples, indexed,
# counted, verified, the first example shown, then TensorFlow's layers-tutorial CNN trained on them
# for one epoch and evaluated on the test set. Run after `make` (make demo does both).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build}
OUT=${TFC_DATA_DIR:-data/fashion_mnist}
TFC=$B/tfc

step() { printf '\n== %s\n' "$*"; }

if [ ! -f "$OUT/train.tfrecord.gz" ] || [ ! -f "$OUT/test.tfrecord.gz" ]; then
  step "converting /usr/share/datasets/fashion-mnist to TFRecords in $OUT"
  "$B/fmnist_to_tfrecord" --out "$OUT"
else
  step "TFRecords already in $OUT"
fi
ls -l "$OUT"/*.tfrecord.gz

step "tfc record index (sidecar index: O(1) count)"
"$TFC" record index "$OUT/train.tfrecord.gz" "$OUT/test.tfrecord.gz"

step "tfc record count"
"$TFC" record count "$OUT/train.tfrecord.gz" "$OUT/test.tfrecord.gz"

step "tfc record verify (every checksum)"
"$TFC" record verify "$OUT/train.tfrecord.gz" "$OUT/test.tfrecord.gz"

step "tfc example show --keys (the features of the first example, as a tree)"
"$TFC" example show --keys --range 0:1 "$OUT/train.tfrecord.gz"

step "tfc example show --json --range 0:1 (protobuf JSON; bytes are base64)"
"$TFC" example show --json --range 0:1 "$OUT/train.tfrecord.gz" | cut -c 1-400
echo "..."

step "first test example, label and size (protobuf text format)"
"$TFC" example show --range 0:1 "$OUT/test.tfrecord.gz" | grep -A3 -E 'key: "(label|image/height|image/width)"'

step "training TensorFlow's layers-tutorial CNN on the TFRecords (short schedule: 1 epoch; --full for the 15-epoch one)"
"$B/fmnist_train" --data "$OUT" --epochs "${TFC_DEMO_EPOCHS:-1}"
