#!/usr/bin/env bash
# Runs one libFuzzer target for a number of seconds, seeded from ../shared/testdata.
# usage: run.sh FUZZER SECONDS CORPUS_DIR
set -euo pipefail
fuzzer=$1 seconds=$2 corpus=$3
data=${TFC_TESTDATA:-$(dirname "$0")/../../shared/testdata}
mkdir -p "$corpus"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
for f in "$data"/tfrecord/* "$data"/events/* "$data"/graph/*; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$seeds/"
done
# Individual records as seeds too, so the Example parser starts from real messages.
if [[ "$(basename "$fuzzer")" == *example* ]] && command -v python3 >/dev/null; then
  python3 - "$data" "$seeds" <<'PY'
import struct, sys, gzip, zlib, os
src, out = sys.argv[1], sys.argv[2]
for name in ("wmt14_examples.tfrecord", "penguin_eval.tfrecord.gz", "en_fr_not_example.tfrecord"):
    raw = open(os.path.join(src, "tfrecord", name), "rb").read()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    off, i = 0, 0
    while off + 12 <= len(raw) and i < 8:
        (n,) = struct.unpack_from("<Q", raw, off)
        open(os.path.join(out, f"{name}.{i}"), "wb").write(raw[off + 12: off + 12 + n])
        off += n + 16
        i += 1
PY
fi
# Crash files go next to the corpus; the log keeps the last lines (final stats included).
log=$(mktemp)
trap 'rm -rf "$seeds" "$log"' EXIT
set +e
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=30 \
  -print_final_stats=1 -artifact_prefix="$corpus/../$(basename "$fuzzer")-" \
  "$corpus" "$seeds" >"$log" 2>&1
rc=$?
set -e
grep -v -E '^"|^###### ' "$log" | tail -n 40
exit $rc
