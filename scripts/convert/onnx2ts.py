"""Run an ONNX graph with torch ops, so it can be traced to TorchScript.

OnnxGraph is a torch.nn.Module that interprets an ONNX model (read with
python3-onnx) node by node.  It covers the ops of the two ONNX image models
the project ships (BlazeFace from tf2onnx, PP-OCR cls from paddle2onnx) plus a
few common neighbours; anything else fails with UnsupportedOp naming the op.

Input shapes are fixed when the module is built.  With fixed shapes every value
that does not depend on the input *data* (initializers, Constant nodes, Shape
of an activation and the arithmetic on it) is computed once, up front; the
traced graph then contains only the real work and static reshape targets.

Command line:
  python3 onnx2ts.py MODEL.onnx                      list ops and their support
  python3 onnx2ts.py MODEL.onnx OUT.pt --shape 1,3,48,192   trace and save
"""

import argparse
import collections
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

# ONNX TensorProto element types -> torch.  int32 is held as int64, as in
# tfjs_graph.py: index ops want int64, values are shapes and indices.
TORCH_DTYPES = {1: torch.float32, 6: torch.int64, 7: torch.int64, 9: torch.bool}


class UnsupportedOp(RuntimeError):
    """Raised for an op (or op variant) this interpreter lacks."""


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def to_torch(array):
    if array.dtype == np.int32:
        array = array.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(array).copy())


OPS = {}


def op(*names):
    def register(fn):
        for n in names:
            OPS[n] = fn
        return fn

    return register


# ids of the values computed up front.  ints() reads Python values (shapes,
# axes) only from these: while tracing, a value computed from the input would
# be frozen into the trace silently, so that is refused instead.
CONST_IDS = set()


def ints(t):
    """A folded 1-D int tensor as a Python list."""
    if torch.jit.is_tracing() and id(t) not in CONST_IDS:
        raise UnsupportedOp("a shape/axis argument depends on the input data")
    with warnings.catch_warnings():  # constant by the check above
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return [int(v) for v in t.reshape(-1).tolist()]


# --- elementwise ----------------------------------------------------------------

BINARY = {
    "Add": torch.add,
    "Sub": torch.sub,
    "Mul": torch.mul,
    "Pow": torch.pow,
    "Max": torch.maximum,
    "Min": torch.minimum,
    "Equal": torch.eq,
    "Greater": torch.gt,
    "Less": torch.lt,
}

UNARY = {
    "Identity": lambda x: x,
    "Relu": torch.relu,
    "Sigmoid": torch.sigmoid,
    "Tanh": torch.tanh,
    "Exp": torch.exp,
    "Sqrt": torch.sqrt,
    "Neg": torch.neg,
    "Abs": torch.abs,
    "Floor": torch.floor,
}


@op(*BINARY)
def op_binary(g, node, a, args):
    return BINARY[node.op_type](args[0], args[1])


@op(*UNARY)
def op_unary(g, node, a, args):
    return UNARY[node.op_type](args[0])


@op("Div")
def op_div(g, node, a, args):
    x, y = args
    if x.is_floating_point():
        return x / y
    return torch.div(x, y, rounding_mode="trunc")  # ONNX integer Div truncates


@op("Clip")
def op_clip(g, node, a, args):
    # Before opset 11 the bounds are attributes, from 11 optional inputs.
    lo = a.get("min", float("-inf"))
    hi = a.get("max", float("inf"))
    if len(args) > 1 and args[1] is not None:
        lo = float(args[1])
    if len(args) > 2 and args[2] is not None:
        hi = float(args[2])
    return torch.clamp(args[0], lo, hi)


@op("HardSigmoid")
def op_hard_sigmoid(g, node, a, args):
    return torch.clamp(args[0] * a.get("alpha", 0.2) + a.get("beta", 0.5), 0.0, 1.0)


@op("LeakyRelu")
def op_leaky_relu(g, node, a, args):
    return F.leaky_relu(args[0], a.get("alpha", 0.01))


@op("Cast")
def op_cast(g, node, a, args):
    if a["to"] not in TORCH_DTYPES:
        raise UnsupportedOp(f"Cast {node.name}: to type {a['to']}")
    return args[0].to(TORCH_DTYPES[a["to"]])


@op("Softmax")
def op_softmax(g, node, a, args):
    x = args[0]
    axis = a.get("axis", 1 if g.opset < 13 else -1) % x.dim()
    if g.opset >= 13 or axis == x.dim() - 1:
        return torch.softmax(x, dim=axis)
    # Before opset 13 Softmax flattens to 2-D at `axis` first.
    shape = x.shape
    return torch.softmax(x.reshape(int(np.prod(shape[:axis])), -1), dim=1).reshape(shape)


# --- shape ops --------------------------------------------------------------------


