#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run one example program as its own process and check what it prints.

usage: run_example.py [--stb 0|1] CASE
       run_example.py --list

Each CASE (see CASES) names a program, its command line, the plugin it runs
with (VACCEL_PLUGINS = the absolute build-tree path), and the exact stdout
lines and exit status expected (a str is an exact line, a compiled regex
must match the whole line). vAccel log lines (the "YYYY.MM.DD-... - <level>"
lines on stdout) are set aside before comparing. Exit status: 0 pass,
1 fail, 77 skip (a plugin or asset this case needs is not here).

Environment (set by tests/meson.build): VACCEL_BUILD_ROOT, VACCEL_DEPS.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
BUILD = os.environ.get("VACCEL_BUILD_ROOT", "")
DEPS = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
HERE = os.path.dirname(os.path.abspath(__file__))
LOG_RE = re.compile(r"^\d{4}\.\d\d\.\d\d-\d\d:\d\d:\d\d\.\d\d - <\w+> ")

ENOENT, EINVAL, ENOSYS, ENOTSUP, EBACKEND = 2, 22, 38, 95, 71
SESSION1 = "Initialized session with id: 1"
DUMMY_TAG = "This is a dummy classification tag!"
DUMMY_NAME = "This is a dummy imgname!"
NOOP_MSG = "Operation handled by noop plugin"
M = N = K = 512
ALPHA, BETA = 32412.0, 2123.0


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def plugin(name):
    path = os.path.join(BUILD, "plugins", name, "libvaccel-%s.so" % name)
    if not os.path.isfile(path):
        raise Skip("plugin %s is not built (%s)" % (name, path))
    return path


def example(name):
    return os.path.join(BUILD, "examples", name)


def mytestlib():
    return example("libmytestlib.so")


def input_csv():
    return example("input_2048.csv")


class Ctx:
    """Per-run scratch files: a generated image and labels (our own data)."""

    def __init__(self, tmp, stb):
        self.tmp = tmp
        self.stb = stb

    def path(self, name):
        return os.path.join(self.tmp, name)

    def ppm(self, name="red.ppm", rgb=(255, 0, 0), w=64, h=48):
        """A uniform binary PPM (stb_image decodes PNM)."""
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (w, h))
            f.write(bytes(rgb) * (w * h))
        return p

    def labels(self):
        """1000 labels, "label-<i>"."""
        p = self.path("labels.txt")
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.writelines("label-%d\n" % i for i in range(1000))
        return p

    def photo(self):
        """A real photo from scripts/fetch-assets.sh, else the PPM."""
        p = os.path.join(DEPS, "images", "dog.jpg")
        return p if os.path.isfile(p) else self.ppm()

    def real_photo(self, name="dog.jpg"):
        p = os.path.join(DEPS, "images", name)
        if not os.path.isfile(p):
            raise Skip("%s is missing: run scripts/fetch-assets.sh" % p)
        return p

    def model_file(self):
        """Any file: the noop plugin only logs a model's path."""
        p = self.path("model.bin")
        with open(p, "wb") as f:
            f.write(b"not a real model\n")
        return p

    def model_dir(self):
        d = self.path("saved_model")
        os.makedirs(os.path.join(d, "variables"), exist_ok=True)
        with open(os.path.join(d, "saved_model.pb"), "wb") as f:
            f.write(b"not a real model\n")
        return d


