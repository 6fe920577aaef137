# SPDX-License-Identifier: Apache-2.0
"""The numbered enums of the C API (same values: they cross the wire)."""
import enum

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


class Op(enum.IntEnum):
    """vaccel_op_type_t (0..23 upstream's, 32..34 ours)."""

    NOOP = 0
    EXEC = 1
    EXEC_WITH_RESOURCE = 2
    IMAGE_CLASSIFY = 3
    IMAGE_DETECT = 4
    IMAGE_SEGMENT = 5
    IMAGE_POSE = 6
    IMAGE_DEPTH = 7
    TF_MODEL_LOAD = 8
    TF_MODEL_UNLOAD = 9
    TF_MODEL_RUN = 10
    TFLITE_MODEL_LOAD = 11
    TFLITE_MODEL_UNLOAD = 12
    TFLITE_MODEL_RUN = 13
    TORCH_MODEL_LOAD = 14
    TORCH_MODEL_RUN = 15
    TORCH_SGEMM = 16
    BLAS_SGEMM = 17
    FPGA_ARRAYCOPY = 18
    FPGA_MMULT = 19
    FPGA_PARALLEL = 20
    FPGA_VECTORADD = 21
    MINMAX = 22
    OPENCV = 23
    ONNX_MODEL_LOAD = 32
    ONNX_MODEL_RUN = 33
    ONNX_MODEL_UNLOAD = 34


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
