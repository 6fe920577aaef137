#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The vaccel CLI's upload progress (tests/ops/run-tests.sh cli-progress).

usage: cli_progress.py VACCEL RPC_PLUGIN ADDRESS BIG_FILE SMALL_FILE
  VACCEL      the vaccel program; RPC_PLUGIN libvaccel-rpc.so; ADDRESS a
              running agent's unix:// address; BIG_FILE > 64 MiB (new
              content for the agent), SMALL_FILE < 64 MiB.
Runs `vaccel upload` with stderr on a pseudo-terminal (pty) and on a pipe.
One line per check ("ok NAME" / "FAIL NAME: why"); exit 1 if any failed.
"""
import os
import pty
import re
import subprocess
import sys

VACCEL, RPC, ADDRESS, BIG, SMALL = sys.argv[1:6]
ENV = dict(os.environ, VACCEL_PLUGINS=RPC, VACCEL_RPC_ADDRESS=ADDRESS)
LINE = re.compile(r"vaccel: uploading ([0-9.]+) MiB: (?:reading (\d+)%"
                  r"|sent ([0-9.]+) MiB \((\d+)%\), [0-9.]+ MiB/s), \d+ s")
failed = 0


def check(name, cond, why):
    global failed
    if cond:
        print("ok " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def upload(path, tty):
    """(exit status, stdout, stderr) of `vaccel upload PATH`."""
    if not tty:
        p = subprocess.run([VACCEL, "upload", path], env=ENV,
                           capture_output=True, timeout=120)
        return p.returncode, p.stdout.decode(), p.stderr.decode()
    master, slave = pty.openpty()
    p = subprocess.Popen([VACCEL, "upload", path], env=ENV,
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the pty
            break
        if not data:
            break
        err += data
    os.close(master)
    out = p.stdout.read().decode()
    return p.wait(timeout=120), out, err.decode(errors="replace")


def updates(err):
    """The progress lines: each \\r starts one (the terminal rewrites it)."""
    return [u.replace("\x1b[K", "").strip() for u in err.split("\r")
            if "vaccel: uploading" in u]


mib = os.path.getsize(BIG) / (1 << 20)
rc, out, err = upload(BIG, tty=True)
check("tty-upload", rc == 0 and "uploaded 1 file, %.1f MiB" % mib in out,
      "exit %d, stdout %r" % (rc, out))
lines = updates(err)
check("tty-progress", len(lines) >= 2, "progress lines: %r" % err[-300:])
check("tty-summary", bool(lines) and re.search(r": done in [0-9.]+ s$", lines[-1]),
      "last line %r" % (lines[-1:] or ["none"]))
seen, sent_before, bad = 0, 0.0, []
for u in lines[:-1]:
    m = LINE.search(u)
    if not m or float(m.group(1)) != round(mib, 1):
        bad.append(u)
        continue
    seen += 1
    if m.group(3) is not None:
        sent = float(m.group(3))
        if sent < sent_before or sent > mib + 0.05 or int(m.group(4)) > 100:
            bad.append(u)
        sent_before = sent
check("tty-updates", seen >= 1 and not bad,
      "%d well-formed updates, odd ones: %r" % (seen, bad[:3]))

rc, out, err = upload(BIG, tty=False)
check("pipe-quiet", rc == 0 and "uploading" not in err,
      "exit %d, stderr %r" % (rc, err[-200:]))
rc, out, err = upload(SMALL, tty=True)
check("tty-small-quiet", rc == 0 and "uploading" not in err,
      "exit %d, stderr %r" % (rc, err[-200:]))
sys.exit(1 if failed else 0)