def run(prog, args, plugins, env=None, timeout=120):
    e = dict(os.environ)
    e["VACCEL_PLUGINS"] = plugins
    e.pop("VACCEL_LOG_LEVEL", None)
    e.pop("VACCEL_PROFILING_ENABLED", None)
    # in sanitizer builds, undefined behaviour fails the run
    e.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    e.update(env or {})
    cmd = [example(prog)] + [str(a) for a in args]
    print("$", " ".join("%s=%s" % kv for kv in (env or {}).items()),
          "VACCEL_PLUGINS=" + plugins, " ".join(cmd))
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=e, capture_output=True, text=True,
                       timeout=timeout)
    dt = time.monotonic() - t0
    out = p.stdout.splitlines()
    logs = [ln for ln in out if LOG_RE.match(ln)]
    lines = [ln for ln in out if not LOG_RE.match(ln)]
    print("--- exit %d in %.3f s; stdout:" % (p.returncode, dt))
    print(p.stdout, end="")
    print("--- stderr:")
    print(p.stderr, end="")
    return p.returncode, lines, logs, p.stderr, dt


def check_lines(lines, expected):
    ok = len(lines) == len(expected)
    for i, want in enumerate(expected):
        got = lines[i] if i < len(lines) else None
        good = got is not None and (want.fullmatch(got) if isinstance(
            want, re.Pattern) else got == want)
        if not good:
            ok = False
            print("line %d: expected %r, got %r" % (
                i + 1, getattr(want, "pattern", want), got))
    if not ok:
        raise Fail("stdout is not as expected (%d lines, expected %d)" %
                   (len(lines), len(expected)))


def expect(prog, args, plugins, lines, rc=0, env=None, stderr=None):
    code, got, logs, err, dt = run(prog, args, plugins, env)
    if code != rc:
        raise Fail("exit status %d, expected %d" % (code, rc))
    check_lines(got, lines)
    for s in stderr or []:
        if s not in err:
            raise Fail("stderr lacks %r" % s)
    return got, logs, err, dt


def prediction(ctx, label):
    return ["Prediction: " + label] if ctx.stb else []


# ---- noop plugin: every program ------------------------------------------

def image_case(prog, what, generic_classify=False):
    def case(ctx):
        iters = 2
        per = ["%s imagename: %s" % (what, DUMMY_NAME)]
        if prog.startswith("classify"):
            per = ["classification tags: " + DUMMY_TAG] + per
        expect(prog, [ctx.photo(), iters], plugin("noop"),
               [SESSION1] + per * iters)
        # with a model resource (noop logs its path) and an image that is
        # not one: the op gets bytes, whatever they are
        expect(prog, [mytestlib(), 1, ctx.model_file()], plugin("noop"),
               [SESSION1] + per)
    return case


def noop_noop(ctx):
    expect("noop", [], plugin("noop"), [SESSION1])
    expect("noop", [1000], plugin("noop"), [SESSION1])
    expect("noop", ["x"], plugin("noop"), [], rc=EINVAL,
           stderr=["Invalid number of iterations: x"])


def noop_exec(ctx):
    expect("exec", [mytestlib()], plugin("noop"), [SESSION1, "output: 10"])
    expect("exec", [mytestlib(), 3], plugin("noop"),
           [SESSION1] + ["output: 10"] * 3)
    expect("exec", [], plugin("noop"), [], rc=EINVAL,
           stderr=["Usage: ", "<lib_file> [iterations]"])


def noop_exec_generic(ctx):
    expect("exec_generic", [mytestlib()], plugin("noop"),
           [SESSION1, "output: 10"])


def noop_exec_serialized(ctx):
    expect("exec_serialized", [mytestlib(), 2], plugin("noop"),
           [SESSION1, "Input: 0 2 4 6 8 10 "] + ["Output: 0 2 4 6 8 10 "] * 2)


def noop_exec_with_resource(ctx):
    expect("exec_with_resource", [mytestlib()], plugin("noop"),
           [SESSION1, "output1: 10", "output2: 10"])
    expect("exec_with_resource", [ctx.path("missing.so")], plugin("noop"),
           [], rc=EINVAL, stderr=["Could not initialize lib resource"])


def noop_local_and_virtio(ctx):
    # no transport plugin: the remote session cannot exist (upstream exited
    # 0 here; we exit with the error)
    expect("local_and_virtio", [mytestlib()], plugin("noop"), [],
           rc=ENOTSUP, stderr=["Could not initialize virtio session"])


