// SPDX-License-Identifier: Apache-2.0
/* Unit tests of plugins/common (pre/post-processing shared by the onnx and
 * torch plugins), without libvaccel: stubs vaccel_log_print() and
 * vaccel_fail() print to
 * stderr. Geometry, normalisation and layouts on synthetic images whose
 * answer is known in closed form; the description parser on the shipped
 * descriptions and on malformed ones; decoders on hand-made tensors; the
 * bounded text writer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#include <stb_image.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

#include "vpc_desc.h"
#include "vpc_image.h"
#include "vpc_post.h"

void vaccel_log_print(vaccel_log_level_t level, const char *where,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "[log %d] ", (int)level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int vaccel_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "[fail %d] ", err);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return err;
}

#define F_EQ(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-4)

static int parse(const char *text, struct vpc_desc *d)
{
	return vpc_desc_parse(text, strlen(text), "test", d);
}

static char *read_source(const char *rel, size_t *len)
{
	const char *root = getenv("VACCEL_SOURCE_ROOT");
	char path[4096];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* ---- descriptions ---- */

static void test_desc_shipped(void **state)
{
	static const char *const names[] = {
		"ppocr-cls", "blazeface", "blazeface-back", "ppocr-det",
		"movenet",   "centernet", "selfie",	    "depth-synthetic",
	};
	struct vpc_desc d;
	size_t len;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[256];
		char *text;

		snprintf(rel, sizeof(rel), "plugins/onnx/models/%s.model",
			 names[i]);
		text = read_source(rel, &len);
		assert_int_equal(vpc_desc_parse(text, len, rel, &d), VACCEL_OK);
		assert_string_equal(d.name, names[i]);
		vpc_desc_release(&d);
		free(text);
	}
	/* the classify default in detail */
	{
		char *text = read_source("plugins/onnx/models/ppocr-cls.model",
					 &len);

		assert_int_equal(vpc_desc_parse(text, len, "cls", &d), 0);
		free(text);
	}
	assert_int_equal(d.task, VPC_TASK_CLASSIFY);
	assert_int_equal(d.decoder, VPC_DEC_CLASSES);
	assert_int_equal(d.in.width, 192);
	assert_int_equal(d.in.height, 48);
	assert_true(d.in.bgr);
	assert_int_equal(d.in.layout, VPC_LAYOUT_NCHW);
	assert_int_equal(d.in.resize, VPC_RESIZE_FIT_HEIGHT);
	/* (p / 255 - 0.5) / 0.5 = p / 127.5 - 1 */
	F_EQ(d.in.scale[1], 1 / 127.5);
	F_EQ(d.in.offset[2], -1);
	assert_int_equal(d.nr_labels, 2);
	assert_string_equal(d.labels[0], "0");
	assert_string_equal(d.labels[1], "180");
	assert_string_equal(d.input, "x");
	assert_int_equal(d.top_k, 2);
	vpc_desc_release(&d);
}

static void test_desc_details(void **state)
{
	struct vpc_desc d;

	assert_int_equal(parse("# a comment\n\n"
			       "task = detect   # trailing comment\n"
			       "file = /abs/x#y.onnx\n"
			       "size = 128x64\n"
			       "layout = NHWC\n"
			       "mean = 0.5 0.25 0\n"
			       "std = 0.5\n"
			       "decoder = anchors\n"
			       "anchors = 16x8x2, 8x4x6\n"
			       "scores = s0 s1\n"
			       "boxes = b0 b1\n"
			       "labels_file = data/coco.names\n"
			       "units = unit\n"
			       "threshold = 0.25\n"
			       "nms_iou = 0.4\n",
			       &d),
			 VACCEL_OK);
	assert_string_equal(d.file, "/abs/x#y.onnx");
	assert_string_equal(d.name, "x#y.onnx");
	assert_int_equal(d.in.width, 128);
	assert_int_equal(d.in.height, 64);
	assert_int_equal(d.in.layout, VPC_LAYOUT_NHWC);
	F_EQ(d.in.offset[0], -1);
	F_EQ(d.in.offset[1], -0.5);
	F_EQ(d.in.offset[2], 0);
	F_EQ(d.in.scale[2], 1 / 127.5);
	assert_int_equal(d.nr_grids, 2);
	assert_int_equal(d.grids[1].w, 8);
	assert_int_equal(d.grids[1].h, 4);
	assert_int_equal(d.grids[1].per_cell, 6);
	assert_string_equal(d.boxes[1], "b1");
	assert_string_equal(d.labels_file, "data/coco.names");
	assert_false(d.pixels);
	F_EQ(d.threshold, 0.25);
	F_EQ(d.nms_iou, 0.4);
	vpc_desc_release(&d);
	/* defaults: decoder from the task, raw pixels, auto size */
	assert_int_equal(parse("task = depth\nfile = d.onnx\n", &d), 0);
	assert_int_equal(d.decoder, VPC_DEC_DEPTH);
	assert_int_equal(d.in.width, 0);
	F_EQ(d.in.scale[0], 1);
	F_EQ(d.in.offset[0], 0);
	assert_true(d.png_auto);
	vpc_desc_release(&d);
}

