# SPDX-License-Identifier: Apache-2.0
"""Sessions and the ops they run.

A :class:`Session` owns its ``struct vaccel_session`` (a ctypes buffer that
never moves) and releases it on :meth:`Session.close`, at the end of a
``with`` block, or when garbage-collected. Every op raises
:class:`vaccel.VaccelError` on a non-zero return.

Threads: ctypes releases the GIL during each C call, so ops of one session
may run in several threads at once (libvaccel allows it). ``close()`` waits
for the ops in flight and refuses new ones, so a session is never released
under a running op.
"""
import contextlib
import ctypes
import os
import re
import threading
import warnings

from . import _buffers as B
from . import _lib
from . import _structs as S
from . import tensor as T
from .arg import Arg, as_arg, c_args
from .enums import PluginType, op_number
from .error import ErrorCode, VaccelError
from .parsers import truncation

__all__ = ["Session"]

# Text outputs start at these sizes and grow (x4) while the plugin reports
# "# truncated K of N", up to _MAX_TEXT.
_TEXT_SIZE = 16384
_MAX_TEXT = 16 << 20


# segment and depth: room for their PNG map too (grown to what the plugin
# says it needs: "# png N needs a buffer of T bytes").
_MAP_SIZE = 4 << 20
_MAX_MAP = 256 << 20
_PNG_REC = re.compile(rb"(?m)^png (\d+)$")
_PNG_NEED = re.compile(rb"(?m)^# png \d+ needs a buffer of (\d+) bytes$")


def _decode(buf):
    """Text of a NUL-terminated output buffer."""
    return buf.value.decode("utf-8", "replace")


class ImageResult(str):
    """The records an image op wrote (a ``str``), and ``png``: the PNG map
    that segment and depth return after them (bytes; None when there is
    none, e.g. another plugin's output). docs/plugins/onnx.md."""

    png = None


def _with_png(buf, size):
    """The records of ``buf`` as an :class:`ImageResult` with its PNG."""
    res = ImageResult(_decode(buf))
    text = buf.value
    m = _PNG_REC.search(text)
    start = len(text) + 1
    if m and start + int(m.group(1)) <= size:
        res.png = ctypes.string_at(ctypes.addressof(buf) + start,
                                   int(m.group(1)))
    return res


