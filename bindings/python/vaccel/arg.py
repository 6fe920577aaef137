# SPDX-License-Identifier: Apache-2.0
"""Typed arguments of exec and genop (struct vaccel_arg).

An :class:`Arg` owns a mutable buffer (a copy of what it was given, or
zeroes): libvaccel gets the buffer's address, and a plugin writes its
results into the buffers of write args, which :attr:`Arg.value` then
decodes. Constructors, one per type of ``vaccel/arg.h``::

    Arg.int32(5)             Arg.int32()            # a scalar in / out slot
    Arg.float32_array([1, 2])  Arg.float32_array(count=4)
    Arg.string("libfoo.so")  Arg.buffer(b"...")     Arg.buffer(size=256)
    Arg.raw(...)  Arg.custom(type_id, data, size=None)

Scalars: int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 (alias
float) float64 (alias double) bool char uchar; each has ``<name>_array``.
"""
import ctypes

from . import _buffers as B
from . import _structs as S
from .enums import ArgType

__all__ = ["Arg", "as_arg", "c_args"]

# name: (ctypes type, scalar type, array type, numpy dtype or None)
_NUMERIC = {
    "int8": (ctypes.c_int8, ArgType.INT8, ArgType.INT8_ARRAY, "i1"),
    "int16": (ctypes.c_int16, ArgType.INT16, ArgType.INT16_ARRAY, "i2"),
    "int32": (ctypes.c_int32, ArgType.INT32, ArgType.INT32_ARRAY, "i4"),
    "int64": (ctypes.c_int64, ArgType.INT64, ArgType.INT64_ARRAY, "i8"),
    "uint8": (ctypes.c_uint8, ArgType.UINT8, ArgType.UINT8_ARRAY, "u1"),
    "uint16": (ctypes.c_uint16, ArgType.UINT16, ArgType.UINT16_ARRAY, "u2"),
    "uint32": (ctypes.c_uint32, ArgType.UINT32, ArgType.UINT32_ARRAY, "u4"),
    "uint64": (ctypes.c_uint64, ArgType.UINT64, ArgType.UINT64_ARRAY, "u8"),
    "float32": (ctypes.c_float, ArgType.FLOAT32, ArgType.FLOAT32_ARRAY, "f4"),
    "float64": (ctypes.c_double, ArgType.FLOAT64, ArgType.FLOAT64_ARRAY,
                "f8"),
    "bool": (ctypes.c_bool, ArgType.BOOL, ArgType.BOOL_ARRAY, "?"),
    "char": (ctypes.c_char, ArgType.CHAR, ArgType.CHAR_ARRAY, None),
    "uchar": (ctypes.c_ubyte, ArgType.UCHAR, ArgType.UCHAR_ARRAY, None),
}
_ALIASES = {"float": "float32", "double": "float64"}
_BY_DTYPE = {v[3]: k for k, v in _NUMERIC.items() if v[3]}
_BYTES_TYPES = (ArgType.RAW, ArgType.BUFFER, ArgType.CUSTOM,
                ArgType.CHAR_ARRAY, ArgType.UCHAR_ARRAY)


class Arg:
    """One typed argument: a type, a custom type id, and an owned buffer."""

    __slots__ = ("type", "custom_id", "_buf", "_elem", "_is_array",
                 "_numpy")

    def __init__(self, type, data=None, size=None, custom_id=0):
        """A raw-typed arg: ``data`` (bytes-like, copied) and/or ``size``.

        The buffer has ``size`` bytes (default: ``len(data)``), starting
        with a copy of ``data``; ValueError if ``data`` is longer.
        """
        self.type = ArgType(type)
        self.custom_id = int(custom_id)
        self._elem = None
        self._is_array = False
        self._numpy = False
        self._buf = _make_buffer(data, size)

    # ---- typed constructors -------------------------------------------

    @classmethod
    def _scalar(cls, name, value):
        ctype, stype, _, _ = _NUMERIC[name]
        arg = cls(stype, size=ctypes.sizeof(ctype))
        arg._elem = ctype
        if value is not None:
            ctype.from_buffer(arg._buf).value = _scalar_value(name, value)
        return arg

    @classmethod
    def _array(cls, name, values, count):
        ctype, _, atype, dtype = _NUMERIC[name]
        numpy_in = B.is_ndarray(values)
        if values is not None:
            if numpy_in:
                if dtype is None:
                    raise TypeError("%s_array: numpy input not supported"
                                    % name)
                values = B.np.ascontiguousarray(values,
                                                dtype=dtype).reshape(-1)
            else:
                values = [_scalar_value(name, v) for v in values]
            if count is None:
                count = len(values)
            elif count < len(values):
                raise ValueError("%s_array: %d values for count %d" %
                                 (name, len(values), count))
        if not count:
            raise ValueError("%s_array: give values or a count >= 1" % name)
        arg = cls(atype, size=count * ctypes.sizeof(ctype))
        arg._elem, arg._is_array, arg._numpy = ctype, True, numpy_in
        if values is not None:
            view = (ctype * count).from_buffer(arg._buf)
            if numpy_in:
                ctypes.memmove(view, values.ctypes.data, values.nbytes)
            else:
                view[:len(values)] = values
        return arg

    @classmethod
    def string(cls, text):
        """A STRING arg: ``text`` (str, UTF-8 encoded, or bytes) + NUL."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if b"\0" in data:
            raise ValueError("string: embedded NUL")
        return cls(ArgType.STRING, data + b"\0")

    @classmethod
    def buffer(cls, data=None, size=None):
        """A BUFFER arg (bytes in, or ``size`` zeroed bytes to be written)."""
        return cls(ArgType.BUFFER, data, size)

    @classmethod
    def raw(cls, data=None, size=None):
        """A RAW arg (untyped bytes)."""
        return cls(ArgType.RAW, data, size)

    @classmethod
    def custom(cls, type_id, data=None, size=None):
        """A CUSTOM arg with an application-defined ``type_id``."""
        return cls(ArgType.CUSTOM, data, size, custom_id=type_id)

    @classmethod
    def from_numpy(cls, array):
        """A typed array arg from a numpy array of a supported dtype."""
        name = _BY_DTYPE.get(B.np.dtype(array.dtype).str[1:])
        if name is None:
            raise TypeError("no vAccel arg type for dtype %s" % array.dtype)
        return cls._array(name, array, None)

    # ---- reading back -------------------------------------------------

    @property
    def size(self):
        """Size of the buffer in bytes."""
        return ctypes.sizeof(self._buf) if self._buf is not None else 0

    def bytes(self):
        """The buffer's current contents."""
        return bytes(self._buf) if self._buf is not None else b""

    def text(self):
        """The buffer up to its first NUL, decoded as UTF-8 (replacing)."""
        return self.bytes().split(b"\0", 1)[0].decode("utf-8", "replace")

    @property
    def value(self):
        """The contents decoded by type: a number for scalars, a list (a
        numpy array if made from one) for numeric arrays, str for STRING,
        bytes for RAW, BUFFER, CUSTOM, CHAR_ARRAY and UCHAR_ARRAY."""
        if self.type == ArgType.STRING:
            return self.text()
        if self.type in _BYTES_TYPES or self._elem is None:
            return self.bytes()
        count = self.size // ctypes.sizeof(self._elem)
        if not self._is_array:
            return self._elem.from_buffer(self._buf).value
        if self._numpy:
            return B.np.frombuffer(bytearray(self._buf),
                                   dtype=_np_dtype(self._elem))
        return list((self._elem * count).from_buffer(self._buf))

    def __repr__(self):
        return "Arg(%s, size=%d)" % (self.type.name, self.size)


