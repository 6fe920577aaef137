"""Run a TF.js graph model (model.json + weight shards) with torch ops.

TfjsGraph is a torch.nn.Module that interprets the GraphDef stored in a TF.js
model.json node by node, so that torch.jit.trace / torch.onnx.export can turn
it into TorchScript or ONNX.  Only Debian's python3-torch and numpy are needed;
no TensorFlow.

TF semantics are reproduced exactly where they differ from PyTorch:
  * tensors stay NHWC, as in TF; convolutions permute to NCHW around the call
    (a permuted NHWC tensor is channels_last memory, so libtorch does no copy);
  * SAME padding is computed per op and may be asymmetric (extra row/column at
    the bottom/right), which PyTorch's symmetric `padding=` cannot express;
  * ResizeBilinear follows TF's three coordinate mappings, including the legacy
    asymmetric one (src = dst * in / out) that PyTorch has no mode for;
  * TF int32 tensors are held as torch int64: index ops in torch and ONNX want
    int64, and the values (shapes, indices) are far inside both ranges.

Nodes whose inputs are all constant (shape arithmetic, weight reshapes) are
folded once at construction, so a traced graph contains only real work.

Command line: python3 tfjs_graph.py MODEL_DIR  lists the ops and their support.
"""

import base64
import collections
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# TF dtype names (graph attrs) to torch dtypes.  int32 maps to int64 on purpose
# (see the module docstring).
TORCH_DTYPES = {
    "DT_FLOAT": torch.float32,
    "DT_INT32": torch.int64,
    "DT_INT64": torch.int64,
    "DT_BOOL": torch.bool,
}

# Weight-manifest dtypes to numpy dtypes (storage, before dequantisation).
NP_DTYPES = {
    "float32": np.float32,
    "int32": np.int32,
    "bool": np.bool_,
    "float16": np.float16,
    "uint8": np.uint8,
    "uint16": np.uint16,
}


class UnsupportedOp(RuntimeError):
    """Raised when a model uses an op (or op variant) this interpreter lacks."""


# ---------------------------------------------------------------------------
# Loading: model.json, weights, dequantisation
# ---------------------------------------------------------------------------


def dequantise(raw, spec):
    """Decode one weight-manifest entry from its bytes to a float/int array."""
    quant = spec.get("quantization")
    shape = [int(d) for d in spec["shape"]]
    if not quant:
        return np.frombuffer(raw, NP_DTYPES[spec["dtype"]]).reshape(shape)
    q = np.frombuffer(raw, NP_DTYPES[quant["dtype"]]).reshape(shape)
    if quant["dtype"] == "float16":
        return q.astype(np.float32)
    # Affine uint8/uint16 quantisation: value = q * scale + min.
    out = q.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
    return out.astype(NP_DTYPES[spec["dtype"]])


def weight_nbytes(spec):
    """Bytes one manifest entry occupies in the concatenated shards."""
    dtype = spec.get("quantization", {}).get("dtype", spec["dtype"])
    if dtype not in NP_DTYPES:
        raise UnsupportedOp(f"weight {spec['name']}: dtype {dtype} not supported")
    count = int(np.prod([int(d) for d in spec["shape"]], dtype=np.int64))
    return count * np.dtype(NP_DTYPES[dtype]).itemsize


def load_weights(model_dir, manifest):
    """Return {name: ndarray} for every weight listed in weightsManifest."""
    weights = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            n = weight_nbytes(spec)
            weights[spec["name"]] = dequantise(blob[offset:offset + n], spec)
            offset += n
        if offset != len(blob):
            raise ValueError(f"{model_dir}: shards hold {len(blob)} bytes, manifest {offset}")
    return weights


def to_torch(array):
    """ndarray to tensor, applying the int32 -> int64 convention."""
    if array.dtype == np.int32:
        array = array.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(array).copy())


# ---------------------------------------------------------------------------
# Graph nodes and attributes
# ---------------------------------------------------------------------------


