# SPDX-License-Identifier: Apache-2.0
"""The shared conformance cases (tests/conformance/cases.json, format in
tests/conformance/README.md) run on the Python bindings. The Go bindings
run the same file (bindings/go/conformance_test.go).

A test module subclasses :class:`Cases` naming its context ("noop",
"exec", "blas", "onnx", "torch", "remote"); each case is a subTest.
"""
import json
import os
import re
import struct
import unittest

import support  # noqa: F401 (first: it hides numpy when asked to)
import vaccel
from vaccel import Arg, ErrorCode, ResourceType, VaccelError

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "..", "tests", "conformance", "cases.json")
PACK = {"float32": "f", "float64": "d", "float16": "e", "int8": "b",
        "int16": "h", "int32": "i", "int64": "q", "uint8": "B",
        "uint16": "H", "uint32": "I", "uint64": "Q", "bool": "?"}


def cases(context):
    with open(CASES) as f:
        return [c for c in json.load(f)["cases"] if context in c["on"]]


class Skip(Exception):
    pass


def expand(text, res=None):
    """$DEPS, $MYTESTLIB and $RESOURCE_ID; a missing named file skips."""
    if not isinstance(text, str) or not text.startswith("$"):
        return text
    if text == "$RESOURCE_ID":
        return res.id
    deps = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
    lib = os.environ.get("VACCEL_PY_MYTESTLIB", "")
    path = text.replace("$DEPS", deps).replace("$MYTESTLIB", lib)
    if not os.path.exists(path):
        raise Skip("%s: no %s" % (text, path))
    return path


def data_of(spec):
    """Bytes of {"text": latin-1} / {"hex": ...} / {"file": path}."""
    if "text" in spec:
        return spec["text"].encode("latin-1")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    with open(expand(spec["file"]), "rb") as f:
        return f.read()


def make_arg(spec, res):
    kind, value = spec["type"], expand(spec.get("value"), res)
    if kind == "string":
        return Arg.string(value)
    if kind == "buffer":
        return Arg.buffer(data_of(value)) if value else Arg.buffer(
            size=spec["count"])
    if kind == "custom":
        if value is not None:
            return Arg.custom(spec["id"], data_of(value))
        return Arg.custom(spec["id"], size=spec["count"])
    ctor = getattr(Arg, kind)
    if kind.endswith("_array"):
        if value is None:
            return ctor(count=spec["count"])
        return ctor(bytes(value) if kind == "uchar_array" else value)
    return ctor() if value is None else ctor(value)


def make_resource(spec):
    typ = ResourceType[spec.get("type", "MODEL")]
    if "path" in spec:
        return vaccel.Resource(expand(spec["path"]), typ)
    if "bytes" in spec:
        return vaccel.Resource.from_bytes(data_of(spec["bytes"]),
                                          spec.get("name"), typ,
                                          spec.get("mem_only", False))
    return vaccel.Resource.from_buffers(
        [(b["name"], data_of(b)) for b in spec["buffers"]], typ)


def tensor_in(spec):
    vals = spec["values"]
    return (spec["dtype"], spec["shape"],
            struct.pack("<%d%s" % (len(vals), PACK[spec["dtype"]]), *vals))


def got_value(want, value):
    """The written value in the form the expectation uses."""
    if isinstance(want, dict):
        raw = bytes(value)
        return ({"cstring": raw.split(b"\0")[0].decode()} if "cstring" in
                want else {"hex": raw.hex()})
    if isinstance(value, (bytes, bytearray)):
        value = list(value)
    return value if isinstance(want, list) else value[0] if isinstance(
        value, list) else value


class Runner:
    def __init__(self, tc, sess):
        self.tc, self.sess, self.res = tc, sess, None

    def run(self, case):
        spec = case.get("resource")
        if spec:
            self.res = make_resource(spec)
            if spec.get("register", True):
                self.sess.register(self.res)
        try:
            return getattr(self, "op_" + case["op"])(case)
        finally:
            if self.res:
                self.res.close()

    def op_noop(self, case):
        self.sess.noop()
        return {}

    def op_classify(self, case):
        text, name = self.sess.classify(data_of(case["image"]),
                                        case.get("text_size", 16384),
                                        case.get("name_size", 16384))
        return {"text": text, "name": name}

    def image_op(self, case):
        return {"out": getattr(self.sess, case["op"])(data_of(case["image"]))}

    op_detect = op_segment = op_pose = op_depth = image_op

    def args(self, case):
        return ([make_arg(a, self.res) for a in case["read"]],
                [make_arg(a, self.res) for a in case["write"]])

    def op_exec(self, case):
        rd, wr = self.args(case)
        return {"write": self.sess.exec(expand(case["library"]),
                                        case["symbol"], rd, wr)}

    def op_exec_with_resource(self, case):
        rd, wr = self.args(case)
        return {"write": self.sess.exec_with_resource(self.res,
                                                      case["symbol"], rd, wr)}

    def op_genop(self, case):
        rd, wr = self.args(case)
        return {"write": self.sess.genop(case["genop"], rd, wr)}

    def op_sgemm(self, case):
        return {"c": self.sess.sgemm(case["a"], case["b"], case["m"],
                                     case["n"], case["k"],
                                     case.get("alpha", 1.0),
                                     case.get("beta", 0.0), case.get("c"))}

    def model_run(self, case):
        ins = [tensor_in(t) for t in case["inputs"]]
        fn = getattr(self.sess, case["op"])
        outs = fn(self.res, ins, nr_outputs=case.get("nr_outputs", 1),
                  as_numpy=False)
        return {"outputs": [{"dtype": o.dtype, "shape": list(o.shape),
                             "data": o.data} for o in outs]}

    op_onnx_run = op_torch_run = model_run

    def check(self, case, got):
        want = case.get("expect", {})
        for key, value in want.items():
            if key == "text_regex":
                self.tc.assertRegex(got["text"], value)
            elif key == "write":
                self.tc.assertEqual([got_value(w, v) for w, v in
                                     zip(value, got["write"])], value)
            elif key == "outputs":
                self.tc.assertEqual(got["outputs"], [
                    {"dtype": t["dtype"], "shape": t["shape"],
                     "data": tensor_in(t)[2]} for t in value])
            else:
                self.tc.assertEqual(got[key], value)


def run_cases(tc, context, session_factory):
    """Run every case of ``context`` as a subTest of ``tc``."""
    todo = cases(context)
    tc.assertGreater(len(todo), 0)
    for case in todo:
        with tc.subTest(case=case["name"]):
            run_one(tc, case, session_factory)


def run_one(tc, case, session_factory):
    errors = case.get("expect", {}).get("error")
    with session_factory() as sess:
        runner = Runner(tc, sess)
        try:
            got = runner.run(case)
        except Skip as why:
            tc.skipTest(str(why))
        except VaccelError as e:
            if errors is None:
                raise
            want = errors if isinstance(errors, list) else [errors]
            tc.assertIn(ErrorCode(e.code).name, want)
            return
        tc.assertIsNone(errors, "%s: expected an error" % case["name"])
        runner.check(case, got)


class Cases(unittest.TestCase):
    """Base of a module's conformance class: set ``context`` (and
    ``hint``, the session's PluginType bits)."""
    context = None
    hint = 0

    def test_conformance_cases(self):
        run_cases(self, self.context, lambda: vaccel.Session(self.hint))
