# SPDX-License-Identifier: Apache-2.0
"""Resources: models, libraries and data files that ops use.

A :class:`Resource` owns its ``struct vaccel_resource`` (a ctypes buffer
that never moves) and releases it on :meth:`Resource.close`, at the end of
a ``with`` block, or when garbage-collected. Releasing a resource
unregisters it from every session (libvaccel's rule).
"""
import ctypes
import os
import threading
import warnings
import weakref

from . import _buffers as B
from . import _lib
from . import _structs as S
from .enums import ResourceType
from .error import ErrorCode, VaccelError

__all__ = ["Resource"]


def _encode_path(p):
    if not isinstance(p, (str, bytes, os.PathLike)):
        raise TypeError("resource path must be str, bytes or os.PathLike, "
                        "not %s" % type(p).__name__)
    return os.fsencode(p)


class Resource:
    """A vAccel resource, made from paths, bytes or named buffers.

    ``Resource(path_or_paths, type=ResourceType.MODEL)``: a file, a
    directory, ``file://PATH`` or an ``http(s)://`` URL, or a list of them
    (one resource of several files). Nothing is read until registration.
    """

    def __init__(self, path_or_paths, type=ResourceType.MODEL):
        self._setup()
        if isinstance(path_or_paths, (str, bytes, os.PathLike)):
            _lib.call("vaccel_resource_init", self._addr(),
                      _encode_path(path_or_paths), int(ResourceType(type)))
        else:
            paths = [_encode_path(p) for p in path_or_paths]
            if not paths:
                raise ValueError("Resource: no path given")
            arr = (ctypes.c_char_p * len(paths))(*paths)
            _lib.call("vaccel_resource_init_multi", self._addr(), arr,
                      len(paths), int(ResourceType(type)))
        self._live = True

    def _setup(self):
        """The fields every constructor sets before the C init."""
        self._struct = S.Resource()
        self._keep = []  # Python buffers that memory blobs reference
        self._lock = threading.Lock()
        self._sessions = weakref.WeakSet()
        self._live = False

    @classmethod
    def from_bytes(cls, data, name=None, type=ResourceType.MODEL,
                   mem_only=False):
        """A resource of one file made from ``data`` (bytes-like).

        ``mem_only=False`` (default): libvaccel writes the bytes to
        ``name`` (a random name when None) in the resource's directory.
        ``mem_only=True``: the resource references a copy kept by this
        object (no file; plugins read memory).
        """
        self = cls.__new__(cls)
        self._setup()
        copy = bytes(data)
        if not copy:
            raise ValueError("Resource.from_bytes: empty data")
        addr, size, keep = B.input_buffer(copy)
        if mem_only:
            self._keep.append(keep)
        fname = os.fsencode(name) if name is not None else None
        _lib.call("vaccel_resource_init_from_buf", self._addr(), addr, size,
                  int(ResourceType(type)), fname, bool(mem_only))
        self._live = True
        return self

    @classmethod
    def from_buffers(cls, items, type=ResourceType.MODEL):
        """A resource of several in-memory files: ``items`` is a mapping or
        an iterable of ``(file name, bytes-like)``; the order is kept.

        The data is copied once into this object, which the resource's
        blobs reference (no files are written).
        """
        self = cls.__new__(cls)
        self._setup()
        pairs = list(items.items() if hasattr(items, "items") else items)
        if not pairs:
            raise ValueError("Resource.from_buffers: no buffers")
        blobs = []
        try:
            for name, data in pairs:
                blobs.append(self._mem_blob(name, data))
            arr = (ctypes.c_void_p * len(blobs))(*blobs)
            _lib.call("vaccel_resource_init_from_blobs", self._addr(), arr,
                      len(blobs), int(ResourceType(type)))
        finally:
            for b in blobs:  # the resource made its own copies
                _lib.lib().vaccel_blob_delete(b)
        self._live = True
        return self

    def _mem_blob(self, name, data):
        """A temporary BUFFER blob referencing a kept copy of ``data``."""
        copy = bytes(data)
        if not copy:
            raise ValueError("Resource.from_buffers: %r is empty" % (name,))
        addr, size, keep = B.input_buffer(copy)
        self._keep.append(keep)
        blob = ctypes.c_void_p()
        _lib.call("vaccel_blob_from_buf", ctypes.byref(blob), addr, size,
                  False, os.fsencode(name), None, False)
        return blob.value

    # ---- state ------------------------------------------------------------

    def _addr(self):
        return ctypes.addressof(self._struct)

    def address(self):
        """Address of the C struct; VaccelError(EINVAL) once closed."""
        if not self._live:
            raise VaccelError(ErrorCode.EINVAL, "resource is closed",
                              "Resource")
        return self._addr()

    @property
    def closed(self):
        """True after close() (or after libvaccel released it)."""
        return not self._live or self._struct.id <= 0

    @property
    def id(self):
        """The resource id (1, 2, ...; 0 once released)."""
        return self._struct.id

    @property
    def remote_id(self):
        """Id of the agent's twin (remote sessions), else 0."""
        return self._struct.remote_id

    @property
    def type(self):
        """The :class:`ResourceType`."""
        return ResourceType(self._struct.type)

    @property
    def refcount(self):
        """Number of sessions the resource is registered with."""
        return int(_lib.lib().vaccel_resource_refcount(self.address()))

    @property
    def sessions(self):
        """The live :class:`vaccel.Session` objects it is registered with."""
        return list(self._sessions)

    # ---- release ------------------------------------------------------------

    def close(self):
        """Release the resource (unregistering it everywhere). Idempotent.

        Raises VaccelError if libvaccel refuses; a resource that libvaccel
        already released (at a re-bootstrap) is just forgotten.
        """
        with self._lock:
            if not self._live:
                return
            self._live = False
        for sess in list(self._sessions):
            sess._forget(self)
        if self._struct.id > 0:
            _lib.call("vaccel_resource_release", self._addr())
        self._keep.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_live", False):
            try:
                self.close()
            except Exception as exc:  # noqa: BLE001 - report, never raise
                warnings.warn("vaccel: releasing resource failed: %s" % exc,
                              RuntimeWarning)

    def __repr__(self):
        if self.closed:
            return "<vaccel.Resource closed>"
        return "<vaccel.Resource %s id=%d>" % (self.type.name, self.id)