class Node:
    """One GraphDef node; inputs are (source node, output index) pairs."""

    def __init__(self, raw):
        self.name = raw["name"]
        self.op = raw["op"]
        self.attr = raw.get("attr", {})
        self.inputs = [parse_ref(r) for r in raw.get("input", []) if not r.startswith("^")]

    def s(self, key, default=None):
        """String attr; GraphDef JSON stores bytes base64-encoded."""
        if key not in self.attr:
            return default
        return base64.b64decode(self.attr[key]["s"]).decode()

    def i(self, key, default=0):
        return int(self.attr[key]["i"]) if key in self.attr else default

    def f(self, key, default=0.0):
        return float(self.attr[key].get("f", default)) if key in self.attr else default

    def b(self, key, default=False):
        return bool(self.attr[key].get("b", False)) if key in self.attr else default

    def ints(self, key, default=None):
        if key not in self.attr:
            return default
        return [int(v) for v in self.attr[key].get("list", {}).get("i", [])]

    def strs(self, key):
        vals = self.attr.get(key, {}).get("list", {}).get("s", [])
        return [base64.b64decode(v).decode() for v in vals]

    def dtype(self, key):
        return TORCH_DTYPES[self.attr[key]["type"]]


def parse_ref(ref):
    """'name:1' -> ('name', 1); 'name' -> ('name', 0)."""
    name, _, idx = ref.rpartition(":")
    if name and idx.isdigit():
        return name, int(idx)
    return ref, 0


def inline_const(node):
    """Value of a Const whose tensor is stored in the graph, not the manifest."""
    tensor = node.attr.get("value", {}).get("tensor")
    if tensor is None:
        raise ValueError(f"Const {node.name}: no weight and no inline value")
    shape = [int(d.get("size", 0)) for d in tensor.get("tensorShape", {}).get("dim", [])]
    for field, dtype in (("floatVal", np.float32), ("intVal", np.int32), ("boolVal", np.bool_)):
        if field in tensor:
            vals = np.array(tensor[field], dtype=dtype)
            return np.broadcast_to(vals, shape).copy() if vals.size == 1 else vals.reshape(shape)
    raise UnsupportedOp(f"Const {node.name}: inline tensor encoding {list(tensor)}")


# ---------------------------------------------------------------------------
# The op table.  Each op gets (graph, node, input values) and returns a tensor
# or a list of tensors (multi-output ops).
# ---------------------------------------------------------------------------

OPS = {}


def op(*names):
    def register(fn):
        for n in names:
            OPS[n] = fn
        return fn

    return register


# ids of the folded constants.  static() reads Python values (shapes, axes)
# only from these: while tracing, a value computed from the input would be
# frozen into the trace silently, so that is refused instead.
CONST_IDS = set()


def static(value):
    """A folded constant as a Python list/scalar (shapes, axes, sizes)."""
    if torch.jit.is_tracing() and id(value) not in CONST_IDS:
        raise UnsupportedOp("a shape/axis argument depends on the input data")
    with warnings.catch_warnings():  # constant by the check above
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return value.tolist()


def scalar(value):
    """A folded constant that must hold one number (axis, k); TF.js often
    stores such scalars with shape [1]."""
    if value.numel() != 1:
        raise ValueError(f"expected a single value, got shape {tuple(value.shape)}")
    v = static(value)
    while isinstance(v, list):
        v = v[0]
    return v


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def check_nhwc(node):
    fmt = node.s("data_format", "NHWC")
    if fmt != "NHWC":
        raise UnsupportedOp(f"{node.op} {node.name}: data_format {fmt}")


def same_pad(size, k, s, d=1):
    """TF SAME padding for one spatial dim: (before, after); after >= before."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def pad_spatial(x, node, k, s, d=(1, 1), value=0.0):
    """Apply the node's padding (VALID/SAME/EXPLICIT) to an NCHW tensor."""
    mode = node.s("padding")
    if mode == "VALID":
        return x
    if mode == "SAME":
        top, bottom = same_pad(x.shape[2], k[0], s[0], d[0])
        left, right = same_pad(x.shape[3], k[1], s[1], d[1])
    elif mode == "EXPLICIT":
        p = node.ints("explicit_paddings")  # NHWC pairs
        top, bottom, left, right = p[2], p[3], p[4], p[5]
    else:
        raise UnsupportedOp(f"{node.op} {node.name}: padding {mode}")
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def hw(node, key, default=(1, 1)):
    """Spatial part (H, W) of an NHWC 4-list attr such as strides."""
    v = node.ints(key)
    return (v[1], v[2]) if v else default


