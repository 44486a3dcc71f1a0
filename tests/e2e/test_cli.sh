#!/usr/bin/env bash
# End-to-end tests of the `tfc` command on the real files in ../shared/testdata.
# usage: test_cli.sh PATH/TO/tfc
set -uo pipefail
TFC=$1
DATA=${TFC_TESTDATA:-$(dirname "$0")/../../../shared/testdata}
source "$(dirname "$0")/lib.sh"

# count
check count_fox 0 "$TFC" record count "$DATA/tfrecord/quick_brown_fox.tfrecord"
expect_out count_fox "1"
check count_wmt 0 "$TFC" record count --no-index "$DATA/tfrecord/wmt14_examples.tfrecord"
expect_out count_wmt "100"
check count_gz 0 "$TFC" record count "$DATA/tfrecord/penguin_eval.tfrecord.gz"
expect_out count_gz "100"
check count_many 0 "$TFC" record count "$DATA/tfrecord/penguin_eval.tfrecord.zlib" \
  "$DATA/events/lingvo_scalars.tfevents"
expect_out count_many "$(printf '100\t%s\n361\t%s\n461\ttotal' "$DATA/tfrecord/penguin_eval.tfrecord.zlib" "$DATA/events/lingvo_scalars.tfevents")"
check count_missing 1 "$TFC" record count "$T/nope.tfrecord"
expect_err count_missing "NOT_FOUND"
check count_wrong_comp 1 "$TFC" record count --compression=none "$DATA/tfrecord/penguin_eval.tfrecord.gz"
expect_err count_wrong_comp "corrupted record at 0"

# verify
check verify_ok 0 "$TFC" record verify "$DATA/tfrecord/tfjs_next_page_fname_header.tfrecord.gz"
expect_out verify_ok "$DATA/tfrecord/tfjs_next_page_fname_header.tfrecord.gz: OK, 100 records ok, 0 bad regions (0 bytes), compression GZIP"
cp "$DATA/tfrecord/wmt14_examples.tfrecord" "$T/wmt.tfrecord"
printf '\xff' | dd of="$T/wmt.tfrecord" bs=1 seek=500 conv=notrunc status=none
check verify_bad 1 "$TFC" record verify "$T/wmt.tfrecord"
expect_err verify_bad "corrupted record at 0 in $T/wmt.tfrecord: payload checksum"
expect_out verify_bad "$T/wmt.tfrecord: DATA_LOSS, 99 records ok, 1 bad regions ($(head -c 8 "$T/wmt.tfrecord" | od -An -tu8 | awk '{print $1+16}') bytes), compression NONE"
head -c 1000 "$DATA/tfrecord/wmt14_examples.tfrecord" >"$T/cut.tfrecord"
check verify_cut 1 "$TFC" record verify "$T/cut.tfrecord"
expect_err verify_cut "truncated record at"

