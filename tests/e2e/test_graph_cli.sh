#!/usr/bin/env bash
# End-to-end tests of `tfc graph show` and `tfc graph run` on the real addition_int32.pb TF wrote,
# and on small text-format GraphDefs written here.
# usage: test_graph_cli.sh PATH/TO/tfc
set -uo pipefail
TFC=$1
DATA=${TFC_TESTDATA:-$(dirname "$0")/../../../shared/testdata}
source "$(dirname "$0")/lib.sh"
ADD="$DATA/graph/addition_int32.pb"

# show
check show_add 0 "$TFC" graph show "$ADD"
expect_out_has show_add "$ADD: 3 nodes, 2 placeholders"
expect_out_has show_add "  x: int32 [] (Placeholder)"
expect_out_has show_add "likely outputs (consumed by no other node):
  z: int32 [] (AddV2)"
expect_out_has show_add "  z = AddV2(x, y)"
check show_missing 1 "$TFC" graph show "$T/nope.pb"
expect_err show_missing "NOT_FOUND"
check show_no_file 2 "$TFC" graph show
check show_help 0 "$TFC" graph show --help
expect_out_has show_help "usage: tfc graph show FILE"

# run
check run_scalars 0 "$TFC" graph run "$ADD" --feed x=2 --feed y=3 z
expect_out run_scalars "z: 5"
check run_lists 0 "$TFC" graph run "$ADD" --feed=x='[1, 2]' --feed y='[3,4]' z:0
expect_out run_lists "z:0: [4, 6]"
check run_fetch_fed 0 "$TFC" graph run "$ADD" --feed x='[[1],[2]]' --feed y=10 z x
expect_out run_fetch_fed "$(printf 'z: [[11], [12]]\nx: [[1], [2]]')"
check run_missing_feed 1 "$TFC" graph run "$ADD" --feed x=2 z
expect_err run_missing_feed "You must feed a value for placeholder tensor 'y' with dtype int32"
check run_bad_json 2 "$TFC" graph run "$ADD" --feed x='[1,' --feed y=3 z
expect_err run_bad_json "--feed x: '[1,' is not valid JSON"
check run_ragged 2 "$TFC" graph run "$ADD" --feed x='[[1,2],[3]]' --feed y=3 z
expect_err run_ragged "ragged lists"
check run_not_int 2 "$TFC" graph run "$ADD" --feed x=2.5 --feed y=3 z
expect_err run_not_int "2.5 is not a int32"
check run_bad_shapes 1 "$TFC" graph run "$ADD" --feed x='[1,2]' --feed y='[1,2,3]' z
expect_err run_bad_shapes "Incompatible shapes: [2] vs. [3]"
check run_unknown_fetch 1 "$TFC" graph run "$ADD" --feed x=1 --feed y=1 w
expect_err run_unknown_fetch "has no node 'w'"
check run_no_fetch 2 "$TFC" graph run "$ADD" --feed x=1
check run_bad_feed_flag 2 "$TFC" graph run "$ADD" --feed x z
check run_help 0 "$TFC" graph run --help
expect_out_has run_help "usage: tfc graph run FILE"
check graph_help 0 "$TFC" graph --help
check graph_unknown_sub 2 "$TFC" graph frob

# a text GraphDef with floats, MatMul, a Const and a NoOp target
cat >"$T/mm.pbtxt" <<'PB'
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { dim { size: -1 } dim { size: 2 } } } } }
node { name: "w" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } dim { size: 1 } }
                                            float_val: 0.5 float_val: 2 } } } }
node { name: "y" op: "MatMul" input: "x" input: "w" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "r" op: "Relu" input: "y" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "done" op: "NoOp" input: "^r" }
PB
check show_text 0 "$TFC" graph show "$T/mm.pbtxt"
expect_out_has show_text "  x: float32 [?,2] (Placeholder)"
expect_out_has show_text "  done: no outputs, run it as a target (NoOp)"
expect_out_has show_text "  done = NoOp(^r)"
check run_text 0 "$TFC" graph run "$T/mm.pbtxt" --feed x='[[1, 1], [2, -3]]' y r done
expect_out run_text "$(printf 'y: [[2.5], [-5.0]]\nr: [[2.5], [0.0]]')"
check run_text_dtype 2 "$TFC" graph run "$T/mm.pbtxt" --feed x='[[true, false]]' y
expect_err run_text_dtype "expected a number"

# an op tfc does not implement: one clear error at load time
cat >"$T/unknown.pbtxt" <<'PB'
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "y" op: "FrobnicateV7" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
PB
check run_unknown_op 1 "$TFC" graph run "$T/unknown.pbtxt" --feed x=1 y
expect_err run_unknown_op "UNIMPLEMENTED"
expect_err run_unknown_op "op 'FrobnicateV7' (node 'y') is not supported by tfc"
check show_unknown_op 1 "$TFC" graph show "$T/unknown.pbtxt"
expect_err show_unknown_op "UNIMPLEMENTED"

summary