# --- elementwise --------------------------------------------------------------

BINARY = {
    "Add": torch.add,
    "AddV2": torch.add,
    "BiasAdd": torch.add,  # NHWC: bias broadcasts over the last axis
    "Sub": torch.sub,
    "Mul": torch.mul,
    "RealDiv": torch.div,
    "Maximum": torch.maximum,
    "Minimum": torch.minimum,
    "Pow": torch.pow,
    "SquaredDifference": lambda a, b: (a - b) * (a - b),
    "Equal": torch.eq,
    "NotEqual": torch.ne,
    "Greater": torch.gt,
    "GreaterEqual": torch.ge,
    "Less": torch.lt,
    "LessEqual": torch.le,
    "LogicalAnd": torch.logical_and,
    "FloorMod": torch.remainder,  # sign follows the divisor, as in TF
}

UNARY = {
    "Identity": lambda x: x,
    "Relu": torch.relu,
    "Relu6": lambda x: torch.clamp(x, 0.0, 6.0),
    "Elu": F.elu,
    "Sigmoid": torch.sigmoid,
    "Tanh": torch.tanh,
    "Sqrt": torch.sqrt,
    "Rsqrt": torch.rsqrt,
    "Square": lambda x: x * x,
    "Exp": torch.exp,
    "Log": torch.log,
    "Neg": torch.neg,
    "Abs": torch.abs,
    "Floor": torch.floor,
    "Round": torch.round,  # both round half to even
}


@op(*BINARY)
def op_binary(g, node, args):
    return BINARY[node.op](args[0], args[1])


@op(*UNARY)
def op_unary(g, node, args):
    return UNARY[node.op](args[0])


@op("FloorDiv")
def op_floordiv(g, node, args):
    a, b = args
    if a.is_floating_point():
        return torch.floor(a / b)
    return torch.div(a, b, rounding_mode="floor")


@op("AddN")
def op_addn(g, node, args):
    out = args[0]
    for a in args[1:]:
        out = out + a
    return out


@op("LeakyRelu")
def op_leaky_relu(g, node, args):
    return F.leaky_relu(args[0], node.f("alpha", 0.2))


@op("Prelu")
def op_prelu(g, node, args):
    x, alpha = args
    return torch.relu(x) + alpha * torch.clamp(x, max=0.0)


@op("Cast")
def op_cast(g, node, args):
    return args[0].to(node.dtype("DstT"))


@op("Select", "SelectV2")
def op_select(g, node, args):
    return torch.where(args[0], args[1], args[2])


@op("Softmax")
def op_softmax(g, node, args):
    return torch.softmax(args[0], dim=-1)


# --- shape ops ----------------------------------------------------------------


@op("Reshape")
def op_reshape(g, node, args):
    return args[0].reshape(static(args[1]))


@op("ExpandDims")
def op_expand_dims(g, node, args):
    return args[0].unsqueeze(int(scalar(args[1])))


@op("Squeeze")
def op_squeeze(g, node, args):
    x = args[0]
    dims = node.ints("squeeze_dims") or [i for i, n in enumerate(x.shape) if n == 1]
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = x.squeeze(d)
    return x


@op("Transpose")
def op_transpose(g, node, args):
    return args[0].permute(static(args[1]))


@op("ConcatV2")
def op_concat(g, node, args):
    return torch.cat(args[:-1], dim=int(scalar(args[-1])))


@op("Pack")
def op_pack(g, node, args):
    return torch.stack(args, dim=node.i("axis"))


@op("Unpack")
def op_unpack(g, node, args):
    return list(torch.unbind(args[0], dim=node.i("axis")))


