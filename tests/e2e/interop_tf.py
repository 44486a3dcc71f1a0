"""Interop checks between tfc and the real TensorFlow (run by test_interop_tf.sh).

TF -> tfc: TFRecordWriter files (NONE, GZIP, ZLIB) of Examples and SequenceExamples are counted,
verified and shown as JSON by `tfc`, and the JSON parses back to the very messages TF wrote.
tfc -> TF: files `tfc record convert` and `tfc example from-json` write are read by
TFRecordDataset and parse to the same messages. Byte-compatibility: tfc's NONE framing equals TF's
byte for byte, and so does its GZIP/ZLIB stream.
"""
import math
import os
import subprocess
import sys

import tensorflow as tf
from google.protobuf import json_format

TFC, T = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def tfc(*args, ok=True):
    r = subprocess.run([TFC, *args], capture_output=True)
    if ok and r.returncode != 0:
        print(f"FAIL tfc {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()}")
    return r


def make_examples():
    out = []
    for i in range(50):
        ex = tf.train.Example()
        f = ex.features.feature
        f["label"].int64_list.value.append(i % 10)
        f["neg"].int64_list.value.extend([-1, -(2**63), 2**63 - 1, i])
        f["image/raw"].bytes_list.value.append(bytes((i * 7 + k) % 256 for k in range(i * 13)))
        f["image/height"].int64_list.value.append(28)
        f["score"].float_list.value.extend([0.1 * i, -1.5e-30, 3.4e38, float("inf")])
        f["name"].bytes_list.value.extend([f"näme-{i}".encode(), b"", b"\x00\xff\"\\"])
        if i % 3 == 0:
            f["empty"].CopyFrom(tf.train.Feature())
        out.append(ex)
    return out


def make_sequence_examples():
    out = []
    for i in range(5):
        se = tf.train.SequenceExample()
        se.context.feature["id"].int64_list.value.append(i)
        fl = se.feature_lists.feature_list["tokens"]
        for t in range(i + 1):
            fl.feature.add().int64_list.value.extend(range(t + 1))
        se.feature_lists.feature_list["w"].feature.add().float_list.value.append(0.5 * i)
        out.append(se)
    return out


def tf_write(path, msgs, comp):
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=comp)) as w:
        for m in msgs:
            w.write(m.SerializeToString())


def tf_read(path, comp):
    return [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type=comp)]


examples = make_examples()
seqs = make_sequence_examples()
payloads = [e.SerializeToString() for e in examples]

# ---- TF writes, tfc reads ----
for comp, ext in (("", "rec"), ("GZIP", "gz"), ("ZLIB", "zz")):
    p = os.path.join(T, f"tf.{ext}")
    tf_write(p, examples, comp)
    r = tfc("record", "count", p)
    check(f"count {comp}", r.stdout.decode().strip() == "50", r.stdout)
    r = tfc("record", "verify", p)
    check(f"verify {comp}", r.returncode == 0, r.stderr)
    r = tfc("example", "show", "--json", p)
    lines = r.stdout.decode().splitlines()
    check(f"show --json {comp} lines", len(lines) == 50, len(lines))
    for i, line in enumerate(lines[:50]):
        back = json_format.Parse(line, tf.train.Example())
        if back != examples[i]:
            check(f"json {comp} record {i}", False, line[:200])
            break
    else:
        check(f"json {comp} all records", True)
    # tfc index + random access of a TF-written file
    r = tfc("record", "index", p)
    r = tfc("record", "cat", "--hex", "--range", "17:18", p)
    check(f"cat range {comp}", r.stdout.decode().strip() == payloads[17].hex())

# Byte-for-byte: the same records written by tfc equal TF's file in every compression.
src = os.path.join(T, "tf.rec")
for comp, ext in (("none", "rec"), ("gzip", "gz"), ("zlib", "zz")):
    ours = os.path.join(T, f"ours.{ext}")
    tfc("record", "convert", f"--compression={comp}", src, ours)
    same = open(ours, "rb").read() == open(os.path.join(T, f"tf.{ext}"), "rb").read()
    check(f"byte-identical {comp}", same)
    got = tf_read(ours, {"none": "", "gzip": "GZIP", "zlib": "ZLIB"}[comp])
    check(f"TF reads tfc {comp}", got == payloads, f"{len(got)} records")

# SequenceExamples written by TF, shown by tfc, written back by tfc, read by TF.
sp = os.path.join(T, "seq.gz")
tf_write(sp, seqs, "GZIP")
r = tfc("example", "show", "--json", sp)
lines = r.stdout.decode().splitlines()
check("seq lines", len(lines) == 5, len(lines))
ok = all(json_format.Parse(l, tf.train.SequenceExample()) == s for l, s in zip(lines, seqs))
check("seq json equals TF's messages", ok, lines[:1])

# ---- tfc writes from JSON, TF reads ----
jl = os.path.join(T, "in.jsonl")
with open(jl, "w") as f:
    for e in examples:
        f.write(json_format.MessageToJson(e, indent=None) + "\n")
for comp, tfcomp in (("gzip", "GZIP"), ("zlib", "ZLIB"), ("none", "")):
    out = os.path.join(T, f"fromjson.{comp}")
    tfc("example", "from-json", jl, out, f"--compression={comp}")
    got = [tf.train.Example.FromString(b) for b in tf_read(out, tfcomp)]
    check(f"from-json {comp} read by TF", got == examples, f"{len(got)} records")

# tf.io.parse_example on tfc-written data gives the values back.
out = os.path.join(T, "fromjson.gzip")
ds = tf.data.TFRecordDataset(out, compression_type="GZIP").batch(50)
spec = {"label": tf.io.FixedLenFeature([], tf.int64), "image/height": tf.io.FixedLenFeature([], tf.int64),
        "score": tf.io.FixedLenFeature([4], tf.float32)}
parsed = tf.io.parse_example(next(iter(ds)), spec)
check("parse_example labels", list(parsed["label"].numpy()) == [i % 10 for i in range(50)])
check("parse_example floats", math.isinf(parsed["score"].numpy()[3][3]))

print(f"interop_tensorflow: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
