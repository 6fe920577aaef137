# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the Python binding tests (run by meson, suite
'python', with /usr/bin/python3; see bindings/python/meson.build).

A test program that cannot run here calls :func:`skip_program`, which
prints why and exits 77 (meson: skipped). :func:`main` runs the module's
unittest cases and exits 0 or 1.
"""
import os
import subprocess
import sys
import tempfile
import unittest

# VACCEL_PY_HIDE_NUMPY=1: behave as if numpy were not installed (the
# bindings' plain bytes/lists paths), whatever this interpreter has.
if os.environ.get("VACCEL_PY_HIDE_NUMPY") == "1":
    sys.modules["numpy"] = None  # `import numpy` raises ImportError


def skip_program(reason):
    """Exit 77 (skipped) after printing ``reason``."""
    print("SKIP: %s" % reason)
    sys.stdout.flush()
    sys.exit(77)


def require_env(*names):
    """The values of environment variables naming build outputs (plugins,
    helpers); skip the program if one is unset or names no file."""
    if os.environ.get("VACCEL_PY_SKIP"):
        skip_program(os.environ["VACCEL_PY_SKIP"])
    values = []
    for name in names:
        value = os.environ.get(name)
        if not value:
            skip_program("%s is not set (that component was not built)"
                         % name)
        if not os.path.exists(value):
            skip_program("%s=%s does not exist" % (name, value))
        values.append(value)
    return values


def require_library():
    """Skip unless libvaccel can be loaded; return the vaccel module."""
    if os.environ.get("VACCEL_PY_SKIP"):
        skip_program(os.environ["VACCEL_PY_SKIP"])
    if not os.environ.get("VACCEL_LIBRARY"):
        skip_program("VACCEL_LIBRARY is not set (run through meson test)")
    import vaccel
    return vaccel


def deps_dir():
    """$VACCEL_DEPS (default /opt/vaccel-deps)."""
    return os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")


def require_files(*paths):
    """Skip the program unless every path exists."""
    for p in paths:
        if not os.path.exists(p):
            skip_program("missing %s (run scripts/fetch-assets.sh)" % p)
    return paths


_TMP = []


def text_images():
    """The directory of the PP-OCR text images: $VACCEL_DEPS/images/text,
    or rendered with scripts/make-text-images.py into a temporary directory
    (removed at exit) when absent. Skip the program if neither works."""
    d = os.path.join(deps_dir(), "images", "text")
    if os.path.exists(os.path.join(d, "MANIFEST")):
        return d
    script = os.path.join(os.environ.get("VACCEL_SOURCE_ROOT", ""),
                          "scripts", "make-text-images.py")
    if not os.path.exists(script):
        skip_program("no text images and no %s" % script)
    tmp = tempfile.TemporaryDirectory(prefix="vaccel-py-text-")
    _TMP.append(tmp)
    proc = subprocess.run([sys.executable, script, tmp.name],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        skip_program("cannot render the text images: %s" %
                     (proc.stderr.strip() or proc.stdout.strip()))
    return tmp.name


def main():
    """Run the calling module's test cases; exit 0 if all passed."""
    prog = unittest.main(module="__main__", verbosity=2, exit=False)
    result = prog.result
    sys.exit(0 if result.wasSuccessful() else 1)
