"""Run an ONNX model with the ONNX Runtime C API through ctypes.

There is no Python onnxruntime package here, only the C library; this module
calls it the way the project's C plugin does: OrtGetApiBase() -> GetApi() ->
a table of function pointers (struct OrtApi).  The table is append-only across
ORT releases, so each function has a fixed index; INDEX below lists the ones
used, and check_header() re-derives them from onnxruntime_c_api.h so a test
can prove the numbers right.

Library: $VACCEL_ORT_LIB, else $VACCEL_DEPS/onnxruntime/lib/libonnxruntime.so.1
(VACCEL_DEPS defaults to /opt/vaccel-deps).

Command line:
  python3 ort_run.py MODEL.onnx IN.npy [IN2.npy ...] [--out PREFIX] [--bench N]
  python3 ort_run.py --check-header [HEADER]
"""

import argparse
import ctypes as C
import os
import re
import sys
import time

import numpy as np

# Requested API version: every function used exists since version 1; 16 is a
# floor old enough for any ORT the project may be pointed at.
API_VERSION = 16

# Position of each used function in struct OrtApi (0-based).
INDEX = {
    "GetErrorMessage": 2,
    "CreateEnv": 3,
    "CreateSession": 7,
    "Run": 9,
    "CreateSessionOptions": 10,
    "SetIntraOpNumThreads": 24,
    "SetInterOpNumThreads": 25,
    "SessionGetInputCount": 30,
    "SessionGetOutputCount": 31,
    "SessionGetInputName": 36,
    "SessionGetOutputName": 37,
    "CreateTensorWithDataAsOrtValue": 49,
    "GetTensorMutableData": 51,
    "GetTensorElementType": 60,
    "GetDimensionsCount": 61,
    "GetDimensions": 62,
    "GetTensorTypeAndShape": 65,
    "CreateCpuMemoryInfo": 69,
    "AllocatorFree": 76,
    "GetAllocatorWithDefaultOptions": 78,
    "ReleaseEnv": 92,
    "ReleaseStatus": 93,
    "ReleaseMemoryInfo": 94,
    "ReleaseSession": 95,
    "ReleaseValue": 96,
    "ReleaseTensorTypeAndShapeInfo": 99,
    "ReleaseSessionOptions": 100,
}

P = C.c_void_p
PP = C.POINTER(C.c_void_p)
STATUS = C.c_void_p  # OrtStatus*; NULL means success
SIGNATURES = {
    "GetErrorMessage": (C.c_char_p, P),
    "CreateEnv": (STATUS, C.c_int, C.c_char_p, PP),
    "CreateSession": (STATUS, P, C.c_char_p, P, PP),
    "Run": (STATUS, P, P, C.POINTER(C.c_char_p), PP, C.c_size_t,
            C.POINTER(C.c_char_p), C.c_size_t, PP),
    "CreateSessionOptions": (STATUS, PP),
    "SetIntraOpNumThreads": (STATUS, P, C.c_int),
    "SetInterOpNumThreads": (STATUS, P, C.c_int),
    "SessionGetInputCount": (STATUS, P, C.POINTER(C.c_size_t)),
    "SessionGetOutputCount": (STATUS, P, C.POINTER(C.c_size_t)),
    "SessionGetInputName": (STATUS, P, C.c_size_t, P, C.POINTER(C.c_char_p)),
    "SessionGetOutputName": (STATUS, P, C.c_size_t, P, C.POINTER(C.c_char_p)),
    "CreateTensorWithDataAsOrtValue": (STATUS, P, P, C.c_size_t, C.POINTER(C.c_int64),
                                       C.c_size_t, C.c_int, PP),
    "GetTensorMutableData": (STATUS, P, PP),
    "GetTensorElementType": (STATUS, P, C.POINTER(C.c_int)),
    "GetDimensionsCount": (STATUS, P, C.POINTER(C.c_size_t)),
    "GetDimensions": (STATUS, P, C.POINTER(C.c_int64), C.c_size_t),
    "GetTensorTypeAndShape": (STATUS, P, PP),
    "CreateCpuMemoryInfo": (STATUS, C.c_int, C.c_int, PP),
    "AllocatorFree": (STATUS, P, P),
    "GetAllocatorWithDefaultOptions": (STATUS, PP),
}
RELEASE = ("ReleaseEnv", "ReleaseStatus", "ReleaseMemoryInfo", "ReleaseSession",
           "ReleaseValue", "ReleaseTensorTypeAndShapeInfo", "ReleaseSessionOptions")

