#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`vaccel cdi` without a container engine (meson suite `tools`): the spec
it writes parses as JSON and says what the options asked; bad options are
refused with exit 2; --output replaces a file atomically. podman applying
the spec for real is the ops tier's oci-cdi scenario.

usage: cdi_spec.py VACCEL"""
import json
import os
import subprocess
import sys
import tempfile

VACCEL = sys.argv[1]
failed = 0


def cdi(*args):
    p = subprocess.run([VACCEL, "cdi", *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, why=""):
    global failed
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + why))
    failed += not cond


def edits(spec):
    return spec["devices"][0]["containerEdits"]


rc, out, _ = cdi()
spec = json.loads(out) if rc == 0 else {}
check("default", rc == 0 and spec.get("cdiVersion") == "0.5.0"
      and spec.get("kind") == "vaccel.dev/agent"
      and spec["devices"][0]["name"] == "default", out)
check("default-edits", rc == 0 and edits(spec) == {
    "env": ["VACCEL_PLUGINS=libvaccel-rpc.so",
            "VACCEL_RPC_ADDRESS=unix:///run/vaccel/agent.sock"],
    "mounts": [{"hostPath": "/run/vaccel", "containerPath": "/run/vaccel",
                "type": "bind",
                "options": ["rbind", "rw", "nosuid", "nodev", "noexec"]}]},
      out)

rc, out, _ = cdi("--socket", "/srv/a b/\"q\"/s.sock", "--container-dir", "/x",
                 "--env", "K=v\\\"\t", "--name", "t1.a:b", "--kind",
                 "example.com/vaccel-x")
spec = json.loads(out) if rc == 0 else {}
check("escapes", rc == 0 and edits(spec)["mounts"][0]["hostPath"] ==
      "/srv/a b/\"q\"" and edits(spec)["env"][1] ==
      "VACCEL_RPC_ADDRESS=unix:///x/s.sock" and edits(spec)["env"][2] ==
      "K=v\\\"\t" and spec["kind"] == "example.com/vaccel-x", out)

rc, out, _ = cdi("--address", "tcp://10.0.0.1:7000", "--token-file",
                 "/etc/vaccel/token")
spec = json.loads(out) if rc == 0 else {}
check("tcp-token", rc == 0 and edits(spec)["env"][1:] == [
    "VACCEL_RPC_ADDRESS=tcp://10.0.0.1:7000",
    "VACCEL_RPC_TOKEN_FILE=/run/secrets/vaccel-token"]
      and [m["hostPath"] for m in edits(spec)["mounts"]] == ["/etc/vaccel/token"]
      and "ro" in edits(spec)["mounts"][0]["options"], out)

for bad in (["--kind", "novendor"], ["--kind", "-a/b"], ["--name", "a/b"],
            ["--socket", "relative.sock"], ["--socket", "/dir/"],
            ["--env", "=x"], ["--address", "10.0.0.1:7000"], ["extra"],
            ["--container-dir", "run"], ["--bogus"]):
    rc, out, err = cdi(*bad)
    check("refused %s" % " ".join(bad), rc == 2 and not out
          and "vaccel cdi" in err, "exit %d, %r" % (rc, err))

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "vaccel.json")
    with open(path, "w") as f:
        f.write("old")
    rc, out, _ = cdi("-o", path, "-n", "second")
    with open(path) as f:
        spec = json.load(f)
    check("output", rc == 0 and not out and spec["devices"][0]["name"] ==
          "second" and os.listdir(d) == ["vaccel.json"], str(os.listdir(d)))
    rc, _, err = cdi("-o", os.path.join(d, "missing", "x.json"))
    check("output-unwritable", rc == 1 and "cannot create" in err, err)

rc, out, _ = cdi("--help")
check("help", rc == 0 and "usage: vaccel cdi" in out, out[:200])
print("%d failed" % failed)
sys.exit(1 if failed else 0)
