#!/usr/bin/python3
"""Checks of the converted models (scripts/convert-models.sh) on real photos.

  * parity: TorchScript and ONNX (run by ONNX Runtime's C library through
    ctypes) against the original TF.js models run by TF.js itself in Node,
    max abs diff <= 1e-3, two or more photos per model;
  * semantics: CenterNet finds the dog, bicycle and car/truck of dog.jpg where
    they are; MoveNet's confident keypoints fall on the person; the selfie mask
    covers the people and not the background corners; BlazeFace finds a face;
    PP-OCR tells upright from upside-down text;
  * synthetic models: exact against numpy; files: ONNX checker, sidecars;
  * the interpreters' TF-specific rules (SAME padding, resize modes, errors).

Run: /usr/bin/python3 tests/models/test_converted.py   (needs node for parity)
The last line printed is "N passed, N failed".
"""

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import onnx
import torch
from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONVERT = os.path.join(ROOT, "scripts", "convert")
sys.path.insert(0, CONVERT)

import onnx2ts  # noqa: E402
import ort_run  # noqa: E402
import tfjs_graph  # noqa: E402

DEPS = os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps")
CONVERTED = os.path.join(DEPS, "models", "converted")
TOL = 1e-3
torch.set_num_threads(1)

# Photos per model.  A crop box (x0, y0, x1, y1) picks one person out of a
# group photo; crops are padded to a square (keeps the aspect ratio).
MOVENET_CASES = {"person": ("person.jpg", None),
                 "sample1-right": ("sample1.jpg", (1180, 0, 1920, 1280))}
CENTERNET_CASES = {"dog": "dog.jpg", "horses": "horses.jpg"}
SELFIE_CASES = {"sample3": "sample3.jpg", "sample6": "sample6.jpg"}

# Regions read off the photos by eye (pixels of the original JPEG).
PERSON_JPG_BODY = (175, 90, 295, 390)  # the hiker in blue, person.jpg
SAMPLE1_RIGHT_BODY = (1180, 100, 1920, 1280)  # right-hand woman, sample1.jpg
SAMPLE1_RIGHT_FACE = (1430, 160, 1730, 460)
SAMPLE1_FACES = ((415, 320, 610, 565), (820, 385, 1045, 640), (1470, 190, 1685, 425))


# ---------------------------------------------------------------------------
# Photos and model runners (cached: several tests share one run)
# ---------------------------------------------------------------------------


def photo(name):
    path = os.path.join(DEPS, "images", name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} missing: run scripts/fetch-assets.sh")
    return Image.open(path).convert("RGB")


def padded_square(im, box=None):
    """Crop (optional) and pad to a centred square; returns the square image
    and (x0, y0, side) to map normalised coordinates back to the photo."""
    x0, y0 = (box[0], box[1]) if box else (0, 0)
    im = im.crop(box) if box else im
    side = max(im.size)
    sq = Image.new("RGB", (side, side))
    ox, oy = (side - im.size[0]) // 2, (side - im.size[1]) // 2
    sq.paste(im, (ox, oy))
    return sq, (x0 - ox, y0 - oy, side)


def pixels(im, size):
    """uint8 HxWx3 of the image resized (stretched) to size x size."""
    return np.asarray(im.resize((size, size), Image.BILINEAR), dtype=np.uint8)


@functools.lru_cache(maxsize=None)
def movenet_input(case):
    name, box = MOVENET_CASES[case]
    sq, frame = padded_square(photo(name), box)
    return pixels(sq, 192)[None].astype(np.int32), frame


@functools.lru_cache(maxsize=None)
def centernet_input(case):
    return pixels(photo(CENTERNET_CASES[case]), 512)[None].astype(np.float32)


@functools.lru_cache(maxsize=None)
def selfie_input(case):
    return (pixels(photo(SELFIE_CASES[case]), 256)[None] / np.float32(255)).astype(np.float32)


def converted(name, ext):
    path = os.path.join(CONVERTED, f"{name}.{ext}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} missing: run scripts/convert-models.sh")
    return path


@functools.lru_cache(maxsize=None)
def torchscript(name):
    return torch.jit.load(converted(name, "pt")).eval()


def ts_run(name, *xs):
    with torch.no_grad():
        ys = torchscript(name)(*[torch.from_numpy(np.ascontiguousarray(x)) for x in xs])
    return [y.numpy() for y in (ys if isinstance(ys, tuple) else (ys,))]