def noop_mbench(ctx):
    expect("mbench", [1, ctx.photo(), 2], plugin("noop"), [SESSION1])


def read_c(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != M * N * 4:
        raise Fail("%s: %d bytes, expected %d" % (path, len(data), M * N * 4))
    return data


def c_at(data, i, j):
    return struct.unpack_from("=f", data, (i * N + j) * 4)[0]


def check_c(path, expected_fn):
    data = read_c(path)
    for i, j in [(0, 0), (0, 511), (1, 1), (3, 7), (100, 200), (511, 511),
                 (257, 3), (42, 450)]:
        want, got = expected_fn(i, j), c_at(data, i, j)
        if abs(got - want) > 1e-3 * abs(want) + 1e-6:
            raise Fail("C[%d][%d] = %r, expected %r" % (i, j, got, want))


def c_initial(i, j):
    return i * j / M


def c_after_sgemm(i, j):
    s = sum(k * k for k in range(K))  # sum_k A[i][k] B[k][j] = i j s / M^2
    return ALPHA * i * j * s / (M * M) + BETA * c_initial(i, j)


def sgemm_case(prog):
    def noop(ctx):
        out = ctx.path("c.bin")
        expect(prog, [1, out], plugin("noop"), [SESSION1])
        check_c(out, c_initial)  # noop leaves C as it was
        expect(prog, [], plugin("noop"), [SESSION1])

    def blas(ctx):
        out = ctx.path("c.bin")
        expect(prog, [1, out], plugin("blas"), [SESSION1])
        check_c(out, c_after_sgemm)
    return noop, blas


def minmax_expected(low, high):
    with open(input_csv()) as f:
        vals = [min(max(float(v), low), high) for v in f.read().split()]
    if len(vals) != 2048:
        raise Fail("%s has %d values" % (input_csv(), len(vals)))
    return min(vals), max(vals)


MINMAX_RE = r"min: %s max: %s Execution time: [0-9]+\.[0-9]{6} msec"


def noop_minmax(ctx):
    expect("minmax", [2048, input_csv(), 5, 100], plugin("noop"),
           [SESSION1, re.compile(MINMAX_RE % (r"-1\.000000",
                                              r"10000\.000000"))])
    expect("minmax", [2048, ctx.path("missing.csv"), 5, 100],
           plugin("noop"), [], rc=5, stderr=["Could not open input data"])


def blas_minmax(ctx):
    lo, hi = minmax_expected(5, 100)
    expect("minmax", [2048, input_csv(), 5, 100], plugin("blas"),
           [SESSION1, re.compile(MINMAX_RE % (re.escape("%.6f" % lo),
                                              re.escape("%.6f" % hi)))])


def noop_tf_inference(ctx):
    status = "code:0 message:" + NOOP_MSG
    out = "Output tensor => type:1 nr_dims:4 size:602112B"
    # a uniform red image: the noop plugin returns the input, whose first
    # (HWC) value is red, the largest channel: class 0
    expect("tf_inference", [ctx.ppm(), ctx.model_dir(), ctx.labels(), 2],
           plugin("noop"),
           ["Initialized model resource 1", "Initialized vAccel session 1",
            "Session load status => " + status] +
           (["Session run status => " + status, "Success!", out] +
            prediction(ctx, "label-0")) * 2 +
           ["Session delete status => " + status])


def noop_tflite_inference(ctx):
    expect("tflite_inference", [ctx.ppm(), ctx.model_file(), ctx.labels()],
           plugin("noop"),
           ["Initialized model resource 1", "Initialized vAccel session 1",
            "Session run status: 0", "Success!",
            "Output tensor => type:1 nr_dims:4 size:602112B"] +
           prediction(ctx, "label-0"))


def noop_torch_inference(ctx):
    expect("torch_inference", [ctx.ppm(), ctx.model_file(), ctx.labels()],
           plugin("noop"),
           ["Initialized model resource 1", "Initialized vAccel session 1",
            "Success!", "Result Tensor :",
            "Output tensor => type:7 nr_dims:4 size:602112B"] +
           prediction(ctx, "label-0"))
    expect("torch_inference", [ctx.ppm(), ctx.model_file()],
           plugin("noop"), [], rc=EINVAL, stderr=["Usage: "])


# ---- exec plugin ------------------------------------------------------------

EXEC_ENV = {"VACCEL_EXEC_DLCLOSE_ENABLED": "1"}
MYTESTFUNC = ["I got nr_in: 1, nr_out: 1", "I got input: 10",
              "Will return output: 20"]


def exec_exec(ctx):
    expect("exec", [mytestlib()], plugin("exec"),
           [SESSION1] + MYTESTFUNC + ["output: 20"], env=EXEC_ENV)
    expect("exec", [mytestlib(), 3], plugin("exec"),
           [SESSION1] + (MYTESTFUNC + ["output: 20"]) * 3, env=EXEC_ENV)
    # a library without the symbol: ENOSYS; no library: EINVAL
    expect("exec", [plugin("noop")], plugin("exec"), [SESSION1],
           rc=ENOSYS, env=EXEC_ENV, stderr=["Could not run op: 38"])
    expect("exec", [ctx.path("missing.so")], plugin("exec"), [SESSION1],
           rc=EINVAL, env=EXEC_ENV, stderr=["Could not run op: 22"])


def exec_exec_generic(ctx):
    expect("exec_generic", [mytestlib(), 2], plugin("exec"),
           [SESSION1] + (MYTESTFUNC + ["output: 20"]) * 2, env=EXEC_ENV)


def exec_exec_serialized(ctx):
    expect("exec_serialized", [mytestlib(), 2], plugin("exec"),
           [SESSION1, "Input: 0 2 4 6 8 10 "] +
           ["I got nr_in: 1, nr_out: 1", "Output: 10 8 6 4 2 0 "] * 2,
           env=EXEC_ENV)


def exec_exec_with_resource(ctx):
    expect("exec_with_resource", [mytestlib(), 2], plugin("exec"),
           [SESSION1] + (MYTESTFUNC + ["output1: 20"]) * 2 +
           (MYTESTFUNC + ["output2: 20"]) * 2, env=EXEC_ENV)
    # the cached handles without dlclose, and the deprecated variable
    expect("exec_with_resource", [mytestlib()], plugin("exec"),
           [SESSION1] + MYTESTFUNC + ["output1: 20"] + MYTESTFUNC +
           ["output2: 20"], env={"VACCEL_EXEC_DLCLOSE": "0"},
           stderr=["Warning: VACCEL_EXEC_DLCLOSE is deprecated. Use "
                   "VACCEL_EXEC_DLCLOSE_ENABLED instead."])


def exec_local_and_virtio(ctx):
    expect("local_and_virtio", [mytestlib(), 2], plugin("exec"), [],
           rc=ENOTSUP, env=EXEC_ENV,
           stderr=["Could not initialize virtio session"])


# ---- mbench plugin ----------------------------------------------------------

def mbench_mbench(ctx):
    expect("mbench", [1, ctx.photo()], plugin("mbench"), [SESSION1])
    _, _, _, dt = expect("mbench", [100, mytestlib(), 3], plugin("mbench"),
                         [SESSION1])
    if dt < 0.3:
        raise Fail("3 x 100 ms took %.3f s" % dt)
    expect("mbench", [0, mytestlib()], plugin("mbench"), [SESSION1],
           rc=EINVAL, stderr=["Could not run op: 22"])
    expect("mbench", ["300001", mytestlib()], plugin("mbench"), [SESSION1],
           rc=EINVAL)
    # the plugin's profiling region, printed when it is unloaded
    _, logs, _, _ = expect("mbench", [20, mytestlib(), 2], plugin("mbench"),
                           [SESSION1], env={"VACCEL_PROFILING_ENABLED": "1",
                                            "VACCEL_LOG_LEVEL": "3"})
    prof = [ln for ln in logs if "[prof] vaccel_mbench_plugin:" in ln]
    m = prof and re.search(r"total_time: (\d+) nsec nr_entries: 2$", prof[0])
    if not m or int(m.group(1)) < 40000000:
        raise Fail("no plausible vaccel_mbench_plugin region: %r" % prof)


# ---- real plugins: onnx image ops, torch ----------------------------------

def onnx_image_case(prog, what, extra=()):
    """The onnx plugin on a real photo: a real answer, not noop's; segment
    and depth save the PNG map the op returned (png_out)."""
    def case(ctx):
        args = [ctx.real_photo(), 1] + list(extra)
        png = None
        if prog.startswith(("segment", "depth")):
            png = ctx.path(prog + ".png")
            args = [ctx.real_photo(), 1, (list(extra) or ["-"])[0], png]
        code, lines, _, _, _ = run(prog, args, plugin("onnx"))
        if code != 0:
            raise Fail("exit status %d, expected 0" % code)
        if not lines or lines[0] != SESSION1:
            raise Fail("no session line")
        name = [ln for ln in lines if ln.startswith(what + " imagename: ")]
        if not name or DUMMY_NAME in name[0]:
            raise Fail("no real '%s imagename:' line" % what)
        if prog.startswith("classify"):
            tags = [ln for ln in lines
                    if ln.startswith("classification tags: ")]
            if not tags or not re.match(r"classification tags: (0|180) ",
                                        tags[0]):
                raise Fail("no 0/180 classification tag")
        if png:
            check_png(png, lines, what)
    return case


def check_png(path, lines, what):
    """The saved map is a PNG of the size the records say."""
    saved = [ln for ln in lines if ln.startswith(what + " PNG: ")]
    size = [ln for ln in lines if re.match(r"^png \d+$", ln)]
    if not saved or not size or not os.path.isfile(path):
        raise Fail("no PNG saved (lines: %r)" % lines)
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) != int(size[0][4:]):
        raise Fail("%s is not the %s-byte PNG announced" % (path, size[0]))