# ONNXTensorElementDataType values <-> numpy.
ELEM = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_,
        11: np.float64}
ELEM_OF = {np.dtype(v): k for k, v in ELEM.items()}

ORT_LOGGING_LEVEL_ERROR = 3
ORT_DEVICE_ALLOCATOR, ORT_MEM_TYPE_DEFAULT = 0, 0


def default_library():
    if os.environ.get("VACCEL_ORT_LIB"):
        return os.environ["VACCEL_ORT_LIB"]
    deps = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
    return os.path.join(deps, "onnxruntime", "lib", "libonnxruntime.so.1")


class OrtApiBase(C.Structure):
    _fields_ = [("GetApi", C.CFUNCTYPE(P, C.c_uint32)),
                ("GetVersionString", C.CFUNCTYPE(C.c_char_p))]


class OrtError(RuntimeError):
    pass


class Api:
    """The used part of struct OrtApi as Python callables that raise OrtError."""

    def __init__(self, library=None):
        self.lib = C.CDLL(library or default_library())
        self.lib.OrtGetApiBase.restype = C.POINTER(OrtApiBase)
        base = self.lib.OrtGetApiBase().contents
        self.version = base.GetVersionString().decode()
        table = base.GetApi(API_VERSION)
        if not table:
            raise OrtError(f"ONNX Runtime {self.version} lacks API version {API_VERSION}")
        self.table = C.cast(table, PP)
        for name, sig in SIGNATURES.items():
            setattr(self, "_" + name, C.CFUNCTYPE(*sig)(self.table[INDEX[name]]))
        for name in RELEASE:
            setattr(self, name, C.CFUNCTYPE(None, P)(self.table[INDEX[name]]))

    def __getattr__(self, name):
        raw = self.__dict__.get("_" + name)
        if raw is None:
            raise AttributeError(name)

        def call(*args):
            status = raw(*args)
            if name != "GetErrorMessage" and status:
                msg = self._GetErrorMessage(status).decode()
                self.ReleaseStatus(status)
                raise OrtError(f"{name}: {msg}")
            return status

        return call


def out_ptr():
    return C.c_void_p()