@functools.lru_cache(maxsize=None)
def ort_session(path):
    return ort_run.Session(path)


def onnx_run(path, *xs):
    return ort_session(path).run(*xs)


def tfjs_reference(model, outputs, inputs):
    """Run the original TF.js model in Node on each input; list of outputs."""
    tmp = tempfile.mkdtemp(prefix=f"tfjs_{model}_")
    runs = []
    for k, x in enumerate(inputs):
        path = os.path.join(tmp, f"in{k}.bin")
        x.tofile(path)
        runs.append({"input": path, "shape": list(x.shape), "dtype": str(x.dtype),
                     "out": os.path.join(tmp, f"out{k}")})
    job = os.path.join(tmp, "job.json")
    with open(job, "w") as fh:
        json.dump({"model": os.path.join(DEPS, "models", "tfjs", model),
                   "outputs": outputs, "runs": runs}, fh)
    try:
        subprocess.run(["node", os.path.join(CONVERT, "tfjs_ref.mjs"), job], check=True,
                       stdout=subprocess.DEVNULL)
        results = []
        for run in runs:
            with open(run["out"] + ".json") as fh:
                meta = json.load(fh)
            results.append([np.fromfile(o["file"], np.float32 if o["dtype"] == "float32"
                                        else np.int32).reshape(o["shape"])
                            for o in meta["outputs"]])
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def reference(model):
    """TF.js outputs for every photo case of one model, keyed by case."""
    if model == "movenet":
        cases = list(MOVENET_CASES)
        ins = [movenet_input(c)[0] for c in cases]
        outs = tfjs_reference("movenet-lightning", ["Identity:0"], ins)
    elif model == "centernet":
        cases = list(CENTERNET_CASES)
        ins = [centernet_input(c) for c in cases]
        outs = tfjs_reference("centernet", ["tower_0/detections", "tower_0/keypoints"], ins)
    else:
        cases = list(SELFIE_CASES)
        ins = [selfie_input(c) for c in cases]
        outs = tfjs_reference("selfie", ["activation_10:0"], ins)
    return dict(zip(cases, outs))


def maxdiff(a, b):
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, (time.perf_counter() - t) * 1e3


def coco_names():
    with open(os.path.join(DEPS, "data", "coco.names")) as fh:
        return [line.strip() for line in fh if line.strip()]


def inside(pt, box):
    return box[0] <= pt[0] <= box[2] and box[1] <= pt[1] <= box[3]


# ---------------------------------------------------------------------------
# Parity with TF.js
# ---------------------------------------------------------------------------


class TestParityWithTfjs(unittest.TestCase):
    """TorchScript and ONNX (ORT) outputs against TF.js on real photos."""

    def check(self, model, case, x_torch, ref):
        (ts,), ms_ts = timed(ts_run, model, x_torch)
        (ox,), ms_ort = timed(onnx_run, converted(model, "onnx"), x_torch)
        d_ts, d_ort = maxdiff(ts, ref), maxdiff(ox, ref)
        print(f"\n  {model} {case}: max|TorchScript - TF.js| {d_ts:.2g}, "
              f"max|ONNX(ORT) - TF.js| {d_ort:.2g}  (TorchScript {ms_ts:.0f} ms, "
              f"ORT {ms_ort:.0f} ms, first run)", end="")
        self.assertLessEqual(d_ts, TOL)
        self.assertLessEqual(d_ort, TOL)

    def test_movenet(self):
        for case in MOVENET_CASES:
            x = movenet_input(case)[0]
            self.check("movenet", case, x.astype(np.float32), reference("movenet")[case][0])

    def test_centernet_detections(self):
        for case in CENTERNET_CASES:
            self.check("centernet", case, centernet_input(case),
                       reference("centernet")[case][0])

    def test_centernet_heatmap_interpreter(self):
        """The class heatmap inside the graph, via the interpreter itself."""
        g = tfjs_graph.TfjsGraph(os.path.join(DEPS, "models", "tfjs", "centernet"),
                                 ["tower_0/keypoints"])
        for case in CENTERNET_CASES:
            with torch.no_grad():
                heat = g(torch.from_numpy(centernet_input(case))).numpy()
            d = maxdiff(heat, reference("centernet")[case][1])
            print(f"\n  centernet {case}: heatmap max|interpreter - TF.js| {d:.2g}", end="")
            self.assertLessEqual(d, TOL)

    def test_selfie(self):
        for case in SELFIE_CASES:
            self.check("selfie", case, selfie_input(case), reference("selfie")[case][0])


