# SPDX-License-Identifier: Apache-2.0
"""Error codes of libvaccel and the exception that carries them.

Every C call of the bindings goes through :func:`check`: a non-zero return
becomes a :class:`VaccelError`; nothing is ignored.
"""
import enum
import errno as _errno

__all__ = ["ErrorCode", "VaccelError", "check"]


class ErrorCode(enum.IntEnum):
    """The ``VACCEL_E*`` codes (Linux errno values, see vaccel/error.h)."""

    OK = 0
    EINVAL = _errno.EINVAL
    ENOMEM = _errno.ENOMEM
    ENOTSUP = _errno.ENOTSUP
    EINPROGRESS = _errno.EINPROGRESS
    EBUSY = _errno.EBUSY
    EEXIST = _errno.EEXIST
    ENOENT = _errno.ENOENT
    ELIBBAD = _errno.ELIBBAD
    ENODEV = _errno.ENODEV
    EIO = _errno.EIO
    ESESS = _errno.ECONNRESET
    EBACKEND = _errno.EPROTO
    ENOEXEC = _errno.ENOEXEC
    ENAMETOOLONG = _errno.ENAMETOOLONG
    EUSERS = _errno.EUSERS
    EPERM = _errno.EPERM
    ELOOP = _errno.ELOOP
    EMLINK = _errno.EMLINK
    ENOSPC = _errno.ENOSPC
    ENOTDIR = _errno.ENOTDIR
    EROFS = _errno.EROFS
    EACCES = _errno.EACCES
    EBADF = _errno.EBADF
    EREMOTEIO = _errno.EREMOTEIO
    EFAULT = _errno.EFAULT
    ERANGE = _errno.ERANGE
    EAGAIN = _errno.EAGAIN
    ENOSYS = _errno.ENOSYS
    ETIMEDOUT = _errno.ETIMEDOUT


def _code_name(code):
    """``VACCEL_ENOENT`` for a known code, ``errno N`` otherwise."""
    try:
        return "VACCEL_" + ErrorCode(code).name
    except ValueError:
        return "errno %d" % code


class VaccelError(Exception):
    """A libvaccel call failed.

    Attributes: ``code`` (the ``VACCEL_E*`` value, an int; compare with
    :class:`ErrorCode`), ``reason`` (why the call failed, as libvaccel, the
    plugin or the agent said it: ``vaccel_last_error()``; None when none
    was given or the bindings refused the call themselves), ``message``
    (the reason if there is one, else ``vaccel_strerror(code)`` or the
    bindings' own text), ``where`` (the C function or bindings method that
    failed, or None). ``errno`` is an alias of ``code``.
    """

    def __init__(self, code, message, where=None, reason=None):
        super().__init__(code, reason or message)
        self.code = int(code)
        self.reason = reason or None
        self.message = reason or message
        self.strerror = message
        self.where = where

    @property
    def errno(self):
        """Same as ``code`` (the values are errno numbers)."""
        return self.code

    @property
    def name(self):
        """``VACCEL_ENOENT`` style name of the code."""
        return _code_name(self.code)

    def __str__(self):
        prefix = "%s: " % self.where if self.where else ""
        return "%s%s (%s)" % (prefix, self.message, self.name)

    def __repr__(self):
        return "VaccelError(%d, %r, where=%r)" % (self.code, self.message,
                                                   self.where)


def check(ret, where, strerror=None, reason=None):
    """Return None if ``ret`` is 0, else raise :class:`VaccelError`.

    ``strerror`` turns a code into text (libvaccel's ``vaccel_strerror``);
    without it Python's ``os.strerror`` is used. ``reason``: what
    ``vaccel_last_error()`` said right after the call. Negative codes (some
    calls return ``-code``) are made positive.
    """
    if ret == 0:
        return
    code = -ret if ret < 0 else ret
    if strerror is None:
        import os
        text = os.strerror(code)
    else:
        text = strerror(code)
    raise VaccelError(code, text, where, reason)
