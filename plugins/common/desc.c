// SPDX-License-Identifier: Apache-2.0
/* The model-description parser (format: docs/plugins/onnx.md): lines,
 * comments, defaults and the checks of the whole; each key's value is
 * desc_keys.c's. Strict: an unknown key is an error with its line number. */
#include "desc_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

#define MAX_LINE 4096

static const char *const task_names[VPC_TASK_MAX] = {
	"classify", "detect", "segment", "pose", "depth",
};

const char *vpc_task_name(enum vpc_task t)
{
	return (unsigned)t < VPC_TASK_MAX ? task_names[t] : NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cut a comment: '#' at the start or after a blank. */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int parse_line(struct vpc__desc_state *s, struct vpc__line *l,
		      char *text)
{
	char *eq, *key, *value;
	char copy[MAX_LINE];

	cut_comment(text);
	text = trim(text);
	if (!*text)
		return VACCEL_OK;
	eq = strchr(text, '=');
	if (!eq) {
		return vaccel_fail(VACCEL_EINVAL,
				   "%s:%d: expected `key = value`", l->origin,
				   l->nr);
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	l->key = key;
	snprintf(copy, sizeof(copy), "%s", value);
	l->value = copy;
	return vpc__desc_key(s, l, value);
}

static void set_defaults(struct vpc__desc_state *s)
{
	struct vpc_desc *d = s->d;

	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	s->d = d;
	d->in.layout = VPC_LAYOUT_NCHW;
	d->in.dtype = VPC_DTYPE_F32;
	d->in.resize = VPC_RESIZE_STRETCH;
	d->in.multiple = 1;
	for (int c = 0; c < 3; c++) {
		s->mean[c] = 0;
		s->std[c] = 1.0f / 255.0f;
		s->scale[c] = 1;
		s->offset[c] = 0;
	}
	d->top_k = 5;
	d->threshold = 0.5f;
	d->max_detections = 100;
	d->pixels = true;
	d->png_auto = true;
}

static const enum vpc_decoder task_decoder[VPC_TASK_MAX] = {
	VPC_DEC_CLASSES,   VPC_DEC_BOXES, VPC_DEC_MASK,
	VPC_DEC_KEYPOINTS, VPC_DEC_DEPTH,
};

static bool decoder_fits(enum vpc_task t, enum vpc_decoder dec)
{
	if (t == VPC_TASK_DETECT)
		return dec == VPC_DEC_BOXES || dec == VPC_DEC_ANCHORS;
	return dec == task_decoder[t];
}

/* Cross-key checks and the final normalisation. */
static int finish(struct vpc__desc_state *s, const char *origin)
{
	struct vpc_desc *d = s->d;

	if (!s->has_task || !d->file) {
		return vaccel_fail(VACCEL_EINVAL,
				   "%s: `task` and `file` are required",
				   origin);
	}
	if (!s->has_decoder)
		d->decoder = task_decoder[d->task];
	if (!decoder_fits(d->task, d->decoder)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "%s: decoder does not produce a %s result",
				   origin, vpc_task_name(d->task));
	}
	if ((s->has_mean || s->has_std) && (s->has_scale || s->has_offset)) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"%s: give mean/std or scale/offset, not both", origin);
	}
	for (int c = 0; c < 3; c++) {
		if (s->has_mean || s->has_std) {
			if (s->std[c] == 0) {
				return vaccel_fail(VACCEL_EINVAL,
						   "%s: std must not be 0",
						   origin);
			}
			d->in.scale[c] = 1.0f / (255.0f * s->std[c]);
			d->in.offset[c] = -s->mean[c] / s->std[c];
		} else {
			d->in.scale[c] = s->scale[c];
			d->in.offset[c] = s->offset[c];
		}
	}
	if (d->decoder == VPC_DEC_ANCHORS) {
		if (!d->nr_grids || !s->has_size || d->in.width <= 0 ||
		    (d->nr_scores && d->nr_scores != d->nr_grids) ||
		    (d->nr_boxes && d->nr_boxes != d->nr_grids)) {
			return vaccel_fail(
				VACCEL_EINVAL,
				"%s: the anchors decoder needs a fixed size, "
				"`anchors`, and one `scores`/`boxes` "
				"output per grid",
				origin);
		}
	}
	if (!d->name) {
		const char *b = strrchr(d->file, '/');

		d->name = strdup(b ? b + 1 : d->file);
		if (!d->name)
			return VACCEL_ENOMEM;
	}
	return VACCEL_OK;
}

int vpc_desc_parse(const char *text, size_t len, const char *origin,
		   struct vpc_desc *d)
{
	struct vpc__desc_state s = { .d = d };
	struct vpc__line l = { .origin = origin ? origin : "(description)" };
	size_t pos = 0;
	int ret = VACCEL_OK;

	if (!text || !d)
		return VACCEL_EINVAL;
	set_defaults(&s);
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char buf[MAX_LINE];

		l.nr++;
		if (n >= sizeof(buf)) {
			vaccel_error("%s:%d: line too long", l.origin, l.nr);
			ret = VACCEL_EINVAL;
			break;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if (memchr(buf, '\0', n)) {
			vaccel_error("%s:%d: NUL byte", l.origin, l.nr);
			ret = VACCEL_EINVAL;
			break;
		}
		ret = parse_line(&s, &l, buf);
		pos += n + 1;
	}
	if (!ret)
		ret = finish(&s, l.origin);
	if (ret)
		vpc_desc_release(d);
	return ret;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

void vpc_desc_release(struct vpc_desc *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->file);
	free(d->input);
	free(d->labels_file);
	vpc_labels_free(d->labels, d->nr_labels);
	free_list(d->outputs, VPC_DESC_MAX_OUTPUTS);
	free_list(d->scores, VPC_DESC_MAX_GRIDS);
	free_list(d->boxes, VPC_DESC_MAX_GRIDS);
	memset(d, 0, sizeof(*d));
}