# ---------------------------------------------------------------------------
# Semantics on real photos
# ---------------------------------------------------------------------------


class TestSemantics(unittest.TestCase):

    def detections(self, case, min_score=0.3):
        im = photo(CENTERNET_CASES[case])
        sx, sy = im.size[0] / 512, im.size[1] / 512
        names = coco_names()
        (det,) = ts_run("centernet", centernet_input(case))
        found = []
        for x1, y1, x2, y2, score, cls in det[0]:
            if score >= min_score:
                found.append((names[int(cls)], float(score),
                              (x1 * sx, y1 * sy, x2 * sx, y2 * sy)))
        for n, s, b in found:
            print(f"\n  centernet {case}: {n} {s:.2f} box {[round(float(v)) for v in b]}",
                  end="")
        return found, im.size

    def test_centernet_dog_photo(self):
        found, (w, h) = self.detections("dog")

        def centre(label_set):
            hits = [b for n, _, b in found if n in label_set]
            self.assertTrue(hits, f"no {label_set} in {[(n, s) for n, s, _ in found]}")
            b = hits[0]
            return (b[0] + b[2]) / 2 / w, (b[1] + b[3]) / 2 / h

        cx, cy = centre({"dog"})
        self.assertTrue(cx < 0.5 and cy > 0.5, f"dog centre {cx:.2f},{cy:.2f} not lower-left")
        cx, cy = centre({"bicycle"})
        self.assertTrue(0.25 < cx < 0.75 and 0.25 < cy < 0.75, f"bicycle {cx:.2f},{cy:.2f}")
        cx, cy = centre({"car", "truck"})
        self.assertTrue(cx > 0.55 and cy < 0.35, f"car/truck centre {cx:.2f},{cy:.2f}")

    def test_centernet_horses_photo(self):
        found, _ = self.detections("horses")
        self.assertGreaterEqual(sum(1 for n, _, _ in found if n == "horse"), 2)

    def keypoints(self, case):
        x, (x0, y0, side) = movenet_input(case)
        (kp,) = ts_run("movenet", x.astype(np.float32))
        pts = [(x0 + kx * side, y0 + ky * side, s) for ky, kx, s in kp[0, 0]]
        good = [(i, px, py) for i, (px, py, s) in enumerate(pts) if s >= 0.3]
        print(f"\n  movenet {case}: {len(good)}/17 keypoints with score >= 0.3", end="")
        return pts, good

    def test_movenet_person_photo(self):
        pts, good = self.keypoints("person")
        self.assertGreaterEqual(len(good), 8)
        for i, px, py in good:
            self.assertTrue(inside((px, py), PERSON_JPG_BODY), f"keypoint {i} at {px:.0f},{py:.0f}")

    def test_movenet_face_api_photo(self):
        pts, good = self.keypoints("sample1-right")
        self.assertGreaterEqual(len(good), 8)
        for i, px, py in good:
            self.assertTrue(inside((px, py), SAMPLE1_RIGHT_BODY),
                            f"keypoint {i} at {px:.0f},{py:.0f}")
        for i in range(3):  # nose and eyes
            self.assertTrue(inside(pts[i][:2], SAMPLE1_RIGHT_FACE), f"keypoint {i} {pts[i]}")
        nose_y, shoulders_y = pts[0][1], (pts[5][1] + pts[6][1]) / 2
        self.assertLess(nose_y, shoulders_y)

    def test_selfie_masks(self):
        for case in SELFIE_CASES:
            (mask,) = ts_run("selfie", selfie_input(case))
            m = mask[0, :, :, 0]
            centre, tl, tr = m[96:160, 96:160].mean(), m[:32, :32].mean(), m[:32, -32:].mean()
            print(f"\n  selfie {case}: centre {centre:.2f}, top corners {tl:.3f} {tr:.3f}, "
                  f"person share {np.mean(m > 0.5):.2f}", end="")
            self.assertGreater(centre, 0.6)
            self.assertLess(max(tl, tr), 0.1)


# ---------------------------------------------------------------------------
# TorchScript twins of the shipped ONNX models
# ---------------------------------------------------------------------------


