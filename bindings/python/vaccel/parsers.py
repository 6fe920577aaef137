# SPDX-License-Identifier: Apache-2.0
"""Parsers of the onnx (and torch) plugin's text records.

The formats are those of ``docs/plugins/onnx.md`` ("Output formats"): one
record per line, fields separated by one space. Lines starting with ``#``
(the ``# truncated K of N`` marker) and empty lines are skipped; use
:func:`truncation` to learn whether records were dropped. A line that does
not have the documented shape raises ValueError naming the line: a parser
never guesses.
"""
import re

__all__ = ["parse_classification", "parse_detections", "parse_pose",
           "parse_segmentation", "parse_depth", "truncation"]

_TRUNC = re.compile(r"^# truncated (\d+) of (\d+)\s*$")


def _lines(text):
    """(line number, fields) of each record line of ``text``."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).split(b"\0", 1)[0].decode("utf-8", "replace")
    for no, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip() and not line.startswith("#"):
            yield no, line.split()


def _numbers(fields, no, line_kind):
    try:
        return [float(f) for f in fields]
    except ValueError:
        raise ValueError("line %d: %s record with a non-number in %r" %
                         (no, line_kind, " ".join(fields))) from None


def _expect(fields, n, no, kind):
    if len(fields) != n:
        raise ValueError("line %d: %s record needs %d fields, got %r" %
                         (no, kind, n, " ".join(fields)))


def truncation(text):
    """(written, total) from a ``# truncated K of N`` line, else None."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    for line in text.split("\n"):
        m = _TRUNC.match(line)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def parse_classification(text):
    """``LABEL SCORE`` lines -> ``[{"label": str, "score": float}, ...]``
    in the given (best first) order."""
    out = []
    for no, f in _lines(text):
        _expect(f, 2, no, "classification")
        out.append({"label": f[0],
                    "score": _numbers(f[1:], no, "classification")[0]})
    return out


def parse_detections(text):
    """``LABEL SCORE X1 Y1 X2 Y2`` lines -> ``[{"label", "score", "box":
    (x1, y1, x2, y2)}, ...]`` (pixels of the source image). The empty
    string (no object) gives ``[]``."""
    out = []
    for no, f in _lines(text):
        _expect(f, 6, no, "detection")
        nums = _numbers(f[1:], no, "detection")
        out.append({"label": f[0], "score": nums[0], "box": tuple(nums[1:])})
    return out


def parse_pose(text):
    """``NAME X Y SCORE`` lines -> ``[{"name", "x", "y", "score"}, ...]``
    in the model's keypoint order."""
    out = []
    for no, f in _lines(text):
        _expect(f, 4, no, "pose")
        x, y, score = _numbers(f[1:], no, "pose")
        out.append({"name": f[0], "x": x, "y": y, "score": score})
    return out


def _keyed(fields, keys, no, kind):
    """{KEY: VALUE} of ``KEY VALUE ...`` fields; only ``keys`` allowed."""
    vals = {}
    it = iter(fields)
    for k in it:
        v = next(it, None)
        if k not in keys or v is None:
            raise ValueError("line %d: unexpected %r in %s record" %
                             (no, k, kind))
        vals[k] = v
    return vals


def _png_size(f, no):
    """The ``png N`` record: the size of the PNG after the records."""
    _expect(f, 2, no, "png")
    if not f[1].isdigit():
        raise ValueError("line %d: png record needs a byte count, got %r" %
                         (no, f[1]))
    return int(f[1])


def parse_segmentation(text):
    """``mask W H threshold T coverage C`` / ``bbox X1 Y1 X2 Y2`` / ``png
    N`` -> ``{"png": int|None, "width": int, "height": int, "threshold":
    float, "coverage": float, "bbox": (x1, y1, x2, y2) ints or None}``.

    ``bbox`` is None when the plugin wrote none (coverage 0). ``png`` is the
    size of the PNG mask that follows the records (``Session.segment()``
    returns its bytes as ``.png``), None when none came.
    """
    res = {"png": None, "bbox": None}
    for no, f in _lines(text):
        if f[0] == "png":
            res["png"] = _png_size(f, no)
        elif f[0] == "mask":
            _expect(f, 7, no, "mask")
            res["width"], res["height"] = int(f[1]), int(f[2])
            kv = _keyed(f[3:], ("threshold", "coverage"), no, "mask")
            for k, v in kv.items():
                res[k] = _numbers([v], no, "mask")[0]
        elif f[0] == "bbox":
            _expect(f, 5, no, "bbox")
            res["bbox"] = tuple(int(v) for v in _numbers(f[1:], no, "bbox"))
        else:
            raise ValueError("line %d: unknown segmentation record %r" %
                             (no, f[0]))
    if "width" not in res:
        raise ValueError("segmentation text has no mask record")
    return res


def parse_depth(text):
    """``depth W H min MIN max MAX mean MEAN png_range LO HI`` / ``png N``
    -> ``{"png": int|None, "width", "height", "min", "max", "mean",
    "png_range": (lo, hi)}`` (``png``: as in :func:`parse_segmentation`)."""
    res = {"png": None}
    for no, f in _lines(text):
        if f[0] == "png":
            res["png"] = _png_size(f, no)
        elif f[0] == "depth":
            _expect(f, 12, no, "depth")
            res["width"], res["height"] = int(f[1]), int(f[2])
            if (f[3], f[5], f[7], f[9]) != ("min", "max", "mean",
                                            "png_range"):
                raise ValueError("line %d: malformed depth record" % no)
            nums = _numbers([f[4], f[6], f[8], f[10], f[11]], no, "depth")
            res["min"], res["max"], res["mean"] = nums[:3]
            res["png_range"] = (nums[3], nums[4])
        else:
            raise ValueError("line %d: unknown depth record %r" % (no, f[0]))
    if "width" not in res:
        raise ValueError("depth text has no depth record")
    return res
