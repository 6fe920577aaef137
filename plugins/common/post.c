// SPDX-License-Identifier: Apache-2.0
/* Output decoders: classes, anchor and row detections, keypoints, maps. */
#include "vpc_post.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

static float sigmoid(float x)
{
	if (x < -100)
		x = -100;
	if (x > 100)
		x = 100;
	return 1.0f / (1.0f + expf(-x));
}

int vpc_top_k(const float *scores, size_t n, enum vpc_activation act, int k,
	      struct vpc_class *out, int *nr_out)
{
	float max = -INFINITY, sum = 0;
	int m = 0;

	if (!scores || !n || k < 1 || !out || !nr_out)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < n; i++)
		max = fmaxf(max, scores[i]);
	if (act == VPC_ACT_SOFTMAX)
		for (size_t i = 0; i < n; i++)
			sum += expf(scores[i] - max);
	/* insertion into a sorted list of at most k */
	for (size_t i = 0; i < n; i++) {
		float s = scores[i];
		int j;

		if (act == VPC_ACT_SOFTMAX)
			s = expf(s - max) / sum;
		else if (act == VPC_ACT_SIGMOID)
			s = sigmoid(s);
		if (m == k && !(s > out[m - 1].score))
			continue;
		j = m < k ? m++ : k - 1;
		while (j > 0 && out[j - 1].score < s) {
			out[j] = out[j - 1];
			j--;
		}
		out[j].index = (int)i;
		out[j].score = s;
	}
	*nr_out = m;
	return VACCEL_OK;
}

float vpc_iou(const struct vpc_det *a, const struct vpc_det *b)
{
	float iw = fminf(a->x2, b->x2) - fmaxf(a->x1, b->x1);
	float ih = fminf(a->y2, b->y2) - fmaxf(a->y1, b->y1);
	float inter, uni;

	if (iw <= 0 || ih <= 0)
		return 0;
	inter = iw * ih;
	uni = (a->x2 - a->x1) * (a->y2 - a->y1) +
	      (b->x2 - b->x1) * (b->y2 - b->y1) - inter;
	return uni > 0 ? inter / uni : 0;
}

static int by_score_desc(const void *pa, const void *pb)
{
	const struct vpc_det *a = pa, *b = pb;

	return (a->score < b->score) - (a->score > b->score);
}

void vpc_nms(struct vpc_det *dets, size_t *n, float iou, bool weighted,
	     bool per_class)
{
	size_t out = 0, cnt = *n;
	bool *used;

	if (cnt < 2)
		return;
	qsort(dets, cnt, sizeof(*dets), by_score_desc);
	if (iou <= 0)
		return;
	used = calloc(cnt, sizeof(bool));
	if (!used)
		return; /* keep everything rather than fail the op */
	for (size_t i = 0; i < cnt; i++) {
		struct vpc_det top = dets[i], acc = { 0 };
		float wsum = 0;

		if (used[i])
			continue;
		for (size_t j = i; j < cnt; j++) {
			if (used[j] || (per_class && dets[j].cls != top.cls) ||
			    (j != i && vpc_iou(&top, &dets[j]) <= iou))
				continue;
			used[j] = true;
			acc.x1 += dets[j].x1 * dets[j].score;
			acc.y1 += dets[j].y1 * dets[j].score;
			acc.x2 += dets[j].x2 * dets[j].score;
			acc.y2 += dets[j].y2 * dets[j].score;
			wsum += dets[j].score;
		}
		if (weighted && wsum > 0) {
			top.x1 = acc.x1 / wsum;
			top.y1 = acc.y1 / wsum;
			top.x2 = acc.x2 / wsum;
			top.y2 = acc.y2 / wsum;
		}
		dets[out++] = top;
	}
	free(used);
	*n = out;
}

/* Tensor-pixel box -> source pixels, clamped to the image. */
static void box_to_src(const struct vpc_geom *g, struct vpc_det *b)
{
	vpc_geom_to_src(g, b->x1, b->y1, &b->x1, &b->y1);
	vpc_geom_to_src(g, b->x2, b->y2, &b->x2, &b->y2);
	b->x1 = fminf(fmaxf(b->x1, 0), (float)g->src_w);
	b->x2 = fminf(fmaxf(b->x2, 0), (float)g->src_w);
	b->y1 = fminf(fmaxf(b->y1, 0), (float)g->src_h);
	b->y2 = fminf(fmaxf(b->y2, 0), (float)g->src_h);
}

static int grow(struct vpc_det **v, size_t *cap, size_t n)
{
	struct vpc_det *nv;

	if (n < *cap)
		return VACCEL_OK;
	*cap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, *cap * sizeof(**v));
	if (!nv)
		return VACCEL_ENOMEM;
	*v = nv;
	return VACCEL_OK;
}

