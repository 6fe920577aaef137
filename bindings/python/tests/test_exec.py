#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""exec and exec_with_resource on the exec plugin with the examples'
libmytestlib.so (mytestfunc: int32 -> 2 * int32; mytestfunc_nonser: a
CUSTOM 'mydata' arg, type id 100, reversed), directly and through genop:
the shared conformance cases (tests/conformance/cases.json) and what is
Python's own (path objects)."""
import pathlib
import unittest

import conformance
import support

support.require_env("VACCEL_PY_EXEC")
(LIB,) = support.require_env("VACCEL_PY_MYTESTLIB")
vaccel = support.require_library()
from vaccel import Arg  # noqa: E402


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


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "exec"."""
    context = "exec"


if __name__ == "__main__":
    support.main()