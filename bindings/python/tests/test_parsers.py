#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The record parsers on the documented formats (docs/plugins/onnx.md);
pure Python, libvaccel is not loaded."""
import unittest

import support
import vaccel
from vaccel import parsers


class Classification(unittest.TestCase):
    def test_records_in_order(self):
        got = vaccel.parse_classification("180 1.0000\n0 0.0000\n")
        self.assertEqual(got, [{"label": "180", "score": 1.0},
                               {"label": "0", "score": 0.0}])

    def test_bytes_with_nul_and_truncation_marker(self):
        text = b"traffic_light 0.5000\n# truncated 1 of 5\n\0garbage"
        self.assertEqual(vaccel.parse_classification(text),
                         [{"label": "traffic_light", "score": 0.5}])
        self.assertEqual(vaccel.truncation(text), (1, 5))

    def test_malformed(self):
        with self.assertRaisesRegex(ValueError, "line 2"):
            vaccel.parse_classification("a 0.1\nb\n")
        with self.assertRaisesRegex(ValueError, "non-number"):
            vaccel.parse_classification("a x\n")


class Detections(unittest.TestCase):
    def test_faces(self):
        text = ("face 0.9579 422.4 407.5 608.4 593.5\n"
                "face 0.8959 839.8 458.0 1036.8 655.0\n")
        got = vaccel.parse_detections(text)
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0], {"label": "face", "score": 0.9579,
                                  "box": (422.4, 407.5, 608.4, 593.5)})
        self.assertEqual(got[1]["box"][2], 1036.8)

    def test_empty_is_no_object(self):
        self.assertEqual(vaccel.parse_detections(""), [])
        self.assertIsNone(vaccel.truncation(""))

    def test_wrong_field_count(self):
        with self.assertRaisesRegex(ValueError, "6 fields"):
            vaccel.parse_detections("dog 0.4 1 2 3\n")


class Pose(unittest.TestCase):
    def test_keypoints(self):
        got = vaccel.parse_pose("nose 237.9 126.5 0.3549\n"
                                "left_eye 230.7 120.2 0.2335\n")
        self.assertEqual([k["name"] for k in got], ["nose", "left_eye"])
        self.assertEqual((got[0]["x"], got[0]["y"], got[0]["score"]),
                         (237.9, 126.5, 0.3549))


class Segmentation(unittest.TestCase):
    TEXT = ("mask 640 480 threshold 0.300 coverage 0.048971\n"
            "bbox 49 53 457 196\n"
            "png 12345\n")

    def test_all_records(self):
        got = vaccel.parse_segmentation(self.TEXT)
        self.assertEqual(got["png"], 12345)
        self.assertEqual((got["width"], got["height"]), (640, 480))
        self.assertAlmostEqual(got["threshold"], 0.3)
        self.assertAlmostEqual(got["coverage"], 0.048971)
        self.assertEqual(got["bbox"], (49, 53, 457, 196))

    def test_bytes_with_the_png_after_the_text(self):
        raw = self.TEXT.encode() + b"\0\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
        self.assertEqual(vaccel.parse_segmentation(raw),
                         vaccel.parse_segmentation(self.TEXT))

    def test_no_bbox_when_nothing_covered(self):
        got = vaccel.parse_segmentation(
            "mask 4 3 threshold 0.5 coverage 0\npng 77\n")
        self.assertIsNone(got["bbox"])
        self.assertEqual(got["png"], 77)

    def test_png_left_out(self):
        got = vaccel.parse_segmentation(
            "mask 4 3 threshold 0.5 coverage 0\n"
            "# png 77 needs a buffer of 150 bytes\n")
        self.assertIsNone(got["png"])

    def test_malformed(self):
        with self.assertRaisesRegex(ValueError, "no mask"):
            vaccel.parse_segmentation("png 12\n")
        with self.assertRaisesRegex(ValueError, "byte count"):
            vaccel.parse_segmentation("png /x.png\n")
        with self.assertRaisesRegex(ValueError, "unexpected"):
            vaccel.parse_segmentation("mask 1 1 thresh 0.5 coverage 0\n")
        with self.assertRaisesRegex(ValueError, "unknown"):
            vaccel.parse_segmentation("blob 1\n")


class Depth(unittest.TestCase):
    def test_record(self):
        got = vaccel.parse_depth(
            "depth 64 48 min 0.1 max 0.9 mean 0.5 png_range 0 1\n"
            "png 4096\n")
        self.assertEqual(got, {"png": 4096, "width": 64,
                               "height": 48, "min": 0.1, "max": 0.9,
                               "mean": 0.5, "png_range": (0.0, 1.0)})

    def test_malformed(self):
        with self.assertRaises(ValueError):
            vaccel.parse_depth("depth 64 48 min 0.1 max 0.9 mean 0.5\n")


class Truncation(unittest.TestCase):
    def test_marker(self):
        self.assertEqual(parsers.truncation("a 1\n# truncated 3 of 10\n"),
                         (3, 10))
        self.assertIsNone(parsers.truncation("# a comment\n"))


if __name__ == "__main__":
    support.main()
