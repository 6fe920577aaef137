#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The bindings on a remote session: this process loads the rpc transport
(and the onnx plugin when built, for a local comparison) and talks to a
vaccel-agent started here on a UNIX socket with the noop (and onnx)
backends. Checks `remote`, remote ids, results equal to local ones, errors
crossing the wire, and an agent that dies under a session."""
import os
import pathlib
import signal
import subprocess
import tempfile
import time
import unittest

import conformance
import support

AGENT, RPC, NOOP = support.require_env("VACCEL_PY_AGENT", "VACCEL_PY_RPC",
                                       "VACCEL_PY_NOOP")
ONNX = os.environ.get("VACCEL_PY_ONNX")
TEXT_IMAGE = pathlib.Path(support.deps_dir()) / "images/sample1.jpg"
if ONNX and not (os.path.exists(ONNX) and TEXT_IMAGE.exists() and
                 os.path.isdir(os.path.join(support.deps_dir(),
                                            "onnxruntime"))):
    ONNX = None
SELFIE = pathlib.Path(support.deps_dir()) / "models/converted/selfie.onnx"
TMP = tempfile.TemporaryDirectory(prefix="vaccel-py-rpc-")
# as root, the agent's workers (other uids) go through it to their own
os.chmod(TMP.name, 0o711)


class Agent:
    """A vaccel-agent process listening on unix://TMP/<name>.sock."""

    def __init__(self, name, plugins):
        self.sock = os.path.join(TMP.name, name + ".sock")
        ready = os.path.join(TMP.name, name + ".ready")
        self.log = open(os.path.join(TMP.name, name + ".log"), "w+")
        self.proc = subprocess.Popen(
            [AGENT, "--listen", "unix://" + self.sock, "--plugins",
             ":".join(plugins), "--ready-file", ready,
             "--rundir", os.path.join(TMP.name, name + "-run")],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                support.skip_program("vaccel-agent did not start: " +
                                     self.log.read()[-500:])
            time.sleep(0.02)

    @property
    def address(self):
        return "unix://" + self.sock

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(30)
        finally:
            self.log.close()


MAIN = Agent("main", ([ONNX] if ONNX else []) + [NOOP])
os.environ["VACCEL_RPC_ADDRESS"] = MAIN.address
os.environ["VACCEL_PLUGINS"] = ":".join([RPC] + ([ONNX] if ONNX else []))
vaccel = support.require_library()  # loads here, with the variables above
from vaccel import Arg, ErrorCode, Op, PluginType, VaccelError  # noqa: E402

REMOTE_NOOP = PluginType.REMOTE | PluginType.DEBUG  # agent side: noop


class Remote(unittest.TestCase):
    def test_info_lists_the_transport(self):
        rpc = vaccel.info().plugins[0]
        self.assertEqual((rpc.name, rpc.remote), ("rpc", True))
        self.assertIn(PluginType.REMOTE, rpc.type)

    def test_session_is_remote(self):
        with vaccel.Session(PluginType.REMOTE) as s:
            self.assertTrue(s.remote)
            self.assertEqual(s.plugin_name, "rpc")
            self.assertGreater(s.remote_id, 0)
            self.assertIn("remote", repr(s))

    def test_errors_cross_the_wire(self):
        with vaccel.Session(REMOTE_NOOP) as s:
            # exec is off in an agent started without --exec-allow
            with self.assertRaises(VaccelError) as cm:
                s.exec("libx.so", "f", [Arg.int32(1)], [Arg.int32()])
            self.assertEqual(cm.exception.code, ErrorCode.EPERM)
            # the agent's reason, not only its code
            self.assertEqual(cm.exception.reason,
                             "[rpc] the agent failed EXEC: exec is disabled "
                             "on this agent")
            with self.assertRaises(VaccelError) as cm:
                s.genop(Op.IMAGE_CLASSIFY, [b"img"], [])
            self.assertEqual(cm.exception.code, ErrorCode.EINVAL)

    @unittest.skipUnless(ONNX, "onnx plugin or its assets missing")
    def test_remote_equals_local(self):
        with vaccel.Session() as local, vaccel.Session(
                PluginType.REMOTE) as remote:
            self.assertEqual(local.plugin_name, "onnx")
            self.assertFalse(local.remote)
            for op in ("classify", "detect"):
                with self.subTest(op=op):
                    want = getattr(local, op)(TEXT_IMAGE)
                    self.assertEqual(getattr(remote, op)(TEXT_IMAGE), want)
            objects = vaccel.parse_detections(remote.detect(TEXT_IMAGE))
            self.assertGreaterEqual(len(objects), 1)
            # the mask comes back as bytes from the agent, as locally
            if SELFIE.exists():
                want = local.segment(TEXT_IMAGE)
                got = remote.segment(TEXT_IMAGE)
                self.assertEqual(got, want)
                self.assertTrue(got.png.startswith(b"\x89PNG"))
                self.assertEqual(got.png, want.png)


class DeadAgent(unittest.TestCase):
    def test_agent_killed_under_a_session(self):
        agent = Agent("doomed", [NOOP])
        os.environ["VACCEL_RPC_ADDRESS"] = agent.address
        try:
            vaccel.bootstrap()
            s = vaccel.Session(PluginType.REMOTE)
            s.noop()
            agent.stop(signal.SIGKILL)
            t0 = time.monotonic()
            with self.assertRaises(VaccelError) as cm:
                s.noop()
            self.assertLess(time.monotonic() - t0, 30)
            self.assertNotEqual(cm.exception.code, 0)
            s.close()  # releasing a session of a dead agent must not hang
        finally:
            os.environ["VACCEL_RPC_ADDRESS"] = MAIN.address
            vaccel.bootstrap()


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "remote"."""
    context = "remote"
    hint = REMOTE_NOOP


def main():
    try:
        support.main()
    finally:
        MAIN.stop()
        TMP.cleanup()


if __name__ == "__main__":
    main()
