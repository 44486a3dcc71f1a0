#!/usr/bin/env bash
# End-to-end tests of `tfc example` on the real files in ../shared/testdata.
# usage: test_example_cli.sh PATH/TO/tfc
set -uo pipefail
TFC=$1
DATA=${TFC_TESTDATA:-$(dirname "$0")/../../../shared/testdata}
PENGUIN=$DATA/tfrecord/penguin_eval.tfrecord.gz
WMT=$DATA/tfrecord/wmt14_examples.tfrecord
source "$(dirname "$0")/lib.sh"

expect_same() { # name, file a, file b
  if cmp -s "$2" "$3"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: $2 and $3 differ"; diff "$2" "$3" | head -10
  fi
}

# show: text of record 0 (what protobuf's Python text_format prints for it)
check show_range 0 "$TFC" example show "$PENGUIN" --range 0:1
expect_out show_range '# record 0 (offset 0)
features {
  feature {
    key: "body_mass_g"
    value {
      float_list {
        value: 0.25694445
      }
    }
  }
  feature {
    key: "culmen_depth_mm"
    value {
      float_list {
        value: 0.5595238
      }
    }
  }
  feature {
    key: "culmen_length_mm"
    value {
      float_list {
        value: 0.24727273
      }
    }
  }
  feature {
    key: "flipper_length_mm"
    value {
      float_list {
        value: 0.15254237
      }
    }
  }
  feature {
    key: "species"
    value {
      int64_list {
        value: 0
      }
    }
  }
}'
check show_all 0 "$TFC" example show "$PENGUIN"
[ "$(grep -c '^# record ' "$T/out")" -eq 100 ] && pass=$((pass + 1)) || {
  fail=$((fail + 1)); echo "FAIL show_all: expected 100 record headers"; }
expect_out_has show_all '# record 99 (offset 15048)'
check show_tail 0 "$TFC" example show "$PENGUIN" --range 98:
[ "$(grep -c '^# record ' "$T/out")" -eq 2 ] && pass=$((pass + 1)) || {
  fail=$((fail + 1)); echo "FAIL show_tail: expected 2 record headers"; }
check show_zlib 0 "$TFC" example show --compression=zlib "$DATA/tfrecord/penguin_eval.tfrecord.zlib" --range :1
expect_out_has show_zlib 'value: 0.25694445'

# show --json: one line per record
check show_json 0 "$TFC" example show "$PENGUIN" --json --range 0:1
expect_out show_json '{"features":{"feature":{"species":{"int64List":{"value":["0"]}},"culmen_depth_mm":{"floatList":{"value":[0.5595238]}},"culmen_length_mm":{"floatList":{"value":[0.24727273]}},"body_mass_g":{"floatList":{"value":[0.25694445]}},"flipper_length_mm":{"floatList":{"value":[0.15254237]}}}}}'
check show_json_all 0 "$TFC" example show "$PENGUIN" --json
[ "$(wc -l <"$T/out")" -eq 100 ] && pass=$((pass + 1)) || {
  fail=$((fail + 1)); echo "FAIL show_json_all: expected 100 lines"; }

# show --keys: the key tree of the first selected record
check show_keys 0 "$TFC" example show "$PENGUIN" --keys
expect_out show_keys '# record 0 (offset 0): Example, 5 features
body_mass_g         float_list[1]
culmen_depth_mm     float_list[1]
culmen_length_mm    float_list[1]
flipper_length_mm   float_list[1]
species             int64_list[1]'
check show_keys_wmt 0 "$TFC" example show "$WMT" --keys --range 3:
expect_out_has show_keys_wmt '# record 3 (offset '
expect_out_has show_keys_wmt 'target_word      bytes_list['
check show_keys_empty 1 "$TFC" example show "$PENGUIN" --keys --range 200:
expect_err show_keys_empty 'no record in the selected range (the file has 100)'

# data errors: exit 1 naming file, record and offset
check not_example 1 "$TFC" example show "$DATA/tfrecord/en_fr_not_example.tfrecord"
expect_err not_example "en_fr_not_example.tfrecord: record 0 at offset 0: could not parse Example: "
check not_example_r1 1 "$TFC" example show "$DATA/tfrecord/en_fr_not_example.tfrecord" --range 1:
expect_err not_example_r1 "en_fr_not_example.tfrecord: record 1 at offset 72: could not parse Example: "
check missing 1 "$TFC" example show "$T/nope.tfrecord"
expect_err missing "NOT_FOUND"
head -c 1000 "$WMT" >"$T/cut.tfrecord"
check truncated 1 "$TFC" example show "$T/cut.tfrecord"
expect_err truncated "record 1"
expect_err truncated "truncated record at"

