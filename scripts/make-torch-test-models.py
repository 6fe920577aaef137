"""Make the TorchScript models and reference data of the torch plugin's tests.

Run with Debian's interpreter (python3-torch, python3-numpy, python3-pil):

    /usr/bin/python3 scripts/make-torch-test-models.py [--force] [--deps DIR]

Writes into $VACCEL_DEPS/models/torch-test/ (default /opt/vaccel-deps):

  Small models with fixed integer weights (the C tests know their outputs
  exactly, without any reference file):
    linear.pt      y = x W^T + b, Linear(4, 3), W and b below
    multi.pt       (linear(x), 2 relu(x), sum(x, 1, keepdim)): a tuple
    list.pt        [x, x + 1]: a list of tensors
    double.pt      x + x, dtype preserved (uint8, int8..int64, half, float)
    two_inputs.pt  a * b + 1
    cast.pt        (x > 0, x.double()): bool and float64 outputs
    dict.pt        {"y": x}: an output the plugin does not support
    bad_storage.pt a hostile model: its output is a constant tensor whose
                   size (100000 floats) claims more than its storage (4
                   floats); libtorch 1.13 loads it unchecked, so a backend
                   copying numel() elements would read past the storage

  Reference data of the real image models that scripts/convert/convert.py
  wrote to $VACCEL_DEPS/models/converted/ (trained models; a missing one is
  skipped): for each NAME, a real photo decoded and preprocessed here as the
  model's JSON sidecar says, and what python3-torch computes for it:
    NAME.input.f32      the input tensor, raw little-endian float32
    NAME.out<i>.f32     output i, raw float32
    NAME.ref            a text manifest (below) the C tests read

  NAME.ref lines:
    model <path of the .pt>
    onnx <path of the ONNX twin or '-'>
    image <photo>
    input <nr_dims> <dims...>
    output <i> <nr_dims> <dims...> <max |value|>
    ms <python3-torch median ms of forward(), 1 thread>

Idempotent: a stamp file records the hash of this script, the torch version
and every source model; nothing is rewritten when it matches.
"""

import argparse
import hashlib
import zipfile
import json
import os
import statistics
import sys
import time
from typing import Dict, List, Tuple

import numpy as np
import torch
from PIL import Image

# Linear(4, 3) of linear.pt and multi.pt (tests/plugins/torch repeats them).
W = [[1.0, 2.0, 0.0, -1.0], [0.0, -3.0, 1.0, 2.0], [2.0, 1.0, 1.0, 1.0]]
B = [0.5, -1.0, 2.0]

# Real models: (name, photo). The photo suits the task (faces for the face
# detector, a person for pose and segmentation, animals for detection).
REAL = [
    ("blazeface_front", "sample1.jpg"),
    ("ppocr_cls", "kite.jpg"),
    ("movenet", "person.jpg"),
    ("selfie", "person.jpg"),
    ("centernet", "dog.jpg"),
]


def fixed_linear():
    lin = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W))
        lin.bias.copy_(torch.tensor(B))
    return lin.eval()


class Multi(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = fixed_linear()

    def forward(self, x):
        return self.lin(x), torch.relu(x) * 2.0, x.sum(1, keepdim=True)


class ListOut(torch.nn.Module):
    def forward(self, x) -> List[torch.Tensor]:
        return [x, x + 1]


class Double(torch.nn.Module):
    def forward(self, x):
        return x + x


class TwoInputs(torch.nn.Module):
    def forward(self, a, b):
        return a * b + 1


class Cast(torch.nn.Module):
    def forward(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        return x > 0, x.double()


class DictOut(torch.nn.Module):
    def forward(self, x) -> Dict[str, torch.Tensor]:
        return {"y": x}


def small_models():
    """name -> scripted module (scripting keeps dtype-generic code generic)."""
    return {
        "linear": torch.jit.script(fixed_linear()),
        "multi": torch.jit.script(Multi().eval()),
        "list": torch.jit.script(ListOut()),
        "double": torch.jit.script(Double()),
        "two_inputs": torch.jit.script(TwoInputs()),
        "cast": torch.jit.script(Cast()),
        "dict": torch.jit.script(DictOut()),
    }


class Constant(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("c", torch.arange(4, dtype=torch.float32))

    def forward(self, x):
        return self.c


def write_bad_storage(path):
    """Save Constant, then patch the size (4,) of its tensor in data.pkl to
    (100000,): pickle has no offsets, so only that tuple changes."""
    tmp = path + ".tmp"
    torch.jit.script(Constant()).save(tmp)
    small, large = b"(K\x04t(K\x01t\x89", b"(J\xa0\x86\x01\x00t(K\x01t\x89"
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                if data.count(small) != 1:
                    sys.exit("bad_storage.pt: the size tuple was not found once in data.pkl")
                data = data.replace(small, large)
            zout.writestr(info.filename, data)
    os.remove(tmp)


def check_small(out_dir):
    """Self-check: what the C tests assert, computed by python3-torch."""
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 1.0, 2.0]])
    y = torch.jit.load(os.path.join(out_dir, "linear.pt"))(x)
    want = torch.tensor([[1.5, 4.0, 13.0], [-2.5, 4.0, 3.0]])
    if not torch.equal(y, want):
        sys.exit(f"linear.pt self-check failed: {y} != {want}")