static void test_desc_errors(void **state)
{
	static const char *const bad[] = {
		"task = classify\n",			     /* no file */
		"file = x.onnx\n",			     /* no task */
		"task = classify\nfile = x\ncolour = rgb\n", /* unknown key */
		"task = classify\nfile = x\nsize = 12x\n",
		"task = classify\nfile = x\nsize = 0x5\n",
		"task = classify\nfile = x\nsize = 4097x5\n",
		"task = segment\nfile = x\nmax_side = 5000\n",
		"task = classify\nfile = x\nlayout = chw\n",
		"task = classify\nfile = x\nmean = 1 2\n",
		"task = classify\nfile = x\nmean = 0.5\nscale = 2\n",
		"task = classify\nfile = x\nstd = 0\n",
		"task = classify\nfile = x\ndecoder = mask\n",
		"task = detect\nfile = x\ndecoder = anchors\nsize = 8x8\n",
		"task = detect\nfile = x\ndecoder = anchors\nanchors = 2x2x1\n",
		"task = detect\nfile = x\nsize = 8x8\ndecoder = anchors\n"
		"anchors = 2x2x1\nscores = a b\n",
		"task = classify\nfile = x\ntop_k = 0\n",
		"task = classify\nfile = x\nthreshold = abc\n",
		"task = classify\nfile = x\nnms_iou = 2\n",
		"task = classify\nfile\n",
		"task = depth\nfile = x\npng_range = 1 0\n",
		"task = weather\nfile = x\n",
	};
	struct vpc_desc d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &d) != VACCEL_EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(d.file);
	}
	/* a NUL byte inside */
	assert_int_equal(
		vpc_desc_parse("task = pose\0x\nfile = y\n", 22, "nul", &d),
		VACCEL_EINVAL);
}

static void test_labels(void **state)
{
	const char *text = "person\r\nbicycle\n\ntraffic light\nlast";
	char **v;
	size_t n;

	assert_int_equal(vpc_labels_parse(text, strlen(text), &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "person");
	assert_string_equal(v[1], "bicycle");
	assert_string_equal(v[2], "traffic_light");
	assert_string_equal(v[3], "last");
	vpc_labels_free(v, n);
}

/* ---- pre-processing ---- */

/* A w x h image whose pixel (x, y) is (x, y, 7) (mod 256). */
static struct vpc_image gradient(int w, int h)
{
	struct vpc_image im = { .w = w, .h = h };

	im.px = malloc((size_t)w * h * 3);
	assert_non_null(im.px);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint8_t *p = im.px + ((size_t)y * w + x) * 3;

			p[0] = (uint8_t)x;
			p[1] = (uint8_t)y;
			p[2] = 7;
		}
	}
	return im;
}

static struct vpc_input_spec spec_raw(int w, int h, enum vpc_resize r)
{
	struct vpc_input_spec s = { .width = w,
				    .height = h,
				    .resize = r,
				    .layout = VPC_LAYOUT_NHWC,
				    .dtype = VPC_DTYPE_F32,
				    .multiple = 1 };