def blazeface_anchors():
    """Anchor centres in input pixels: 16x16 grid x2 then 8x8 grid x6."""
    out = []
    for grid, per, stride in ((16, 2, 8), (8, 6, 16)):
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) * stride, (row + 0.5) * stride)] * per
    return np.array(out)


class TestOnnxTwins(unittest.TestCase):

    def test_blazeface_faces(self):
        onnx_path = os.path.join(DEPS, "models", "blazeface",
                                 "face_detection_front_128x128_barracuda.onnx")
        for name in ("sample1.jpg", "sample3.jpg"):
            im = photo(name)
            side = min(im.size)
            x0, y0 = (im.size[0] - side) // 2, (im.size[1] - side) // 2
            crop = im.crop((x0, y0, x0 + side, y0 + side))
            x = (pixels(crop, 128)[None].astype(np.float32) / 127.5 - 1).astype(np.float32)
            ts, ox = ts_run("blazeface_front", x), onnx_run(onnx_path, x)
            d = max(maxdiff(a, b) for a, b in zip(ts, ox))
            logits = np.concatenate([ts[0][0, :, 0], ts[1][0, :, 0]])
            scores = 1 / (1 + np.exp(-np.clip(logits, -100, 100)))  # clip as MediaPipe does
            boxes = np.concatenate([ts[2][0], ts[3][0]])
            best = int(np.argmax(scores))
            cx, cy = blazeface_anchors()[best] + boxes[best, :2]
            px, py = x0 + cx * side / 128, y0 + cy * side / 128
            print(f"\n  blazeface {name}: max|TorchScript - ONNX(ORT)| {d:.2g}, best score "
                  f"{scores[best]:.2f} at {px:.0f},{py:.0f}", end="")
            self.assertLessEqual(d, TOL)
            self.assertGreater(scores[best], 0.75)
            if name == "sample1.jpg":
                self.assertTrue(any(inside((px, py), f) for f in SAMPLE1_FACES))

    def test_ppocr_cls_text_direction(self):
        onnx_path = os.path.join(DEPS, "models", "ppocr", "ch_ppocr_mobile_v2.0_cls_infer.onnx")
        for label, upside_down in (("0", False), ("180", True)):
            x = ppocr_input("Hello vAccel", upside_down)
            (ts,), (ox,) = ts_run("ppocr_cls", x), onnx_run(onnx_path, x)
            d = maxdiff(ts, ox)
            print(f"\n  ppocr_cls text {label}: p(0)={ts[0, 0]:.4f} p(180)={ts[0, 1]:.4f}, "
                  f"max|TorchScript - ONNX(ORT)| {d:.2g}", end="")
            self.assertLessEqual(d, 1e-4)
            self.assertGreater(ts[0, ["0", "180"].index(label)], 0.9)


