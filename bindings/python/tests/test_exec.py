#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""exec and exec_with_resource on the exec plugin with the examples'
libmytestlib.so (mytestfunc: int32 -> 2 * int32; mytestfunc_nonser: a
CUSTOM 'mydata' arg, type id 100, reversed), directly and through genop;
and docs/python.md's exec example, run as written."""
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import support

support.require_env("VACCEL_PY_EXEC")
(LIB,) = support.require_env("VACCEL_PY_MYTESTLIB")
vaccel = support.require_library()
from vaccel import Arg, ErrorCode, Op, ResourceType, VaccelError  # noqa: E402


def mydata(values):
    """The serialized form of examples/common/mydata.h."""
    return struct.pack("=%dI" % (len(values) + 1), len(values), *values)


class Exec(unittest.TestCase):
    def setUp(self):
        self.sess = vaccel.Session()
        self.assertEqual(self.sess.plugin_name, "exec")

    def tearDown(self):
        self.sess.close()

    def test_mytestfunc(self):
        for v in (21, -7, 0):
            self.assertEqual(self.sess.exec(LIB, "mytestfunc",
                                            [Arg.int32(v)], [Arg.int32()]),
                             [2 * v])
        out = Arg.int32()
        self.sess.exec(pathlib.Path(LIB), "mytestfunc", [Arg.int32(5)], [out])
        self.assertEqual(out.value, 10)

    def test_custom_arg(self):
        got = self.sess.exec(LIB, "mytestfunc_nonser",
                             [Arg.custom(100, mydata([1, 2, 3, 4]))],
                             [Arg.custom(100, size=20)])
        self.assertEqual(got, [mydata([4, 3, 2, 1])])

    def test_errors(self):
        cases = [
            (LIB, "no_such_function", ErrorCode.ENOSYS),
            ("/nonexistent/libnothing.so", "mytestfunc", ErrorCode.EINVAL),
        ]
        for lib, sym, code in cases:
            with self.subTest(lib=lib, sym=sym):
                with self.assertRaises(VaccelError) as cm:
                    self.sess.exec(lib, sym, [Arg.int32(1)], [Arg.int32()])
                self.assertEqual(cm.exception.code, code)
                self.assertEqual(cm.exception.where, "vaccel_exec")
        # the function itself fails (read[0] is not an INT32)
        with self.assertRaises(VaccelError) as cm:
            self.sess.exec(LIB, "mytestfunc", [Arg.float32(1)], [Arg.int32()])
        self.assertEqual(cm.exception.code, ErrorCode.EBACKEND)
        self.assertEqual(cm.exception.strerror, "the backend failed")
        self.assertIn("mytestfunc", cm.exception.reason)

    def test_with_resource(self):
        data = pathlib.Path(LIB).read_bytes()
        made = [vaccel.Resource(LIB, ResourceType.LIB),
                vaccel.Resource.from_bytes(data, "libmy.so",
                                           ResourceType.LIB),
                vaccel.Resource.from_bytes(data, type=ResourceType.LIB,
                                           mem_only=True)]
        for res in made:
            with self.subTest(resource=res), res:
                self.sess.register(res)
                self.assertEqual(self.sess.exec_with_resource(
                    res, "mytestfunc", [Arg.int32(4)], [Arg.int32()]), [8])

    def test_unregistered_resource(self):
        with vaccel.Resource(LIB, ResourceType.LIB) as res:
            with self.assertRaises(VaccelError) as cm:
                self.sess.exec_with_resource(res, "mytestfunc",
                                             [Arg.int32(4)], [Arg.int32()])
            self.assertEqual(cm.exception.code, ErrorCode.EPERM)

    def test_genop(self):
        self.assertEqual(self.sess.genop(
            Op.EXEC, [Arg.string(LIB), Arg.string("mytestfunc"),
                      Arg.int32(5)], [Arg.int32()]), [10])
        with vaccel.Resource(LIB, ResourceType.LIB) as res:
            self.sess.register(res)
            self.assertEqual(self.sess.genop(
                "exec_with_resource", [Arg.int64(res.id),
                                       Arg.string("mytestfunc"),
                                       Arg.int32(-3)], [Arg.int32()]), [-6])


class DocsExample(unittest.TestCase):
    """The exec block of docs/python.md, as written, where it says to run
    it: a directory holding libmytestlib.so, LD_LIBRARY_PATH=. ; each
    ``print`` must give the value its ``# [N]`` comment says."""

    def test_exec_block_of_docs_python_md(self):
        doc = pathlib.Path(os.environ["VACCEL_SOURCE_ROOT"], "docs",
                           "python.md").read_text()
        blocks = [b for b in re.findall(r"```python\n(.*?)```", doc, re.S)
                  if "exec_with_resource" in b]
        self.assertEqual(len(blocks), 1)
        want = re.findall(r"print\(.*# (\[.*\])$", blocks[0], re.M)
        self.assertEqual(want, ["[42]", "[8]"])
        with tempfile.TemporaryDirectory(prefix="vaccel-py-doc-") as d:
            shutil.copy(LIB, d)
            env = dict(os.environ, LD_LIBRARY_PATH=d,
                       VACCEL_PLUGINS=os.environ["VACCEL_PY_EXEC"])
            p = subprocess.run([sys.executable, "-c", blocks[0]], cwd=d,
                               env=env, capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [ln for ln in p.stdout.splitlines() if ln.startswith("[")]
        self.assertEqual(got, want, p.stdout)


if __name__ == "__main__":
    support.main()
