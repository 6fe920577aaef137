# SPDX-License-Identifier: Apache-2.0
"""Turning Python data into C buffers and back; numpy is optional.

Contract of :func:`input_buffer`: it returns ``(address, size, keep)``
where ``keep`` must stay referenced while C uses the address. Read-only
data (``bytes``) is passed in place; the C side must not write it (libvaccel
takes these buffers as ``const``).
"""
import array
import ctypes
import os

try:  # optional
    import numpy as np
except ImportError:  # pragma: no cover - depends on the interpreter
    np = None

__all__ = ["np", "HAVE_NUMPY", "is_ndarray", "input_buffer",
           "image_bytes", "float32_array", "read_bytes"]

HAVE_NUMPY = np is not None


def is_ndarray(obj):
    """True if ``obj`` is a numpy array (False when numpy is absent)."""
    return np is not None and isinstance(obj, np.ndarray)


def input_buffer(data):
    """(address, size, keep) of a bytes-like object, read in place.

    Accepts bytes, bytearray, memoryview (C-contiguous), array.array and
    numpy arrays (made contiguous). An empty buffer gives address None.
    """
    if is_ndarray(data):
        arr = np.ascontiguousarray(data)
        return (arr.ctypes.data if arr.nbytes else None), arr.nbytes, arr
    if isinstance(data, bytes):
        if not data:
            return None, 0, data
        # c_char_p points at the bytes object's own storage (no copy)
        ptr = ctypes.c_char_p(data)
        return ctypes.cast(ptr, ctypes.c_void_p).value, len(data), (data, ptr)
    view = memoryview(data)
    if not view.c_contiguous:
        raise TypeError("buffer must be C-contiguous")
    size = view.nbytes
    if size == 0:
        return None, 0, view
    if view.readonly:
        buf = (ctypes.c_char * size).from_buffer_copy(view.cast("B"))
    else:
        buf = (ctypes.c_char * size).from_buffer(view.cast("B"))
    return ctypes.addressof(buf), size, (buf, view)


def image_bytes(image):
    """The encoded image bytes of ``image``: bytes-like (the image itself),
    or a path (``str`` or ``os.PathLike``, as upstream's bindings take file
    names) whose file is read."""
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as f:
            return f.read()
    return image


def float32_array(values, count, what):
    """(ctypes float array, was_numpy) holding ``count`` float32 values.

    ``values`` is a numpy array, an ``array.array('f')``, or a (possibly
    nested) sequence of numbers, flattened in row-major order. Its element
    count must be exactly ``count`` (ValueError otherwise).
    """
    buf_t = ctypes.c_float * count
    if is_ndarray(values):
        flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        _check_count(flat.size, count, what)
        return buf_t.from_buffer_copy(flat.tobytes()), True
    if isinstance(values, array.array) and values.typecode == "f":
        _check_count(len(values), count, what)
        return buf_t.from_buffer_copy(values.tobytes()), False
    flat = list(_flatten(values))
    _check_count(len(flat), count, what)
    return buf_t(*flat), False


def _flatten(values):
    for v in values:
        if isinstance(v, (list, tuple)) or is_ndarray(v):
            yield from _flatten(v)
        else:
            yield float(v)


def _check_count(got, want, what):
    if got != want:
        raise ValueError("%s: %d values given, %d expected" %
                         (what, got, want))


def read_bytes(address, size):
    """A new bytearray with ``size`` bytes copied from ``address``."""
    if not size:
        return bytearray()
    return bytearray((ctypes.c_char * size).from_address(address))
