#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Draw the image ops' text results onto the photo, to look at them.

usage: scripts/draw-results.py IMAGE [RESULTS...] [--mask PNG]... [-o OUT.png]

RESULTS are files (or "-" for stdin; the default) holding what the onnx
plugin's image ops write (docs/plugins/onnx.md, "Output formats"), as the
example programs, `vaccel run` or scripts/run-demo.sh print them; lines of
other text are ignored:
  LABEL SCORE X1 Y1 X2 Y2   detect: a box and its label
  NAME X Y SCORE            pose: a keypoint (17 of them make a skeleton)
  segmentation PNG: FILE ... a mask the example saved (its png_out), or
  # png saved to FILE ...   one `vaccel run segment -o FILE` saved: the
                            photo is dimmed where the grey PNG is 0, tinted
                            blue where it is 255 (--mask PNG adds one)
The examples' prefixes ("detection imagename: ", "pose estimation
imagename: ", "segmentation imagename: ", "depth estimation imagename: ")
are stripped. Keypoints under --min-score (0.3) are drawn hollow, their
bones left out. The masks come back from the op as bytes (also from an agent
on another host); the program that ran it saved them here.

Example:
  vaccel run detect dog.jpg >det.txt && scripts/draw-results.py dog.jpg \\
      det.txt -o /tmp/dog-detect.png
Needs python3-pil (Debian); run with /usr/bin/python3."""
import argparse
import re
import sys

from PIL import Image, ImageDraw, ImageFont

PREFIX = re.compile(r"^(classification tags|[a-z ]+ imagename): ?")
SAVED = re.compile(r"^(?:# png saved to|(?:segmentation|depth estimation) "
                   r"PNG:) (\S+) \(")
NUM = r"(-?[0-9]+(?:\.[0-9]+)?)"
BOX = re.compile(r"^(\S+) %s %s %s %s %s$" % ((NUM,) * 5))
KEYPOINT = re.compile(r"^(\S+) %s %s %s$" % ((NUM,) * 3))
BONES = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
         ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
         ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
         ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
         ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
         ("nose", "left_eye"), ("nose", "right_eye"),
         ("left_eye", "left_ear"), ("right_eye", "right_ear")]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
COLOURS = ["#ff3030", "#30c0ff", "#ffd000", "#40ff40", "#ff40ff",
           "#ff8000", "#ffffff", "#8080ff"]


def parse(lines):
    boxes, points, pngs = [], {}, []
    for raw in lines:
        saved = SAVED.match(raw.strip())
        if saved:
            pngs.append(saved.group(1))
            continue
        line = PREFIX.sub("", raw.strip())
        if not line or line.startswith(("#", "png ")):
            continue
        m = BOX.match(line)
        if m:
            boxes.append((m.group(1), *map(float, m.groups()[1:])))
            continue
        m = KEYPOINT.match(line)
        if m and not line.startswith(("mask ", "bbox ", "depth ")):
            points[m.group(1)] = tuple(map(float, m.groups()[1:]))
    return boxes, points, pngs


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("image")
    ap.add_argument("results", nargs="*", default=["-"])
    ap.add_argument("-o", "--out", default="/tmp/vaccel-results.png")
    ap.add_argument("--mask", action="append", default=[],
                    help="a grey PNG mask to draw (repeatable)")
    ap.add_argument("--min-score", type=float, default=0.3)
    a = ap.parse_args()

    lines = []
    for r in a.results:
        if r == "-":
            lines += sys.stdin.read().splitlines()
        else:
            with open(r, encoding="utf-8", errors="replace") as f:
                lines += f.read().splitlines()
    boxes, points, pngs = parse(lines)
    pngs += a.mask

    img = Image.open(a.image).convert("RGB")
    w, h = img.size
    for png in pngs:
        mask = Image.open(png).convert("L")
        if mask.size != img.size:
            mask = mask.resize(img.size)
        # the mask at full brightness, a bluish tint; the rest dimmed
        dim = Image.blend(img, Image.new("RGB", img.size, (0, 0, 0)), 0.65)
        lit = Image.blend(img, Image.new("RGB", img.size, (0, 90, 255)), 0.25)
        img = Image.composite(lit, dim, mask)
    draw = ImageDraw.Draw(img)
    lw = max(2, round(max(w, h) / 300))
    try:  # labels readable on large photos (fonts-dejavu-core)
        font = ImageFont.truetype(FONT, max(12, round(max(w, h) / 60)))
    except OSError:
        font = ImageFont.load_default()
    labels = []
    used = set()  # label corners taken (e.g. car and truck on one box)
    for i, (label, score, x1, y1, x2, y2) in enumerate(boxes):
        c = COLOURS[i % len(COLOURS)]
        draw.rectangle([x1, y1, x2, y2], outline=c, width=lw)
        text = "%s %.2f" % (label, score)
        tx2, ty2 = draw.textbbox((0, 0), text, font=font)[2:]
        th = ty2 + 2
        ty = y1 - th if y1 >= th else y1
        while (round(x1), round(ty)) in used:
            ty += th
        used.add((round(x1), round(ty)))
        labels.append((c, text, x1, ty, tx2, th))
    # the best on top where labels overlap
    for c, text, x1, ty, tx2, th in reversed(labels):
        draw.rectangle([x1, ty, x1 + tx2 + 4, ty + th], fill=c)
        draw.text((x1 + 2, ty), text, fill="black", font=font)
    good = {n: p for n, p in points.items() if p[2] >= a.min_score}
    for n1, n2 in BONES:
        if n1 in good and n2 in good:
            draw.line([good[n1][:2], good[n2][:2]], fill="#00ff00", width=lw)
    r = 2 * lw
    for n, (x, y, s) in points.items():
        if s >= a.min_score:
            draw.ellipse([x - r, y - r, x + r, y + r], fill="#ffff00",
                         outline="black")
        else:
            draw.ellipse([x - r, y - r, x + r, y + r], outline="#ffff00",
                         width=max(1, lw // 2))
    img.save(a.out)
    print("%s: %d boxes, %d keypoints (%d with score >= %.2f), %d masks"
          % (a.out, len(boxes), len(points), len(good), a.min_score,
             len(pngs)))


if __name__ == "__main__":
    main()
