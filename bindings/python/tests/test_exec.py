#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""exec and exec_with_resource on the exec plugin with the examples'
libmytestlib.so (mytestfunc: int32 -> 2 * int32; mytestfunc_nonser: a
CUSTOM 'mydata' arg, type id 100, reversed), directly and through genop:
the shared conformance cases (tests/conformance/cases.json), what is
Python's own (path objects, an error's reason), and docs/python.md's exec
example, run as written."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import conformance
import support

support.require_env("VACCEL_PY_EXEC")
(LIB,) = support.require_env("VACCEL_PY_MYTESTLIB")
vaccel = support.require_library()
from vaccel import Arg, ErrorCode, VaccelError  # noqa: E402


class Exec(unittest.TestCase):
    def setUp(self):
        self.sess = vaccel.Session()
        self.assertEqual(self.sess.plugin_name, "exec")

    def tearDown(self):
        self.sess.close()

    def test_mytestfunc_path_object(self):
        out = Arg.int32()
        self.sess.exec(pathlib.Path(LIB), "mytestfunc", [Arg.int32(5)], [out])
        self.assertEqual(out.value, 10)

    def test_reason(self):
        # the function itself fails (read[0] is not an INT32): the code,
        # its text and the plugin's reason
        with self.assertRaises(VaccelError) as cm:
            self.sess.exec(LIB, "mytestfunc", [Arg.float32(1)], [Arg.int32()])
        self.assertEqual(cm.exception.code, ErrorCode.EBACKEND)
        self.assertEqual(cm.exception.strerror, "the backend failed")
        self.assertIn("mytestfunc", cm.exception.reason)


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "exec"."""
    context = "exec"


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
