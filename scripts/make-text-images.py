#!/usr/bin/python3
"""Render the text test images for the onnx plugin's tests (never committed).

usage: scripts/make-text-images.py [OUTDIR]      (default: $VACCEL_DEPS/images/text)

Writes, with the DejaVu fonts (fonts-dejavu-core) and python3-pil:
  textN_0.jpg, textN_180.jpg   one line of dark text on a light background,
                               upright, and the same image rotated 180 degrees
                               (PP-OCR text-direction classifier: 0 / 180)
  page.png                     a 640x480 page: a block of text lines in the
                               upper part, an empty margin below it
  page.txt                     `text x1 y1 x2 y2` (the block's pixel box) and
                               `margin x1 y1 x2 y2` (a region with no ink)
  MANIFEST                     the list of files (written last: its presence
                               means the set is complete)
Deterministic for a given Pillow and font version. Run with /usr/bin/python3
(Debian's python3-pil), not another python first on PATH.
"""
import os
import sys

from PIL import Image, ImageDraw, ImageFont

FONTS = "/usr/share/fonts/truetype/dejavu"
LINES = [
    ("DejaVuSans.ttf", "Hello vAccel world", (20, 20, 20), (250, 250, 250)),
    ("DejaVuSerif.ttf", "Invoice 2026-11-21", (10, 10, 60), (245, 240, 225)),
    ("DejaVuSans-Bold.ttf", "ONNX Runtime 1.29", (0, 0, 0), (255, 255, 255)),
    ("DejaVuSansMono.ttf", "total = 42.00 EUR", (40, 40, 40), (235, 235, 235)),
]
PAGE_TEXT = [
    "Acceleration for everyone:",
    "classify, detect and segment",
    "images through one small API.",
    "Plugins do the real work.",
]


def line_image(font_file, text, ink, paper, size=36):
    font = ImageFont.truetype(os.path.join(FONTS, font_file), size)
    x1, y1, x2, y2 = font.getbbox(text)
    pad = 10
    img = Image.new("RGB", (x2 - x1 + 2 * pad, y2 - y1 + 2 * pad), paper)
    ImageDraw.Draw(img).text((pad - x1, pad - y1), text, font=font, fill=ink)
    return img


def page_image():
    font = ImageFont.truetype(os.path.join(FONTS, "DejaVuSans.ttf"), 28)
    img = Image.new("RGB", (640, 480), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    x, y = 40, 40
    box = [10**6, 10**6, 0, 0]
    for text in PAGE_TEXT:
        bx1, by1, bx2, by2 = draw.textbbox((x, y), text, font=font)
        draw.text((x, y), text, font=font, fill=(0, 0, 0))
        box = [min(box[0], bx1), min(box[1], by1), max(box[2], bx2), max(box[3], by2)]
        y += 44
    margin = (0, 300, 640, 480)  # everything below the block is blank
    assert box[3] < margin[1]
    return img, box, margin


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("VACCEL_DEPS", "/opt/vaccel-deps"), "images", "text")
    os.makedirs(out, exist_ok=True)
    files = []
    for i, (font, text, ink, paper) in enumerate(LINES):
        img = line_image(font, text, ink, paper)
        for angle, im in ((0, img), (180, img.rotate(180))):
            name = "text%d_%d.jpg" % (i, angle)
            im.save(os.path.join(out, name), quality=95)
            files.append(name)
    page, box, margin = page_image()
    page.save(os.path.join(out, "page.png"))
    with open(os.path.join(out, "page.txt"), "w") as f:
        f.write("text %d %d %d %d\n" % tuple(box))
        f.write("margin %d %d %d %d\n" % margin)
    files += ["page.png", "page.txt"]
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("\n".join(files) + "\n")
    print(out)


if __name__ == "__main__":
    main()