	for (int c = 0; c < 3; c++)
		s.scale[c] = 1;
	s.pad = -5;
	return s;
}

static void to_src(const struct vpc_geom *g, float tx, float ty, float x,
		   float y)
{
	float sx, sy;

	vpc_geom_to_src(g, tx, ty, &sx, &sy);
	F_EQ(sx, x);
	F_EQ(sy, y);
}

static void test_geometry(void **state)
{
	struct vpc_image im = gradient(200, 100);
	struct vpc_input_spec s;
	struct vpc_tensor t;
	struct vpc_geom g;
	float *v;

	s = spec_raw(50, 50, VPC_RESIZE_STRETCH);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	to_src(&g, 25, 25, 100, 50);
	to_src(&g, 50, 50, 200, 100);
	vpc_tensor_release(&t);

	/* centre crop of the 100x100 middle square */
	s = spec_raw(64, 64, VPC_RESIZE_CROP);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	to_src(&g, 0, 0, 50, 0);
	to_src(&g, 64, 64, 150, 100);
	v = t.data;
	/* red = source x: about 50 at the left edge, 150 at the right */
	assert_true(fabsf(v[(32 * 64 + 0) * 3] - 51) < 2);
	assert_true(fabsf(v[(32 * 64 + 63) * 3] - 149) < 2);
	vpc_tensor_release(&t);

	/* letterbox: 100x50 content centred in 100x100, pad above/below */
	s = spec_raw(100, 100, VPC_RESIZE_LETTERBOX);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.cy, 25);
	assert_int_equal(g.ch, 50);
	to_src(&g, 50, 50, 100, 50);
	v = t.data;
	F_EQ(v[(10 * 100 + 50) * 3 + 1], -5);	      /* padding row */
	assert_true(v[(50 * 100 + 50) * 3 + 2] == 7); /* content */
	vpc_tensor_release(&t);

	/* pad: top-left, padding right/bottom */
	s = spec_raw(100, 100, VPC_RESIZE_PAD);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.cy, 0);
	to_src(&g, 50, 25, 100, 50);
	vpc_tensor_release(&t);

	/* fit_height (PP-OCR): height 48, width 96 of 192, zeros after */
	s = spec_raw(192, 48, VPC_RESIZE_FIT_HEIGHT);
	s.pad = 0;
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.cw, 96);
	assert_int_equal(g.ch, 48);
	v = t.data;
	assert_true(v[(20 * 192 + 95) * 3 + 2] == 7);
	assert_true(v[(20 * 192 + 96) * 3 + 2] == 0);
	vpc_tensor_release(&t);

	/* a very wide image is squeezed to the full width */
	free(im.px);
	im = gradient(1000, 50);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.cw, 192);
	vpc_tensor_release(&t);

	/* auto size: longest side 960, multiples of 32 */
	s = spec_raw(0, 0, VPC_RESIZE_STRETCH);
	s.max_side = 960;
	s.multiple = 32;
	free(im.px);
	im = gradient(1000, 499);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.in_w, 960);
	assert_int_equal(g.in_h, 480);
	assert_true(t.dims[1] == 480 && t.dims[2] == 960 && t.dims[3] == 3);
	vpc_tensor_release(&t);
	/* no max_side, multiple 1: the image as it is (below 4096) */
	s.max_side = 0;
	s.multiple = 1;
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.in_w, 1000);
	assert_int_equal(g.in_h, 499);
	to_src(&g, 10, 20, 10, 20);
	vpc_tensor_release(&t);
	free(im.px);
	/* but never above 4096 a side */
	im = gradient(8200, 10);
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(g.in_w, 4096);
	assert_int_equal(g.in_h, 5);
	vpc_tensor_release(&t);
	free(im.px);
}

