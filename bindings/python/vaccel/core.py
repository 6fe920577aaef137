# SPDX-License-Identifier: Apache-2.0
"""Library lifecycle and introspection: bootstrap, cleanup, info.

libvaccel bootstraps itself from the environment when it is loaded
(``VACCEL_PLUGINS``, ``VACCEL_LOG_LEVEL``...). :func:`bootstrap` re-does it
with explicit settings. Either call releases every live session and
resource first (libvaccel's rule): Python objects made before become
closed (their ``close()`` is then a no-op).
"""
import ctypes
import dataclasses
import os
import re
from typing import List, Optional

from . import _lib
from . import _structs as S
from . import enums
from .enums import LogLevel, PluginType

__all__ = ["bootstrap", "cleanup", "is_initialized", "info", "version",
           "PluginInfo", "LibraryInfo"]


@dataclasses.dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin (``vaccel_plugin_get_info``)."""

    index: int
    name: str
    version: str
    type: PluginType
    remote: bool
    ops: List[str]  # lower-case op names it serves ("image_classify"...)


@dataclasses.dataclass(frozen=True)
class LibraryInfo:
    """What :func:`info` returns."""

    version: Optional[str]  # libvaccel's version, None if unknown
    path: str  # the file libvaccel was loaded from
    initialized: bool
    rundir: str  # the top-level run directory ("" before bootstrap)
    plugins: List[PluginInfo]


def version():
    """libvaccel's version (``0.7.1``): vaccel_version() where the library
    has it, else from the loaded file's name (``libvaccel.so.0.7.1``), else
    None."""
    lib = _lib.lib()
    fn = getattr(lib, "vaccel_version", None)
    if fn is not None:
        fn.restype = ctypes.c_char_p
        fn.argtypes = []
        return fn().decode()
    path = _lib.library_path() or ""
    m = re.search(r"\.so\.(\d+\.\d+\.\d+)$", os.path.basename(path))
    return m.group(1) if m else None


def is_initialized():
    """True if libvaccel is bootstrapped."""
    return bool(_lib.lib().vaccel_is_initialized())


def _ops_of(mask):
    return [op.name.lower() for op in enums.Op if mask & (1 << int(op))]


def _plugin(index):
    name, ver = ctypes.c_char_p(), ctypes.c_char_p()
    ptype, remote = ctypes.c_uint32(), ctypes.c_bool()
    mask = ctypes.c_uint64()
    _lib.call("vaccel_plugin_get_info", index, ctypes.byref(name),
              ctypes.byref(ver), ctypes.byref(ptype), ctypes.byref(remote),
              ctypes.byref(mask))

    def text(p):
        return p.value.decode("utf-8", "replace") if p.value else ""

    return PluginInfo(index, text(name), text(ver), PluginType(ptype.value),
                      bool(remote.value), _ops_of(mask.value))


def info():
    """A :class:`LibraryInfo`: version, path, state and loaded plugins."""
    lib = _lib.lib()
    count = int(lib.vaccel_plugin_count())
    rundir = lib.vaccel_rundir() or b""
    return LibraryInfo(version(), _lib.library_path(),
                       bool(lib.vaccel_is_initialized()),
                       rundir.decode("utf-8", "replace"),
                       [_plugin(i) for i in range(count)])


def _log_level(level):
    if isinstance(level, str):
        try:
            return LogLevel[level.upper()]
        except KeyError:
            raise ValueError("unknown log level %r (error, warn, info, "
                             "debug)" % level) from None
    level = int(level)
    if not 1 <= level <= 4:
        raise ValueError("log level must be 1..4")
    return level


def _plugins_str(plugins):
    if plugins is None or isinstance(plugins, (str, bytes, os.PathLike)):
        return None if plugins is None else os.fsencode(plugins)
    return b":".join(os.fsencode(p) for p in plugins)


def _env_config():
    """The configuration the environment gives (as a Python dict)."""
    cfg = S.Config()
    _lib.call("vaccel_config_init_from_env", ctypes.addressof(cfg))
    try:
        return {"plugins": cfg.plugins, "log_level": cfg.log_level,
                "log_file": cfg.log_file,
                "profiling": bool(cfg.profiling_enabled),
                "version_ignore": bool(cfg.version_ignore)}
    finally:
        _lib.lib().vaccel_config_release(ctypes.addressof(cfg))


def bootstrap(plugins=None, log_level=None, log_file=None, profiling=None):
    """(Re)initialize libvaccel. Arguments left None come from the
    environment (as ``vaccel_bootstrap()`` reads it).

    ``plugins``: a ``:``-separated string or a list of paths / file names;
    ``log_level``: 1-4 or ``"error"``/``"warn"``/``"info"``/``"debug"``;
    ``log_file``: a path (None: the environment's, else stdout);
    ``profiling``: bool. Raises VaccelError if a plugin fails to load (the
    others are still loaded, as libvaccel does).
    """
    if all(v is None for v in (plugins, log_level, log_file, profiling)):
        _lib.call("vaccel_bootstrap")
        return
    cfg = _env_config()
    if plugins is not None:
        cfg["plugins"] = _plugins_str(plugins)
    if log_level is not None:
        cfg["log_level"] = _log_level(log_level)
    if log_file is not None:
        cfg["log_file"] = os.fsencode(log_file)
    if profiling is not None:
        cfg["profiling"] = bool(profiling)
    c = S.Config()
    _lib.call("vaccel_config_init", ctypes.addressof(c), cfg["plugins"],
              int(cfg["log_level"]), cfg["log_file"], cfg["profiling"],
              cfg["version_ignore"])
    try:
        _lib.call("vaccel_bootstrap_with_config", ctypes.addressof(c))
    finally:
        _lib.lib().vaccel_config_release(ctypes.addressof(c))


def cleanup():
    """Release every session, resource and plugin (``vaccel_cleanup``).
    Sessions need a :func:`bootstrap` afterwards."""
    _lib.call("vaccel_cleanup")
