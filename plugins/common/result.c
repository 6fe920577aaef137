// SPDX-License-Identifier: Apache-2.0
/* The whole post-processing of an image op: decode, then format records
 * (docs/plugins/onnx.md, "Output formats"), then encode the PNG of a map. */
#include "vpc_post.h"

#include <math.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

/* Where stb's PNG writer puts its bytes (it calls back once or a few
 * times). */
struct png_sink {
	unsigned char *buf;
	size_t len, cap;
	bool failed;
};

static void png_put(void *ctx, void *data, int size)
{
	struct png_sink *s = ctx;

	if (s->failed || size <= 0)
		return;
	if (s->len + (size_t)size > s->cap) {
		size_t cap = (s->len + (size_t)size) * 2;
		unsigned char *b = realloc(s->buf, cap);

		if (!b) {
			s->failed = true;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, (size_t)size);
	s->len += (size_t)size;
}

int vpc_png_encode_gray(const uint8_t *px, int w, int h, unsigned char **png,
			size_t *len)
{
	struct png_sink s = { 0 };

	if (!stbi_write_png_to_func(png_put, &s, w, h, 1, px, w) || s.failed ||
	    !s.len) {
		free(s.buf);
		return vaccel_fail(VACCEL_ENOMEM, "cannot encode a %dx%d PNG",
				   w, h);
	}
	*png = s.buf;
	*len = s.len;
	return VACCEL_OK;
}

static const char *label_of(char *const *labels, size_t nr, int i, char *tmp,
			    size_t tmp_size)
{
	if (i >= 0 && (size_t)i < nr)
		return labels[i];
	snprintf(tmp, tmp_size, "%d", i);
	return tmp;
}

static int classes(const struct vpc_desc *d, char *const *labels, size_t nl,
		   const struct vpc_fmap *o, struct vpc_result *r)
{
	struct vpc_class top[1000];
	int n, ret;
	char tmp[16];

	ret = vpc_top_k(o->data, o->count, d->activation, d->top_k, top, &n);
	for (int i = 0; i < n && !ret; i++)
		ret = vpc_lines_addf(
			&r->text, "%s %.4f",
			label_of(labels, nl, top[i].index, tmp, sizeof(tmp)),
			top[i].score);
	if (!ret && n)
		ret = vpc_lines_addf(&r->name, "%s", r->text.v[0]);
	return ret;
}

static int detections(const struct vpc_desc *d, char *const *labels, size_t nl,
		      const struct vpc_fmap *outs, const struct vpc_geom *g,
		      struct vpc_result *r)
{
	struct vpc_det *dets = NULL;
	size_t n = 0;
	char tmp[16];
	int ret;

	if (d->decoder == VPC_DEC_ANCHORS)
		ret = vpc_decode_anchors(d, outs, outs + d->nr_grids, g, &dets,
					 &n);
	else
		ret = vpc_decode_boxes(d, outs, g, &dets, &n);
	for (size_t i = 0; i < n && !ret; i++)
		ret = vpc_lines_addf(
			&r->name, "%s %.4f %.1f %.1f %.1f %.1f",
			label_of(labels, nl, dets[i].cls, tmp, sizeof(tmp)),
			dets[i].score, dets[i].x1, dets[i].y1, dets[i].x2,
			dets[i].y2);
	free(dets);
	return ret;
}

static int keypoints(const struct vpc_desc *d, char *const *labels, size_t nl,
		     const struct vpc_fmap *o, const struct vpc_geom *g,
		     struct vpc_result *r)
{
	struct vpc_keypoint *kp = NULL;
	size_t n = 0;
	char tmp[16];
	int ret;

	ret = vpc_decode_keypoints(d, o, g, &kp, &n);
	for (size_t i = 0; i < n && !ret; i++)
		ret = vpc_lines_addf(
			&r->name, "%s %.1f %.1f %.4f",
			label_of(labels, nl, (int)i, tmp, sizeof(tmp)), kp[i].x,
			kp[i].y, kp[i].score);
	free(kp);
	return ret;
}

static uint8_t to_u8(float v)
{
	v = roundf(v * 255.0f);
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Coverage and bounding box of map > threshold; PNG of the map (0..1). */
static int mask(const struct vpc_desc *d, const float *map,
		const struct vpc_geom *g, uint8_t *px, struct vpc_result *r)
{
	int x1 = g->src_w, y1 = g->src_h, x2 = -1, y2 = -1, ret;
	size_t above = 0;

	for (int y = 0; y < g->src_h; y++) {
		for (int x = 0; x < g->src_w; x++) {
			float v = map[(size_t)y * g->src_w + x];

			px[(size_t)y * g->src_w + x] = to_u8(v);
			if (!(v > d->threshold))
				continue;
			above++;
			x1 = x < x1 ? x : x1;
			y1 = y < y1 ? y : y1;
			x2 = x > x2 ? x : x2;
			y2 = y > y2 ? y : y2;
		}
	}
	ret = vpc_lines_addf(&r->name,
			     "mask %d %d threshold %.3f coverage %.6f",
			     g->src_w, g->src_h, d->threshold,
			     (double)above / ((double)g->src_w * g->src_h));
	if (!ret && above)
		ret = vpc_lines_addf(&r->name, "bbox %d %d %d %d", x1, y1,
				     x2 + 1, y2 + 1);
	return ret;
}

static int depth(const struct vpc_desc *d, const float *map, float min,
		 float max, float mean, const struct vpc_geom *g, uint8_t *px,
		 struct vpc_result *r)
{
	float lo = d->png_auto ? min : d->png_lo;
	float hi = d->png_auto ? max : d->png_hi;
	float span = hi > lo ? hi - lo : 1;

	for (size_t i = 0; i < (size_t)g->src_w * g->src_h; i++)
		px[i] = to_u8((map[i] - lo) / span);
	return vpc_lines_addf(
		&r->name,
		"depth %d %d min %.6g max %.6g mean %.6g png_range "
		"%.6g %.6g",
		g->src_w, g->src_h, min, max, mean, lo, hi);
}

static int maps(const struct vpc_desc *d, const struct vpc_fmap *o,
		const struct vpc_geom *g, bool want_png, struct vpc_result *r)
{
	float *map = NULL, min, max, mean;
	uint8_t *px = NULL;
	int ret;

	ret = vpc_map_to_source(d, o, g, &map, &min, &max, &mean);
	if (ret)
		return ret;
	px = malloc((size_t)g->src_w * g->src_h);
	if (!px) {
		free(map);
		return VACCEL_ENOMEM;
	}
	ret = d->decoder == VPC_DEC_MASK
		      ? mask(d, map, g, px, r)
		      : depth(d, map, min, max, mean, g, px, r);
	if (!ret && want_png)
		ret = vpc_png_encode_gray(px, g->src_w, g->src_h, &r->png,
					  &r->png_len);
	free(map);
	free(px);
	return ret;
}

/* How many outputs vpc_postprocess() expects for `d`. */
static size_t nr_outputs(const struct vpc_desc *d)
{
	return d->decoder == VPC_DEC_ANCHORS ? 2 * d->nr_grids : 1;
}

int vpc_postprocess(const struct vpc_desc *d, char *const *labels,
		    size_t nr_labels, const struct vpc_fmap *outs,
		    size_t nr_outs, const struct vpc_geom *g, bool want_png,
		    struct vpc_result *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (nr_outs < nr_outputs(d))
		return VACCEL_EINVAL;
	for (size_t i = 0; i < nr_outs; i++)
		if (!outs[i].data || !outs[i].count)
			return VACCEL_EINVAL;
	switch (d->decoder) {
	case VPC_DEC_CLASSES:
		ret = classes(d, labels, nr_labels, outs, r);
		break;
	case VPC_DEC_ANCHORS:
	case VPC_DEC_BOXES:
		ret = detections(d, labels, nr_labels, outs, g, r);
		break;
	case VPC_DEC_KEYPOINTS:
		ret = keypoints(d, labels, nr_labels, outs, g, r);
		break;
	default:
		ret = maps(d, outs, g, want_png, r);
		break;
	}
	if (ret)
		vpc_result_release(r);
	return ret;
}

void vpc_result_release(struct vpc_result *r)
{
	if (!r)
		return;
	vpc_lines_release(&r->text);
	vpc_lines_release(&r->name);
	free(r->png);
	r->png = NULL;
	r->png_len = 0;
}
