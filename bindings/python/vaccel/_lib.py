# SPDX-License-Identifier: Apache-2.0
"""Finding and loading libvaccel, and the prototypes of the calls we use.

:func:`lib` loads the library once (thread-safe) and returns the
``ctypes.CDLL`` with ``argtypes``/``restype`` set for every function the
bindings call; nothing is called without a prototype. Struct pointers are
passed as ``c_void_p`` (addresses of the :mod:`vaccel._structs` mirrors).

Search order: ``$VACCEL_LIBRARY`` (a path; an error if it cannot be
loaded), the library directory recorded at install time
(``_install.LIBDIR``, absent in the source tree and in a pip install),
libvaccel's ``libdir`` as ``pkg-config`` knows it (``$PKG_CONFIG_PATH``
honoured: a libvaccel installed under any prefix), ``ctypes.util.find_library
('vaccel')``, then ``libvaccel.so.0`` through the dynamic loader's own search.
"""
import ctypes
import ctypes.util
import os
import subprocess
import threading

from . import _structs as S
from .error import VaccelError, check

__all__ = ["lib", "strerror", "call", "checked", "last_error",
           "library_path"]

_P = ctypes.c_void_p
_I = ctypes.c_int
_SZ = ctypes.c_size_t
_I64 = ctypes.c_int64
_U32 = ctypes.c_uint32
_STR = ctypes.c_char_p
_PP = ctypes.POINTER(ctypes.c_void_p)

# name: (restype, argtypes). Every function the bindings call.
_PROTOTYPES = {
    "vaccel_strerror": (_STR, [_I]),
    "vaccel_last_error": (_STR, []),
    "vaccel_last_error_clear": (None, []),
    "vaccel_bootstrap": (_I, []),
    "vaccel_bootstrap_with_config": (_I, [_P]),
    "vaccel_cleanup": (_I, []),
    "vaccel_is_initialized": (ctypes.c_bool, []),
    "vaccel_rundir": (_STR, []),
    "vaccel_config_init": (_I, [_P, _STR, _I, _STR, ctypes.c_bool,
                                ctypes.c_bool]),
    "vaccel_config_init_from_env": (_I, [_P]),
    "vaccel_config_release": (_I, [_P]),
    "vaccel_plugin_count": (_SZ, []),
    "vaccel_plugin_get_info": (_I, [_SZ, ctypes.POINTER(_STR),
                                    ctypes.POINTER(_STR),
                                    ctypes.POINTER(_U32),
                                    ctypes.POINTER(ctypes.c_bool),
                                    ctypes.POINTER(ctypes.c_uint64)]),
    "vaccel_op_type_name": (_STR, [_I]),
    # sessions
    "vaccel_session_init": (_I, [_P, _U32]),
    "vaccel_session_update": (_I, [_P, _U32]),
    "vaccel_session_release": (_I, [_P]),
    "vaccel_session_has_resource": (ctypes.c_bool, [_P, _P]),
    # resources and blobs
    "vaccel_resource_init": (_I, [_P, _STR, _I]),
    "vaccel_resource_init_multi": (_I, [_P, ctypes.POINTER(_STR), _SZ, _I]),
    "vaccel_resource_init_from_buf": (_I, [_P, _P, _SZ, _I, _STR,
                                           ctypes.c_bool]),
    "vaccel_resource_init_from_blobs": (_I, [_P, _PP, _SZ, _I]),
    "vaccel_resource_release": (_I, [_P]),
    "vaccel_resource_register": (_I, [_P, _P]),
    "vaccel_resource_unregister": (_I, [_P, _P]),
    "vaccel_resource_refcount": (ctypes.c_long, [_P]),
    "vaccel_blob_from_buf": (_I, [_PP, _P, _SZ, ctypes.c_bool, _STR, _STR,
                                  ctypes.c_bool]),
    "vaccel_blob_delete": (_I, [_P]),
    # ops
    "vaccel_noop": (_I, [_P]),
    "vaccel_image_classification": (_I, [_P, _P, _P, _P, _SZ, _SZ, _SZ]),
    "vaccel_image_detection": (_I, [_P, _P, _P, _SZ, _SZ]),
    "vaccel_image_segmentation": (_I, [_P, _P, _P, _SZ, _SZ]),
    "vaccel_image_pose": (_I, [_P, _P, _P, _SZ, _SZ]),
    "vaccel_image_depth": (_I, [_P, _P, _P, _SZ, _SZ]),
    "vaccel_sgemm": (_I, [_P, _I64, _I64, _I64, ctypes.c_float, _P, _I64,
                          _P, _I64, ctypes.c_float, _P, _I64]),
    "vaccel_exec": (_I, [_P, _STR, _STR, _P, _SZ, _P, _SZ]),
    "vaccel_exec_with_resource": (_I, [_P, _P, _STR, _P, _SZ, _P, _SZ]),
    "vaccel_genop": (_I, [_P, _P, _I, _P, _I]),
    # onnx
    "vaccel_onnx_tensor_new": (_I, [_PP, _I, _P, _I]),
    "vaccel_onnx_tensor_set_data": (_I, [_P, _P, _SZ]),
    "vaccel_onnx_tensor_delete": (_I, [_P]),
    "vaccel_onnx_model_load": (_I, [_P, _P]),
    "vaccel_onnx_model_run": (_I, [_P, _P, _P, _I, _P, _I]),
    "vaccel_onnx_model_unload": (_I, [_P, _P]),
    # torch
    "vaccel_torch_tensor_new": (_I, [_PP, _I64, _P, _I]),
    "vaccel_torch_tensor_set_data": (_I, [_P, _P, _SZ]),
    "vaccel_torch_tensor_delete": (_I, [_P]),
    "vaccel_torch_model_load": (_I, [_P, _P]),
    "vaccel_torch_model_run": (_I, [_P, _P, _P, _P, _I, _P, _I]),
}

