# SPDX-License-Identifier: Apache-2.0
"""The numbered enums of the C API (same values: they cross the wire).

:data:`Op` is not written here: it is read from libvaccel on first use.
"""
import enum
import threading

__all__ = ["ResourceType", "PluginType", "Op", "LogLevel", "ArgType",
           "op_number"]


class ResourceType(enum.IntEnum):
    """vaccel_resource_type_t."""

    LIB = 0
    DATA = 1
    MODEL = 2


class PluginType(enum.IntFlag):
    """vaccel_plugin_type_t: plugin type bits, also session hints."""

    NONE = 0
    CPU = 0x0001
    GPU = 0x0002
    FPGA = 0x0004
    SOFTWARE = 0x0008
    TENSORFLOW = 0x0010
    TORCH = 0x0020
    JETSON = 0x0040
    GENERIC = 0x0080
    DEBUG = 0x0100
    REMOTE = 0x4000


_op_lock = threading.Lock()
_op_enum = None


def _make_op_enum():
    """vaccel_op_type_t as libvaccel names it (its one op list): every number
    below 64 whose ``vaccel_op_type_name`` is an op, so an op added to the
    library appears here without editing this package."""
    from ._lib import lib  # loads libvaccel (first use)

    members = []
    for number in range(64):
        raw = lib().vaccel_op_type_name(number)
        name = raw.decode("ascii") if raw else ""
        if name.startswith("VACCEL_OP_") and name != "VACCEL_OP_MAX":
            members.append((name[len("VACCEL_OP_"):], number))
    op = enum.IntEnum("Op", members, module=__name__, qualname="Op")
    op.__doc__ = "vaccel_op_type_t (numbers and names from libvaccel)."
    return op


def __getattr__(name):
    """``Op`` is built on first use (it asks the loaded libvaccel)."""
    global _op_enum
    if name != "Op":
        raise AttributeError("module %r has no attribute %r" %
                             (__name__, name))
    with _op_lock:
        if _op_enum is None:
            _op_enum = _make_op_enum()
    return _op_enum


class LogLevel(enum.IntEnum):
    """vaccel_log_level_t."""

    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


class ArgType(enum.IntEnum):
    """vaccel_arg_type_t."""

    RAW = 0
    INT8 = 1
    INT8_ARRAY = 2
    INT16 = 3
    INT16_ARRAY = 4
    INT32 = 5
    INT32_ARRAY = 6
    INT64 = 7
    INT64_ARRAY = 8
    UINT8 = 9
    UINT8_ARRAY = 10
    UINT16 = 11
    UINT16_ARRAY = 12
    UINT32 = 13
    UINT32_ARRAY = 14
    UINT64 = 15
    UINT64_ARRAY = 16
    FLOAT32 = 17
    FLOAT32_ARRAY = 18
    FLOAT64 = 19
    FLOAT64_ARRAY = 20
    BOOL = 21
    BOOL_ARRAY = 22
    CHAR = 23
    CHAR_ARRAY = 24
    UCHAR = 25
    UCHAR_ARRAY = 26
    STRING = 27
    BUFFER = 28
    CUSTOM = 29


def op_number(op):
    """The op number of an :class:`Op`, an int, or a name (``"image_classify"``
    or ``"VACCEL_OP_IMAGE_CLASSIFY"``, any case).

    Names must be known (ValueError otherwise); an int outside :class:`Op`
    is returned as is (libvaccel judges it).
    """
    Op = __getattr__("Op")
    if isinstance(op, str):
        name = op.upper()
        if name.startswith("VACCEL_OP_"):
            name = name[len("VACCEL_OP_"):]
        try:
            return Op[name]
        except KeyError:
            raise ValueError("unknown op %r" % op) from None
    try:
        return Op(int(op))
    except ValueError:
        return int(op)
