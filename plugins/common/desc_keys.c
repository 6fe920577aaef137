// SPDX-License-Identifier: Apache-2.0
/* The keys of a model description (format: docs/plugins/onnx.md): each
 * key's value parser. Strict: a malformed value is an error with its line
 * number, so a typo never silently changes how a model is fed. */
#include "desc_parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

static int bad(const struct vpc__line *l, const char *why)
{
	return vaccel_fail(VACCEL_EINVAL, "%s:%d: %s: %s", l->origin, l->nr,
			   l->key, why);
}

static int want_words(const struct vpc__line *l, int min, int max)
{
	if (l->nr_words < min || l->nr_words > max)
		return bad(l, min == max && min == 1
				      ? "expects one value"
				      : "wrong number of values");
	return VACCEL_OK;
}

static int parse_float(const struct vpc__line *l, const char *s, float *out)
{
	char *end;

	errno = 0;
	*out = strtof(s, &end);
	if (errno || end == s || *end || !isfinite(*out))
		return bad(l, "not a number");
	return VACCEL_OK;
}

static int parse_int(const struct vpc__line *l, const char *s, int lo, int hi,
		     int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return bad(l, "not an integer in range");
	*out = (int)v;
	return VACCEL_OK;
}

/* `words` as one value per channel: one value applies to all three. */
static int parse_triple(const struct vpc__line *l, float v[3])
{
	int ret = want_words(l, 1, 3);

	if (ret)
		return ret;
	if (l->nr_words == 2)
		return bad(l, "expects one or three values");
	for (int c = 0; c < 3; c++) {
		ret = parse_float(l, l->words[l->nr_words == 1 ? 0 : c], &v[c]);
		if (ret)
			return ret;
	}
	return VACCEL_OK;
}

/* Match words[0] against a NULL-terminated list of names. */
static int parse_enum(const struct vpc__line *l, const char *const *names,
		      int *out)
{
	int ret = want_words(l, 1, 1);

	if (ret)
		return ret;
	for (int i = 0; names[i]; i++) {
		if (!strcasecmp(l->words[0], names[i])) {
			*out = i;
			return VACCEL_OK;
		}
	}
	return bad(l, "unknown value");
}

static int dup_str(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
	return *dst ? VACCEL_OK : VACCEL_ENOMEM;
}

static int dup_list(const struct vpc__line *l, char **dst, size_t *nr,
		    size_t max)
{
	int ret = want_words(l, 1, (int)max);

	if (ret)
		return ret;
	for (size_t i = 0; i < *nr; i++) {
		free(dst[i]);
		dst[i] = NULL;
	}
	*nr = 0;
	for (int i = 0; i < l->nr_words; i++) {
		dst[i] = strdup(l->words[i]);
		if (!dst[i])
			return VACCEL_ENOMEM;
		*nr = (size_t)i + 1;
	}
	return VACCEL_OK;
}

static int k_task(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l,
				(const char *const[]){ "classify", "detect",
						       "segment", "pose",
						       "depth", NULL },
				&v);

	s->d->task = (enum vpc_task)v;
	s->has_task = true;
	return ret;
}

static int k_size(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int ret = want_words(l, 1, 1), w, h;
	char extra;

	if (ret)
		return ret;
	s->has_size = true;
	if (!strcasecmp(l->words[0], "auto")) {
		s->d->in.width = s->d->in.height = 0;
		return VACCEL_OK;
	}
	if (sscanf(l->words[0], "%dx%d%c", &w, &h, &extra) != 2 || w < 1 ||
	    h < 1 || w > VPC_DESC_MAX_SIDE || h > VPC_DESC_MAX_SIDE)
		return bad(l, "expects WIDTHxHEIGHT or auto");
	s->d->in.width = w;
	s->d->in.height = h;
	return VACCEL_OK;
}

static int k_layout(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(
		       l, (const char *const[]){ "nchw", "nhwc", NULL }, &v);

	s->d->in.layout = (enum vpc_layout)v;
	return ret;
}

static int k_dtype(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l,
				(const char *const[]){ "float32", "uint8",
						       "int32", NULL },
				&v);

	s->d->in.dtype = (enum vpc_dtype)v;
	return ret;
}