_lock = threading.Lock()
_lib = None
_path = None


def _pkgconfig_libdir():
    """``pkg-config --variable=libdir vaccel``, or None."""
    try:
        r = subprocess.run(["pkg-config", "--variable=libdir", "vaccel"],
                           capture_output=True, text=True, timeout=10,
                           check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def _candidates():
    """(how it was found, name or path) pairs to try, in order."""
    env = os.environ.get("VACCEL_LIBRARY")
    if env:
        return [("$VACCEL_LIBRARY", env)]
    found = []
    try:
        from . import _install  # written by `meson install` only
        found.append(("install libdir",
                      os.path.join(_install.LIBDIR, "libvaccel.so.0")))
    except ImportError:
        pass
    libdir = _pkgconfig_libdir()
    if libdir:
        found.append(("pkg-config libdir",
                      os.path.join(libdir, "libvaccel.so.0")))
    name = ctypes.util.find_library("vaccel")
    if name:
        found.append(("find_library", name))
    found.append(("dynamic loader", "libvaccel.so.0"))
    return found


def _load():
    """Load the first candidate that loads; raise OSError naming them all."""
    errors = []
    for how, name in _candidates():
        if how.endswith("libdir") and not os.path.exists(name):
            continue
        try:
            return ctypes.CDLL(name), name
        except OSError as exc:
            errors.append("%s (%s): %s" % (name, how, exc))
    raise OSError("vaccel: cannot load libvaccel: " + "; ".join(errors) +
                  " (set VACCEL_LIBRARY to the path of libvaccel.so)")


def _declare(cdll):
    """Set the prototypes; a missing function is an error (old library)."""
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise OSError("vaccel: libvaccel lacks %s (too old?)" % name)
        fn.restype = restype
        fn.argtypes = argtypes


def lib():
    """The loaded libvaccel (loaded and declared on first use).

    Loading the library bootstraps it from the environment
    (``VACCEL_PLUGINS`` ...), as for any application.
    """
    global _lib, _path
    if _lib is None:
        with _lock:
            if _lib is None:
                cdll, name = _load()
                _declare(cdll)
                _path = name
                _lib = cdll
    return _lib


def strerror(code):
    """``vaccel_strerror(code)`` as a str."""
    text = lib().vaccel_strerror(int(code))
    return text.decode("utf-8", "replace") if text else "unknown error"


def last_error():
    """This thread's ``vaccel_last_error()`` as a str, or None if empty."""
    text = lib().vaccel_last_error()
    return text.decode("utf-8", "replace") if text else None


def checked(name, fn):
    """Run ``fn()`` (one C call returning a vAccel code) with this
    thread's reason emptied first; raise :class:`VaccelError` with the
    call's reason on a non-zero return."""
    lib().vaccel_last_error_clear()
    ret = fn()
    if ret:
        check(ret, name, strerror, last_error())
    return ret


def call(name, *args):
    """Call ``name`` and raise :class:`VaccelError` (with libvaccel's
    reason) on a non-zero return."""
    fn = getattr(lib(), name)
    return checked(name, lambda: fn(*args))


def library_path():
    """The file the library was loaded from (resolved with dladdr)."""
    cdll = lib()

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", _P),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", _P)]

    info = DlInfo()
    try:
        libc = ctypes.CDLL(None)
        addr = ctypes.cast(cdll.vaccel_strerror, _P)
        if libc.dladdr(addr, ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(os.fsdecode(info.dli_fname))
    except (AttributeError, OSError):
        pass
    return _path


def require(cond, code, message, where):
    """Raise VaccelError(code, message) from the bindings if not ``cond``."""
    if not cond:
        raise VaccelError(code, message, where)


def sizeof(name):
    """ctypes size of a mirrored C struct (``struct vaccel_session`` ...)."""
    return ctypes.sizeof(S.MIRRORS[name])
