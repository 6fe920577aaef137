#!/usr/bin/python3
"""Checks of scripts/tflite-fold-fp16.py on MediaPipe's face detectors.

  * every DEQUANTIZE of an fp16 constant is gone; each fp16 constant is now
    an fp32 constant holding exactly its values; the ops that read the
    DEQUANTIZE's output read it; nothing else changed (other ops, their
    order, the subgraph's inputs and outputs, the other buffers);
  * folding the result again finds nothing to fold and changes nothing
    that matters;
  * a file that is not a TFLite model is refused with a message.
(That Arm NN runs the result and finds the faces ONNX Runtime finds is
tests/plugins/tflite's job.)

Run: /usr/bin/python3 tests/models/test_tflite_fold.py
The last line printed is "N passed, N failed".
"""

import importlib.util
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "tflite-fold-fp16.py")
DEPS = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
MODELS = os.path.join(DEPS, "models", "mediapipe")

spec = importlib.util.spec_from_file_location("fold", SCRIPT)
fold = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fold)


def model(data):
    return fold.Table(data, struct.unpack_from("<I", data, 0)[0])


def ops(m):
    """(code, inputs, outputs) of every operator of subgraph 0."""
    return [(fold.opcode(m, o), o.ints(1), o.ints(2)) for o in m.tables(2)[0].tables(3)]


class Fold(unittest.TestCase):
    def check(self, name, want_folded):
        path = os.path.join(MODELS, name)
        if not os.path.exists(path):
            self.skipTest(path + " missing (run scripts/fetch-assets.sh)")
        data = open(path, "rb").read()
        out, n = fold.fold(data)
        self.assertEqual(n, want_folded)
        a, b = model(data), model(out)
        sa, sb = a.tables(2)[0], b.tables(2)[0]
        self.assertEqual(sa.ints(1), sb.ints(1))
        self.assertEqual(sa.ints(2), sb.ints(2))
        before, after = ops(a), ops(b)
        self.assertNotIn(fold.DEQUANTIZE, [c for c, _, _ in after])
        # the DEQUANTIZE output -> its fp16 source, for every folded op
        alias = {o[0]: i[0] for c, i, o in before if c == fold.DEQUANTIZE}
        kept = [(c, [alias.get(t, t) for t in i], o)
                for c, i, o in before if c != fold.DEQUANTIZE]
        self.assertEqual(kept, after)
        ta, tb = sa.tables(0), sb.tables(0)
        ba, bb = a.tables(4), b.tables(4)
        for t in range(len(ta)):
            k = ta[t].scalar(2, "<I")
            self.assertEqual(k, tb[t].scalar(2, "<I"))
            old, new = ba[k].bytes(0), bb[k].bytes(0)
            if t in alias.values():
                self.assertEqual(ta[t].scalar(1, "<b"), fold.FLOAT16)
                self.assertEqual(tb[t].scalar(1, "<b"), fold.FLOAT32)
                want = np.frombuffer(old, "<f2").astype("<f4")
                np.testing.assert_array_equal(np.frombuffer(new, "<f4"), want)
            else:
                self.assertEqual(ta[t].scalar(1, "<b"), tb[t].scalar(1, "<b"))
                self.assertEqual(old, new)
        again, n2 = fold.fold(out)
        self.assertEqual(n2, 0)
        self.assertEqual(ops(model(again)), after)

    def test_short_range(self):
        self.check("face_detection_short_range.tflite", 74)

    def test_full_range(self):
        self.check("face_detection_full_range.tflite", 178)

    def test_not_a_model(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.tflite")
            with open(bad, "wb") as f:
                f.write(b"\x10\x00\x00\x00NOPE" + bytes(64))
            r = subprocess.run([sys.executable, SCRIPT, bad, os.path.join(d, "o")],
                               capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("not a TFLite model", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "o")))


if __name__ == "__main__":
    r = unittest.main(exit=False, verbosity=2).result
    bad = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - bad - len(r.skipped)} passed, {bad} failed")
    sys.exit(1 if bad else 0)
