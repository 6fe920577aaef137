"""Convert the project's models to ONNX (opset 13) and TorchScript, each with a
JSON sidecar that states its input/output contract.

Models (NAME):
  movenet          pose, MoveNet SinglePose Lightning (TF.js graph model)
  centernet        detect, CenterNet MobileNetV3 COCO-80 (TF.js graph model)
  selfie           segment, MediaPipe selfie segmentation (TF.js graph model)
  blazeface_front  detect (faces), ONNX as shipped -> TorchScript twin only
  ppocr_cls        classify (text 0/180 degrees), ONNX -> TorchScript twin only
  depth_synthetic  depth, SYNTHETIC fixed-weight model (no real one ships)
  linear_fixed     y = W x + b with known weights, for exactness tests

Inputs come from $VACCEL_DEPS (scripts/fetch-assets.sh); outputs go to
$VACCEL_DEPS/models/converted/NAME.{onnx,pt,json}.  A model is skipped when its
stamp (hash of the converter sources, torch version and input files) matches.
Run with Debian's /usr/bin/python3 (python3-torch, python3-onnx); offline.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time
import warnings

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import onnx2ts  # noqa: E402
import sidecars  # noqa: E402
import synthetic  # noqa: E402
import tfjs_graph  # noqa: E402

OPSET = 13
# Files whose change must trigger a reconversion of every model.
CONVERTER_SOURCES = ("convert.py", "tfjs_graph.py", "onnx2ts.py", "synthetic.py", "sidecars.py")


# ---------------------------------------------------------------------------
# Per-model builders: each returns (module, example inputs, source files).
# ---------------------------------------------------------------------------


def tfjs_dir(deps, name):
    return os.path.join(deps, "models", "tfjs", name)


def tfjs_sources(folder):
    with open(os.path.join(folder, "model.json")) as fh:
        shards = [p for g in json.load(fh)["weightsManifest"] for p in g["paths"]]
    return [os.path.join(folder, "model.json")] + [os.path.join(folder, p) for p in shards]


class IntPixels(torch.nn.Module):
    """MoveNet's graph takes int32 pixels; the export takes float32 (one input
    type for every image model in the C plugins) and truncates to integers
    here, which is what feeding the original int32 placeholder did."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.to(torch.int64))


def example_image(shape, scale):
    """Deterministic noise image: exercises every weight in the self-check
    (a flat image leaves e.g. the selfie mask at ~0 everywhere)."""
    gen = torch.Generator().manual_seed(0)
    return torch.rand(shape, generator=gen) * scale


def build_movenet(deps):
    folder = tfjs_dir(deps, "movenet-lightning")
    g = IntPixels(tfjs_graph.TfjsGraph(folder, ["Identity:0"]))
    return g, [example_image((1, 192, 192, 3), 255.0).floor()], tfjs_sources(folder)


def build_centernet(deps):
    folder = tfjs_dir(deps, "centernet")
    g = tfjs_graph.TfjsGraph(folder, ["tower_0/detections"])
    return g, [example_image((1, 512, 512, 3), 255.0).floor()], tfjs_sources(folder)


def build_selfie(deps):
    folder = tfjs_dir(deps, "selfie")
    g = tfjs_graph.TfjsGraph(folder, ["activation_10:0"])
    return g, [example_image((1, 256, 256, 3), 1.0)], tfjs_sources(folder)


def onnx_source(deps, rel):
    return os.path.join(deps, rel)


def build_blazeface(deps):
    path = onnx_source(deps, sidecars.BLAZEFACE_ONNX)
    g = onnx2ts.OnnxGraph(path, [[1, 128, 128, 3]])
    return g, g.example_inputs(), [path]


def build_ppocr_cls(deps):
    path = onnx_source(deps, sidecars.PPOCR_CLS_ONNX)
    g = onnx2ts.OnnxGraph(path, [[1, 3, 48, 192]])
    return g, g.example_inputs(), [path]


def build_depth(deps):
    return synthetic.SyntheticDepth(), [example_image((1, 3, 64, 96), 1.0)], []


def build_linear(deps):
    return synthetic.LinearFixed(), [torch.tensor([synthetic.LINEAR_SAMPLE_IN])], []


# name: (builder, write ONNX?, ONNX dynamic axes)
MODELS = {
    "movenet": (build_movenet, True, None),
    "centernet": (build_centernet, True, None),
    "selfie": (build_selfie, True, None),
    "blazeface_front": (build_blazeface, False, None),
    "ppocr_cls": (build_ppocr_cls, False, None),
    "depth_synthetic": (build_depth, True, {"input": {2: "height", 3: "width"},
                                             "depth": {2: "height", 3: "width"}}),
    "linear_fixed": (build_linear, True, None),
}


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stamp_of(name, sources):
    """Hash of everything a model's outputs depend on."""
    h = hashlib.sha256(f"{name} torch {torch.__version__} opset {OPSET}\n".encode())
    for path in [os.path.join(HERE, f) for f in CONVERTER_SOURCES] + sources:
        h.update(f"{os.path.basename(path)} {sha256(path)}\n".encode())
    return h.hexdigest()


def outputs_of(out_dir, name, with_onnx):
    exts = (".pt", ".json") + ((".onnx",) if with_onnx else ())
    return [os.path.join(out_dir, name + e) for e in exts]


