# SPDX-License-Identifier: Apache-2.0
"""Tensors of the ONNX and Torch model ops.

A tensor is given as a numpy array or as ``(dtype, shape, data)``:
``dtype`` a name (``"float32"``, ``"int64"``, ``"uint8"``, ...; a numpy dtype
works too), ``shape`` a sequence of ints, ``data`` bytes-like in C order.
Outputs come back as numpy arrays or as :class:`Tensor` named tuples (see
:func:`run_model`). Input data is passed in place (not copied); output
tensors are copied into Python and freed with the library's
``vaccel_<family>_tensor_delete``, whatever happens.
"""
import collections
import ctypes

from . import _buffers as B
from . import _lib
from . import _structs as S
from .error import ErrorCode, VaccelError, check

__all__ = ["Tensor", "ONNX_DTYPES", "TORCH_DTYPES", "ELEMENT_SIZE"]

Tensor = collections.namedtuple("Tensor", "dtype shape data")
Tensor.__doc__ = """A tensor: dtype name, shape tuple, bytes (C order)."""

# enum vaccel_onnx_data_type (ONNX's TensorProto.DataType numbers)
ONNX_DTYPES = {"float32": 1, "uint8": 2, "int8": 3, "uint16": 4, "int16": 5,
               "int32": 6, "int64": 7, "bool": 9, "float16": 10,
               "float64": 11, "uint32": 12, "uint64": 13}
# enum vaccel_torch_data_type
TORCH_DTYPES = {"uint8": 1, "int8": 2, "int16": 3, "int32": 4, "int64": 5,
                "float16": 6, "float32": 7}
ELEMENT_SIZE = {"float32": 4, "uint8": 1, "int8": 1, "uint16": 2,
                "int16": 2, "int32": 4, "int64": 8, "bool": 1, "float16": 2,
                "float64": 8, "uint32": 4, "uint64": 8}
_DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16",
                  "long": "int64", "int": "int32", "byte": "uint8"}


class _Family:
    """What differs between the ONNX and the Torch tensor functions."""

    def __init__(self, name, dtypes, struct, ndims_t):
        self.name = name
        self.dtypes = dtypes
        self.names = {v: k for k, v in dtypes.items()}
        self.struct = struct
        self.ndims_t = ndims_t

    def code(self, dtype):
        """Enum value of ``dtype`` (name, numpy dtype or enum int)."""
        if isinstance(dtype, int):
            return dtype
        name = B.np.dtype(dtype).name if (
            B.np is not None and not isinstance(dtype, str)) else str(dtype)
        name = _DTYPE_ALIASES.get(name, name)
        try:
            return self.dtypes[name]
        except KeyError:
            raise TypeError("%s tensors: unsupported dtype %r (supported: %s)"
                            % (self.name, dtype, ", ".join(self.dtypes)))

    def fn(self, what):
        return getattr(_lib.lib(), "vaccel_%s_tensor_%s" % (self.name, what))


ONNX = _Family("onnx", ONNX_DTYPES, S.OnnxTensor, ctypes.c_int)
TORCH = _Family("torch", TORCH_DTYPES, S.TorchTensor, ctypes.c_int64)


def _describe(tensor):
    """(dtype, shape, address, size, keep) of an input tensor."""
    if B.is_ndarray(tensor):
        arr = B.np.ascontiguousarray(tensor)
        shape = arr.shape or (1,)
        return arr.dtype, shape, arr.ctypes.data, arr.nbytes, arr
    try:
        dtype, shape, data = tensor
    except (TypeError, ValueError):
        raise TypeError("a tensor is a numpy array or (dtype, shape, data)")
    shape = tuple(int(d) for d in shape) or (1,)
    if any(d < 0 for d in shape):
        raise ValueError("negative dimension in %r" % (shape,))
    addr, size, keep = B.input_buffer(data)
    return dtype, shape, addr, size, keep


def _new_input(fam, tensor, keep):
    """A library tensor referencing ``tensor``'s data; caller deletes it."""
    dtype, shape, addr, size, ref = _describe(tensor)
    keep.append(ref)
    dims = (ctypes.c_int64 * len(shape))(*shape)
    keep.append(dims)
    ptr = ctypes.c_void_p()
    strerr = _lib.strerror
    check(fam.fn("new")(ctypes.byref(ptr), len(shape), dims, fam.code(dtype)),
          "vaccel_%s_tensor_new" % fam.name, strerr)
    ret = fam.fn("set_data")(ptr, addr, size)
    if ret:
        fam.fn("delete")(ptr)
        check(ret, "vaccel_%s_tensor_set_data" % fam.name, strerr)
    return ptr.value


def _take_output(fam, ptr):
    """Copy a library output tensor into a :class:`Tensor`; delete it."""
    try:
        t = fam.struct.from_address(ptr)
        shape = tuple(t.dims[i] for i in range(int(t.nr_dims)))
        dtype = fam.names.get(t.data_type, t.data_type)
        data = bytes(B.read_bytes(t.data, t.size)) if t.data else b""
        return Tensor(dtype, shape, data)
    finally:
        fam.fn("delete")(ptr)


def to_numpy(t):
    """A numpy array of a :class:`Tensor` (the Tensor itself if its dtype
    is unknown to numpy)."""
    if not isinstance(t.dtype, str):
        return t
    arr = B.np.frombuffer(bytearray(t.data), dtype=t.dtype)
    return arr.reshape(t.shape)


def run_model(fam, run, inputs, nr_outputs, as_numpy):
    """Build input tensors, call ``run(in_array, n_in, out_array, n_out)``
    (which returns a vAccel code), and return the outputs.

    ``as_numpy`` None: numpy arrays if any input was one, else Tensors.
    """
    if nr_outputs < 0:
        raise ValueError("nr_outputs must be >= 0")
    keep, ins = [], []
    try:
        for t in inputs:
            ins.append(_new_input(fam, t, keep))
        in_arr = (ctypes.c_void_p * max(len(ins), 1))(*ins)
        out_arr = (ctypes.c_void_p * max(nr_outputs, 1))()
        _lib.lib().vaccel_last_error_clear()
        ret = run(in_arr if ins else None, len(ins), out_arr, nr_outputs)
        reason = _lib.last_error() if ret else None
    finally:
        for p in ins:
            fam.fn("delete")(p)
    outs = [p for p in out_arr[:nr_outputs]]
    if ret:
        for p in outs:
            if p:
                fam.fn("delete")(p)
        check(ret, "vaccel_%s_model_run" % fam.name, _lib.strerror, reason)
    results = [_take_output(fam, p) if p else None for p in outs]
    if any(r is None for r in results):
        raise VaccelError(ErrorCode.EBACKEND,
                          "the plugin returned a NULL output tensor",
                          "vaccel_%s_model_run" % fam.name)
    if as_numpy is None:
        as_numpy = any(B.is_ndarray(t) for t in inputs)
    if as_numpy:
        if not B.HAVE_NUMPY:
            raise RuntimeError("as_numpy=True but numpy is not installed")
        results = [to_numpy(r) for r in results]
    return results