/* Candidates of one anchor grid above the threshold, in tensor pixels. */
static int anchor_grid(const struct vpc_desc *d,
		       const struct vpc_anchor_grid *gr,
		       const struct vpc_fmap *sc, const struct vpc_fmap *bx,
		       const struct vpc_geom *g, struct vpc_det **v,
		       size_t *cap, size_t *n)
{
	size_t anchors = (size_t)gr->w * gr->h * gr->per_cell, stride;
	float ux = d->pixels ? 1.0f : (float)g->in_w;
	float uy = d->pixels ? 1.0f : (float)g->in_h;

	if (sc->count != anchors || bx->count % anchors ||
	    bx->count / anchors < 4) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"%s: outputs of %zu scores / %zu box values do not "
			"fit a %dx%dx%d anchor grid",
			d->name, sc->count, bx->count, gr->w, gr->h,
			gr->per_cell);
	}
	stride = bx->count / anchors;
	for (size_t a = 0; a < anchors; a++) {
		size_t cell = a / gr->per_cell;
		float s = d->activation == VPC_ACT_NONE ? sc->data[a]
							: sigmoid(sc->data[a]);
		const float *b = bx->data + a * stride;
		float cx, cy;

		if (!(s >= d->threshold))
			continue;
		if (grow(v, cap, *n))
			return VACCEL_ENOMEM;
		cx = ((float)(cell % gr->w) + 0.5f) * g->in_w / gr->w +
		     b[0] * ux;
		cy = ((float)(cell / gr->w) + 0.5f) * g->in_h / gr->h +
		     b[1] * uy;
		(*v)[*n] = (struct vpc_det){ .x1 = cx - b[2] * ux / 2,
					     .y1 = cy - b[3] * uy / 2,
					     .x2 = cx + b[2] * ux / 2,
					     .y2 = cy + b[3] * uy / 2,
					     .score = s,
					     .cls = 0 };
		(*n)++;
	}
	return VACCEL_OK;
}

int vpc_decode_anchors(const struct vpc_desc *d, const struct vpc_fmap *scores,
		       const struct vpc_fmap *boxes, const struct vpc_geom *g,
		       struct vpc_det **dets, size_t *nr_dets)
{
	struct vpc_det *v = NULL;
	size_t cap = 0, n = 0;

	for (size_t i = 0; i < d->nr_grids; i++) {
		int ret = anchor_grid(d, &d->grids[i], &scores[i], &boxes[i], g,
				      &v, &cap, &n);

		if (ret) {
			free(v);
			return ret;
		}
	}
	vpc_nms(v, &n, d->nms_iou, true, false);
	if (n > (size_t)d->max_detections)
		n = (size_t)d->max_detections;
	for (size_t i = 0; i < n; i++)
		box_to_src(g, &v[i]);
	*dets = v;
	*nr_dets = n;
	return VACCEL_OK;
}

int vpc_decode_boxes(const struct vpc_desc *d, const struct vpc_fmap *rows,
		     const struct vpc_geom *g, struct vpc_det **dets,
		     size_t *nr_dets)
{
	float ux = d->pixels ? 1.0f : (float)g->in_w;
	float uy = d->pixels ? 1.0f : (float)g->in_h;
	struct vpc_det *v = NULL;
	size_t cap = 0, n = 0;

	if (rows->count % 6) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"%s: %zu values are not rows of [x1 y1 x2 y2 score "
			"class]",
			d->name, rows->count);
	}
	for (size_t i = 0; i < rows->count / 6; i++) {
		const float *r = rows->data + i * 6;

		if (!(r[4] >= d->threshold) || !isfinite(r[5]) || r[5] < 0)
			continue;
		if (grow(&v, &cap, n)) {
			free(v);
			return VACCEL_ENOMEM;
		}
		v[n++] = (struct vpc_det){ .x1 = r[0] * ux,
					   .y1 = r[1] * uy,
					   .x2 = r[2] * ux,
					   .y2 = r[3] * uy,
					   .score = r[4],
					   .cls = (int)r[5] };
	}
	vpc_nms(v, &n, d->nms_iou, false, true);
	if (n > (size_t)d->max_detections)
		n = (size_t)d->max_detections;
	for (size_t i = 0; i < n; i++)
		box_to_src(g, &v[i]);
	*dets = v;
	*nr_dets = n;
	return VACCEL_OK;
}

int vpc_decode_keypoints(const struct vpc_desc *d, const struct vpc_fmap *rows,
			 const struct vpc_geom *g, struct vpc_keypoint **kps,
			 size_t *nr_kps)
{
	float ux = d->pixels ? 1.0f : (float)g->in_w;
	float uy = d->pixels ? 1.0f : (float)g->in_h;
	size_t n = rows->count / 3;
	struct vpc_keypoint *v;

	if (!n || rows->count % 3) {
		return vaccel_fail(VACCEL_EINVAL,
				   "%s: %zu values are not keypoint rows of 3",
				   d->name, rows->count);
	}
	v = malloc(n * sizeof(*v));
	if (!v)
		return VACCEL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const float *r = rows->data + i * 3;
		float tx = (d->xy ? r[0] : r[1]) * ux;
		float ty = (d->xy ? r[1] : r[0]) * uy;

		/* a keypoint guessed in padding still lands on the image */
		vpc_geom_to_src(g, tx, ty, &v[i].x, &v[i].y);
		v[i].x = fminf(fmaxf(v[i].x, 0), (float)g->src_w);
		v[i].y = fminf(fmaxf(v[i].y, 0), (float)g->src_h);
		v[i].score = r[2];
	}
	*kps = v;
	*nr_kps = n;
	return VACCEL_OK;
}