class Session:
    """One ORT session on the CPU; run() takes and returns numpy arrays."""

    def __init__(self, model_path, library=None, threads=1, api=None):
        self.api = api or Api(library)
        a = self.api
        self.env, opts, self.session, self.mem = out_ptr(), out_ptr(), out_ptr(), out_ptr()
        a.CreateEnv(ORT_LOGGING_LEVEL_ERROR, b"ort_run", C.byref(self.env))
        a.CreateSessionOptions(C.byref(opts))
        try:
            a.SetIntraOpNumThreads(opts, threads)
            a.SetInterOpNumThreads(opts, threads)
            a.CreateSession(self.env, os.fsencode(model_path), opts, C.byref(self.session))
        finally:
            a.ReleaseSessionOptions(opts)
        a.CreateCpuMemoryInfo(ORT_DEVICE_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, C.byref(self.mem))
        self.input_names = self._names(a.SessionGetInputCount, a.SessionGetInputName)
        self.output_names = self._names(a.SessionGetOutputCount, a.SessionGetOutputName)

    def _names(self, count_fn, name_fn):
        a = self.api
        alloc, n = out_ptr(), C.c_size_t()
        a.GetAllocatorWithDefaultOptions(C.byref(alloc))
        count_fn(self.session, C.byref(n))
        names = []
        for i in range(n.value):
            s = C.c_char_p()
            name_fn(self.session, i, alloc, C.byref(s))
            names.append(s.value.decode())
            a.AllocatorFree(alloc, C.cast(s, P))  # ORT allocated the name
        return names

    def _tensor(self, array):
        if array.dtype not in ELEM_OF:
            raise OrtError(f"input dtype {array.dtype} not supported by this runner")
        shape = (C.c_int64 * array.ndim)(*array.shape)
        value = out_ptr()
        self.api.CreateTensorWithDataAsOrtValue(
            self.mem, array.ctypes.data_as(P), array.nbytes, shape, array.ndim,
            ELEM_OF[array.dtype], C.byref(value))
        return value

    def _to_numpy(self, value):
        a = self.api
        info, elem, ndim = out_ptr(), C.c_int(), C.c_size_t()
        a.GetTensorTypeAndShape(value, C.byref(info))
        try:
            a.GetTensorElementType(info, C.byref(elem))
            a.GetDimensionsCount(info, C.byref(ndim))
            dims = (C.c_int64 * ndim.value)()
            a.GetDimensions(info, dims, ndim.value)
        finally:
            a.ReleaseTensorTypeAndShapeInfo(info)
        data = out_ptr()
        a.GetTensorMutableData(value, C.byref(data))
        dtype = np.dtype(ELEM[elem.value])
        count = int(np.prod(list(dims), dtype=np.int64))
        raw = C.string_at(data, count * dtype.itemsize) if count else b""
        return np.frombuffer(raw, dtype).reshape(list(dims)).copy()

    def run(self, *arrays):
        """Feed the inputs in graph order; returns the outputs in graph order."""
        if len(arrays) != len(self.input_names):
            raise OrtError(f"model takes {len(self.input_names)} inputs, got {len(arrays)}")
        arrays = [np.ascontiguousarray(x) for x in arrays]  # kept alive during Run
        values = [self._tensor(x) for x in arrays]
        n_out = len(self.output_names)
        outs = (C.c_void_p * n_out)()
        in_names = (C.c_char_p * len(arrays))(*[n.encode() for n in self.input_names])
        out_names = (C.c_char_p * n_out)(*[n.encode() for n in self.output_names])
        try:
            self.api.Run(self.session, None, in_names, (C.c_void_p * len(values))(
                *[v.value for v in values]), len(values), out_names, n_out, outs)
            return [self._to_numpy(C.c_void_p(v)) for v in outs]
        finally:
            for v in values:
                self.api.ReleaseValue(v)
            for v in outs:
                if v:
                    self.api.ReleaseValue(C.c_void_p(v))

    def close(self):
        if self.session:
            self.api.ReleaseSession(self.session)
            self.api.ReleaseMemoryInfo(self.mem)
            self.api.ReleaseEnv(self.env)
            self.session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def header_order(header):
    """Names of struct OrtApi's members in declaration order, from the header."""
    src = open(header).read()
    body = src[src.index("struct OrtApi {"):]
    body = body[:body.index("\n};")]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    body = re.sub(r"//[^\n]*", "", body)
    member = re.compile(r"ORT_API2_STATUS\(\s*(\w+)"  # status-returning function
                        r"|ORT_CLASS_RELEASE2?\(\s*(\w+)\s*\)"  # ReleaseX
                        r"|\(\s*ORT_API_CALL\s*\*\s*(\w+)\s*\)"  # plain pointer
                        r"|ORT_API_T\s*\(\s*[^,]+,\s*(\w+)")
    names = []
    for m in member.finditer(body):
        release, name = m.group(2), next(g for g in m.groups() if g)
        names.append("Release" + release if release else name)
    return names


def check_header(header=None):
    """List the INDEX entries that disagree with the header (empty: all good)."""
    if header is None:
        deps = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
        header = os.path.join(deps, "onnxruntime", "include", "onnxruntime_c_api.h")
    order = header_order(header)
    bad = []
    for name, idx in INDEX.items():
        if idx >= len(order) or order[idx] != name:
            found = order.index(name) if name in order else None
            bad.append(f"{name}: table says {idx}, header says {found}")
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?")
    ap.add_argument("inputs", nargs="*", help=".npy files, one per model input")
    ap.add_argument("--out", help="write PREFIX.<k>.npy per output")
    ap.add_argument("--bench", type=int, default=0, help="time N runs, print best")
    ap.add_argument("--check-header", nargs="?", const="", metavar="HEADER")
    args = ap.parse_args(argv)
    if args.check_header is not None:
        bad = check_header(args.check_header or None)
        print("\n".join(bad) if bad else f"all {len(INDEX)} OrtApi indices match the header")
        return 1 if bad else 0
    if not args.model:
        ap.error("model required")
    with Session(args.model) as s:
        xs = [np.load(p) for p in args.inputs]
        outs = s.run(*xs)
        for name, y in zip(s.output_names, outs):
            print(f"{name}: shape {list(y.shape)} {y.dtype} min {y.min():.6g} max {y.max():.6g}")
        if args.out:
            for k, y in enumerate(outs):
                np.save(f"{args.out}.{k}.npy", y)
        if args.bench:
            best = min(_timed(s, xs) for _ in range(args.bench))
            print(f"ORT {s.api.version}: best of {args.bench}: {best * 1e3:.2f} ms")
    return 0


def _timed(session, xs):
    t = time.perf_counter()
    session.run(*xs)
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