# ---------------------------------------------------------------------------
# Real models
# ---------------------------------------------------------------------------


def preprocess(photo, spec):
    """The input tensor of `spec` (a sidecar input entry) from a photo:
    the whole image resized (bilinear) to the model's size, then scaled as
    the sidecar's range says."""
    shape = spec["shape"]
    nhwc = spec.get("layout", "NHWC") == "NHWC"
    h, w = (shape[1], shape[2]) if nhwc else (shape[2], shape[3])
    img = Image.open(photo).convert("RGB").resize((w, h), Image.BILINEAR)
    px = np.asarray(img, dtype=np.float32)  # H x W x 3, 0..255
    lo, hi = spec.get("range", [0, 255])
    x = px / 255.0 * (hi - lo) + lo
    if not nhwc:
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[None, ...], dtype=np.float32)


def flatten(y):
    if isinstance(y, torch.Tensor):
        return [y]
    out = []
    for t in y:
        out.extend(flatten(t))
    return out


def median_ms(model, x, runs=10):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def make_reference(name, photo, conv_dir, deps, out_dir):
    side = json.load(open(os.path.join(conv_dir, name + ".json")))
    pt = os.path.join(conv_dir, side["files"]["torchscript"])
    files = side["files"]
    if "onnx" in files:
        onnx = os.path.join(conv_dir, files["onnx"])
    elif "onnx_original" in files:
        onnx = os.path.join(deps, files["onnx_original"])
    else:
        onnx = "-"
    x = preprocess(os.path.join(deps, "images", photo), side["inputs"][0])
    model = torch.jit.load(pt).eval()
    with torch.no_grad():
        # Three calls: the profiling executor optimises the graph after the
        # first ones; the reference is what the optimised graph gives (the
        # test checks that the first call agrees too).
        ys = [flatten(model(torch.from_numpy(x))) for _ in range(3)]
        ms = median_ms(model, torch.from_numpy(x))
    for a, b in zip(ys[0], ys[-1]):
        d = (a.float() - b.float()).abs().max().item()
        if d > 1e-5:
            print(f"  note: {name}: first call differs from the third by {d:.3g}")
    x.tofile(os.path.join(out_dir, name + ".input.f32"))
    lines = [f"model {pt}", f"onnx {onnx}", f"image {photo}",
             "input " + " ".join(str(v) for v in [x.ndim, *x.shape])]
    for i, y in enumerate(ys[-1]):
        y = y.float().contiguous().numpy()
        y.tofile(os.path.join(out_dir, f"{name}.out{i}.f32"))
        lines.append(f"output {i} {y.ndim} " + " ".join(str(d) for d in y.shape)
                     + f" {float(np.abs(y).max()):.6g}")
    lines.append(f"ms {ms:.3f}")
    with open(os.path.join(out_dir, name + ".ref"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"  {name}: {photo} -> {len(ys[-1])} output(s), {ms:.1f} ms per call")


# ---------------------------------------------------------------------------


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stamp_of(conv_dir, deps):
    h = hashlib.sha256()
    h.update(open(os.path.abspath(__file__), "rb").read())
    h.update(torch.__version__.encode())
    for name, photo in REAL:
        for p in (os.path.join(conv_dir, name + ".pt"),
                  os.path.join(conv_dir, name + ".json"),
                  os.path.join(deps, "images", photo)):
            h.update(p.encode())
            h.update(sha256(p).encode() if os.path.exists(p) else b"-")
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deps", default=os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps"))
    ap.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = ap.parse_args(argv)

    out_dir = os.path.join(args.deps, "models", "torch-test")
    conv_dir = os.path.join(args.deps, "models", "converted")
    stamp_path = os.path.join(out_dir, "stamp")
    stamp = stamp_of(conv_dir, args.deps)
    if not args.force and os.path.exists(stamp_path) and open(stamp_path).read().strip() == stamp:
        print(f"torch test models up to date in {out_dir}")
        return 0
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)

    for name, mod in small_models().items():
        mod.save(os.path.join(out_dir, name + ".pt"))
    write_bad_storage(os.path.join(out_dir, "bad_storage.pt"))
    check_small(out_dir)
    print(f"small models written to {out_dir}")

    for name, photo in REAL:
        if not os.path.exists(os.path.join(conv_dir, name + ".pt")):
            print(f"  {name}: skipped ({conv_dir}/{name}.pt missing: run scripts/convert/convert.py)")
            for ext in (".ref", ".input.f32"):
                if os.path.exists(os.path.join(out_dir, name + ext)):
                    os.remove(os.path.join(out_dir, name + ext))
            continue
        make_reference(name, photo, conv_dir, args.deps, out_dir)

    with open(stamp_path, "w") as fh:
        fh.write(stamp + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