@op("Slice")
def op_slice(g, node, args):
    x, begin, size = args[0], static(args[1]), static(args[2])
    idx = tuple(slice(b, None if n < 0 else b + n) for b, n in zip(begin, size))
    return x[idx]


@op("StridedSlice")
def op_strided_slice(g, node, args):
    x = args[0]
    begin, end, strides = (static(a) for a in args[1:4])
    masks = {k: node.i(k) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                     "new_axis_mask", "shrink_axis_mask")}
    return x[strided_index(node, begin, end, strides, masks)]


def strided_index(node, begin, end, strides, m):
    """Translate StridedSlice's spec + bit masks into a Python index tuple."""
    idx = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if m["ellipsis_mask"] & bit:
            idx.append(Ellipsis)
        elif m["new_axis_mask"] & bit:
            idx.append(None)
        elif m["shrink_axis_mask"] & bit:
            idx.append(b)
        elif s < 0:
            raise UnsupportedOp(f"StridedSlice {node.name}: negative stride")
        else:
            idx.append(slice(None if m["begin_mask"] & bit else b,
                             None if m["end_mask"] & bit else e, s))
    return tuple(idx)


@op("Pad", "PadV2")
def op_pad(g, node, args):
    pads = static(args[1])
    value = float(scalar(args[2])) if len(args) > 2 else 0.0
    flat = [p for pair in reversed(pads) for p in pair]  # F.pad wants last dim first
    return F.pad(args[0], flat, value=value)


# --- reductions, index ops ----------------------------------------------------


@op("Mean", "Sum", "Max", "Min")
def op_reduce(g, node, args):
    x, axes = args[0], static(args[1])
    axes = axes if isinstance(axes, list) else [axes]
    keep = node.b("keep_dims")
    if node.op == "Mean":
        return x.mean(dim=axes, keepdim=keep)
    if node.op == "Sum":
        return x.sum(dim=axes, keepdim=keep)
    fn = torch.amax if node.op == "Max" else torch.amin
    return fn(x, dim=axes, keepdim=keep)


@op("ArgMax")
def op_argmax(g, node, args):
    # torch and TF both return the first index among equal maxima.
    return torch.argmax(args[0], dim=int(scalar(args[1])))


@op("TopKV2")
def op_topk(g, node, args):
    values, indices = torch.topk(args[0], int(scalar(args[1])), dim=-1, largest=True,
                                 sorted=True)
    return [values, indices]


@op("GatherV2")
def op_gather(g, node, args):
    params, indices, axis = args[0], args[1], int(scalar(args[2]))
    if node.i("batch_dims") != 0:
        raise UnsupportedOp(f"GatherV2 {node.name}: batch_dims != 0")
    axis %= params.dim()
    flat = params.index_select(axis, indices.reshape(-1))
    shape = list(params.shape[:axis]) + list(indices.shape) + list(params.shape[axis + 1:])
    return flat.reshape(shape)


@op("GatherNd")
def op_gather_nd(g, node, args):
    params, indices = args
    k = int(indices.shape[-1])
    dims = [int(d) for d in params.shape[:k]]
    strides = [int(np.prod(dims[i + 1:], dtype=np.int64)) for i in range(k)]
    linear = (indices * torch.tensor(strides, dtype=indices.dtype)).sum(-1)
    rest = [int(d) for d in params.shape[k:]]
    flat = params.reshape([-1] + rest).index_select(0, linear.reshape(-1))
    return flat.reshape(list(indices.shape[:-1]) + rest)


# --- convolution and pooling --------------------------------------------------


def conv_weight(g, node, w, depthwise):
    """TF filter layout -> torch weight, prepared once and cached."""

    def prepare():
        if depthwise:  # [kh, kw, cin, mult] -> [cin*mult, 1, kh, kw]
            kh, kw, cin, mult = w.shape
            return w.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).contiguous()
        return w.permute(3, 2, 0, 1).contiguous()  # [kh, kw, cin, cout] -> OIHW

    return g.cached(node.name + "/weight", prepare)