# index, count from the index, DALI
cp "$DATA/tfrecord/quick_brown_fox.tfrecord" "$T/fox.tfrecord"
check index_fox 0 "$TFC" record index --dali "$T/fox.tfrecord"
[ -f "$T/fox.tfrecord.tfcidx" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL no .tfcidx"; }
[ "$(cat "$T/fox.tfrecord.idx")" == "0 35" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL dali index"; }
check count_indexed 0 "$TFC" record count "$T/fox.tfrecord"
expect_out count_indexed "1"
cp "$DATA/tfrecord/penguin_eval.tfrecord.gz" "$T/p.gz"
check index_gz_dali 1 "$TFC" record index --dali "$T/p.gz"
expect_err index_gz_dali "DALI's index describes uncompressed files only"
check index_gz 0 "$TFC" record index "$T/p.gz"
check count_gz_indexed 0 "$TFC" record count "$T/p.gz"
expect_out count_gz_indexed "100"
# a stale index is not trusted
"$TFC" record index "$T/wmt.tfrecord" >/dev/null 2>&1   # damaged file: no index written
cp "$DATA/tfrecord/wmt14_examples.tfrecord" "$T/w2.tfrecord"
"$TFC" record index "$T/w2.tfrecord" >/dev/null
head -c "$(stat -c %s "$DATA/tfrecord/quick_brown_fox.tfrecord")" "$DATA/tfrecord/quick_brown_fox.tfrecord" >>"$T/w2.tfrecord"
check count_stale 0 "$TFC" record count "$T/w2.tfrecord"
expect_out count_stale "101"

# cat
check cat_fox 0 "$TFC" record cat "$DATA/tfrecord/quick_brown_fox.tfrecord"
expect_out cat_fox "The Quick Brown Fox"
check cat_hex 0 "$TFC" record cat --hex "$DATA/tfrecord/quick_brown_fox.tfrecord"
expect_out cat_hex "54686520517569636b2042726f776e20466f78"
check cat_range 0 "$TFC" record cat --hex --range 1:2 "$DATA/tfrecord/en_fr_not_example.tfrecord"
[ "$(wc -l <"$T/out")" -eq 1 ] && [ "$(head -c 104 "$T/out" | wc -c)" -eq 104 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL cat_range"; }
"$TFC" record index "$T/w2.tfrecord" >/dev/null
check cat_range_indexed 0 "$TFC" record cat --hex --range 100:101 "$T/w2.tfrecord"
expect_out cat_range_indexed "54686520517569636b2042726f776e20466f78"

# convert round trips: NONE -> GZIP -> ZLIB -> NONE is byte-identical to the original
check conv_gz 0 "$TFC" record convert --compression=gzip "$DATA/tfrecord/wmt14_examples.tfrecord" "$T/a.gz"
[ "$(head -c 2 "$T/a.gz" | od -An -tx1 | tr -d ' ')" == "1f8b" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL gzip magic"; }
check conv_zlib 0 "$TFC" record convert --compression=zlib "$T/a.gz" "$T/a.zz"
check conv_none 0 "$TFC" record convert --compression=none "$T/a.zz" "$T/a.rec"
cmp -s "$T/a.rec" "$DATA/tfrecord/wmt14_examples.tfrecord" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL convert round trip"; }
zcat "$T/a.gz" | cmp -s - "$DATA/tfrecord/wmt14_examples.tfrecord" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL zcat of our gzip"; }
echo keep >"$T/keep.rec"
check conv_bad_input 1 "$TFC" record convert --compression=gzip "$T/cut.tfrecord" "$T/keep.rec"
[ "$(cat "$T/keep.rec")" == "keep" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL convert clobbered its output on bad input"; }


# pipes: counted and read through, never a silent 0
check count_pipe 0 "$TFC" record count <(cat "$DATA/tfrecord/wmt14_examples.tfrecord")
expect_out count_pipe "100"
check count_pipe_gz 0 "$TFC" record count <(cat "$DATA/tfrecord/penguin_eval.tfrecord.gz")
expect_out count_pipe_gz "100"
check cat_pipe 0 "$TFC" record cat <(cat "$DATA/tfrecord/quick_brown_fox.tfrecord")
expect_out cat_pipe "The Quick Brown Fox"
check index_pipe 1 "$TFC" record index <(cat "$DATA/tfrecord/quick_brown_fox.tfrecord")
expect_err index_pipe "not a regular file"

# an index is not trusted after the data changed, even at the same size with the old mtime put back
cp "$DATA/tfrecord/wmt14_examples.tfrecord" "$T/same.tfrecord"
"$TFC" record index "$T/same.tfrecord" >/dev/null
python3 - "$DATA/tfrecord/wmt14_examples.tfrecord" "$T/v2" <<'PY'
import struct, sys, zlib
# v2: two records past the first 64 KiB merged into one of the same framed size (99 records)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF
def mask(c):
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF
raw = open(sys.argv[1], "rb").read()
off = 0
while off < 70000:
    (n,) = struct.unpack_from("<Q", raw, off)
    off += n + 16
(a,) = struct.unpack_from("<Q", raw, off)
(b,) = struct.unpack_from("<Q", raw, off + a + 16)
payload = bytes(a + b + 16)
hdr = struct.pack("<Q", len(payload))
rec = hdr + struct.pack("<I", mask(crc32c(hdr))) + payload + struct.pack("<I", mask(crc32c(payload)))
end = off + a + b + 32
assert len(rec) == end - off
open(sys.argv[2], "wb").write(raw[:off] + rec + raw[end:])
PY
[ "$(stat -c %s "$T/v2")" -eq "$(stat -c %s "$T/same.tfrecord")" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL v2 size"; }
touch -r "$T/same.tfrecord" "$T/v2"
cp -p "$T/v2" "$T/same.tfrecord"
check count_restamped 0 "$TFC" record count "$T/same.tfrecord"
expect_out count_restamped "99"

# usage errors and help
check usage_none 2 "$TFC"
check usage_cmd 2 "$TFC" nonsense
check usage_sub 2 "$TFC" record frobnicate
check usage_flag 2 "$TFC" record count --bogus "$T/fox.tfrecord"
check usage_comp 2 "$TFC" record count --compression=snappy "$T/fox.tfrecord"
check usage_range 2 "$TFC" record cat --range 5:2 "$T/fox.tfrecord"
check usage_range_big 2 "$TFC" record cat --range 99999999999999999999: "$T/fox.tfrecord"
check usage_convert 2 "$TFC" record convert "$T/fox.tfrecord" "$T/x"
for sub in count verify index cat convert; do
  check "help_$sub" 0 "$TFC" record "$sub" --help
  grep -q "usage: tfc record $sub" "$T/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL help $sub"; }
done
check help_top 0 "$TFC" --help

summary