def ppocr_input(text, upside_down):
    """Rendered text line, PP-OCR cls pre-processing: height 48 keeping the
    aspect ratio, BGR, (x/255 - 0.5)/0.5, right-padded with 0 to width 192."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    w = int(font.getlength(text)) + 16
    im = Image.new("RGB", (w, 48), "white")
    ImageDraw.Draw(im).text((8, 6), text, fill="black", font=font)
    im = im.rotate(180) if upside_down else im
    im = im.resize((min(192, w), 48), Image.BILINEAR)
    a = np.asarray(im, np.float32)[:, :, ::-1]
    x = np.zeros((1, 3, 48, 192), np.float32)
    x[0, :, :, :im.size[0]] = ((a / 255 - 0.5) / 0.5).transpose(2, 0, 1)
    return x


# ---------------------------------------------------------------------------
# Synthetic models: exact answers
# ---------------------------------------------------------------------------


def depth_numpy(x):
    """depth = 1 - blur3x3(luma), zero padding; x is 1x3xHxW in [0,1]."""
    luma = 0.299 * x[0, 0] + 0.587 * x[0, 1] + 0.114 * x[0, 2]
    p = np.pad(luma.astype(np.float64), 1)
    k = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0
    h, w = luma.shape
    blur = sum(k[i, j] * p[i:i + h, j:j + w] for i in range(3) for j in range(3))
    return 1.0 - blur


class TestSynthetic(unittest.TestCase):

    def test_depth_matches_formula(self):
        for size in ((96, 128), (57, 75)):  # the second is odd, checks free H, W
            a = np.asarray(photo("dog.jpg").resize(size[::-1], Image.BILINEAR), np.float32)
            x = (a / 255).transpose(2, 0, 1)[None].astype(np.float32)
            want = depth_numpy(x)
            (ts,) = ts_run("depth_synthetic", x)
            (ox,) = onnx_run(converted("depth_synthetic", "onnx"), x)
            d_ts, d_ort = maxdiff(ts[0, 0], want), maxdiff(ox[0, 0], want)
            print(f"\n  depth_synthetic {size[0]}x{size[1]}: max|TorchScript - numpy| "
                  f"{d_ts:.2g}, max|ONNX(ORT) - numpy| {d_ort:.2g}", end="")
            self.assertEqual(ts.shape, (1, 1) + size)
            self.assertLessEqual(d_ts, 1e-5)
            self.assertLessEqual(d_ort, 1e-5)

    def test_linear_fixed_exact(self):
        with open(converted("linear_fixed", "json")) as fh:
            side = json.load(fh)
        x = np.array(side["sample"]["input"], np.float32)
        want = np.array(side["sample"]["output"], np.float32)
        w, b = np.array(side["weights"]["W"]), np.array(side["weights"]["b"])
        np.testing.assert_array_equal(x @ w.T + b, want)
        np.testing.assert_array_equal(ts_run("linear_fixed", x)[0], want)
        np.testing.assert_array_equal(onnx_run(converted("linear_fixed", "onnx"), x)[0], want)


# ---------------------------------------------------------------------------
# Files and sidecars
# ---------------------------------------------------------------------------

ALL = ("movenet", "centernet", "selfie", "blazeface_front", "ppocr_cls",
       "depth_synthetic", "linear_fixed")


def onnx_io_shape(value_info):
    return [d.dim_value if d.HasField("dim_value") else -1
            for d in value_info.type.tensor_type.shape.dim]


class TestFiles(unittest.TestCase):

    def test_onnx_files_match_sidecars(self):
        for name in ALL:
            with open(converted(name, "json")) as fh:
                side = json.load(fh)
            path = side["files"].get("onnx")
            path = os.path.join(CONVERTED, path) if path else os.path.join(
                DEPS, side["files"]["onnx_original"])
            model = onnx.load(path)
            onnx.checker.check_model(model)
            inits = {i.name for i in model.graph.initializer}
            ins = [i for i in model.graph.input if i.name not in inits]
            self.assertEqual([i.name for i in ins], [i["name"] for i in side["inputs"]], name)
            self.assertEqual([o.name for o in model.graph.output],
                             [o["name"] for o in side["outputs"]], name)
            if name != "ppocr_cls":  # the shipped file has free dims, the twin not
                self.assertEqual([onnx_io_shape(i) for i in ins],
                                 [i["shape"] for i in side["inputs"]], name)

    def test_torchscript_output_shapes(self):
        for name in ALL:
            with open(converted(name, "json")) as fh:
                side = json.load(fh)
            xs = [np.zeros([32 if d < 0 else d for d in i["shape"]], np.float32)
                  for i in side["inputs"]]
            ys = ts_run(name, *xs)
            want = [[32 if d < 0 else d for d in o["shape"]] for o in side["outputs"]]
            self.assertEqual([list(y.shape) for y in ys], want, name)

    def test_ort_api_indices_match_header(self):
        self.assertEqual(ort_run.check_header(), [])


# ---------------------------------------------------------------------------
# Interpreter rules where TF and PyTorch differ
# ---------------------------------------------------------------------------


def tiny_tfjs_model(folder, nodes, weights):
    """Write a model.json + shard with the given nodes and float32 weights."""
    specs, blob = [], b""
    for name, arr in weights.items():
        arr = np.asarray(arr, np.float32)
        specs.append({"name": name, "shape": list(arr.shape), "dtype": "float32"})
        blob += arr.tobytes()
    with open(os.path.join(folder, "w.bin"), "wb") as fh:
        fh.write(blob)
    with open(os.path.join(folder, "model.json"), "w") as fh:
        json.dump({"format": "graph-model", "modelTopology": {"node": nodes},
                   "weightsManifest": [{"paths": ["w.bin"], "weights": specs}],
                   "signature": {"outputs": {"y": {"name": nodes[-1]["name"]}}}}, fh)


def placeholder(shape):
    return {"name": "x", "op": "Placeholder",
            "attr": {"dtype": {"type": "DT_FLOAT"},
                     "shape": {"shape": {"dim": [{"size": str(d)} for d in shape]}}}}


def b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


class TestInterpreterRules(unittest.TestCase):

    def test_same_padding_is_asymmetric(self):
        self.assertEqual(tfjs_graph.same_pad(192, 3, 2), (0, 1))
        self.assertEqual(tfjs_graph.same_pad(5, 3, 2), (1, 1))
        self.assertEqual(tfjs_graph.same_pad(8, 4, 1), (1, 2))

    def test_resize_legacy_mapping(self):
        lo, hi, frac = tfjs_graph.lerp_axis(4, 8, False, False)
        self.assertEqual(lo.tolist(), [0, 0, 1, 1, 2, 2, 3, 3])
        self.assertEqual(hi.tolist(), [0, 1, 1, 2, 2, 3, 3, 3])
        self.assertEqual(frac.tolist(), [0, 0.5] * 4)

    def resize(self, x, align, half):
        with tempfile.TemporaryDirectory() as d:
            tiny_tfjs_model(d, [placeholder(x.shape),
                                {"name": "size", "op": "Const"},
                                {"name": "y", "op": "ResizeBilinear", "input": ["x", "size"],
                                 "attr": {"align_corners": {"b": align},
                                          "half_pixel_centers": {"b": half}}}],
                            {})
            with open(os.path.join(d, "model.json")) as fh:
                meta = json.load(fh)
            meta["modelTopology"]["node"][1]["attr"] = {"value": {"tensor": {
                "dtype": "DT_INT32", "tensorShape": {"dim": [{"size": "2"}]},
                "intVal": [7, 9]}}}
            with open(os.path.join(d, "model.json"), "w") as fh:
                json.dump(meta, fh)
            g = tfjs_graph.TfjsGraph(d)
            with torch.no_grad():
                return g(torch.from_numpy(x)).numpy()

    def test_resize_modes_against_torch(self):
        x = np.random.RandomState(1).rand(1, 4, 5, 2).astype(np.float32)
        t = torch.from_numpy(x).permute(0, 3, 1, 2)
        for align, half in ((True, False), (False, True)):
            want = torch.nn.functional.interpolate(t, (7, 9), mode="bilinear",
                                                   align_corners=align)
            got = self.resize(x, align, half)
            self.assertLess(maxdiff(got, want.permute(0, 2, 3, 1).numpy()), 1e-6)
        legacy = self.resize(x, False, False)
        self.assertAlmostEqual(float(legacy[0, 0, 0, 0]), float(x[0, 0, 0, 0]), places=6)
        self.assertGreater(maxdiff(legacy, self.resize(x, False, True)), 1e-2)

    def test_avgpool_same_excludes_padding(self):
        with tempfile.TemporaryDirectory() as d:
            four = {"list": {"i": ["1", "3", "3", "1"]}}
            tiny_tfjs_model(d, [placeholder([1, 4, 4, 1]),
                                {"name": "y", "op": "AvgPool", "input": ["x"],
                                 "attr": {"ksize": four,
                                          "strides": {"list": {"i": ["1", "1", "1", "1"]}},
                                          "padding": {"s": b64("SAME")}}}], {})
            g = tfjs_graph.TfjsGraph(d)
            with torch.no_grad():
                y = g(torch.ones(1, 4, 4, 1)).numpy()
        np.testing.assert_allclose(y, np.ones_like(y), atol=1e-6)

    def test_unsupported_tfjs_op_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            tiny_tfjs_model(d, [placeholder([1, 2]),
                                {"name": "y", "op": "FancyNewOp", "input": ["x"]}], {})
            with self.assertRaises(tfjs_graph.UnsupportedOp) as ctx:
                tfjs_graph.TfjsGraph(d)
        self.assertIn("FancyNewOp", str(ctx.exception))

    def test_unsupported_onnx_op_is_named(self):
        h = onnx.helper
        graph = h.make_graph([h.make_node("Einsum", ["x"], ["y"], equation="ij->ji")], "g",
                             [h.make_tensor_value_info("x", 1, [2, 2])],
                             [h.make_tensor_value_info("y", 1, [2, 2])])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            onnx.save(h.make_model(graph), path)
            with self.assertRaises(onnx2ts.UnsupportedOp) as ctx:
                onnx2ts.OnnxGraph(path)
        self.assertIn("Einsum", str(ctx.exception))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    t0 = time.time()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    if skipped:
        print(f"{skipped} skipped")
    print(f"test_converted: {time.time() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