def conv2d(g, node, x, w, depthwise=False):
    """Conv2D / DepthwiseConv2dNative on NHWC x; returns NHWC."""
    check_nhwc(node)
    s, d = hw(node, "strides"), hw(node, "dilations")
    k = (int(w.shape[0]), int(w.shape[1]))
    weight = conv_weight(g, node, w, depthwise)
    xc = pad_spatial(nchw(x), node, k, s, d)
    groups = xc.shape[1] if depthwise else xc.shape[1] // int(w.shape[2])
    return nhwc(F.conv2d(xc, weight, None, s, 0, d, groups))


def apply_fused(node, y, extra):
    """The fused_ops tail of _Fused* ops: BiasAdd/FusedBatchNorm + activation."""
    ops = node.strs("fused_ops")
    for name in ops:
        if name == "BiasAdd":
            y = y + extra[0]
        elif name == "FusedBatchNorm":
            scale, offset, mean, var = extra[:4]
            eps = node.f("epsilon", 1e-3)
            y = (y - mean) * (scale / torch.sqrt(var + eps)) + offset
        elif name == "Prelu":
            y = torch.relu(y) + extra[1] * torch.clamp(y, max=0.0)
        elif name == "LeakyRelu":
            y = F.leaky_relu(y, node.f("leakyrelu_alpha", 0.2))
        elif name in UNARY:
            y = UNARY[name](y)
        else:
            raise UnsupportedOp(f"{node.op} {node.name}: fused op {name}")
    return y


@op("Conv2D")
def op_conv2d(g, node, args):
    return conv2d(g, node, args[0], args[1])


@op("DepthwiseConv2dNative")
def op_depthwise(g, node, args):
    return conv2d(g, node, args[0], args[1], depthwise=True)


@op("_FusedConv2D")
def op_fused_conv2d(g, node, args):
    return apply_fused(node, conv2d(g, node, args[0], args[1]), args[2:])


@op("FusedDepthwiseConv2dNative")
def op_fused_depthwise(g, node, args):
    return apply_fused(node, conv2d(g, node, args[0], args[1], depthwise=True), args[2:])


@op("Conv2DBackpropInput")
def op_conv_transpose(g, node, args):
    """Transposed conv; TF gives the output size, SAME/VALID says how to crop."""
    check_nhwc(node)
    out_size, w, x = static(args[0]), args[1], args[2]
    s = hw(node, "strides")
    kh, kw = int(w.shape[0]), int(w.shape[1])
    weight = g.cached(node.name + "/weight", lambda: w.permute(3, 2, 0, 1).contiguous())
    y = F.conv_transpose2d(nchw(x), weight, None, s)
    # The forward conv this is the gradient of padded by (top, left); undo it.
    if node.s("padding") == "SAME":
        top = same_pad(out_size[1], kh, s[0])[0]
        left = same_pad(out_size[2], kw, s[1])[0]
    elif node.s("padding") == "VALID":
        top = left = 0
    else:
        raise UnsupportedOp(f"Conv2DBackpropInput {node.name}: padding {node.s('padding')}")
    y = y[:, :, top:top + out_size[1], left:left + out_size[2]]
    return nhwc(y)


@op("MaxPool")
def op_maxpool(g, node, args):
    check_nhwc(node)
    k, s = hw(node, "ksize"), hw(node, "strides")
    x = pad_spatial(nchw(args[0]), node, k, s, value=float("-inf"))
    return nhwc(F.max_pool2d(x, k, s))


@op("AvgPool")
def op_avgpool(g, node, args):
    """TF's SAME average excludes the padding from each window's count."""
    check_nhwc(node)
    k, s = hw(node, "ksize"), hw(node, "strides")
    x = nchw(args[0])
    padded = pad_spatial(x, node, k, s)
    avg = F.avg_pool2d(padded, k, s)  # divides by the full window area
    if padded.shape == x.shape:
        return nhwc(avg)
    # Share of each window that is real input; dividing by it gives TF's mean.
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype)
    share = g.cached(node.name + "/share",
                     lambda: F.avg_pool2d(pad_spatial(ones, node, k, s), k, s))
    return nhwc(avg / share)


# --- matmul ---------------------------------------------------------------------