class Session:
    """A vAccel session bound to one plugin.

    ``hint``: :class:`PluginType` bits choosing the plugin (0: the first
    backend loaded; ``PluginType.REMOTE``: the transport), as
    ``vaccel_session_init``.
    """

    def __init__(self, hint=0):
        self._struct = None
        self._closed = True
        sess = S.Session()
        _lib.call("vaccel_session_init", ctypes.addressof(sess), int(hint))
        self._struct = sess
        self._resources = {}
        self._onnx_loaded = set()
        self._cond = threading.Condition()
        self._busy = 0
        self._closed = False

    # ---- properties ------------------------------------------------------

    @property
    def id(self):
        """Session id (1, 2, ...; 0 once released)."""
        return self._struct.id

    @property
    def remote_id(self):
        """Id of the agent's twin session (remote sessions), else 0."""
        return self._struct.remote_id

    @property
    def hint(self):
        """The hint bits given at init (:class:`PluginType`)."""
        return PluginType(self._struct.hint)

    @property
    def remote(self):
        """True if calls go to a transport plugin (an agent)."""
        return bool(self._struct.is_virtio)

    @property
    def rundir(self):
        """The session's run directory."""
        return self._struct.rundir.decode("utf-8", "replace")

    def _plugin_info(self):
        plugin = self._struct.plugin
        if not plugin or not plugin.contents.info:
            raise VaccelError(ErrorCode.EINVAL, "session has no plugin "
                              "(closed or released)", "Session")
        return plugin.contents.info.contents

    @property
    def plugin_name(self):
        """Name of the plugin serving the session (``sess->plugin->info``)."""
        return self._plugin_info().name.decode("utf-8", "replace")

    @property
    def plugin_version(self):
        """Version string of that plugin."""
        return (self._plugin_info().version or b"").decode("utf-8",
                                                            "replace")

    @property
    def closed(self):
        """True after close() (or after libvaccel released the session)."""
        return self._closed or self._struct.id <= 0

    @property
    def resources(self):
        """The Resources registered through this object."""
        with self._cond:
            return list(self._resources.values())

    # ---- lifetime --------------------------------------------------------

    @contextlib.contextmanager
    def _op(self):
        """Mark an op in flight; VaccelError(EINVAL) once closed."""
        with self._cond:
            if self._closed:
                raise VaccelError(ErrorCode.EINVAL, "session is closed",
                                  "Session")
            self._busy += 1
        try:
            yield ctypes.addressof(self._struct)
        finally:
            with self._cond:
                self._busy -= 1
                if not self._busy:
                    self._cond.notify_all()

    def close(self):
        """Release the session, after the ops in flight. Idempotent.

        Registered resources are unregistered (not released). A session
        that libvaccel already released (re-bootstrap) is just forgotten.
        """
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._busy:
                self._cond.wait()
            resources = list(self._resources.values())
            self._resources.clear()
            self._onnx_loaded.clear()
        for res in resources:
            res._sessions.discard(self)
        if self._struct.id > 0:
            _lib.call("vaccel_session_release",
                      ctypes.addressof(self._struct))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception as exc:  # noqa: BLE001 - report, never raise
                warnings.warn("vaccel: releasing session failed: %s" % exc,
                              RuntimeWarning)

    def __repr__(self):
        if self.closed:
            return "<vaccel.Session closed>"
        return "<vaccel.Session id=%d plugin=%s%s>" % (
            self.id, self.plugin_name, " remote" if self.remote else "")

    def update(self, hint):
        """Rebind the session to the plugin ``hint`` selects
        (``vaccel_session_update``)."""
        with self._op() as s:
            _lib.call("vaccel_session_update", s, int(hint))

    # ---- resources -------------------------------------------------------

    def register(self, res):
        """Register ``res`` with the session (kept alive by the session)."""
        with self._op() as s:
            _lib.call("vaccel_resource_register", res.address(), s)
            with self._cond:
                self._resources[res.id] = res
            res._sessions.add(self)

    def unregister(self, res):
        """Unregister ``res`` (the plugin drops what it loaded for it)."""
        with self._op() as s:
            _lib.call("vaccel_resource_unregister", res.address(), s)
            self._forget(res)
            res._sessions.discard(self)

    def _forget(self, res):
        """Drop the bookkeeping of ``res`` (unregistered or released)."""
        with self._cond:
            self._resources.pop(res.id, None)
            self._onnx_loaded.discard(res.id)

    def has_resource(self, res):
        """True if libvaccel has ``res`` registered with the session."""
        with self._op() as s:
            return bool(_lib.lib().vaccel_session_has_resource(
                s, res.address()))

    # ---- ops ------------------------------------------------------------

    def noop(self):
        """The op that does nothing (``vaccel_noop``)."""
        with self._op() as s:
            _lib.call("vaccel_noop", s)

    def classify(self, image, text_size=_TEXT_SIZE, name_size=_TEXT_SIZE):
        """Classify an encoded image -> ``(text, imgname)``.

        ``image``: bytes-like (JPEG, PNG...), or a path (``str`` or
        ``os.PathLike``) of such a file. With the
        onnx plugin ``text`` holds ``LABEL SCORE`` records (see
        :func:`vaccel.parse_classification`) and ``imgname`` the best one.
        Buffers grow while the plugin reports truncation.
        """
        data = B.image_bytes(image)
        addr, size, keep = B.input_buffer(data)
        while True:
            text = ctypes.create_string_buffer(text_size)
            name = ctypes.create_string_buffer(name_size)
            with self._op() as s:
                _lib.call("vaccel_image_classification", s, addr, text, name,
                          size, text_size, name_size)
            if not _should_grow(text, text_size):
                break
            text_size *= 4
        del keep
        return _decode(text), _decode(name)

    def _image_op(self, fn, image, out_size):
        data = B.image_bytes(image)
        addr, size, keep = B.input_buffer(data)
        while True:
            out = ctypes.create_string_buffer(out_size)
            with self._op() as s:
                _lib.call(fn, s, addr, out, size, out_size)
            grown = _grown_size(out, out_size)
            if not grown:
                break
            out_size = grown
        del keep
        return _with_png(out, out_size)

    def detect(self, image, out_size=_TEXT_SIZE):
        """Detect objects -> text (``LABEL SCORE X1 Y1 X2 Y2`` per object
        with the onnx plugin; :func:`vaccel.parse_detections`), an
        :class:`ImageResult`."""
        return self._image_op("vaccel_image_detection", image, out_size)

    def segment(self, image, out_size=_MAP_SIZE):
        """Segment -> an :class:`ImageResult`: the ``mask``/``bbox``/``png``
        records (:func:`vaccel.parse_segmentation`), and ``.png``, the mask
        as PNG bytes (also from an agent on another host)."""
        return self._image_op("vaccel_image_segmentation", image, out_size)

    def pose(self, image, out_size=_TEXT_SIZE):
        """Pose keypoints -> text (``NAME X Y SCORE`` per keypoint;
        :func:`vaccel.parse_pose`)."""
        return self._image_op("vaccel_image_pose", image, out_size)

    def depth(self, image, out_size=_MAP_SIZE):
        """Depth map -> an :class:`ImageResult`: the ``depth``/``png``
        records (:func:`vaccel.parse_depth`) and ``.png``, the map as PNG
        bytes."""
        return self._image_op("vaccel_image_depth", image, out_size)

    def sgemm(self, a, b, m, n, k, alpha=1.0, beta=0.0, c=None):
        """``alpha * A @ B + beta * C`` in float32, row-major.

        A is m x k, B is k x n, C (default zeroes) m x n: numpy arrays,
        ``array.array('f')`` or (nested) sequences of numbers. Returns a
        numpy (m, n) float32 array if A or B is a numpy array, else a flat
        list of m*n floats.
        """
        m, n, k = int(m), int(n), int(k)
        if m <= 0 or n <= 0 or k <= 0:
            raise ValueError("sgemm: m, n, k must be >= 1")
        ca, np_a = B.float32_array(a, m * k, "sgemm A")
        cb, np_b = B.float32_array(b, k * n, "sgemm B")
        if c is None:
            cc = (ctypes.c_float * (m * n))()
        else:
            cc = B.float32_array(c, m * n, "sgemm C")[0]
        with self._op() as s:
            _lib.call("vaccel_sgemm", s, m, n, k, float(alpha), ca, k, cb, n,
                      float(beta), cc, n)
        if np_a or np_b:
            return B.np.frombuffer(bytearray(cc),
                                   dtype=B.np.float32).reshape(m, n)
        return list(cc)

    def exec(self, library, symbol, inputs=(), outputs=()):
        """Call ``symbol`` of the shared library ``library`` (exec plugin).

        ``inputs``/``outputs``: :class:`vaccel.Arg` (or values
        :func:`vaccel.arg.as_arg` accepts). The function writes into the
        output Args; returns their ``.value`` list.
        """
        ins = [as_arg(a) for a in inputs]
        outs = [as_arg(a) for a in outputs]
        rd, nr = c_args(ins)
        wr, nw = c_args(outs)
        with self._op() as s:
            _lib.call("vaccel_exec", s, _c_str(library), _c_str(symbol), rd,
                      nr, wr, nw)
        return [o.value for o in outs]

    def exec_with_resource(self, res, symbol, inputs=(), outputs=()):
        """As :meth:`exec` with the library of a registered LIB resource."""
        ins = [as_arg(a) for a in inputs]
        outs = [as_arg(a) for a in outputs]
        rd, nr = c_args(ins)
        wr, nw = c_args(outs)
        with self._op() as s:
            _lib.call("vaccel_exec_with_resource", s, res.address(),
                      _c_str(symbol), rd, nr, wr, nw)
        return [o.value for o in outs]

    def genop(self, op, read_args=(), write_args=()):
        """Run ``op`` (an :class:`vaccel.Op`, number or name) with the
        layouts of docs/genop.md; the op number arg is added in front.

        Returns the ``.value`` list of the write args.
        """
        ins = [Arg.uint8(op_number(op))] + [as_arg(a) for a in read_args]
        outs = [as_arg(a) for a in write_args]
        rd, nr = c_args(ins)
        wr, nw = c_args(outs)
        with self._op() as s:
            _lib.call("vaccel_genop", s, rd, nr, wr, nw)
        return [o.value for o in outs]

    # ---- model ops ----------------------------------------------------------

    def onnx_load(self, res):
        """Load the ONNX network of a registered MODEL resource."""
        with self._op() as s:
            _lib.call("vaccel_onnx_model_load", s, res.address())
        with self._cond:
            self._onnx_loaded.add(res.id)

    def onnx_unload(self, res):
        """Unload it (unregistering does it too)."""
        with self._cond:
            self._onnx_loaded.discard(res.id)
        with self._op() as s:
            _lib.call("vaccel_onnx_model_unload", s, res.address())

    def onnx_run(self, res, inputs, nr_outputs=1, as_numpy=None, load=True):
        """Run an ONNX model -> list of ``nr_outputs`` output tensors.

        ``inputs``: numpy arrays or ``(dtype, shape, data)``, in the
        network's input order. Outputs are numpy arrays when ``as_numpy``
        (default: when an input was one), else :class:`vaccel.Tensor`.
        ``load``: load the model first if this object has not.
        """
        if load and res.id not in self._onnx_loaded:
            self.onnx_load(res)
        with self._op() as s:
            addr = res.address()

            def run(ins, n_in, outs, n_out):
                return _lib.lib().vaccel_onnx_model_run(s, addr, ins, n_in,
                                                        outs, n_out)

            return T.run_model(T.ONNX, run, list(inputs), nr_outputs,
                               as_numpy)

    def torch_load(self, res):
        """Load the TorchScript model of a registered MODEL resource
        (optional: a run loads on demand)."""
        with self._op() as s:
            _lib.call("vaccel_torch_model_load", s, res.address())

    def torch_run(self, res, inputs, nr_outputs=1, as_numpy=None):
        """Run a TorchScript model's forward() -> list of output tensors
        (same conventions as :meth:`onnx_run`)."""
        with self._op() as s:
            addr = res.address()

            def run(ins, n_in, outs, n_out):
                return _lib.lib().vaccel_torch_model_run(s, addr, None, ins,
                                                         n_in, outs, n_out)

            return T.run_model(T.TORCH, run, list(inputs), nr_outputs,
                               as_numpy)


def _should_grow(buf, size):
    """True if the plugin reported truncation and the buffer may grow."""
    return size < _MAX_TEXT and truncation(buf.value) is not None


def _grown_size(buf, size):
    """The size to call again with: what the plugin said its PNG needs, or
    4x on truncated records; 0 when the output is complete."""
    m = _PNG_NEED.search(buf.value)
    if m and size < int(m.group(1)) <= _MAX_MAP:
        return int(m.group(1))
    return size * 4 if _should_grow(buf, size) else 0


def _c_str(text):
    """A str, bytes or path object as bytes for C."""
    if isinstance(text, str):
        return text.encode("utf-8")
    return os.fsencode(text)
