#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""sgemm on the blas plugin (OpenBLAS) against a naive product, with
lists, array.array and numpy inputs, and through genop."""
import array
import random
import unittest

import conformance
import support

support.require_env("VACCEL_PY_BLAS")
vaccel = support.require_library()
from vaccel import Arg, Op, _buffers  # noqa: E402

np = _buffers.np


def naive(a, b, m, n, k, alpha=1.0, beta=0.0, c=None):
    """alpha * A @ B + beta * C, row-major flat lists, in double."""
    out = []
    for i in range(m):
        for j in range(n):
            acc = sum(a[i * k + p] * b[p * n + j] for p in range(k))
            out.append(alpha * acc + (beta * c[i * n + j] if c else 0.0))
    return out


def rand(count, rng):
    return [rng.uniform(-1, 1) for _ in range(count)]


class Sgemm(unittest.TestCase):
    def setUp(self):
        self.sess = vaccel.Session()
        self.assertEqual(self.sess.plugin_name, "blas")
        self.rng = random.Random(1234)

    def tearDown(self):
        self.sess.close()

    def assertClose(self, got, want, k):
        # float32 products of k terms in [-1, 1]
        tol = 1e-5 * (k + 1)
        self.assertEqual(len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertLessEqual(abs(g - w), tol * max(1.0, abs(w)),
                                 "element %d: %r vs %r" % (i, g, w))

    def test_shapes_against_naive(self):
        for m, n, k in [(1, 1, 1), (2, 3, 4), (7, 5, 3), (16, 16, 16),
                        (33, 17, 65)]:
            with self.subTest(m=m, n=n, k=k):
                a, b, c = rand(m * k, self.rng), rand(k * n, self.rng), \
                    rand(m * n, self.rng)
                self.assertClose(self.sess.sgemm(a, b, m, n, k),
                                 naive(a, b, m, n, k), k)
                self.assertClose(
                    self.sess.sgemm(a, b, m, n, k, alpha=0.5, beta=-2.0,
                                    c=c),
                    naive(a, b, m, n, k, 0.5, -2.0, c), k)

    def test_nested_and_array_inputs(self):
        self.assertEqual(self.sess.sgemm([[1, 2], [3, 4]], [[5, 6], [7, 8]],
                                         2, 2, 2), [19.0, 22.0, 43.0, 50.0])
        self.assertEqual(self.sess.sgemm(array.array("f", [1, 2, 3]),
                                         [1, 1, 1], 1, 1, 3), [6.0])

    def test_numpy(self):
        if np is None:
            self.skipTest("numpy is not installed")
        gen = np.random.default_rng(7)
        a = gen.standard_normal((20, 30)).astype(np.float32)
        b = gen.standard_normal((30, 10))  # float64: converted
        got = self.sess.sgemm(a, b, 20, 10, 30)
        self.assertEqual((got.shape, got.dtype), ((20, 10), np.float32))
        want = a.astype(np.float64) @ b.astype(np.float32).astype(np.float64)
        self.assertTrue(np.allclose(got, want, rtol=1e-4, atol=1e-4))

    def test_genop_matches_direct(self):
        m, n, k = 4, 3, 5
        a, b = rand(m * k, self.rng), rand(k * n, self.rng)
        direct = self.sess.sgemm(a, b, m, n, k)
        (c,) = self.sess.genop(
            Op.BLAS_SGEMM,
            [Arg.int64(m), Arg.int64(n), Arg.int64(k), Arg.float32(1.0),
             Arg.float32_array(a), Arg.int64(k), Arg.float32_array(b),
             Arg.int64(n), Arg.float32(0.0), Arg.int64(n)],
            [Arg.float32_array(count=m * n)])
        self.assertEqual(c, direct)

class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "blas"."""
    context = "blas"


if __name__ == "__main__":
    support.main()