def _make_buffer(data, size):
    """A zeroed c_char array of ``size`` bytes starting with ``data``."""
    if data is not None:
        data = memoryview(data).cast("B") if not isinstance(
            data, bytes) else data
        n = len(data)
        size = n if size is None else size
        if n > size:
            raise ValueError("%d bytes of data for a size of %d" % (n, size))
    if size is None:
        raise ValueError("give data or a size")
    if size < 0:
        raise ValueError("negative size")
    if size == 0:
        return None
    buf = (ctypes.c_char * size)()
    if data is not None and len(data):
        ctypes.memmove(buf, bytes(data), len(data))
    return buf


def _scalar_value(name, value):
    """Python value stored into a ctypes scalar of family ``name``."""
    if name == "char":
        if isinstance(value, str):
            value = value.encode("latin-1")
        if isinstance(value, int):
            value = bytes([value & 0xFF])
        return value
    if name in ("float32", "float64"):
        return float(value)
    if name == "bool":
        return bool(value)
    return _in_range(name, int(value))


def _in_range(name, value):
    """``value`` if the C integer type of ``name`` holds it, else
    ValueError (ctypes would wrap it silently)."""
    bits = 8 * ctypes.sizeof(_NUMERIC[name][0])
    if name.startswith("u"):
        lo, hi = 0, (1 << bits) - 1
    else:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= value <= hi:
        raise ValueError("%d does not fit %s (%d..%d)" % (value, name, lo,
                                                          hi))
    return value


def _np_dtype(ctype):
    for c, _, _, dtype in _NUMERIC.values():
        if c is ctype:
            return dtype
    raise TypeError(ctype)


def _install_constructors():
    """Arg.int32(value=None), Arg.int32_array(values=None, count=None), ..."""
    for name in list(_NUMERIC) + list(_ALIASES):
        base = _ALIASES.get(name, name)

        def scalar(cls, value=None, _n=base):
            return cls._scalar(_n, value)

        def array(cls, values=None, count=None, _n=base):
            return cls._array(_n, values, count)

        scalar.__doc__ = ("A %s scalar arg (value None: a zeroed slot to be "
                          "written)." % base)
        array.__doc__ = ("A %s array arg from ``values``, or ``count`` "
                         "zeroed elements." % base)
        setattr(Arg, name, classmethod(scalar))
        setattr(Arg, name + "_array", classmethod(array))


_install_constructors()


def as_arg(obj):
    """``obj`` as an :class:`Arg`: an Arg as is, a str as STRING, bytes-like
    as BUFFER, a numpy array as a typed array. Numbers are refused
    (TypeError): their C type would be a guess; use ``Arg.int32(...)``."""
    if isinstance(obj, Arg):
        return obj
    if isinstance(obj, str):
        return Arg.string(obj)
    if B.is_ndarray(obj):
        return Arg.from_numpy(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return Arg.buffer(obj)
    raise TypeError("cannot pass %s as a vAccel arg: use vaccel.Arg.<type>()"
                    % type(obj).__name__)


def c_args(args):
    """(struct vaccel_arg array or None, count) describing ``args`` (Args).

    The array points into the Args' buffers: keep them alive during the call.
    """
    if not args:
        return None, 0
    arr = (S.Arg * len(args))()
    for i, a in enumerate(args):
        arr[i].buf = ctypes.addressof(a._buf) if a._buf is not None else None
        arr[i].size = a.size
        arr[i].type = int(a.type)
        arr[i].custom_type_id = a.custom_id
        arr[i].owned = False
    return arr, len(args)