static int k_channels(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l, (const char *const[]){ "rgb", "bgr", NULL },
				&v);

	s->d->in.bgr = v == 1;
	return ret;
}

static int k_resize(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l,
				(const char *const[]){ "stretch", "letterbox",
						       "pad", "crop",
						       "fit_height", NULL },
				&v);

	s->d->in.resize = (enum vpc_resize)v;
	return ret;
}

static int k_norm(struct vpc__desc_state *s, const struct vpc__line *l)
{
	if (!strcmp(l->key, "mean")) {
		s->has_mean = true;
		return parse_triple(l, s->mean);
	}
	if (!strcmp(l->key, "std")) {
		s->has_std = true;
		return parse_triple(l, s->std);
	}
	if (!strcmp(l->key, "scale")) {
		s->has_scale = true;
		return parse_triple(l, s->scale);
	}
	s->has_offset = true;
	return parse_triple(l, s->offset);
}

static int k_decoder(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l,
				(const char *const[]){ "classes", "anchors",
						       "boxes", "keypoints",
						       "mask", "depth", NULL },
				&v);

	s->d->decoder = (enum vpc_decoder)v;
	s->has_decoder = true;
	return ret;
}

static int k_activation(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l,
				(const char *const[]){ "none", "softmax",
						       "sigmoid", NULL },
				&v);

	s->d->activation = (enum vpc_activation)v;
	return ret;
}

static int k_anchors(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int ret = want_words(l, 1, VPC_DESC_MAX_GRIDS);
	struct vpc_anchor_grid *g = s->d->grids;
	char extra;

	if (ret)
		return ret;
	for (int i = 0; i < l->nr_words; i++) {
		if (sscanf(l->words[i], "%dx%dx%d%c", &g[i].w, &g[i].h,
			   &g[i].per_cell, &extra) != 3 ||
		    g[i].w < 1 || g[i].h < 1 || g[i].per_cell < 1 ||
		    g[i].w > 1024 || g[i].h > 1024 || g[i].per_cell > 64)
			return bad(
				l,
				"expects grids as WxHxN (N anchors per cell)");
	}
	s->d->nr_grids = (size_t)l->nr_words;
	return VACCEL_OK;
}

static int k_units(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(
		       l, (const char *const[]){ "unit", "pixels", NULL }, &v);

	s->d->pixels = v == 1;
	return ret;
}

static int k_order(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int v, ret = parse_enum(l, (const char *const[]){ "yx", "xy", NULL },
				&v);

	s->d->xy = v == 1;
	return ret;
}

static int k_png_range(struct vpc__desc_state *s, const struct vpc__line *l)
{
	int ret = want_words(l, 1, 2);

	if (ret)
		return ret;
	if (l->nr_words == 1) {
		if (strcasecmp(l->words[0], "auto"))
			return bad(l, "expects auto or two numbers");
		s->d->png_auto = true;
		return VACCEL_OK;
	}
	s->d->png_auto = false;
	if ((ret = parse_float(l, l->words[0], &s->d->png_lo)) ||
	    (ret = parse_float(l, l->words[1], &s->d->png_hi)))
		return ret;
	if (!(s->d->png_hi > s->d->png_lo))
		return bad(l, "the second number must be above the first");
	return VACCEL_OK;
}

static int k_number(struct vpc__desc_state *s, const struct vpc__line *l)
{
	struct vpc_desc *d = s->d;
	int ret = want_words(l, 1, 1);
	const char *w = l->words[0];

	if (ret)
		return ret;
	if (!strcmp(l->key, "max_side"))
		return parse_int(l, w, 0, VPC_DESC_MAX_SIDE, &d->in.max_side);
	if (!strcmp(l->key, "multiple"))
		return parse_int(l, w, 1, 1024, &d->in.multiple);
	if (!strcmp(l->key, "top_k"))
		return parse_int(l, w, 1, 1000, &d->top_k);
	if (!strcmp(l->key, "max_detections"))
		return parse_int(l, w, 1, 10000, &d->max_detections);
	if (!strcmp(l->key, "channel"))
		return parse_int(l, w, 0, 4096, &d->channel);
	if (!strcmp(l->key, "pad_value"))
		return parse_float(l, w, &d->in.pad);
	if (!strcmp(l->key, "nms_iou"))
		ret = parse_float(l, w, &d->nms_iou);
	else
		ret = parse_float(l, w, &d->threshold);
	if (!ret && (d->nms_iou < 0 || d->nms_iou > 1))
		return bad(l, "expects a value in [0, 1]");
	return ret;
}