static void test_normalise_layout(void **state)
{
	struct vpc_image im = { .w = 4, .h = 3 };
	struct vpc_input_spec s = spec_raw(4, 3, VPC_RESIZE_STRETCH);
	struct vpc_tensor t;
	struct vpc_geom g;
	float *v;

	im.px = malloc(4 * 3 * 3);
	for (int i = 0; i < 12; i++) {
		im.px[i * 3] = 10;
		im.px[i * 3 + 1] = 20;
		im.px[i * 3 + 2] = 30;
	}
	/* BGR, NCHW, mean/std per model channel */
	s.layout = VPC_LAYOUT_NCHW;
	s.bgr = true;
	for (int c = 0; c < 3; c++) {
		s.scale[c] = 0.5f * (float)(c + 1);
		s.offset[c] = (float)c;
	}
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_true(t.dims[1] == 3 && t.dims[2] == 3 && t.dims[3] == 4);
	v = t.data;
	for (int i = 0; i < 12; i++) {
		F_EQ(v[i], 30 * 0.5 + 0);      /* blue first */
		F_EQ(v[12 + i], 20 * 1.0 + 1); /* green */
		F_EQ(v[24 + i], 10 * 1.5 + 2); /* red */
	}
	vpc_tensor_release(&t);
	/* uint8 and int32 keep the pixel values */
	s = spec_raw(4, 3, VPC_RESIZE_STRETCH);
	s.dtype = VPC_DTYPE_U8;
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(t.size, 36);
	assert_int_equal(((uint8_t *)t.data)[4], 20);
	vpc_tensor_release(&t);
	s.dtype = VPC_DTYPE_I32;
	assert_int_equal(vpc_preprocess(&im, &s, &t, &g), 0);
	assert_int_equal(((int32_t *)t.data)[5], 30);
	vpc_tensor_release(&t);
	free(im.px);
}

static void test_decode_png_roundtrip(void **state)
{
	uint8_t px[6 * 4];
	struct vpc_image im;
	unsigned char *buf = NULL;
	size_t n = 0;

	for (int i = 0; i < 24; i++)
		px[i] = (uint8_t)(i * 10);
	assert_int_equal(vpc_png_encode_gray(px, 6, 4, &buf, &n), 0);
	/* a PNG: its signature, and it ends with the IEND chunk's fixed CRC
	 * (so a reply trimmed after its last non-zero byte keeps it all) */
	assert_true(n > 8 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8));
	assert_memory_equal(buf + n - 4, "\xae\x42\x60\x82", 4);
	assert_int_equal(vpc_image_decode(buf, n, &im), 0);
	assert_int_equal(im.w, 6);
	assert_int_equal(im.h, 4);
	for (int i = 0; i < 24; i++)
		assert_true(im.px[i * 3] == px[i] && im.px[i * 3 + 2] == px[i]);
	vpc_image_release(&im);
	free(buf);
	/* not an image */
	assert_int_equal(vpc_image_decode("hello world", 11, &im),
			 VACCEL_EINVAL);
	assert_int_equal(vpc_image_decode(NULL, 5, &im), VACCEL_EINVAL);
}

/* A chunk of `type` with `len` bytes of `data` at `out`: its size. */
static size_t chunk(uint8_t *out, const char *type, const void *data,
		    uint32_t len)
{
	uint8_t *p = out;
	*p++ = (uint8_t)(len >> 24), *p++ = (uint8_t)(len >> 16);
	*p++ = (uint8_t)(len >> 8), *p++ = (uint8_t)len;
	memcpy(p, type, 4);
	if (len)
		memcpy(p + 4, data, len);
	uLong crc = crc32(0, p, 4 + len);
	p += 4 + len;
	*p++ = (uint8_t)(crc >> 24), *p++ = (uint8_t)(crc >> 16);
	*p++ = (uint8_t)(crc >> 8), *p++ = (uint8_t)crc;
	return (size_t)(p - out);
}

/* A 1x1 RGB PNG whose pixel data inflates to `raw` bytes (a valid 1x1
 * image needs 4): in `out`, its size. */
static size_t png_1x1(uint8_t *out, size_t size, size_t raw)
{
	static const uint8_t ihdr[13] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 2 };
	uint8_t *zeros = calloc(1, raw);
	uLongf zlen = compressBound(raw);
	uint8_t *z = malloc(zlen);
	assert_non_null(zeros);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, zeros, raw, 9), Z_OK);
	assert_true(zlen + 64 < size);
	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	size_t n = 8 + chunk(out + 8, "IHDR", ihdr, 13);
	n += chunk(out + n, "IDAT", z, (uint32_t)zlen);
	n += chunk(out + n, "IEND", NULL, 0);
	free(z);
	free(zeros);
	return n;
}

