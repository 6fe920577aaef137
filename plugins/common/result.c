// SPDX-License-Identifier: Apache-2.0
/* The whole post-processing of an image op: decode, then format records
 * (docs/plugins/onnx.md, "Output formats"), then write the PNG of a map. */
#include "vpc_post.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

struct png_sink {
	int fd;
	bool failed;
};

static void png_write_cb(void *ctx, void *data, int size)
{
	struct png_sink *s = ctx;
	const char *p = data;

	while (size > 0 && !s->failed) {
		ssize_t n = write(s->fd, p, (size_t)size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->failed = true;
			break;
		}
		p += n;
		size -= (int)n;
	}
}

int vpc_png_write_gray(const char *path, const uint8_t *px, int w, int h)
{
	struct png_sink s = { .fd = -1 };
	int ret = VACCEL_OK;

	s.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (s.fd < 0) {
		ret = errno;
		vaccel_error("cannot create %s: %s", path, strerror(ret));
		return ret;
	}
	if (!stbi_write_png_to_func(png_write_cb, &s, w, h, 1, px, w) ||
	    s.failed) {
		vaccel_error("cannot write PNG %s", path);
		ret = VACCEL_EIO;
	}
	if (close(s.fd) && !ret)
		ret = VACCEL_EIO;
	if (ret)
		unlink(path);
	return ret;
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
		const struct vpc_geom *g, const char *png_path,
		struct vpc_result *r)
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
	if (png_path)
		ret = vpc_lines_addf(&r->name, "png %s", png_path);
	if (!ret)
		ret = d->decoder == VPC_DEC_MASK
			      ? mask(d, map, g, px, r)
			      : depth(d, map, min, max, mean, g, px, r);
	if (!ret && png_path)
		ret = vpc_png_write_gray(png_path, px, g->src_w, g->src_h);
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
		    size_t nr_outs, const struct vpc_geom *g,
		    const char *png_path, struct vpc_result *r)
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
		ret = maps(d, outs, g, png_path, r);
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
}