def max_diff(a, b):
    a = a if isinstance(a, (list, tuple)) else [a]
    b = b if isinstance(b, (list, tuple)) else [b]
    return max(float(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64)).max())
               for x, y in zip(a, b))


def as_numpy(ys):
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    return [y.detach().numpy() for y in ys]


def trace(module, xs):
    with torch.no_grad(), warnings.catch_warnings():
        # Tracer warnings for folded constants are handled inside the
        # interpreters; anything left here is noise from torch internals.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(module.eval(), tuple(xs), check_trace=False)


def export_onnx(module, xs, path, side, dynamic_axes):
    in_names = [i["name"] for i in side["inputs"]]
    out_names = [o["name"] for o in side["outputs"]]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(module.eval(), tuple(xs), path, opset_version=OPSET,
                          input_names=in_names, output_names=out_names,
                          dynamic_axes=dynamic_axes, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def check_onnx_runtime(path, xs, expected):
    """Max |ORT - torch| on the example input, or None without the library."""
    try:
        import ort_run
        with ort_run.Session(path) as s:
            return max_diff(s.run(*[x.numpy() for x in xs]), expected)
    except OSError:
        return None


def convert(name, deps, out_dir):
    """Build, trace, export and self-check one model; returns a report line."""
    builder, with_onnx, dyn = MODELS[name]
    t0 = time.time()
    module, xs, sources = builder(deps)
    with torch.no_grad():
        ref = as_numpy(module(*xs))
    ts = trace(module, xs)
    pt = os.path.join(out_dir, name + ".pt")
    torch.jit.save(ts, pt)
    report = [f"TorchScript vs interpreter {max_diff(as_numpy(torch.jit.load(pt)(*xs)), ref):.2g}"]
    side = sidecars.sidecar(name)
    if with_onnx:
        onnx_path = os.path.join(out_dir, name + ".onnx")
        export_onnx(module, xs, onnx_path, side, dyn)
        d = check_onnx_runtime(onnx_path, xs, ref)
        report.append("ONNX checked" + ("" if d is None else f", ORT vs interpreter {d:.2g}"))
    side["conversion"] = {
        "torch": torch.__version__, "onnx_opset": OPSET if with_onnx else None,
        "source_sha256": {os.path.relpath(p, deps): sha256(p) for p in sources},
        "seconds": round(time.time() - t0, 1),
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as fh:
        fh.write(compact_json(side) + "\n")
    return f"{time.time() - t0:.1f} s; " + "; ".join(report)


def compact_json(obj):
    """Indented JSON with short number lists (shapes, ranges) on one line."""
    text = json.dumps(obj, indent=2)
    return re.sub(r"\[\s+([-0-9.,\s]+?)\s+\]",
                  lambda m: "[" + ", ".join(m.group(1).replace(",", " ").split()) + "]", text)


def run(names, deps, out_dir, force):
    os.makedirs(out_dir, exist_ok=True)
    failed = 0
    for name in names:
        with_onnx = MODELS[name][1]
        stamp_path = os.path.join(out_dir, name + ".stamp")
        try:
            sources = source_files(name, deps)
            stamp = stamp_of(name, sources)
            fresh = all(os.path.exists(p) for p in outputs_of(out_dir, name, with_onnx))
            if not force and fresh and read(stamp_path) == stamp:
                print(f"[convert] {name}: up to date", flush=True)
                continue
            print(f"[convert] {name}: converting ...", flush=True)
            line = convert(name, deps, out_dir)
            with open(stamp_path, "w") as fh:
                fh.write(stamp + "\n")
            print(f"[convert] {name}: done in {line}", flush=True)
        except Exception as exc:  # report every model, then fail
            failed += 1
            print(f"[convert] {name}: FAILED: {exc}", file=sys.stderr, flush=True)
    return 1 if failed else 0


def source_files(name, deps):
    """Input files of a model, without building it (for the stamp)."""
    if name in ("movenet", "centernet", "selfie"):
        folder = {"movenet": "movenet-lightning"}.get(name, name)
        return tfjs_sources(tfjs_dir(deps, folder))
    if name == "blazeface_front":
        return [onnx_source(deps, sidecars.BLAZEFACE_ONNX)]
    if name == "ppocr_cls":
        return [onnx_source(deps, sidecars.PPOCR_CLS_ONNX)]
    return []


def read(path):
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", metavar="NAME", help="models to convert (default: all)")
    ap.add_argument("--deps", default=os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps"),
                    help="assets folder (default: $VACCEL_DEPS or /opt/vaccel-deps)")
    ap.add_argument("--out", help="output folder (default: DEPS/models/converted)")
    ap.add_argument("--force", action="store_true", help="convert even if up to date")
    ap.add_argument("--list", action="store_true", help="list the model names and exit")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(MODELS))
        return 0
    unknown = [n for n in args.names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model(s): {', '.join(unknown)}; see --list")
    torch.set_num_threads(1)  # faster than 2 on the project's 2-core machines
    out = args.out or os.path.join(args.deps, "models", "converted")
    return run(args.names or list(MODELS), args.deps, out, args.force)


if __name__ == "__main__":
    sys.exit(main())