def matmul(node, a, b):
    if node.b("transpose_a"):
        a = a.transpose(-1, -2)
    if node.b("transpose_b"):
        b = b.transpose(-1, -2)
    return torch.matmul(a, b)


@op("MatMul")
def op_matmul(g, node, args):
    return matmul(node, args[0], args[1])


@op("_FusedMatMul")
def op_fused_matmul(g, node, args):
    return apply_fused(node, matmul(node, args[0], args[1]), args[2:])


# --- resize ---------------------------------------------------------------------


def lerp_axis(in_size, out_size, align_corners, half_pixel):
    """Source indices (lo, hi) and fractions for one axis, as TF computes them.

    align_corners: src = dst * (in-1)/(out-1)
    half_pixel:    src = (dst + 0.5) * in/out - 0.5   (lo clamped at 0)
    neither:       src = dst * in/out   (TF's legacy mapping; PyTorch's
                   align_corners=False is the half-pixel one, not this)
    """
    if align_corners and out_size > 1:
        ratio = (in_size - 1) / (out_size - 1)
    else:
        ratio = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    src = (dst + 0.5) * ratio - 0.5 if half_pixel else dst * ratio
    lo = np.maximum(np.floor(src), 0)
    hi = np.minimum(np.ceil(src), in_size - 1)
    frac = (src - lo).astype(np.float32)
    return (torch.from_numpy(lo.astype(np.int64)), torch.from_numpy(hi.astype(np.int64)),
            torch.from_numpy(frac))


@op("ResizeBilinear")
def op_resize_bilinear(g, node, args):
    x, (oh, ow) = args[0], static(args[1])
    ac, hp = node.b("align_corners"), node.b("half_pixel_centers")
    h, w = int(x.shape[1]), int(x.shape[2])
    y0, y1, fy = g.cached(node.name + "/rows", lambda: lerp_axis(h, oh, ac, hp))
    x0, x1, fx = g.cached(node.name + "/cols", lambda: lerp_axis(w, ow, ac, hp))
    fx, fy = fx.reshape(1, 1, ow, 1), fy.reshape(1, oh, 1, 1)
    # Same operation order as TF: along x on both rows, then along y.
    top, bottom = x.index_select(1, y0), x.index_select(1, y1)
    top = top.index_select(2, x0) + (top.index_select(2, x1) - top.index_select(2, x0)) * fx
    bottom = (bottom.index_select(2, x0)
              + (bottom.index_select(2, x1) - bottom.index_select(2, x0)) * fx)
    return top + (bottom - top) * fy


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------