/* The 2-d plane of channel `ch` of a map: its size and element step. */
static int map_plane(const struct vpc_desc *d, const struct vpc_fmap *m,
		     const float **base, int *mw, int *mh, size_t *step)
{
	const int64_t *dm = m->dims;
	int64_t c = 1, h, w;

	if (m->nr_dims == 2) {
		h = dm[0];
		w = dm[1];
	} else if (m->nr_dims == 3) {
		h = dm[1];
		w = dm[2];
	} else if (m->nr_dims == 4 && d->in.layout == VPC_LAYOUT_NCHW) {
		c = dm[1];
		h = dm[2];
		w = dm[3];
	} else if (m->nr_dims == 4) {
		h = dm[1];
		w = dm[2];
		c = dm[3];
	} else {
		/* (not vaccel_fail(): the compiler must see the error) */
		vaccel_error("%s: a map output needs 2 to 4 dimensions",
			     d->name);
		return VACCEL_EINVAL;
	}
	if (h < 1 || w < 1 || c < 1 || h > 65536 || w > 65536 ||
	    (size_t)(h * w * c) > m->count || d->channel >= c) {
		vaccel_error(
			"%s: map output of %ld x %ld x %ld has no channel %d",
			d->name, (long)w, (long)h, (long)c, d->channel);
		return VACCEL_EINVAL;
	}
	*mw = (int)w;
	*mh = (int)h;
	if (m->nr_dims == 4 && d->in.layout == VPC_LAYOUT_NHWC) {
		*base = m->data + d->channel;
		*step = (size_t)c;
	} else {
		*base = m->data + (size_t)d->channel * h * w;
		*step = 1;
	}
	return VACCEL_OK;
}

static float sample(const float *p, int mw, int mh, size_t step, float x,
		    float y)
{
	int x0, y0, x1, y1;
	float fx, fy, a, b;

	x = fminf(fmaxf(x, 0), (float)(mw - 1));
	y = fminf(fmaxf(y, 0), (float)(mh - 1));
	x0 = (int)x;
	y0 = (int)y;
	x1 = x0 + 1 < mw ? x0 + 1 : x0;
	y1 = y0 + 1 < mh ? y0 + 1 : y0;
	fx = x - x0;
	fy = y - y0;
	a = p[((size_t)y0 * mw + x0) * step] * (1 - fx) +
	    p[((size_t)y0 * mw + x1) * step] * fx;
	b = p[((size_t)y1 * mw + x0) * step] * (1 - fx) +
	    p[((size_t)y1 * mw + x1) * step] * fx;
	return a * (1 - fy) + b * fy;
}

static void map_stats(const float *p, int mw, int mh, size_t step,
		      const struct vpc_geom *g, float *min, float *max,
		      float *mean)
{
	float rx = (float)mw / g->in_w, ry = (float)mh / g->in_h;
	int x0 = (int)floorf(g->cx * rx), y0 = (int)floorf(g->cy * ry);
	int x1 = (int)ceilf((g->cx + g->cw) * rx);
	int y1 = (int)ceilf((g->cy + g->ch) * ry);
	double sum = 0;
	float lo = INFINITY, hi = -INFINITY;
	size_t n = 0;

	x1 = x1 > mw ? mw : x1;
	y1 = y1 > mh ? mh : y1;
	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++) {
			float v = p[((size_t)y * mw + x) * step];

			lo = fminf(lo, v);
			hi = fmaxf(hi, v);
			sum += v;
			n++;
		}
	}
	if (min)
		*min = n ? lo : 0;
	if (max)
		*max = n ? hi : 0;
	if (mean)
		*mean = n ? (float)(sum / n) : 0;
}

int vpc_map_to_source(const struct vpc_desc *d, const struct vpc_fmap *m,
		      const struct vpc_geom *g, float **out, float *min,
		      float *max, float *mean)
{
	const float *p;
	int mw, mh, ret;
	size_t step;
	float rx, ry, *v;

	ret = map_plane(d, m, &p, &mw, &mh, &step);
	if (ret)
		return ret;
	v = malloc((size_t)g->src_w * g->src_h * sizeof(float));
	if (!v)
		return VACCEL_ENOMEM;
	rx = (float)mw / g->in_w;
	ry = (float)mh / g->in_h;
	for (int y = 0; y < g->src_h; y++) {
		float ty = (y + 0.5f) * g->sy + g->oy;
		bool yin = ty >= g->cy && ty <= g->cy + g->ch;

		for (int x = 0; x < g->src_w; x++) {
			float tx = (x + 0.5f) * g->sx + g->ox;
			bool in = yin && tx >= g->cx && tx <= g->cx + g->cw;

			v[(size_t)y * g->src_w + x] =
				in ? sample(p, mw, mh, step, tx * rx - 0.5f,
					    ty * ry - 0.5f)
				   : 0;
		}
	}
	map_stats(p, mw, mh, step, g, min, max, mean);
	*out = v;
	return VACCEL_OK;
}
