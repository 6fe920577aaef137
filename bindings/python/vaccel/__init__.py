# SPDX-License-Identifier: Apache-2.0
"""Python bindings of vAccel (ctypes over libvaccel; no build step).

    import vaccel
    with vaccel.Session() as s:
        text, best = s.classify(pathlib.Path("photo.jpg"))

libvaccel is found through ``$VACCEL_LIBRARY`` (a path), else the install
directory, ``ctypes.util.find_library("vaccel")`` or ``libvaccel.so.0``; it
is loaded on first use and bootstraps from the environment
(``VACCEL_PLUGINS``...). Every failed C call raises :class:`VaccelError`.
numpy is optional. See docs/python.md.
"""
from .arg import Arg
from .core import (LibraryInfo, PluginInfo, bootstrap, cleanup, info,
                   is_initialized, version)
from . import enums
from .enums import ArgType, LogLevel, PluginType, ResourceType
from .error import ErrorCode, VaccelError
from .parsers import (parse_classification, parse_depth, parse_detections,
                      parse_pose, parse_segmentation, truncation)
from .resource import Resource
from .session import Session
from .tensor import Tensor

__version__ = "0.7.1"


def __getattr__(name):
    """``vaccel.Op`` comes from libvaccel, loaded on first use."""
    if name == "Op":
        return enums.Op
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


__all__ = [
    "Arg", "ArgType", "ErrorCode", "LibraryInfo", "LogLevel", "Op",
    "PluginInfo", "PluginType", "Resource", "ResourceType", "Session",
    "Tensor", "VaccelError", "bootstrap", "cleanup", "info",
    "is_initialized", "parse_classification", "parse_depth",
    "parse_detections", "parse_pose", "parse_segmentation", "truncation",
    "version",
]