static int k_string(struct vpc__desc_state *s, const struct vpc__line *l)
{
	struct vpc_desc *d = s->d;

	if (!strcmp(l->key, "description") || !strcmp(l->key, "source"))
		return VACCEL_OK; /* documentation only */
	if (!strcmp(l->key, "name"))
		return dup_str(&d->name, l->value);
	if (want_words(l, 1, 1))
		return VACCEL_EINVAL;
	if (!strcmp(l->key, "file"))
		return dup_str(&d->file, l->words[0]);
	if (!strcmp(l->key, "input"))
		return dup_str(&d->input, l->words[0]);
	return dup_str(&d->labels_file, l->words[0]);
}

static int k_lists(struct vpc__desc_state *s, const struct vpc__line *l)
{
	struct vpc_desc *d = s->d;

	if (!strcmp(l->key, "output") || !strcmp(l->key, "outputs"))
		return dup_list(l, d->outputs, &d->nr_outputs,
				VPC_DESC_MAX_OUTPUTS);
	if (!strcmp(l->key, "scores"))
		return dup_list(l, d->scores, &d->nr_scores,
				VPC_DESC_MAX_GRIDS);
	return dup_list(l, d->boxes, &d->nr_boxes, VPC_DESC_MAX_GRIDS);
}

/* labels = a b c (inline). Labels cannot contain spaces here; use a file. */
static int k_labels(struct vpc__desc_state *s, const struct vpc__line *l)
{
	struct vpc_desc *d = s->d;

	vpc_labels_free(d->labels, d->nr_labels);
	d->labels = NULL;
	d->nr_labels = 0;
	if (l->nr_words < 1)
		return bad(l, "expects at least one label");
	d->labels = calloc((size_t)l->nr_words, sizeof(char *));
	if (!d->labels)
		return VACCEL_ENOMEM;
	for (int i = 0; i < l->nr_words; i++) {
		d->labels[i] = strdup(l->words[i]);
		if (!d->labels[i])
			return VACCEL_ENOMEM;
		d->nr_labels++;
	}
	return VACCEL_OK;
}

struct key {
	const char *name;
	int (*fn)(struct vpc__desc_state *s, const struct vpc__line *l);
};

static const struct key keys[] = {
	{ "name", k_string },
	{ "description", k_string },
	{ "source", k_string },
	{ "task", k_task },
	{ "file", k_string },
	{ "input", k_string },
	{ "size", k_size },
	{ "max_side", k_number },
	{ "multiple", k_number },
	{ "layout", k_layout },
	{ "dtype", k_dtype },
	{ "channels", k_channels },
	{ "resize", k_resize },
	{ "mean", k_norm },
	{ "std", k_norm },
	{ "scale", k_norm },
	{ "offset", k_norm },
	{ "pad_value", k_number },
	{ "labels", k_labels },
	{ "labels_file", k_string },
	{ "decoder", k_decoder },
	{ "output", k_lists },
	{ "outputs", k_lists },
	{ "scores", k_lists },
	{ "boxes", k_lists },
	{ "activation", k_activation },
	{ "top_k", k_number },
	{ "threshold", k_number },
	{ "nms_iou", k_number },
	{ "max_detections", k_number },
	{ "anchors", k_anchors },
	{ "units", k_units },
	{ "keypoint_order", k_order },
	{ "channel", k_number },
	{ "png_range", k_png_range },
};

static int split_words(struct vpc__line *l, char *value)
{
	char *save = NULL, *w;

	l->nr_words = 0;
	for (w = strtok_r(value, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		if (l->nr_words == VPC__MAX_WORDS)
			return bad(l, "too many values");
		l->words[l->nr_words++] = w;
	}
	return VACCEL_OK;
}

int vpc__desc_key(struct vpc__desc_state *s, struct vpc__line *l, char *value)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(l->key, keys[i].name)) {
			int ret = split_words(l, value);

			return ret ? ret : keys[i].fn(s, l);
		}
	}
	return bad(l, "unknown key");
}
