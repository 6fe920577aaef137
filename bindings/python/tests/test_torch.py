#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""torch_run on the torch plugin with the fixed-weight test models of
scripts/make-torch-test-models.py ($VACCEL_DEPS/models/torch-test):
exact outputs, several outputs, integer and bool/double results, errors."""
import os
import struct
import unittest

import conformance
import support

support.require_env("VACCEL_PY_TORCH")
MODELS = os.path.join(support.deps_dir(), "models", "torch-test")
support.require_files(os.path.join(MODELS, "linear.pt"))
vaccel = support.require_library()
from vaccel import ErrorCode, VaccelError, _buffers  # noqa: E402

np = _buffers.np
X = [[1, 2, 3, 4], [-1, 0, 1, 2]]
LINEAR_Y = [[1.5, 4, 13], [-2.5, 4, 3]]  # x W^T + b, exact


def f32(rows):
    flat = [v for r in rows for v in r]
    return ("float32", (len(rows), len(rows[0])),
            struct.pack("<%df" % len(flat), *flat))


def values(t):
    fmt = {"float32": "f", "int64": "q", "uint8": "B"}[t.dtype]
    return list(struct.unpack("<%d%s" % (len(t.data) // struct.calcsize(fmt),
                                         fmt), t.data))


class Torch(unittest.TestCase):
    def setUp(self):
        self.sess = vaccel.Session(vaccel.PluginType.TORCH)
        self.assertEqual(self.sess.plugin_name, "torch")
        self.res = {}

    def tearDown(self):
        self.sess.close()
        for r in self.res.values():
            r.close()

    def model(self, name):
        path = os.path.join(MODELS, name)
        if not os.path.exists(path):
            self.skipTest("no %s" % path)
        if name not in self.res:
            self.res[name] = vaccel.Resource(path)
            self.sess.register(self.res[name])
        return self.res[name]

    def test_linear_exact(self):
        res = self.model("linear.pt")
        (y,) = self.sess.torch_run(res, [f32(X)])
        self.assertEqual((y.dtype, y.shape), ("float32", (2, 3)))
        self.assertEqual(values(y), [v for r in LINEAR_Y for v in r])
        self.sess.torch_load(res)  # loading again is fine

    def test_linear_numpy(self):
        if np is None:
            self.skipTest("numpy is not installed")
        (y,) = self.sess.torch_run(self.model("linear.pt"),
                                   [np.array(X, dtype=np.float32)])
        self.assertEqual(y.tolist(), LINEAR_Y)

    def test_three_outputs(self):
        outs = self.sess.torch_run(self.model("multi.pt"), [f32(X)],
                                   nr_outputs=3)
        self.assertEqual([o.shape for o in outs], [(2, 3), (2, 4), (2, 1)])
        self.assertEqual(values(outs[1]), [2, 4, 6, 8, 0, 0, 2, 4])
        self.assertEqual(values(outs[2]), [10, 2])
        with self.assertRaises(VaccelError) as cm:
            self.sess.torch_run(self.model("multi.pt"), [f32(X)],
                                nr_outputs=4)
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)

    def test_integer_and_cast_outputs(self):
        (y,) = self.sess.torch_run(self.model("double.pt"),
                                   [("int64", [3], struct.pack("<3q", 1, -2,
                                                               40))])
        self.assertEqual((y.dtype, values(y)), ("int64", [2, -4, 80]))
        pos, dbl = self.sess.torch_run(self.model("cast.pt"),
                                       [f32([[-1, 2]])], nr_outputs=2)
        self.assertEqual((pos.dtype, values(pos)), ("uint8", [0, 1]))
        self.assertEqual((dbl.dtype, values(dbl)), ("float32", [-1, 2]))

    def test_errors(self):
        res = self.model("linear.pt")
        with self.assertRaises(VaccelError) as cm:
            self.sess.torch_run(res, [f32([[1, 2, 3]])])  # forward() refuses
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)
        with self.assertRaises(VaccelError) as cm:
            self.sess.torch_run(res, [("float32", (2, 4), b"\0" * 28)])
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)
        with self.assertRaises(VaccelError) as cm:
            self.sess.torch_run(self.model("dict.pt"), [f32(X)])
        self.assertEqual(cm.exception.code, ErrorCode.ENOTSUP)
        with vaccel.Resource(os.path.join(MODELS, "linear.pt"),
                             vaccel.ResourceType.DATA) as data:
            self.sess.register(data)
            with self.assertRaises(VaccelError) as cm:
                self.sess.torch_run(data, [f32(X)])
            self.assertEqual(cm.exception.code, ErrorCode.EINVAL)


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "torch"."""
    context = "torch"
    hint = vaccel.PluginType.TORCH


if __name__ == "__main__":
    support.main()