/* A decompression bomb: a PNG of 1x1 pixels whose data inflates to
 * 256 MiB (stb_image inflated it all, doubling its buffer up to 2 GiB,
 * and then decoded the one pixel): refused before stb sees it. The same
 * image with the 4 bytes it needs decodes. */
static void test_decode_png_bomb(void **state)
{
	(void)state;
	static uint8_t png[1 << 20];
	struct vpc_image im;
	size_t n = png_1x1(png, sizeof(png), 4);
	assert_int_equal(vpc_image_decode(png, n, &im), 0);
	assert_int_equal(im.w, 1);
	vpc_image_release(&im);
	n = png_1x1(png, sizeof(png), (size_t)256 << 20);
	print_message("# %zu bytes inflating to 256 MiB\n", n);
	assert_int_equal(vpc_image_decode(png, n, &im), VACCEL_EINVAL);
	assert_null(im.px);
}

/* ---- decoders ---- */

static void test_top_k(void **state)
{
	float logits[5] = { 1, 3, 2, -1, 3.5f };
	struct vpc_class top[3];
	double sum = 0;
	int n;

	for (int i = 0; i < 5; i++)
		sum += exp(logits[i]);
	assert_int_equal(vpc_top_k(logits, 5, VPC_ACT_SOFTMAX, 3, top, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(top[0].index, 4);
	assert_int_equal(top[1].index, 1);
	assert_int_equal(top[2].index, 2);
	F_EQ(top[0].score, exp(3.5) / sum);
	F_EQ(top[2].score, exp(2) / sum);
	assert_int_equal(vpc_top_k(logits, 2, VPC_ACT_SIGMOID, 3, top, &n), 0);
	assert_int_equal(n, 2);
	F_EQ(top[0].score, 1 / (1 + exp(-3)));
	assert_int_equal(vpc_top_k(logits, 5, VPC_ACT_NONE, 1, top, &n), 0);
	F_EQ(top[0].score, 3.5);
}

static void test_nms(void **state)
{
	struct vpc_det d[4] = {
		{ 0, 0, 10, 10, 0.6f, 0 },
		{ 1, 1, 11, 11, 0.9f, 0 },
		{ 50, 50, 60, 60, 0.7f, 0 },
		{ 0, 0, 10, 10, 0.8f, 1 },
	};
	struct vpc_det c[4];
	size_t n = 4;

	F_EQ(vpc_iou(&d[0], &d[1]), 81.0 / 119.0);
	memcpy(c, d, sizeof(d));
	/* weighted, all classes together: boxes 0, 1, 3 merge */
	vpc_nms(c, &n, 0.3f, true, false);
	assert_int_equal(n, 2);
	F_EQ(c[0].score, 0.9);
	F_EQ(c[0].x1, (1 * 0.9 + 0 * 0.8 + 0 * 0.6) / 2.3);
	F_EQ(c[1].x1, 50);
	/* plain, per class: class 1 keeps its own box */
	memcpy(c, d, sizeof(d));
	n = 4;
	vpc_nms(c, &n, 0.3f, false, true);
	assert_int_equal(n, 3);
	F_EQ(c[0].x1, 1);
	F_EQ(c[1].score, 0.8);
	assert_int_equal(c[1].cls, 1);
}

static void test_anchors(void **state)
{
	struct vpc_desc d;
	struct vpc_geom g = { .src_w = 64,
			      .src_h = 32,
			      .in_w = 16,
			      .in_h = 16,
			      .sx = 0.25f,
			      .sy = 0.5f,
			      .cw = 16,
			      .ch = 16 };
	/* grid 2x2x1: anchor centres (4,4) (12,4) (4,12) (12,12) */
	float scores[4] = { -5, 4, -5, -5 };
	float boxes[4 * 4] = { 0 };
	int64_t sd[3] = { 1, 4, 1 }, bd[3] = { 1, 4, 4 };
	struct vpc_fmap fm[2] = { { scores, sd, 3, 4 }, { boxes, bd, 3, 16 } };
	struct vpc_result r;

	assert_int_equal(parse("task = detect\nfile = x\nsize = 16x16\n"
			       "decoder = anchors\nanchors = 2x2x1\n"
			       "activation = sigmoid\nthreshold = 0.9\n"
			       "labels = face\n",
			       &d),
			 0);
	/* anchor 1: centre (12,4) + (1,2), 4 x 6 px */
	boxes[4] = 1;
	boxes[5] = 2;
	boxes[6] = 4;
	boxes[7] = 6;
	assert_int_equal(vpc_postprocess(&d, d.labels, d.nr_labels, fm, 2, &g,
					 false, &r),
			 0);
	assert_int_equal(r.name.n, 1);
	/* x: (13 -+ 2) / 0.25 = 44 .. 60; y: (6 -+ 3) / 0.5 = 6 .. 18 */
	assert_string_equal(r.name.v[0], "face 0.9820 44.0 6.0 60.0 18.0");
	vpc_result_release(&r);
	vpc_desc_release(&d);
}

static void test_boxes_keypoints(void **state)
{
	struct vpc_desc d;
	struct vpc_geom g = { .src_w = 200,
			      .src_h = 100,
			      .in_w = 100,
			      .in_h = 100,
			      .sx = 0.5f,
			      .sy = 1,
			      .cw = 100,
			      .ch = 100 };
	float rows[12] = { 10, 20, 30, 40, 0.8f, 2, 0, 0, 5, 5, 0.1f, 1 };
	float kps[9] = { 0.5f, 0.25f, 0.9f, 0.1f, 1.0f, 0.2f, -0.5f, 2.0f, 0 };
	int64_t rd[3] = { 1, 2, 6 }, kd[4] = { 1, 1, 3, 3 };
	struct vpc_fmap fr = { rows, rd, 3, 12 }, fk = { kps, kd, 4, 9 };
	char *labels[3] = { "a", "b", "c_d" };
	struct vpc_result r;

	assert_int_equal(
		parse("task = detect\nfile = x\nthreshold = 0.3\n", &d), 0);
	assert_int_equal(vpc_postprocess(&d, labels, 3, &fr, 1, &g, false, &r),
			 0);
	assert_int_equal(r.name.n, 1);
	assert_string_equal(r.name.v[0], "c_d 0.8000 20.0 20.0 60.0 40.0");
	vpc_result_release(&r);
	vpc_desc_release(&d);

	assert_int_equal(parse("task = pose\nfile = x\nunits = unit\n"
			       "labels = nose eye\n",
			       &d),
			 0);
	assert_int_equal(vpc_postprocess(&d, d.labels, d.nr_labels, &fk, 1, &g,
					 false, &r),
			 0);
	assert_int_equal(r.name.n, 3);
	/* [y, x, s] over 100x100, back to 200x100 */
	assert_string_equal(r.name.v[0], "nose 50.0 50.0 0.9000");
	assert_string_equal(r.name.v[1], "eye 200.0 10.0 0.2000");
	/* outside the image: clamped; no label: its index */
	assert_string_equal(r.name.v[2], "2 200.0 0.0 0.0000");
	vpc_result_release(&r);
	vpc_desc_release(&d);
}

static void test_maps(void **state)
{
	struct vpc_desc d;
	/* a 4x4 image seen as an 8x8 tensor, map output 4x4 */
	struct vpc_geom g = { .src_w = 4,
			      .src_h = 4,
			      .in_w = 8,
			      .in_h = 8,
			      .sx = 2,
			      .sy = 2,
			      .cw = 8,
			      .ch = 8 };
	float map[16];
	int64_t md[4] = { 1, 1, 4, 4 };
	struct vpc_fmap fm = { map, md, 4, 16 };
	struct vpc_result r;

	for (int i = 0; i < 16; i++)
		map[i] = (i % 4) < 2 ? 0.9f : 0.1f;
	assert_int_equal(parse("task = segment\nfile = x\n", &d), 0);
	assert_int_equal(vpc_postprocess(&d, NULL, 0, &fm, 1, &g, true, &r), 0);
	assert_int_equal(r.name.n, 2);
	assert_string_equal(r.name.v[0],
			    "mask 4 4 threshold 0.500 coverage 0.500000");
	assert_string_equal(r.name.v[1], "bbox 0 0 2 4");
	assert_non_null(r.png);
	{
		int w, h, n;
		uint8_t *px = stbi_load_from_memory(r.png, (int)r.png_len, &w,
						    &h, &n, 1);

		assert_non_null(px);
		assert_true(w == 4 && h == 4);
		assert_int_equal(px[0], 230); /* round(0.9 * 255) */
		assert_int_equal(px[3], 26);
		stbi_image_free(px);
	}
	vpc_result_release(&r);
	vpc_desc_release(&d);
	/* depth: statistics of the map, fixed PNG range */
	assert_int_equal(parse("task = depth\nfile = x\npng_range = 0 1\n", &d),
			 0);
	assert_int_equal(vpc_postprocess(&d, NULL, 0, &fm, 1, &g, false, &r),
			 0);
	assert_null(r.png);
	assert_string_equal(r.name.v[0], "depth 4 4 min 0.1 max 0.9 mean 0.5 "
					 "png_range 0 1");
	vpc_result_release(&r);
	vpc_desc_release(&d);
	/* a map that does not fit its dims */
	md[2] = 8;
	assert_int_equal(parse("task = segment\nfile = x\n", &d), 0);
	assert_int_equal(vpc_postprocess(&d, NULL, 0, &fm, 1, &g, false, &r),
			 VACCEL_EINVAL);
	vpc_desc_release(&d);
}

/* ---- text ---- */

static void test_lines_emit(void **state)
{
	struct vpc_lines l = { 0 };
	char buf[64];
	bool trunc;

	vpc_lines_addf(&l, "0 %.4f", 0.99991);
	vpc_lines_addf(&l, "180 %.4f", 0.00009);
	assert_int_equal(vpc_lines_emit(&l, buf, sizeof(buf), &trunc), 2);
	assert_false(trunc);
	assert_string_equal(buf, "0 0.9999\n180 0.0001\n");
	/* exactly enough: 20 characters + NUL */
	assert_int_equal(vpc_lines_emit(&l, buf, 21, &trunc), 2);
	assert_false(trunc);
	/* one byte short: the marker wins over a record */
	assert_int_equal(vpc_lines_emit(&l, buf, 20, &trunc), 0);
	assert_true(trunc);
	assert_string_equal(buf, "# truncated 0 of 2\n");
	/* no room for the marker: whole lines only */
	assert_int_equal(vpc_lines_emit(&l, buf, 12, &trunc), 1);
	assert_true(trunc);
	assert_string_equal(buf, "0 0.9999\n");
	assert_int_equal(vpc_lines_emit(&l, buf, 9, &trunc), 0);
	assert_string_equal(buf, "");
	assert_true(trunc);
	/* one line and the marker */
	vpc_lines_addf(&l, "270 %.4f", 0.0);
	assert_int_equal(vpc_lines_emit(&l, buf, 30, &trunc), 1);
	assert_true(trunc);
	assert_string_equal(buf, "0 0.9999\n# truncated 1 of 3\n");
	/* all three (31 bytes) need 32 */
	assert_int_equal(vpc_lines_emit(&l, buf, 31, &trunc), 1);
	assert_true(trunc);
	assert_int_equal(vpc_lines_emit(&l, buf, 32, &trunc), 3);
	assert_false(trunc);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(vpc_lines_emit(&l, buf, 1, NULL), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'x');
	assert_int_equal(vpc_lines_emit(&l, buf, 0, NULL), 0);
	vpc_lines_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desc_shipped),
		cmocka_unit_test(test_desc_details),
		cmocka_unit_test(test_desc_errors),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_normalise_layout),
		cmocka_unit_test(test_decode_png_roundtrip),
		cmocka_unit_test(test_decode_png_bomb),
		cmocka_unit_test(test_top_k),
		cmocka_unit_test(test_nms),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_boxes_keypoints),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_lines_emit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