# usage errors: exit 2; --help: exit 0 with usage on stdout
check bad_flag 2 "$TFC" example show "$PENGUIN" --bogus
expect_err bad_flag "unknown flag '--bogus'"
check bad_range 2 "$TFC" example show "$PENGUIN" --range 5:2
check range_no_value 2 "$TFC" example show "$PENGUIN" --range
check bad_comp 2 "$TFC" example show "$PENGUIN" --compression=lzma
check no_file 2 "$TFC" example show
check two_files 2 "$TFC" example show "$PENGUIN" "$WMT"
check json_keys 2 "$TFC" example show "$PENGUIN" --json --keys
check bad_sub 2 "$TFC" example frobnicate
check no_sub 2 "$TFC" example
check fj_bad_comp 2 "$TFC" example from-json "$T/x.jsonl" "$T/x.tfrecord" --compression=auto
check fj_one_arg 2 "$TFC" example from-json "$T/x.jsonl"
check help 0 "$TFC" example --help
expect_out_has help "usage: tfc example"
check help_show 0 "$TFC" example show --help
expect_out_has help_show "usage: tfc example show FILE"
check help_fj 0 "$TFC" example from-json --help
expect_out_has help_fj "usage: tfc example from-json IN.jsonl OUT"

# from-json round trips: show --json | from-json gives records that show the same
for f in "$PENGUIN" "$WMT"; do
  name=$(basename "$f")
  "$TFC" example show "$f" >"$T/$name.txt"
  "$TFC" example show --json "$f" >"$T/$name.jsonl"
  check "from_json_$name" 0 "$TFC" example from-json "$T/$name.jsonl" "$T/$name.out"
  expect_out "from_json_$name" "$T/$name.out: 100 records written (compression NONE)"
  "$TFC" example show "$T/$name.out" >"$T/$name.back.txt"
  expect_same "roundtrip_$name" "$T/$name.txt" "$T/$name.back.txt"
done
"$TFC" example show --json "$PENGUIN" | "$TFC" example from-json - "$T/p.gz" --compression gzip >/dev/null
check from_stdin_gzip 0 "$TFC" example show "$T/p.gz"
expect_same roundtrip_stdin_gzip "$T/out" "$T/penguin_eval.tfrecord.gz.txt"

# from-json: a SequenceExample line, blank lines and CRLF are fine
printf '{"features":{"feature":{"a":{"floatList":{"value":[1.5]}}}}}\r\n\n   \n{"context":{"feature":{"n":{"int64List":{"value":["2"]}}}},"featureLists":{"featureList":{"t":{"feature":[{"bytesList":{"value":["aGk="]}},{}]}}}}\n' >"$T/mixed.jsonl"
check from_json_mixed 0 "$TFC" example from-json "$T/mixed.jsonl" "$T/mixed.tfrecord" --compression=zlib
check show_mixed 0 "$TFC" example show "$T/mixed.tfrecord" --json
expect_out show_mixed '{"features":{"feature":{"a":{"floatList":{"value":[1.5]}}}}}
{"context":{"feature":{"n":{"int64List":{"value":["2"]}}}},"featureLists":{"featureList":{"t":{"feature":[{"bytesList":{"value":["aGk="]}},{}]}}}}'
check show_mixed_text 0 "$TFC" example show "$T/mixed.tfrecord" --range 1:
expect_out_has show_mixed_text '# record 1 (offset 33): SequenceExample'
expect_out_has show_mixed_text 'feature_lists {'

# from-json errors: IN:LINE and the JSON path; no OUT is left behind
printf '{"features":{}}\n{"features":{"feature":{"age":{"int64List":{"value":["1","x"]}}}}}\n' >"$T/bad.jsonl"
check from_json_bad 1 "$TFC" example from-json "$T/bad.jsonl" "$T/bad.tfrecord"
expect_err from_json_bad "$T/bad.jsonl:2: features.feature.age.int64List.value[1]: expected an integer"
[ ! -e "$T/bad.tfrecord" ] && pass=$((pass + 1)) || {
  fail=$((fail + 1)); echo "FAIL from_json_bad: $T/bad.tfrecord was left behind"; }
printf '{"features":\n' >"$T/broken.jsonl"
check from_json_broken 1 "$TFC" example from-json "$T/broken.jsonl" "$T/broken.tfrecord"
expect_err from_json_broken "$T/broken.jsonl:1: invalid JSON at byte"
check from_json_missing 1 "$TFC" example from-json "$T/none.jsonl" "$T/none.tfrecord"
expect_err from_json_missing "$T/none.jsonl: cannot open"

summary