def torch_torch_inference(ctx):
    plugin("torch")
    model = ctx.path("channel_means.pt")
    p = subprocess.run(["/usr/bin/python3",
                        os.path.join(HERE, "make_torch_model.py"), model],
                       capture_output=True, text=True)
    if p.returncode == SKIP:
        raise Skip(p.stderr.strip())
    if p.returncode:
        raise Fail("make_torch_model.py failed: " + p.stderr)
    out = "Output tensor => type:7 nr_dims:2 size:4000B"
    head = ["Initialized model resource 1", "Initialized vAccel session 1",
            "Success!", "Result Tensor :", out]
    # the model scores class 16 with the red mean, 1 green, 2 blue
    for name, rgb, label in [("red.ppm", (255, 0, 0), "label-16"),
                             ("green.ppm", (0, 255, 0), "label-1"),
                             ("blue.ppm", (0, 0, 255), "label-2")]:
        expect("torch_inference", [ctx.ppm(name, rgb), model, ctx.labels()],
               plugin("torch"), head + prediction(ctx, label))


# ---- through the transport: rpc plugin + a vaccel-agent process ----------

class Agent:
    """A vaccel-agent on a UNIX socket in the scratch directory, serving
    `backend`; exec ops allowed for the examples' directory if
    `allow_exec`."""

    def __init__(self, ctx, backend, allow_exec):
        exe = os.path.join(BUILD, "agent", "vaccel-agent")
        if not os.path.isfile(exe):
            raise Skip("vaccel-agent is not built (%s)" % exe)
        self.rpc = plugin("rpc")
        sock, ready = ctx.path("agent.sock"), ctx.path("agent.ready")
        self.out_path = ctx.path("agent.out")
        cmd = [exe, "--listen", "unix://" + sock, "--plugins",
               plugin(backend), "--rundir", ctx.path("agent-run"),
               "--ready-file", ready]
        if allow_exec:
            cmd += ["--exec-allow", os.path.dirname(mytestlib())]
        print("$", " ".join(cmd), "&")
        with open(self.out_path, "w") as out:
            self.p = subprocess.Popen(cmd, stdout=out,
                                      stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.exists(ready) and os.path.getsize(ready):
                break
            if self.p.poll() is not None:
                raise Fail("vaccel-agent exited %d" % self.p.returncode)
            time.sleep(0.05)
        else:
            self.stop()
            raise Fail("vaccel-agent did not get ready")
        self.env = {"VACCEL_RPC_ADDRESS": "unix://" + sock}

    def stop(self):
        """SIGTERM; the agent's exit status and its output."""
        self.p.terminate()
        rc = self.p.wait(timeout=30)
        with open(self.out_path) as f:
            out = f.read()
        print("--- vaccel-agent exit %d; output:" % rc)
        print(out, end="")
        return rc, out


def with_agent(backend, body, allow_exec=True):
    def case(ctx):
        agent = Agent(ctx, backend, allow_exec)
        try:
            body(ctx, agent)
        finally:
            rc, out = agent.stop()
        if rc != 0:
            raise Fail("vaccel-agent exited %d" % rc)
        if "runtime error:" in out or "Sanitizer" in out:
            raise Fail("vaccel-agent reported a sanitizer error")
        return out
    return case


def rpc_noop(ctx, agent):
    """Plain examples, remote: the same output as with noop locally."""
    per = ["classification tags: " + DUMMY_TAG,
           "classification imagename: " + DUMMY_NAME]
    expect("classify", [ctx.photo(), 2], agent.rpc, [SESSION1] + per * 2,
           env=agent.env)
    expect("detect_generic", [ctx.photo()], agent.rpc,
           [SESSION1, "detection imagename: " + DUMMY_NAME], env=agent.env)
    out = ctx.path("c.bin")
    expect("sgemm", [1, out], agent.rpc, [SESSION1], env=agent.env)
    check_c(out, c_initial)
    status = "code:0 message:" + NOOP_MSG
    expect("tf_inference", [ctx.ppm(), ctx.model_dir(), ctx.labels()],
           agent.rpc,
           ["Initialized model resource 1", "Initialized vAccel session 1",
            "Session load status => " + status,
            "Session run status => " + status, "Success!",
            "Output tensor => type:1 nr_dims:4 size:602112B"] +
           prediction(ctx, "label-0") +
           ["Session delete status => " + status], env=agent.env)
    # an agent without --exec-allow refuses exec ops: EPERM
    expect("exec", [mytestlib()], agent.rpc, [SESSION1], rc=1,
           env=agent.env, stderr=["Could not run op: 1"])


def rpc_exec(ctx, agent):
    """The exec examples, remote: mytestfunc prints in the agent."""
    expect("exec", [mytestlib(), 2], agent.rpc,
           [SESSION1, "output: 20", "output: 20"], env=agent.env)
    expect("exec_generic", [mytestlib()], agent.rpc,
           [SESSION1, "output: 20"], env=agent.env)
    expect("exec_serialized", [mytestlib()], agent.rpc,
           [SESSION1, "Input: 0 2 4 6 8 10 ", "Output: 10 8 6 4 2 0 "],
           env=agent.env)
    expect("exec_with_resource", [mytestlib()], agent.rpc,
           [SESSION1, "output1: 20", "output2: 20"], env=agent.env)


def rpc_local_and_virtio(ctx, agent):
    """Even iterations remote (mytestfunc prints in the agent), odd local
    (it prints here)."""
    expect("local_and_virtio", [mytestlib(), 4],
           agent.rpc + ":" + plugin("exec"),
           ["Initialized virtio session with id: 1",
            "Initialized local session with id: 2"] +
           (["output(2x10): 20"] + MYTESTFUNC + ["output(2x10): 20"]) * 2,
           env=dict(agent.env, **EXEC_ENV))


def rpc_mbench(ctx, agent):
    _, _, _, dt = expect("mbench", [50, mytestlib(), 2], agent.rpc,
                         [SESSION1], env=agent.env)
    if dt < 0.1:
        raise Fail("2 x 50 ms remote took %.3f s" % dt)


def count_in(text, line, n):
    # a worker's output reaches the agent's log through its front:
    # "TIME vaccel-agent[PID] worker[PID TENANT] output: LINE"
    got = sum(1 for l in text.splitlines()
              if l == line or l.endswith("] output: " + line))
    if got != n:
        raise Fail("the agent printed %r %d times, expected %d" %
                   (line, got, n))


def rpc_exec_checked(backend, body, prints):
    """with_agent, then check how many calls ran in the agent."""
    run_it = with_agent(backend, body)

    def case(ctx):
        out = run_it(ctx)
        count_in(out, "I got input: 10", prints)
    return case


CASES = {
    "noop": noop_noop,
    "exec": noop_exec,
    "exec_generic": noop_exec_generic,
    "exec_serialized": noop_exec_serialized,
    "exec_with_resource": noop_exec_with_resource,
    "local_and_virtio": noop_local_and_virtio,
    "mbench": noop_mbench,
    "minmax": noop_minmax,
    "tf_inference": noop_tf_inference,
    "tflite_inference": noop_tflite_inference,
    "torch_inference": noop_torch_inference,
    "exec/exec": exec_exec,
    "exec/exec_generic": exec_exec_generic,
    "exec/exec_serialized": exec_exec_serialized,
    "exec/exec_with_resource": exec_exec_with_resource,
    "exec/local_and_virtio": exec_local_and_virtio,
    "mbench/mbench": mbench_mbench,
    "blas/minmax": blas_minmax,
    "torch/torch_inference": torch_torch_inference,
    "rpc/noop": with_agent("noop", rpc_noop, allow_exec=False),
    # exec x2, exec_generic, exec_with_resource x2 (nonser does not print it)
    "rpc/exec": rpc_exec_checked("exec", rpc_exec, 5),
    "rpc/local_and_virtio": rpc_exec_checked("exec", rpc_local_and_virtio,
                                             2),
    "rpc/mbench": with_agent("mbench", rpc_mbench),
}
for _prog, _what in [("classify", "classification"),
                     ("detect", "detection"), ("segment", "segmentation"),
                     ("pose", "pose estimation"),
                     ("depth", "depth estimation")]:
    for _p in (_prog, _prog + "_generic"):
        CASES[_p] = image_case(_p, _what)
        _extra = ()
        if _prog == "depth":
            _extra = (os.path.join(DEPS, "models", "converted",
                                   "depth_synthetic.onnx"),)
        CASES["onnx/" + _p] = onnx_image_case(_p, _what, _extra)
for _p in ("sgemm", "sgemm_generic"):
    CASES[_p], CASES["blas/" + _p] = sgemm_case(_p)


def main(argv):
    stb = True
    if len(argv) > 2 and argv[1] == "--stb":
        stb = argv[2] == "1"
        argv = argv[2:]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if not BUILD:
        print("VACCEL_BUILD_ROOT is not set", file=sys.stderr)
        return 2
    case = CASES.get(argv[1])
    if not case:
        print("unknown case %s" % argv[1], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vaccel-example-") as tmp:
        # an agent started as root runs its workers as other uids: they
        # go through this directory to their own
        os.chmod(tmp, 0o711)
        try:
            case(Ctx(tmp, stb))
        except Skip as e:
            print("SKIP:", e)
            return SKIP
        except (Fail, subprocess.TimeoutExpired) as e:
            print("FAIL:", e)
            return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
