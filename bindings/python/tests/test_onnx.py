#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Real inference through the bindings on the onnx plugin: PP-OCR
text-direction classify on rendered text lines, BlazeFace detect on the
face-api photo sample1.jpg (and nothing on a bird photo), PP-OCRv4 segment
on a rendered page (both named with VACCEL_ONNX_DETECT_MODEL /
VACCEL_ONNX_SEGMENT_MODEL: the defaults are COCO CenterNet and selfie),
the default models themselves (COCO objects on dog.jpg, a person mask and
17 keypoints on a face-api photo) once converted, generic onnx_run on the
fixed-weight linear model.
Skips (77) when the plugin or the fetched assets are missing."""
import ctypes
import os
import pathlib
import threading
import unittest

import conformance
import support

support.require_env("VACCEL_PY_ONNX")
DEPS = support.deps_dir()
# Read by the plugin when libvaccel loads it (require_library below).
NAMED = {"VACCEL_ONNX_DETECT_MODEL": "blazeface",
         "VACCEL_ONNX_SEGMENT_MODEL": "ppocr-det"}
os.environ.update(NAMED)
support.require_files(
    os.path.join(DEPS, "models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx"),
    os.path.join(DEPS, "models/ppocr/ch_PP-OCRv4_det_infer.onnx"),
    os.path.join(DEPS, "models/blazeface/"
                       "face_detection_front_128x128_barracuda.onnx"),
    os.path.join(DEPS, "images/sample1.jpg"),
    os.path.join(DEPS, "onnxruntime"))
TEXT = pathlib.Path(support.text_images())
vaccel = support.require_library()
from vaccel import ErrorCode, VaccelError, _buffers  # noqa: E402

np = _buffers.np
IMAGES = pathlib.Path(DEPS) / "images"
LINEAR = pathlib.Path(DEPS) / "models/converted/linear_fixed.onnx"
CONVERTED = [pathlib.Path(DEPS) / "models/converted" / f
             for f in ("centernet.onnx", "selfie.onnx", "movenet.onnx")]


def image_size(path):
    """(width, height) with PIL, or None when PIL is missing."""
    try:
        from PIL import Image
    except ImportError:
        return None
    with Image.open(path) as img:
        return img.size


class ImageOps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sess = vaccel.Session()

    @classmethod
    def tearDownClass(cls):
        cls.sess.close()

    def test_plugin(self):
        self.assertEqual(self.sess.plugin_name, "onnx")

    def test_classify_text_direction(self):
        for n in range(4):
            for angle in ("0", "180"):
                with self.subTest(image="text%d_%s.jpg" % (n, angle)):
                    text, best = self.sess.classify(
                        TEXT / ("text%d_%s.jpg" % (n, angle)))
                    records = vaccel.parse_classification(text)
                    self.assertEqual(len(records), 2)
                    self.assertEqual(records[0]["label"], angle)
                    self.assertGreaterEqual(records[0]["score"], 0.99)
                    self.assertEqual(vaccel.parse_classification(best),
                                     records[:1])

    def test_classify_bytes_equals_path(self):
        path = TEXT / "text1_180.jpg"
        self.assertEqual(self.sess.classify(path.read_bytes()),
                         self.sess.classify(path))

    def check_faces(self, faces, size):
        self.assertGreaterEqual(len(faces), 1)
        for f in faces:
            self.assertEqual(f["label"], "face")
            self.assertTrue(0.75 <= f["score"] <= 1.0, f)
            x1, y1, x2, y2 = f["box"]
            self.assertTrue(0 <= x1 < x2 and 0 <= y1 < y2, f)
            if size:
                self.assertLessEqual(x2, size[0])
                self.assertLessEqual(y2, size[1])

    def test_detect_faces(self):
        path = IMAGES / "sample1.jpg"
        faces = vaccel.parse_detections(self.sess.detect(path))
        self.check_faces(faces, image_size(path))
        # best first, and the best is the documented 0.85-0.97 face
        self.assertEqual(faces, sorted(faces, key=lambda f: -f["score"]))
        self.assertTrue(0.85 <= faces[0]["score"] <= 0.97, faces[0])

    def test_detect_nothing(self):
        path = IMAGES / "eagle.jpg"
        if not path.exists():
            self.skipTest("no %s" % path)
        self.assertEqual(self.sess.detect(path), "")

    def test_detect_output_grows_when_truncated(self):
        path = IMAGES / "sample1.jpg"
        full = self.sess.detect(path)
        if len(vaccel.parse_detections(full)) < 2:
            self.skipTest("needs two faces to truncate")
        first = full.split("\n")[0] + "\n"
        # room for one record and the "# truncated 1 of N" line only
        small = len(first) + len("# truncated 1 of 99\n") + 1
        # the C call alone truncates ...
        data = path.read_bytes()
        buf = ctypes.create_string_buffer(small)
        vaccel._lib.call("vaccel_image_detection",
                         ctypes.addressof(self.sess._struct), data, buf,
                         len(data), small)
        self.assertEqual(buf.value.decode(), first + "# truncated 1 of %d\n"
                         % len(vaccel.parse_detections(full)))
        # ... the bindings grow the buffer and call again
        self.assertEqual(self.sess.detect(path, out_size=small), full)

    def test_segment_page(self):
        page = TEXT / "page.png"
        boxes = {}
        for line in (TEXT / "page.txt").read_text().split("\n"):
            if line:
                name, *nums = line.split()
                boxes[name] = [int(v) for v in nums]
        out = self.sess.segment(page)
        seg = vaccel.parse_segmentation(out)
        self.assertEqual((seg["width"], seg["height"]), (640, 480))
        # the mask comes back as PNG bytes, of the size its record says
        self.assertEqual(len(out.png), seg["png"])
        self.assertEqual(out.png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(out.png[16:24], (640).to_bytes(4, "big") +
                         (480).to_bytes(4, "big"))
        # a buffer too small for it: the bindings grow it to what the
        # plugin says it needs, and the result is the same
        self.assertEqual(self.sess.segment(page, out_size=4096).png,
                         out.png)
        self.assertGreater(seg["coverage"], 0.0)
        tx1, ty1, tx2, ty2 = boxes["text"]
        x1, y1, x2, y2 = seg["bbox"]
        slack = 8  # the probability map is a little wider than the ink
        self.assertTrue(tx1 - slack <= x1 < x2 <= tx2 + slack, seg)
        self.assertTrue(ty1 - slack <= y1 < y2 <= ty2 + slack, seg)
        self.assertLess(y2, boxes["margin"][1])

    def test_depth_has_no_default_model(self):
        with self.assertRaises(VaccelError) as cm:
            self.sess.depth(IMAGES / "sample1.jpg")
        self.assertEqual(cm.exception.code, ErrorCode.ENOTSUP)

    def test_not_an_image(self):
        with self.assertRaises(VaccelError) as cm:
            self.sess.classify(b"this is not an image")
        self.assertEqual(cm.exception.code, ErrorCode.EINVAL)
        self.assertEqual(cm.exception.reason, "image: cannot decode 20 "
                         "bytes: unknown image type")

    def test_str_path(self):
        path = TEXT / "text0_180.jpg"
        self.assertEqual(self.sess.classify(str(path)),
                         self.sess.classify(path))

    def test_wrong_models_fail_with_their_reason(self):
        with vaccel.Session() as s, \
                vaccel.Resource.from_bytes(b"garbage", "junk.onnx") as junk:
            s.register(junk)
            with self.assertRaises(VaccelError) as cm:
                s.detect(IMAGES / "sample1.jpg")
            self.assertIn("(junk.onnx) cannot be loaded", str(cm.exception))
        movenet = CONVERTED[2]
        if not movenet.exists():
            return
        with vaccel.Session() as s, vaccel.Resource(movenet) as pose:
            s.register(pose)
            with self.assertRaises(VaccelError) as cm:
                s.detect(IMAGES / "sample1.jpg")
            self.assertIn("(movenet.onnx) is the pose model movenet",
                          cm.exception.reason)

    def test_threads_share_a_session(self):
        errors, labels = [], []

        def work(n):
            try:
                for _ in range(5):
                    text, _ = self.sess.classify(TEXT / ("text%d_0.jpg" % n))
                    labels.append(vaccel.parse_classification(text)[0])
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(labels), 20)
        self.assertTrue(all(r["label"] == "0" for r in labels))


@unittest.skipUnless(all(p.exists() for p in CONVERTED),
                     "converted models missing (scripts/convert-models.sh)")
class DefaultModels(unittest.TestCase):
    """The built-in defaults: the environment's model names removed and
    the plugin reloaded (vaccel.bootstrap()) for this class only."""

    @classmethod
    def setUpClass(cls):
        for k in NAMED:
            del os.environ[k]
        vaccel.bootstrap()
        cls.sess = vaccel.Session()

    @classmethod
    def tearDownClass(cls):
        cls.sess.close()
        os.environ.update(NAMED)
        vaccel.bootstrap()

    def test_detect_coco(self):
        dets = vaccel.parse_detections(self.sess.detect(IMAGES / "dog.jpg"))
        labels = [d["label"] for d in dets]
        self.assertIn("dog", labels)
        self.assertIn("bicycle", labels)
        self.assertTrue({"car", "truck"} & set(labels), labels)
        self.assertNotIn("face", labels)

    def test_person_segment_and_pose(self):
        path = IMAGES / "sample4.jpg"
        people = [d for d in vaccel.parse_detections(self.sess.detect(path))
                  if d["label"] == "person"]
        self.assertGreaterEqual(len(people), 1)
        seg = vaccel.parse_segmentation(self.sess.segment(path))
        self.assertEqual(seg["threshold"], 0.5)
        self.assertTrue(0.3 < seg["coverage"] < 0.95, seg)
        pose = vaccel.parse_pose(self.sess.pose(path))
        self.assertEqual(len(pose), 17)
        self.assertEqual(pose[0]["name"], "nose")


@unittest.skipUnless(LINEAR.exists(), "no %s (scripts/convert-models.sh)" %
                     LINEAR)
class Generic(unittest.TestCase):
    X = [1.0, 2.0, 3.0, 4.0]
    Y = [7.0, 4.0, 3.5]  # W x + b of the model's fixed weights

    def test_numpy(self):
        if np is None:
            self.skipTest("numpy is not installed")
        with vaccel.Session() as s, vaccel.Resource(LINEAR) as res:
            s.register(res)
            (y,) = s.onnx_run(res, [np.array([self.X], dtype=np.float32)])
            self.assertEqual(y.tolist(), [self.Y])

    def test_errors(self):
        with vaccel.Session() as s, vaccel.Resource(LINEAR) as res:
            s.register(res)
            bad = [("float32", (1, 3), _pack(self.X[:3])),  # shape
                   ("int64", (1, 4), b"\0" * 32),  # type
                   ("float32", (1, 4), _pack(self.X[:3]))]  # size
            for t in bad:
                with self.subTest(tensor=t[:2]):
                    with self.assertRaises(VaccelError) as cm:
                        s.onnx_run(res, [t])
                    self.assertEqual(cm.exception.code, ErrorCode.EINVAL)
            with self.assertRaises(VaccelError):
                s.onnx_run(res, [("float32", (1, 4), _pack(self.X))],
                           nr_outputs=2)  # the model has one output
            s.onnx_unload(res)
            with self.assertRaises(VaccelError) as cm:
                s.onnx_run(res, [("float32", (1, 4), _pack(self.X))],
                           load=False)
            self.assertEqual(cm.exception.code, ErrorCode.EINVAL)


def _pack(values):
    import struct
    return struct.pack("<%df" % len(values), *values)


def _unpack(data):
    import struct
    return list(struct.unpack("<%df" % (len(data) // 4), data))


class Conformance(conformance.Cases):
    """tests/conformance/cases.json, context "onnx"."""
    context = "onnx"


if __name__ == "__main__":
    support.main()
