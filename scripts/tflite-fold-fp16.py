#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fold a TFLite model's fp16 weights into fp32, for Arm NN 20.08.

MediaPipe's .tflite files store weights as FLOAT16 constants, each read
through a DEQUANTIZE op into a FLOAT32 tensor. Arm NN 20.08's TFLite parser
cannot run those (it expects the weights of CONV_2D & co. in the tensor's
own buffer: "Buffer #0 has 0 bytes"). This script computes every such
DEQUANTIZE offline: the FLOAT16 constant becomes a FLOAT32 constant holding
the converted values, the ops that read the DEQUANTIZE's output read it
instead, and the DEQUANTIZE is removed. Nothing else changes; the result
computes the same function (fp16 values are exactly representable in
fp32).

usage: tflite-fold-fp16.py [--help] [--list] IN.tflite [OUT.tflite]
  --list   print the model's tensors and operators and exit

The flatbuffer is handled directly (no flatbuffers package): the file is
kept as it is; a new `buffers` vector (with the fp32 data) is appended at its
end and Model.buffers is pointed at it (flatbuffer offsets point forward, and
the builder puts the root table first); the tensor type bytes, the operator
input indices and the operator vectors (shrunk) are changed in place.
"""
import struct
import sys

import numpy as np

DEQUANTIZE = 6
FLOAT32, FLOAT16 = 0, 1
TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64",
         6: "bool", 7: "int16", 9: "int8"}


class Table:
    """A flatbuffer table at `pos` of `buf`."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        vsize = struct.unpack_from("<H", buf, vt)[0]
        self.fields = [struct.unpack_from("<H", buf, vt + 4 + 2 * i)[0]
                       for i in range((vsize - 4) // 2)]

    def at(self, i):
        """Absolute position of field i, or None when absent."""
        if i < len(self.fields) and self.fields[i]:
            return self.pos + self.fields[i]
        return None

    def scalar(self, i, fmt, default=0):
        p = self.at(i)
        return default if p is None else struct.unpack_from(fmt, self.buf, p)[0]

    def ref(self, i):
        """Target of the offset field i (vector, table, string) or None."""
        p = self.at(i)
        return None if p is None else p + struct.unpack_from("<I", self.buf, p)[0]

    def vector(self, i):
        """(position of the first element, length) of vector field i."""
        v = self.ref(i)
        if v is None:
            return None, 0
        return v + 4, struct.unpack_from("<I", self.buf, v)[0]

    def ints(self, i):
        p, n = self.vector(i)
        return [] if p is None else list(struct.unpack_from("<%di" % n, self.buf, p))

    def tables(self, i):
        p, n = self.vector(i)
        if p is None:
            return []
        return [Table(self.buf, p + 4 * k +
                      struct.unpack_from("<I", self.buf, p + 4 * k)[0])
                for k in range(n)]

    def bytes(self, i):
        p, n = self.vector(i)
        return b"" if p is None else bytes(self.buf[p:p + n])

    def string(self, i):
        return self.bytes(i).decode("utf-8", "replace")


def opcode(model, op):
    """Builtin op code of operator `op` (the larger of the two fields)."""
    code = model.tables(1)[op.scalar(0, "<I")]
    return max(code.scalar(0, "<b"), code.scalar(3, "<i"))


def describe(model):
    buffers = model.tables(4)
    for g, sub in enumerate(model.tables(2)):
        print("subgraph %d: inputs %s outputs %s" % (g, sub.ints(1), sub.ints(2)))
        for t, ten in enumerate(sub.tables(0)):
            b = ten.scalar(2, "<I")
            print("  tensor %3d %-8s %-14s buffer %3d (%d bytes) %s" % (
                t, TYPES.get(ten.scalar(1, "<b"), "?"), ten.ints(0), b,
                len(buffers[b].bytes(0)), ten.string(3)))
        for k, op in enumerate(sub.tables(3)):
            print("  op %3d code %3d in %s out %s" % (
                k, opcode(model, op), op.ints(1), op.ints(2)))


def foldable(model, sub, buffers):
    """(op index, fp16 tensor, fp32 tensor) of each constant DEQUANTIZE."""
    tensors = sub.tables(0)
    for k, op in enumerate(sub.tables(3)):
        ins, outs = op.ints(1), op.ints(2)
        if opcode(model, op) != DEQUANTIZE or len(ins) != 1 or len(outs) != 1:
            continue
        src, dst = tensors[ins[0]], tensors[outs[0]]
        if (src.scalar(1, "<b") == FLOAT16 and dst.scalar(1, "<b") == FLOAT32
                and buffers[src.scalar(2, "<I")].bytes(0)):
            yield k, src, dst


def align(out, n, fill=0):
    while len(out) % n:
        out.append(fill)


def emit_buffers(out, datas):
    """Append a vector of Buffer tables (field 0: data) to `out`; return
    the vector's position. Parents come before children: offsets point
    forward."""
    align(out, 4)
    vec = len(out)
    out += struct.pack("<I", len(datas)) + bytes(4 * len(datas))
    for i, data in enumerate(datas):
        align(out, 4)
        vt = len(out)
        if data:
            out += struct.pack("<HHH", 6, 8, 4) + bytes(2)
        else:
            out += struct.pack("<HH", 4, 4)
        tab = len(out)
        out += struct.pack("<i", tab - vt) + (bytes(4) if data else b"")
        struct.pack_into("<I", out, vec + 4 + 4 * i, tab - (vec + 4 + 4 * i))
        if data:
            # the data itself 16-byte aligned, as TFLite's builder does
            while (len(out) + 4) % 16:
                out.append(0)
            struct.pack_into("<I", out, tab + 4, len(out) - (tab + 4))
            out += struct.pack("<I", len(data)) + data
    return vec


def remove_ops(out, sub, drop):
    """Remove operators `drop` (indices) from the subgraph's vector, in
    place: later entries move down and their offsets grow to match."""
    p, n = sub.vector(3)
    keep = [i for i in range(n) if i not in drop]
    olds = [struct.unpack_from("<I", out, p + 4 * i)[0] for i in range(n)]
    for j, i in enumerate(keep):
        struct.pack_into("<I", out, p + 4 * j, olds[i] + 4 * (i - j))
    struct.pack_into("<I", out, p - 4, len(keep))


def rewire(out, sub, old, new):
    """Operators that read tensor `old` read `new` instead (in place)."""
    for op in sub.tables(3):
        p, n = op.vector(1)
        for i in range(n):
            if struct.unpack_from("<i", out, p + 4 * i)[0] == old:
                struct.pack_into("<i", out, p + 4 * i, new)


def fold_one(out, sub, src, dst, s, d, datas, owners):
    """The fp16 constant `src` becomes the fp32 constant; readers of the
    DEQUANTIZE's output `dst` read it instead."""
    b = src.scalar(2, "<I")
    if owners.get(b) != 1 or src.at(1) is None:
        sys.exit("tensor %s shares buffer %d: cannot fold" % (src.string(3), b))
    if d in sub.ints(2):
        sys.exit("tensor %s is a model output: cannot fold" % dst.string(3))
    half = np.frombuffer(datas[b], dtype="<f2")
    datas[b] = half.astype("<f4").tobytes()
    struct.pack_into("<b", out, src.at(1), FLOAT32)
    rewire(out, sub, d, s)


def fold(data):
    out = bytearray(data)
    model = Table(out, struct.unpack_from("<I", out, 0)[0])
    buffers = model.tables(4)
    datas = [b.bytes(0) for b in buffers]
    owners, readers = {}, {}
    for sub in model.tables(2):
        for ten in sub.tables(0):
            b = ten.scalar(2, "<I")
            owners[b] = owners.get(b, 0) + 1
    folded = 0
    for sub in model.tables(2):
        drop = {}
        for op in sub.tables(3):
            for t in op.ints(1):
                readers[t] = readers.get(t, 0) + 1
        for k, src, dst in foldable(model, sub, buffers):
            op = sub.tables(3)[k]
            s, d = op.ints(1)[0], op.ints(2)[0]
            if readers.get(s) != 1:
                sys.exit("fp16 tensor %s has other readers: cannot fold" %
                         src.string(3))
            drop[k] = (src, dst, s, d)
        for k, (src, dst, s, d) in drop.items():
            fold_one(out, sub, src, dst, s, d, datas, owners)
        remove_ops(out, sub, set(drop))
        folded += len(drop)
        readers = {}
    if model.at(4) is None:
        sys.exit("the model has no buffers field")
    vec = emit_buffers(out, datas)
    struct.pack_into("<I", out, model.at(4), vec - model.at(4))
    return bytes(out), folded


def main(argv):
    args = [a for a in argv if not a.startswith("-")]
    if "--help" in argv or "-h" in argv or not args:
        print(__doc__.strip())
        return 0 if args or "--help" in argv or "-h" in argv else 2
    data = open(args[0], "rb").read()
    if data[4:8] != b"TFL3":
        sys.exit("%s is not a TFLite model (no TFL3 identifier)" % args[0])
    if "--list" in argv:
        describe(Table(data, struct.unpack_from("<I", data, 0)[0]))
        return 0
    if len(args) != 2:
        sys.exit("usage: tflite-fold-fp16.py IN.tflite OUT.tflite")
    out, n = fold(data)
    with open(args[1] + ".tmp", "wb") as f:
        f.write(out)
    import os
    os.replace(args[1] + ".tmp", args[1])
    print("%s: %d fp16 DEQUANTIZE ops folded -> %s (%d bytes)" % (
        args[0], n, args[1], len(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
