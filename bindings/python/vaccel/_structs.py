# SPDX-License-Identifier: Apache-2.0
"""ctypes mirrors of the public structs of libvaccel (their layouts are ABI).

Field order and types follow ``include/vaccel/*.h`` exactly. The only
platform-dependent member is ``pthread_mutex_t`` (embedded in sessions and
resources), whose size comes from :data:`MUTEX_SIZE`; the tests compare
``ctypes.sizeof`` of each mirror with the C compiler's ``sizeof`` (meson
passes those numbers in ``VACCEL_PY_SIZEOF``).
"""
import ctypes
import platform

PATH_MAX = 4096  # <linux/limits.h>
RESOURCE_MAX = 3  # VACCEL_RESOURCE_MAX
OP_MAX = 24  # VACCEL_OP_MAX: size of struct vaccel_plugin's ops array


def _mutex_size():
    """sizeof(pthread_mutex_t) of glibc on this machine."""
    if ctypes.sizeof(ctypes.c_void_p) == 4:
        return 24
    return {"aarch64": 48, "arm64": 48}.get(platform.machine(), 40)


MUTEX_SIZE = _mutex_size()


class ListEntry(ctypes.Structure):
    """struct vaccel_list_entry (library-private links)."""


ListEntry._fields_ = [
    ("next", ctypes.POINTER(ListEntry)),
    ("prev", ctypes.POINTER(ListEntry)),
]


class PluginInfo(ctypes.Structure):
    """The leading fields of struct vaccel_plugin_info (read-only)."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("version", ctypes.c_char_p),
        ("vaccel_version", ctypes.c_char_p),
    ]


class Plugin(ctypes.Structure):
    """struct vaccel_plugin (what applications read: ``info``)."""

    _fields_ = [
        ("dl_handle", ctypes.c_void_p),
        ("entry", ListEntry),
        ("ops", ctypes.c_void_p * OP_MAX),
        ("info", ctypes.POINTER(PluginInfo)),
    ]


class Session(ctypes.Structure):
    """struct vaccel_session (4264 bytes on x86_64 glibc)."""

    _fields_ = [
        ("id", ctypes.c_int64),
        ("remote_id", ctypes.c_int64),
        ("hint", ctypes.c_uint),
        ("is_virtio", ctypes.c_bool),
        ("rundir", ctypes.c_char * PATH_MAX),
        ("entry", ListEntry),
        ("resources", ListEntry * RESOURCE_MAX),
        ("resource_counts", ctypes.c_size_t * RESOURCE_MAX),
        ("resources_lock", ctypes.c_byte * MUTEX_SIZE),
        ("plugin", ctypes.POINTER(Plugin)),
        ("priv", ctypes.c_void_p),
    ]


class Blob(ctypes.Structure):
    """struct vaccel_blob."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("path", ctypes.c_char_p),
        ("path_owned", ctypes.c_bool),
        ("data", ctypes.c_void_p),
        ("data_owned", ctypes.c_bool),
        ("size", ctypes.c_size_t),
    ]


class Resource(ctypes.Structure):
    """struct vaccel_resource."""

    _fields_ = [
        ("id", ctypes.c_int64),
        ("remote_id", ctypes.c_int64),
        ("type", ctypes.c_int),
        ("path_type", ctypes.c_int),
        ("paths", ctypes.POINTER(ctypes.c_char_p)),
        ("nr_paths", ctypes.c_size_t),
        ("rundir", ctypes.c_char_p),
        ("blobs", ctypes.POINTER(ctypes.POINTER(Blob))),
        ("nr_blobs", ctypes.c_size_t),
        ("entry", ListEntry),
        ("sessions", ListEntry),
        ("sessions_lock", ctypes.c_byte * MUTEX_SIZE),
        ("refcount", ctypes.c_uint),
        ("plugin_priv", ctypes.c_void_p),
    ]


class Arg(ctypes.Structure):
    """struct vaccel_arg."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("type", ctypes.c_int),
        ("custom_type_id", ctypes.c_uint32),
        ("owned", ctypes.c_bool),
    ]


class Config(ctypes.Structure):
    """struct vaccel_config (strings owned by the library)."""

    _fields_ = [
        ("plugins", ctypes.c_char_p),
        ("log_level", ctypes.c_int),
        ("log_file", ctypes.c_char_p),
        ("profiling_enabled", ctypes.c_bool),
        ("version_ignore", ctypes.c_bool),
    ]


class OnnxTensor(ctypes.Structure):
    """struct vaccel_onnx_tensor."""

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("owned", ctypes.c_bool),
        ("nr_dims", ctypes.c_int),
        ("dims", ctypes.POINTER(ctypes.c_int64)),
        ("data_type", ctypes.c_int),
    ]


class TorchTensor(ctypes.Structure):
    """struct vaccel_torch_tensor."""

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("owned", ctypes.c_bool),
        ("nr_dims", ctypes.c_int64),
        ("dims", ctypes.POINTER(ctypes.c_int64)),
        ("data_type", ctypes.c_int),
    ]


class TorchBuffer(ctypes.Structure):
    """struct vaccel_torch_buffer."""

    _fields_ = [("data", ctypes.c_char_p), ("size", ctypes.c_size_t)]


# C name -> mirror, for the ABI test.
MIRRORS = {
    "struct vaccel_session": Session,
    "struct vaccel_resource": Resource,
    "struct vaccel_blob": Blob,
    "struct vaccel_arg": Arg,
    "struct vaccel_config": Config,
    "struct vaccel_onnx_tensor": OnnxTensor,
    "struct vaccel_torch_tensor": TorchTensor,
    "struct vaccel_torch_buffer": TorchBuffer,
    "struct vaccel_plugin": Plugin,
}