@op("Shape")
def op_shape(g, node, a, args):
    return torch.tensor([int(d) for d in args[0].shape], dtype=torch.int64)


@op("Reshape")
def op_reshape(g, node, a, args):
    x, shape = args[0], ints(args[1])
    # 0 copies the input dim (allowzero=0, the default and the only one here).
    shape = [int(x.shape[i]) if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


@op("Flatten")
def op_flatten(g, node, a, args):
    x = args[0]
    axis = a.get("axis", 1) % (x.dim() or 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


@op("Transpose")
def op_transpose(g, node, a, args):
    perm = a.get("perm") or list(reversed(range(args[0].dim())))
    return args[0].permute(perm)


@op("Concat")
def op_concat(g, node, a, args):
    return torch.cat(args, dim=a["axis"])


@op("ConstantOfShape")
def op_constant_of_shape(g, node, a, args):
    value = a.get("value")
    fill = to_torch(onnx.numpy_helper.to_array(value)) if value is not None else torch.zeros(1)
    return fill.reshape(1).expand(ints(args[0])).contiguous()


@op("Slice")
def op_slice(g, node, a, args):
    x = args[0]
    if g.opset < 10:  # attribute form
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = ints(args[1]), ints(args[2])
        axes = ints(args[3]) if len(args) > 3 and args[3] is not None else list(range(len(starts)))
        steps = ints(args[4]) if len(args) > 4 and args[4] is not None else [1] * len(starts)
    idx = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if st < 0:
            raise UnsupportedOp(f"Slice {node.name}: negative step")
        idx[ax % x.dim()] = slice(s, e, st)
    return x[tuple(idx)]


@op("Squeeze")
def op_squeeze(g, node, a, args):
    x = args[0]
    axes = a.get("axes") if g.opset < 13 else (ints(args[1]) if len(args) > 1 else None)
    axes = axes if axes is not None else [i for i, n in enumerate(x.shape) if n == 1]
    for d in sorted((d % x.dim() for d in axes), reverse=True):
        x = x.squeeze(d)
    return x


@op("Unsqueeze")
def op_unsqueeze(g, node, a, args):
    x = args[0]
    axes = a["axes"] if g.opset < 13 else ints(args[1])
    rank = x.dim() + len(axes)
    for d in sorted(d % rank for d in axes):
        x = x.unsqueeze(d)
    return x


# --- conv, pooling, normalisation ---------------------------------------------------


def spatial_pads(node, a):
    """ONNX pads are [x1_begin, x2_begin, ..., x1_end, x2_end]; F.pad wants
    (left, right, top, bottom)."""
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "VALID":
        return (0, 0, 0, 0)
    if auto != "NOTSET":
        raise UnsupportedOp(f"{node.op_type} {node.name}: auto_pad {auto}")
    p = a.get("pads", [0] * 4)
    return (p[1], p[3], p[0], p[2])


def pad(x, pads, value=0.0):
    return x if not any(pads) else F.pad(x, pads, value=value)


@op("Conv")
def op_conv(g, node, a, args):
    x, w = args[0], args[1]
    bias = args[2] if len(args) > 2 else None
    if w.dim() != 4:
        raise UnsupportedOp(f"Conv {node.name}: only 2-D convolutions")
    s, d = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
    x = pad(x, spatial_pads(node, a))
    return F.conv2d(x, w, bias, s, 0, d, a.get("group", 1))


@op("MaxPool")
def op_maxpool(g, node, a, args):
    if a.get("ceil_mode", 0) or len(a["kernel_shape"]) != 2:
        raise UnsupportedOp(f"MaxPool {node.name}: ceil_mode or non-2-D pooling")
    k, s = a["kernel_shape"], a.get("strides", [1, 1])
    x = pad(args[0], spatial_pads(node, a), float("-inf"))
    return F.max_pool2d(x, k, s)


@op("GlobalAveragePool")
def op_global_avg(g, node, a, args):
    return args[0].mean(dim=list(range(2, args[0].dim())), keepdim=True)


@op("BatchNormalization")
def op_batchnorm(g, node, a, args):
    """Inference form, folded to one scale and one shift per channel."""
    x, scale, bias, mean, var = args[:5]

    def fold():
        mul = scale / torch.sqrt(var + a.get("epsilon", 1e-5))
        shape = [1, -1] + [1] * (x.dim() - 2)
        return mul.reshape(shape), (bias - mean * mul).reshape(shape)

    mul, add = g.cached(node, "bn", fold)
    return x * mul + add


@op("MatMul")
def op_matmul(g, node, a, args):
    return torch.matmul(args[0], args[1])


@op("Gemm")
def op_gemm(g, node, a, args):
    x, w = args[0], args[1]
    x = x.t() if a.get("transA", 0) else x
    w = w.t() if a.get("transB", 0) else w
    y = a.get("alpha", 1.0) * (x @ w)
    if len(args) > 2:
        y = y + a.get("beta", 1.0) * args[2]
    return y


# --- the module ---------------------------------------------------------------------


class OnnxGraph(torch.nn.Module):
    """An ONNX model as a torch module with fixed input shapes.

    input_shapes: one shape per graph input; None uses the shapes declared in
    the model (which then must be fully static).
    forward(*inputs) returns one tensor, or a tuple for several graph outputs.
    """

    def __init__(self, path, input_shapes=None):
        super().__init__()
        model = onnx.load(path)
        graph = model.graph
        self.path = path
        self.opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        self.nodes = list(graph.node)
        init = {t.name: to_torch(onnx.numpy_helper.to_array(t)) for t in graph.initializer}
        self.inputs = [i for i in graph.input if i.name not in init]
        self.output_names = [o.name for o in graph.output]
        self.shapes = input_shapes or [declared_shape(i) for i in self.inputs]
        self._check_supported()
        self._cache = {}
        self.consts, self.plan = self._fold(init)

    def _check_supported(self):
        missing = collections.Counter(n.op_type for n in self.nodes
                                      if n.op_type not in OPS and n.op_type != "Constant")
        if missing:
            raise UnsupportedOp(f"{self.path}: unsupported ONNX op(s): "
                                + ", ".join(f"{k} ({v} nodes)" for k, v in missing.items()))

    def _fold(self, init):
        """Run once eagerly; keep every value not derived from input data."""
        env = dict(init)
        data_dependent = {i.name for i in self.inputs}
        for i, shape in zip(self.inputs, self.shapes):
            env[i.name] = torch.zeros(shape, dtype=TORCH_DTYPES[i.type.tensor_type.elem_type])
        plan = []
        with torch.no_grad():
            for node in self.nodes:
                self._run(node, env)
                # Shape only reads the (fixed) shape, so its output is static.
                if node.op_type != "Shape" and any(n in data_dependent for n in node.input):
                    data_dependent.update(node.output)
                    plan.append(node)
        consts = {k: v for k, v in env.items() if k not in data_dependent}
        CONST_IDS.update(id(v) for v in consts.values())
        return consts, plan

    def cached(self, node, tag, make):
        key = (node.name or node.output[0], tag)
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _run(self, node, env):
        if node.op_type == "Constant":
            env[node.output[0]] = to_torch(onnx.numpy_helper.to_array(attrs(node)["value"]))
            return
        args = [env[n] if n else None for n in node.input]
        try:
            out = OPS[node.op_type](self, node, attrs(node), args)
        except UnsupportedOp:
            raise
        except Exception as exc:
            raise RuntimeError(f"{node.op_type} {node.name}: {exc}") from exc
        outs = out if isinstance(out, (list, tuple)) else [out]
        for name, value in zip(node.output, outs):
            env[name] = value

    def example_inputs(self):
        return [torch.zeros(s, dtype=TORCH_DTYPES[i.type.tensor_type.elem_type])
                for i, s in zip(self.inputs, self.shapes)]

    def forward(self, *inputs):
        env = dict(self.consts)
        for i, x in zip(self.inputs, inputs):
            env[i.name] = x
        for node in self.plan:
            self._run(node, env)
        outs = [env[n] for n in self.output_names]
        return outs[0] if len(outs) == 1 else tuple(outs)


def declared_shape(value_info):
    dims = value_info.type.tensor_type.shape.dim
    if any(not d.HasField("dim_value") for d in dims):
        raise ValueError(f"input {value_info.name} has dynamic dims; pass input_shapes")
    return [d.dim_value for d in dims]


def trace(path, input_shapes=None):
    """OnnxGraph traced to a TorchScript module (plus the example inputs)."""
    g = OnnxGraph(path, input_shapes).eval()
    xs = g.example_inputs()
    with torch.no_grad():
        ts = torch.jit.trace(g, tuple(xs), check_trace=False)
    return ts, g, xs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("out", nargs="?", help="TorchScript file to write")
    ap.add_argument("--shape", action="append", default=None,
                    help="input shape, e.g. 1,3,48,192 (repeat per input)")
    args = ap.parse_args(argv)
    if not args.out:
        model = onnx.load(args.model)
        for k, v in sorted(collections.Counter(n.op_type for n in model.graph.node).items()):
            ok = k in OPS or k == "Constant"
            print(f"{v:5d}  {k}{'' if ok else '   <- UNSUPPORTED'}")
        return 0
    shapes = [[int(d) for d in s.split(",")] for s in args.shape] if args.shape else None
    ts, _, _ = trace(args.model, shapes)
    torch.jit.save(ts, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