class TfjsGraph(torch.nn.Module):
    """A TF.js graph model as a torch module.

    model_dir: folder with model.json and its shards.
    outputs:   tensor names to return ("node" or "node:k"); default: the
               signature's outputs.  forward() returns one tensor, or a tuple
               when several outputs are asked for.
    forward(*inputs) takes the placeholders in signature order, NHWC, with the
    placeholder's dtype (int32 placeholders accept int32 or int64).
    """

    def __init__(self, model_dir, outputs=None):
        super().__init__()
        with open(os.path.join(model_dir, "model.json")) as fh:
            meta = json.load(fh)
        self.model_dir = model_dir
        self.signature = meta.get("signature", {})
        self.nodes = {n["name"]: Node(n) for n in meta["modelTopology"]["node"]}
        self.outputs = [parse_ref(o) for o in (outputs or self._signature_outputs())]
        self.order = self._topological_order()
        self.placeholders = [n for n in self.order if self.nodes[n].op == "Placeholder"]
        self._check_supported()
        self._cache = {}
        self.consts = self._fold(load_weights(model_dir, meta["weightsManifest"]))
        with torch.no_grad():  # fills the caches and proves the graph runs
            self.forward(*self.example_inputs())

    # -- setup ---------------------------------------------------------------

    def _signature_outputs(self):
        outs = self.signature.get("outputs")
        if not outs:
            raise ValueError(f"{self.model_dir}: no signature outputs; pass outputs=")
        return [v.get("name", k) for k, v in outs.items()]

    def _topological_order(self):
        """Nodes needed for the outputs, each after its inputs (iterative DFS)."""
        order, state = [], {}
        for root, _ in self.outputs:
            stack = [(root, False)]
            while stack:
                name, done = stack.pop()
                if name not in self.nodes:
                    raise ValueError(f"{self.model_dir}: unknown node {name}")
                if done:
                    if state[name] != 2:
                        state[name] = 2
                        order.append(name)
                    continue
                if state.get(name):
                    continue
                state[name] = 1
                stack.append((name, True))
                stack.extend((src, False) for src, _ in reversed(self.nodes[name].inputs)
                             if not state.get(src))
        return order

    def _check_supported(self):
        missing = collections.defaultdict(list)
        for name in self.order:
            node = self.nodes[name]
            if node.op not in OPS and node.op not in ("Const", "Placeholder"):
                missing[node.op].append(name)
        if missing:
            detail = "; ".join(f"{op} (e.g. node {names[0]}, {len(names)} nodes)"
                               for op, names in sorted(missing.items()))
            raise UnsupportedOp(f"{self.model_dir}: unsupported TF.js op(s): {detail}")

    def _fold(self, weights):
        """Evaluate Consts and every node computable from them alone."""
        consts = {}
        for name in self.order:
            node = self.nodes[name]
            if node.op == "Const":
                consts[name] = to_torch(weights[name] if name in weights else inline_const(node))
            elif node.op != "Placeholder" and node.inputs and all(
                    src in consts for src, _ in node.inputs):
                consts[name] = self._run(node, consts)
            else:
                continue
            value = consts[name]
            CONST_IDS.update(id(v) for v in (value if isinstance(value, list) else [value]))
        self.plan = [n for n in self.order
                     if n not in consts and self.nodes[n].op != "Placeholder"]
        return consts

    def cached(self, key, make):
        """Per-node derived constants (weights in torch layout, resize tables)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def example_inputs(self):
        """Zero tensors shaped and typed like the placeholders."""
        xs = []
        for name in self.placeholders:
            node = self.nodes[name]
            dims = [int(d.get("size", -1)) for d in node.attr["shape"]["shape"].get("dim", [])]
            if any(d < 0 for d in dims):
                raise ValueError(f"placeholder {name} has a dynamic shape {dims}")
            xs.append(torch.zeros(dims, dtype=node.dtype("dtype")))
        return xs

    # -- execution -------------------------------------------------------------

    def _run(self, node, env):
        args = []
        for src, k in node.inputs:
            v = env[src]
            args.append(v[k] if isinstance(v, list) else v)
        try:
            return OPS[node.op](self, node, args)
        except UnsupportedOp:
            raise
        except Exception as exc:
            shapes = [tuple(a.shape) for a in args]
            raise RuntimeError(f"{node.op} {node.name} (inputs {shapes}): {exc}") from exc

    def forward(self, *inputs):
        if len(inputs) != len(self.placeholders):
            raise ValueError(f"expected {len(self.placeholders)} inputs, got {len(inputs)}")
        env = dict(self.consts)
        for name, x in zip(self.placeholders, inputs):
            env[name] = x.to(torch.int64) if x.dtype == torch.int32 else x
        for name in self.plan:
            env[name] = self._run(self.nodes[name], env)
        outs = []
        for name, k in self.outputs:
            v = env[name]
            outs.append(v[k] if isinstance(v, list) else v)
        return outs[0] if len(outs) == 1 else tuple(outs)


def describe(model_dir):
    """Op histogram of a model.json, marking ops this interpreter lacks."""
    with open(os.path.join(model_dir, "model.json")) as fh:
        nodes = json.load(fh)["modelTopology"]["node"]
    counts = collections.Counter(n["op"] for n in nodes)
    for name, count in sorted(counts.items()):
        ok = name in OPS or name in ("Const", "Placeholder")
        print(f"{count:5d}  {name}{'' if ok else '   <- UNSUPPORTED'}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: python3 tfjs_graph.py MODEL_DIR   (lists the ops used and support)")
        sys.exit(0 if len(sys.argv) == 2 else 2)
    describe(sys.argv[1])
