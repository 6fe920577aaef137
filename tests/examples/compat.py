#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Acceptance check: a program written against upstream vAccel's public
headers compiles unchanged with `pkg-config --cflags --libs vaccel` and runs
with our plugins.

usage: compat.py --meson MESON --cc CC [--sanitize VALUE] BUILD_DIR

1. `meson install --destdir` the build's headers, libraries, plugins and
   vaccel.pc into a scratch root (the installed layout, not the build tree);
2. compile upstream_app.c (C11, -Wall -Wextra -Wpedantic -Werror) and a C++
   file that includes <vaccel.h>, with the flags pkg-config gives for that
   root;
3. run the program with the installed noop plugin and check its output
   (stdout lines exact; vaccel_info and profiling lines present).
Exit 0 pass, 1 fail, 77 skip (no pkg-config or no C++ compiler).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LOG_RE = re.compile(r"^\d{4}\.\d\d\.\d\d-\d\d:\d\d:\d\d\.\d\d - <(\w+)> (.*)$")


def sh(cmd, **kw):
    print("$", " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.stdout:
        print(p.stdout, end="")
    if p.stderr:
        print(p.stderr, end="")
    if p.returncode:
        raise RuntimeError("%s: exit %d" % (cmd[0], p.returncode))
    return p.stdout


def pkg_config(root):
    pcs = glob.glob(os.path.join(root, "**", "pkgconfig", "vaccel.pc"),
                    recursive=True)
    if len(pcs) != 1:
        raise RuntimeError("installed vaccel.pc not found: %r" % pcs)
    pcdir = os.path.dirname(pcs[0])
    with open(pcs[0]) as f:
        prefix = re.search(r"^prefix=(.*)$", f.read(), re.M).group(1)
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_LIBDIR=pcdir)
    flags = sh(["pkg-config", "--define-variable=prefix=" + root + prefix,
                "--cflags", "--libs", "vaccel"], env=env).split()
    libdir = os.path.dirname(pcdir)
    return flags, libdir


EXPECTED = [
    "Initialized session with id: 1",
    "plugin: noop",
    "model: id 2 refcount 1 blobs 1 type VACCEL_RESOURCE_MODEL",
    "classification tags: This is a dummy classification tag!",
    "genop imagename: This is a dummy imgname!",
    "exec output: 10",
    "exec_with_resource output: 10",
    "tf load => code:0 message:Operation handled by noop plugin",
    "tf run => type:1 nr_dims:4 size:16B last:4.0",
    "done: 0 (VACCEL_OP_EXEC)",
]
EXPECTED_LOGS = [
    re.compile(r"info upstream_app: built with vAccel \S+"),
    re.compile(r"info \[prof\] app_classify: total_time: \d+ nsec "
               r"nr_entries: 1"),
    re.compile(r"info \[prof\] vaccel_image_op: total_time: \d+ nsec "
               r"nr_entries: 2"),
]


def check_run(app, libdir, image):
    env = dict(os.environ,
               LD_LIBRARY_PATH=libdir,
               VACCEL_PLUGINS=os.path.join(libdir, "libvaccel-noop.so"),
               VACCEL_LOG_LEVEL="3", VACCEL_PROFILING_ENABLED="1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    cmd = [app, os.path.join(libdir, "libmytestlib.so"), image]
    print("$", " ".join(cmd))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                       timeout=60)
    print(p.stdout, end="")
    print(p.stderr, end="")
    if p.returncode:
        raise RuntimeError("upstream_app exited %d" % p.returncode)
    lines, logs = [], []
    for ln in p.stdout.splitlines():
        m = LOG_RE.match(ln)
        if m:
            logs.append("%s %s" % m.groups())
        else:
            lines.append(ln)
    if lines != EXPECTED:
        for i, want in enumerate(EXPECTED):
            got = lines[i] if i < len(lines) else None
            if got != want:
                print("line %d: expected %r, got %r" % (i + 1, want, got))
        raise RuntimeError("stdout is not as expected")
    for want in EXPECTED_LOGS:
        if not any(want.fullmatch(ln) for ln in logs):
            raise RuntimeError("no log line matching %r" % want.pattern)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meson", required=True)
    ap.add_argument("--cc", required=True)
    ap.add_argument("--sanitize", default="none")
    ap.add_argument("build")
    a = ap.parse_args()
    if not shutil.which("pkg-config"):
        print("SKIP: pkg-config is not installed")
        return 77
    cxx = shutil.which("c++") or shutil.which("g++")
    san = [] if a.sanitize in ("", "none") else ["-fsanitize=" + a.sanitize]

    with tempfile.TemporaryDirectory(prefix="vaccel-compat-") as tmp:
        root = os.path.join(tmp, "root")
        sh([a.meson, "install", "-C", a.build, "--no-rebuild", "--quiet",
            "--destdir", root, "--tags", "devel,runtime"])
        flags, libdir = pkg_config(root)
        app = os.path.join(tmp, "upstream_app")
        sh(a.cc.split() + ["-std=c11", "-Wall", "-Wextra", "-Wpedantic",
                           "-Werror", "-o", app,
                           os.path.join(HERE, "upstream_app.c")] + flags + san)
        if cxx:
            src = os.path.join(tmp, "app.cpp")
            with open(src, "w") as f:
                f.write("#include <vaccel.h>\n"
                        "int main() { struct vaccel_session s;\n"
                        "  return vaccel_session_init(&s, 0); }\n")
            sh([cxx, "-Wall", "-Wextra", "-Werror", "-o",
                os.path.join(tmp, "app_cxx"), src] + flags + san)
        image = os.path.join(tmp, "image.ppm")
        with open(image, "wb") as f:
            f.write(b"P6\n2 2\n255\n" + bytes(12))
        check_run(app, libdir, image)
    print("PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print("FAIL:", e)
        sys.exit(1)
