#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""API semantics and errors of the bindings on the noop plugin
(VACCEL_PLUGINS=<build>/plugins/noop/libvaccel-noop.so).

The noop plugin returns upstream's dummy results: classify writes "This is
a dummy classification tag!", image ops "This is a dummy imgname!", exec
copies its first read arg into a same-sized write arg (sizes that are
multiples of 4), model runs return copies of their inputs.
"""
import ctypes
import errno
import gc
import os
import pathlib
import platform
import tempfile
import threading
import unittest

import conformance
import support

support.require_env("VACCEL_PY_NOOP")
vaccel = support.require_library()
from vaccel import Arg, ArgType, ErrorCode, Op, PluginType  # noqa: E402
from vaccel import ResourceType, VaccelError  # noqa: E402
from vaccel import _buffers, _structs  # noqa: E402

np = _buffers.np
TAG = "This is a dummy classification tag!"
NAME = "This is a dummy imgname!"
IMG = b"\x89PNG not really an image"


class Abi(unittest.TestCase):
    def test_struct_sizes_match_the_compiler(self):
        spec = os.environ.get("VACCEL_PY_SIZEOF")
        if not spec:
            self.skipTest("VACCEL_PY_SIZEOF not set (run through meson)")
        for item in spec.split(";"):
            name, size = item.rsplit("=", 1)
            with self.subTest(struct=name):
                self.assertEqual(ctypes.sizeof(_structs.MIRRORS[name]),
                                 int(size))

    def test_session_size_on_x86_64(self):
        if platform.machine() != "x86_64":
            self.skipTest("x86_64 only")
        self.assertEqual(ctypes.sizeof(_structs.Session), 4264)

    def test_versions(self):
        want = os.environ.get("VACCEL_PY_PROJECT_VERSION")
        if not want:
            self.skipTest("VACCEL_PY_PROJECT_VERSION not set")
        self.assertEqual(vaccel.__version__, want)
        self.assertEqual(vaccel.version(), want)

    def test_op_enum_is_the_library_list(self):
        # upstream's numbers 0..23 and ours from 32 (they cross the wire)
        self.assertEqual(Op.NOOP, 0)
        self.assertEqual(Op.IMAGE_DEPTH, 7)
        self.assertEqual(Op.OPENCV, 23)
        self.assertEqual(Op.ONNX_MODEL_UNLOAD, 34)
        # the noop plugin serves every op of the library's list
        noop_ops = vaccel.info().plugins[0].ops
        self.assertEqual(sorted(op.name.lower() for op in Op),
                         sorted(noop_ops))
        self.assertNotIn(24, [int(op) for op in Op])
        self.assertIs(vaccel.Op, Op)
        self.assertEqual(vaccel.enums.op_number("vaccel_op_minmax"),
                         Op.MINMAX)


class Info(unittest.TestCase):
    def test_noop_plugin_listed(self):
        info = vaccel.info()
        self.assertTrue(info.initialized)
        self.assertTrue(os.path.isdir(info.rundir))
        self.assertIn("libvaccel.so", os.path.basename(info.path))
        self.assertEqual([p.name for p in info.plugins], ["noop"])
        noop = info.plugins[0]
        self.assertEqual(noop.type, PluginType.DEBUG)
        self.assertFalse(noop.remote)
        for op in ("noop", "image_classify", "blas_sgemm", "exec",
                   "onnx_model_run", "torch_model_run"):
            self.assertIn(op, noop.ops)
        self.assertTrue(vaccel.is_initialized())


class Sessions(unittest.TestCase):
    def test_context_manager(self):
        with vaccel.Session() as s:
            self.assertGreater(s.id, 0)
            self.assertEqual(s.plugin_name, "noop")
            self.assertFalse(s.remote)
            self.assertEqual(s.remote_id, 0)
            self.assertEqual(s.hint, PluginType.NONE)
            self.assertTrue(os.path.isdir(s.rundir))
            rundir = s.rundir
            self.assertIn("noop", repr(s))
        self.assertTrue(s.closed)
        self.assertFalse(os.path.exists(rundir))
        s.close()  # idempotent

    def test_distinct_ids(self):
        with vaccel.Session() as a, vaccel.Session() as b:
            self.assertNotEqual(a.id, b.id)

    def test_op_after_close(self):
        s = vaccel.Session()
        s.close()
        with self.assertRaises(VaccelError) as cm:
            s.noop()
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)
        self.assertIn("closed", cm.exception.message)

    def test_no_transport_for_remote_hint(self):
        with self.assertRaises(VaccelError) as cm:
            vaccel.Session(PluginType.REMOTE)
        e = cm.exception
        self.assertEqual(e.code, ErrorCode.ENOTSUP)
        self.assertEqual(e.where, "vaccel_session_init")
        self.assertEqual(e.strerror,
                         "operation not supported by the session's plugin")
        self.assertEqual(e.reason, "Could not select plugin, no VirtIO "
                         "plugin registered")

    def test_hint_matching_the_plugin(self):
        with vaccel.Session(PluginType.DEBUG) as s:
            self.assertEqual(s.hint, PluginType.DEBUG)
            s.update(PluginType.DEBUG)
            self.assertEqual(s.plugin_name, "noop")

    def test_garbage_collected_session_is_released(self):
        s = vaccel.Session()
        rundir = s.rundir
        del s
        gc.collect()
        self.assertFalse(os.path.exists(rundir))


class Resources(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.file = os.path.join(self.tmp.name, "model.bin")
        with open(self.file, "wb") as f:
            f.write(b"model bytes")

    def tearDown(self):
        self.tmp.cleanup()

    def test_register_unregister(self):
        with vaccel.Session() as s, vaccel.Resource(self.file) as r:
            self.assertGreater(r.id, 0)
            self.assertEqual(r.type, ResourceType.MODEL)
            self.assertEqual(r.refcount, 0)
            s.register(r)
            self.assertEqual(r.refcount, 1)
            self.assertTrue(s.has_resource(r))
            self.assertEqual(s.resources, [r])
            self.assertEqual(r.sessions, [s])
            s.unregister(r)
            self.assertEqual(r.refcount, 0)
            self.assertFalse(s.has_resource(r))
            with self.assertRaises(VaccelError) as cm:
                s.unregister(r)
            self.assertEqual(cm.exception.code, ErrorCode.EINVAL)

    def test_kinds(self):
        other = os.path.join(self.tmp.name, "labels.txt")
        pathlib.Path(other).write_text("a\nb\n")
        made = [
            vaccel.Resource(pathlib.Path(self.file), ResourceType.DATA),
            vaccel.Resource([self.file, other]),
            vaccel.Resource(self.tmp.name),  # a directory
            vaccel.Resource.from_bytes(b"abc", "x.bin"),
            vaccel.Resource.from_bytes(bytearray(b"abc"), mem_only=True),
            vaccel.Resource.from_buffers({"a.model": b"x", "a.onnx": b"y"}),
        ]
        with vaccel.Session() as s:
            for r in made:
                with self.subTest(resource=r):
                    s.register(r)
                    self.assertEqual(r.refcount, 1)
        for r in made:
            self.assertEqual(r.refcount, 0)  # the session unregistered
            r.close()
            self.assertTrue(r.closed)

    def test_file_resource_directory_removed_on_close(self):
        r = vaccel.Resource.from_bytes(b"abc", "x.bin")
        rundir = r._struct.rundir.decode()
        self.assertTrue(os.path.isfile(os.path.join(rundir, "x.bin")))
        del r
        gc.collect()
        self.assertFalse(os.path.exists(rundir))

    def test_bad_resources(self):
        with self.assertRaises(VaccelError) as cm:
            vaccel.Resource(os.path.join(self.tmp.name, "missing"))
        self.assertEqual(cm.exception.where, "vaccel_resource_init")
        self.assertIn(cm.exception.code, (ErrorCode.ENOENT, ErrorCode.EINVAL))
        with self.assertRaises(VaccelError):
            vaccel.Resource("nosuch://example.com/x")
        with self.assertRaises(ValueError):
            vaccel.Resource(self.file, 7)
        with self.assertRaises(ValueError):
            vaccel.Resource.from_bytes(b"")
        with self.assertRaises(TypeError):
            vaccel.Resource(42)

    def test_close_while_registered(self):
        s = vaccel.Session()
        r = vaccel.Resource(self.file)
        s.register(r)
        r.close()
        self.assertEqual(s.resources, [])
        with self.assertRaises(VaccelError):
            s.register(r)  # closed
        s.close()

    def test_session_close_keeps_resource(self):
        r = vaccel.Resource(self.file)
        with vaccel.Session() as s:
            s.register(r)
        self.assertFalse(r.closed)
        with vaccel.Session() as s2:
            s2.register(r)
            self.assertEqual(r.refcount, 1)
        r.close()


class ImageOps(unittest.TestCase):
    def test_classify_inputs(self):
        arr = np.frombuffer(IMG, dtype=np.uint8) if np is not None else IMG
        with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
            f.write(IMG)
            f.flush()
            inputs = [IMG, bytearray(IMG), memoryview(IMG), arr,
                      pathlib.Path(f.name), f.name]
            with vaccel.Session() as s:
                for img in inputs:
                    with self.subTest(kind=type(img).__name__):
                        self.assertEqual(s.classify(img), (TAG, NAME))

    def test_errors(self):
        with vaccel.Session() as s:
            # a str is a path, as in upstream's bindings
            with self.assertRaises(FileNotFoundError):
                s.classify("/nonexistent/photo.jpg")
            with self.assertRaises(VaccelError) as cm:
                s.detect(b"")
            e = cm.exception
            self.assertEqual(e.code, ErrorCode.EINVAL)
            self.assertEqual(e.where, "vaccel_image_detection")
            # libvaccel's reason travels in the exception
            self.assertEqual(e.reason, "IMAGE_DETECT: invalid argument: "
                             "image (NULL or empty)")
            self.assertEqual(e.message, e.reason)
            self.assertEqual(e.strerror, "Invalid argument")
            self.assertIn("image (NULL or empty)", str(e))
            # a call that succeeds after one that failed has no reason
            s.detect(IMG)
            self.assertIsNone(vaccel._lib.last_error())


class Args(unittest.TestCase):
    NUMERIC = ["int8", "int16", "int32", "int64", "uint8", "uint16",
               "uint32", "uint64", "float32", "float64", "bool", "uchar"]

    def test_scalar_values(self):
        self.assertEqual(Arg.int32(-5).value, -5)
        self.assertEqual(Arg.uint64(2**64 - 1).value, 2**64 - 1)
        self.assertEqual(Arg.float(1.5).value, 1.5)
        self.assertEqual(Arg.double(0.1).value, 0.1)
        self.assertIs(Arg.bool(1).value, True)
        self.assertEqual(Arg.char("a").value, b"a")
        self.assertEqual(Arg.int16(-2).bytes(), b"\xfe\xff")
        self.assertEqual(Arg.int32().value, 0)
        self.assertEqual(Arg.int64(1).type, ArgType.INT64)

    def test_ranges(self):
        with self.assertRaises(ValueError):
            Arg.uint8(256)
        with self.assertRaises(ValueError):
            Arg.int8(-129)
        with self.assertRaises(ValueError):
            Arg.uint32_array([1, -1])

    def test_arrays(self):
        a = Arg.int16_array([1, -2, 3])
        self.assertEqual((a.type, a.size, a.value),
                         (ArgType.INT16_ARRAY, 6, [1, -2, 3]))
        self.assertEqual(Arg.float32_array(count=2).value, [0.0, 0.0])
        self.assertEqual(Arg.uchar_array(b"hi").value, b"hi")
        self.assertEqual(Arg.char_array(count=3).value, b"\0\0\0")
        self.assertEqual(Arg.uint8_array([1, 2], count=4).value, [1, 2, 0, 0])
        with self.assertRaises(ValueError):
            Arg.int32_array(count=0)
        with self.assertRaises(ValueError):
            Arg.int32_array([1, 2, 3], count=2)

    def test_bytes_types(self):
        self.assertEqual(Arg.string("héllo").bytes(),
                         "héllo".encode() + b"\0")
        self.assertEqual(Arg.string("x").value, "x")
        with self.assertRaises(ValueError):
            Arg.string("a\0b")
        b = Arg.buffer(b"ab", size=4)
        self.assertEqual((b.type, b.value), (ArgType.BUFFER, b"ab\0\0"))
        self.assertEqual(Arg.raw(size=2).value, b"\0\0")
        c = Arg.custom(7, b"xyz")
        self.assertEqual((c.type, c.custom_id, c.value),
                         (ArgType.CUSTOM, 7, b"xyz"))
        with self.assertRaises(ValueError):
            Arg.buffer(b"abc", size=2)
        with self.assertRaises(ValueError):
            Arg.buffer()

    def test_numpy_arrays(self):
        if np is None:
            self.skipTest("numpy is not installed")
        a = Arg.from_numpy(np.arange(4, dtype=np.float64))
        self.assertEqual(a.type, ArgType.FLOAT64_ARRAY)
        self.assertIsInstance(a.value, np.ndarray)
        self.assertEqual(a.value.tolist(), [0.0, 1.0, 2.0, 3.0])
        self.assertEqual(Arg.int32_array(np.array([[1, 2], [3, 4]])).value
                         .tolist(), [1, 2, 3, 4])
        with self.assertRaises(TypeError):
            Arg.from_numpy(np.zeros(2, dtype=np.complex64))

    def test_exec_echo_of_every_numeric_array(self):
        # the noop plugin copies read[0] into write[0] of the same size
        with vaccel.Session() as s:
            for name in self.NUMERIC:
                with self.subTest(type=name):
                    values = [1, 0, 1, 1] if name == "bool" else [1, 2, 3, 4]
                    src = getattr(Arg, name + "_array")(values)
                    out = getattr(Arg, name + "_array")(count=4)
                    got = s.exec("libnothing.so", "f", [src], [out])
                    want = b"\1\2\3\4" if name == "uchar" else (
                        [bool(v) for v in values] if name == "bool" else
                        [type(got[0][0])(v) for v in values])
                    self.assertEqual(got[0], want)
                    self.assertEqual(out.value, want)

    def test_exec_scalars_and_plain_values(self):
        with vaccel.Session() as s:
            self.assertEqual(s.exec("lib.so", "f", [Arg.int32(7)],
                                    [Arg.int32()]), [7])
            self.assertEqual(s.exec("lib.so", "f", [Arg.float64(2.5)],
                                    [Arg.float64()]), [2.5])
            # bytes -> BUFFER, str -> STRING
            self.assertEqual(s.exec("lib.so", "f", [b"abcd", "s"],
                                    [bytearray(4)]), [b"abcd"])
            with self.assertRaises(TypeError):
                s.exec("lib.so", "f", [5], [])
            self.assertEqual(s.exec(pathlib.Path("/x/lib.so"), b"f"), [])


class Genop(unittest.TestCase):
    def test_plain_bytes_read_arg(self):
        with vaccel.Session() as s:
            out = s.genop("image_detect", [IMG], [Arg.uchar_array(count=64)])
            self.assertTrue(out[0].startswith(NAME.encode()))

    def test_layout_errors_come_from_libvaccel(self):
        with vaccel.Session() as s:
            cases = [
                (Op.IMAGE_CLASSIFY, [Arg.buffer(IMG)],
                 [Arg.uchar_array(count=8)]),  # one write arg missing
                (Op.NOOP, [], []),  # refused as upstream
                (Op.IMAGE_DETECT, [Arg.int32(1)], [Arg.uchar_array(count=8)]),
                (99, [], []),
            ]
            for op, rd, wr in cases:
                with self.subTest(op=op):
                    with self.assertRaises(VaccelError) as cm:
                        s.genop(op, rd, wr)
                    self.assertEqual(cm.exception.where, "vaccel_genop")
                    self.assertIn(cm.exception.code,
                                  (ErrorCode.EINVAL, ErrorCode.ENOTSUP))
            with self.assertRaises(ValueError):
                s.genop("no_such_op")


class Models(unittest.TestCase):
    def setUp(self):
        self.sess = vaccel.Session()
        self.res = vaccel.Resource.from_bytes(b"model", "m.onnx")
        self.sess.register(self.res)

    def tearDown(self):
        self.sess.close()
        self.res.close()

    def test_onnx_every_dtype_round_trips(self):
        for dtype, size in vaccel.tensor.ELEMENT_SIZE.items():
            with self.subTest(dtype=dtype):
                data = bytes(range(2 * 3 * size))
                out = self.sess.onnx_run(self.res, [(dtype, (2, 3), data)])
                self.assertEqual(out, [vaccel.Tensor(dtype, (2, 3), data)])

    def test_torch_every_dtype_round_trips(self):
        for dtype in vaccel.tensor.TORCH_DTYPES:
            with self.subTest(dtype=dtype):
                size = vaccel.tensor.ELEMENT_SIZE[dtype]
                data = bytes(range(4 * size))
                out = self.sess.torch_run(self.res, [(dtype, [4], data)])
                self.assertEqual(out, [vaccel.Tensor(dtype, (4,), data)])

    def test_numpy_in_numpy_out(self):
        if np is None:
            self.skipTest("numpy is not installed")
        x = np.arange(12, dtype=np.int64).reshape(3, 4)[:, ::2]  # strided
        outs = self.sess.onnx_run(self.res, [x], nr_outputs=2)
        self.assertEqual(len(outs), 2)
        for o in outs:
            self.assertIsInstance(o, np.ndarray)
            self.assertTrue(np.array_equal(o, x))
        t = self.sess.onnx_run(self.res, [x], as_numpy=False)[0]
        self.assertEqual((t.dtype, t.shape), ("int64", (3, 2)))
        scalar = self.sess.torch_run(self.res, [np.array(2.5, np.float32)])
        self.assertEqual(scalar[0].shape, (1,))
        self.assertEqual(float(scalar[0][0]), 2.5)
        listed = self.sess.onnx_run(self.res, [("float32", [1], b"\0" * 4)],
                                    as_numpy=True)
        self.assertIsInstance(listed[0], np.ndarray)

    def test_numpy_asked_without_numpy(self):
        if np is not None:
            self.skipTest("numpy is installed")
        with self.assertRaisesRegex(RuntimeError, "numpy"):
            self.sess.onnx_run(self.res, [("int8", [1], b"x")],
                               as_numpy=True)

    def test_no_outputs_asked(self):
        self.assertEqual(self.sess.onnx_run(self.res, [("int8", [1], b"x")],
                                            nr_outputs=0), [])

    def test_load_unload(self):
        self.sess.onnx_load(self.res)
        self.sess.onnx_unload(self.res)
        self.sess.torch_load(self.res)

    def test_tensor_errors(self):
        with self.assertRaises(TypeError):
            self.sess.onnx_run(self.res, [("complex64", [1], b"\0" * 8)])
        with self.assertRaises(TypeError):
            self.sess.torch_run(self.res, [("uint16", [1], b"\0" * 2)])
        with self.assertRaises(TypeError):
            self.sess.onnx_run(self.res, [b"not a tensor"])
        with self.assertRaises(ValueError):
            self.sess.onnx_run(self.res, [("int8", [-1], b"")])
        # more dims than libvaccel allows (16 for ONNX): its error
        with self.assertRaises(VaccelError) as cm:
            self.sess.onnx_run(self.res, [("int8", [1] * 17, b"x")])
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)

    def test_unregistered_model(self):
        with vaccel.Resource.from_bytes(b"m", "other.onnx") as other:
            with self.assertRaises(VaccelError) as cm:
                self.sess.onnx_run(other, [("int8", [1], b"x")])
            self.assertIn(cm.exception.code,
                          (ErrorCode.EPERM, ErrorCode.EINVAL))
            with self.assertRaises(VaccelError):
                self.sess.torch_run(other, [("int8", [1], b"x")])


class Sgemm(unittest.TestCase):
    def test_noop_leaves_c(self):
        with vaccel.Session() as s:
            c = [[1, 2], [3, 4]]
            self.assertEqual(s.sgemm([1] * 6, [1] * 6, 2, 2, 3, c=c),
                             [1.0, 2.0, 3.0, 4.0])
            self.assertEqual(s.sgemm([1] * 2, [1] * 2, 1, 1, 2), [0.0])

    def test_shape_errors(self):
        with vaccel.Session() as s:
            with self.assertRaisesRegex(ValueError, "sgemm A"):
                s.sgemm([1] * 5, [1] * 6, 2, 2, 3)
            with self.assertRaisesRegex(ValueError, "sgemm C"):
                s.sgemm([1] * 6, [1] * 6, 2, 2, 3, c=[1])
            with self.assertRaises(ValueError):
                s.sgemm([], [], 0, 1, 1)


class Errors(unittest.TestCase):
    def test_error_object(self):
        e = VaccelError(ErrorCode.ENOENT, "No such file", "vaccel_x")
        self.assertEqual((e.code, e.errno, e.name, e.where),
                         (errno.ENOENT, errno.ENOENT, "VACCEL_ENOENT",
                          "vaccel_x"))
        self.assertEqual(str(e), "vaccel_x: No such file (VACCEL_ENOENT)")
        self.assertEqual(e.args, (errno.ENOENT, "No such file"))
        self.assertEqual(VaccelError(1234, "x").name, "errno 1234")

    def test_codes_are_errno(self):
        self.assertEqual(ErrorCode.EBACKEND, errno.EPROTO)
        self.assertEqual(ErrorCode.ESESS, errno.ECONNRESET)
        self.assertEqual(ErrorCode.ENOTSUP, errno.ENOTSUP)

    def test_strerror_text_is_libvaccels(self):
        self.assertEqual(vaccel._lib.strerror(ErrorCode.EBACKEND),
                         "the backend failed")


class Threads(unittest.TestCase):
    def test_ops_from_many_threads(self):
        errors, results = [], []
        with vaccel.Session() as s:
            def work():
                try:
                    for _ in range(200):
                        results.append(s.classify(IMG))
                except Exception as exc:  # noqa: BLE001
                    errors.append(exc)
            threads = [threading.Thread(target=work) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 1600)
        self.assertTrue(all(r == (TAG, NAME) for r in results))

    def test_close_while_ops_run(self):
        s = vaccel.Session()
        seen, started = [], threading.Event()

        def work():
            try:
                while True:
                    s.detect(IMG)
                    started.set()
            except VaccelError as exc:
                seen.append(exc)
            except Exception as exc:  # noqa: BLE001
                seen.append(exc)
                started.set()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        started.wait(10)
        s.close()
        for t in threads:
            t.join(10)
        self.assertEqual(len(seen), 4)
        for exc in seen:
            self.assertIsInstance(exc, VaccelError)
            self.assertIn("closed", exc.message)


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "noop"."""
    context = "noop"


if __name__ == "__main__":
    support.main()
