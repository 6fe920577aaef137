#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""vaccel.bootstrap() / cleanup(): explicit plugin lists, log settings, a
plugin that fails to load, and what happens to Python objects made before
(libvaccel releases every session and resource at a re-bootstrap)."""
import os
import tempfile
import unittest

import support

NOOP, EXEC = support.require_env("VACCEL_PY_NOOP", "VACCEL_PY_EXEC")
vaccel = support.require_library()
from vaccel import ErrorCode, PluginType, VaccelError  # noqa: E402


class Bootstrap(unittest.TestCase):
    def setUp(self):
        vaccel.bootstrap(plugins=[NOOP])

    def tearDown(self):
        vaccel.bootstrap(plugins=[NOOP], log_level=1)

    def names(self):
        return [p.name for p in vaccel.info().plugins]

    def test_plugin_list_and_string(self):
        vaccel.bootstrap(plugins=[NOOP, EXEC])
        self.assertEqual(self.names(), ["noop", "exec"])
        with vaccel.Session() as s:
            self.assertEqual(s.plugin_name, "noop")
        with vaccel.Session(PluginType.GENERIC) as s:
            self.assertEqual(s.plugin_name, "exec")
        vaccel.bootstrap(plugins="%s:%s" % (EXEC, NOOP))
        self.assertEqual(self.names(), ["exec", "noop"])

    def test_objects_made_before_are_released(self):
        s = vaccel.Session()
        r = vaccel.Resource.from_bytes(b"abc", "a.bin")
        s.register(r)
        vaccel.bootstrap(plugins=[NOOP])
        self.assertTrue(s.closed)
        self.assertTrue(r.closed)
        with self.assertRaises(VaccelError):
            s.noop()  # libvaccel: invalid session
        s.close()  # no error: already released by libvaccel
        r.close()
        with vaccel.Session() as s2:
            s2.noop()

    def test_plugin_that_fails_to_load(self):
        bad = os.path.join(tempfile.gettempdir(), "no-such-libvaccel-x.so")
        with self.assertRaises(VaccelError) as cm:
            vaccel.bootstrap(plugins=[NOOP, bad])
        self.assertEqual(cm.exception.where, "vaccel_bootstrap_with_config")
        code = cm.exception.code
        self.assertFalse(vaccel.is_initialized())
        with self.assertRaises(VaccelError) as cm:
            vaccel.Session()
        self.assertEqual(cm.exception.code, code)

    def test_cleanup(self):
        vaccel.cleanup()
        self.assertFalse(vaccel.is_initialized())
        self.assertEqual(vaccel.info().plugins, [])
        with self.assertRaises(VaccelError) as cm:
            vaccel.Session()
        self.assertEqual(cm.exception.code, ErrorCode.ESESS)
        vaccel.bootstrap()  # from the environment: the noop plugin
        self.assertEqual(self.names(), ["noop"])

    def test_log_file_and_level(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "vaccel.log")
            vaccel.bootstrap(log_level="debug", log_file=log)
            with vaccel.Session() as s:
                s.noop()
            vaccel.bootstrap(plugins=[NOOP], log_level=1)  # closes the file
            with open(log) as f:
                text = f.read()
            self.assertIn("[noop] Calling no-op for session", text)
        for bad in ("loud", 0, 9):
            with self.assertRaises(ValueError):
                vaccel.bootstrap(log_level=bad)

    def test_profiling(self):
        vaccel.bootstrap(profiling=True)
        with vaccel.Session() as s:
            s.noop()


if __name__ == "__main__":
    support.main()
