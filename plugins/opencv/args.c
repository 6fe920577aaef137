// SPDX-License-Identifier: Apache-2.0
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int vbad(struct vcv_args *a, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	vaccel_error(VCV_TAG "%s: %s", a->fn, msg);
	return a->ret = VACCEL_EINVAL;
}

int vcv_bad(struct vcv_args *a, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vbad(a, fmt, ap);
	va_end(ap);
	return ret;
}

int vcv_need(struct vcv_args *a, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (a->ret || ok)
		return a->ret;
	va_start(ap, fmt);
	vbad(a, fmt, ap);
	va_end(ap);
	return a->ret;
}

/* The next arg (read or write) or NULL after logging that it is missing. */
static struct vaccel_arg *next(struct vcv_args *a, bool write, const char *what)
{
	int *i = write ? &a->wi : &a->ri;
	int n = write ? a->nr_wr : a->nr_rd;

	if (a->ret)
		return NULL;
	if (*i >= n) {
		vcv_bad(a, "%s arg %d (%s) is missing",
			write ? "write" : "read", *i, what);
		return NULL;
	}
	return write ? &a->wr[(*i)++] : &a->rd[(*i)++];
}

static int scalar(struct vcv_args *a, const char *what, void *v, size_t size)
{
	struct vaccel_arg *g = next(a, false, what);

	if (!g)
		return a->ret;
	if (!g->buf || g->size != size)
		return vcv_bad(a, "read arg %d (%s) must be %zu bytes, not %zu",
			       a->ri - 1, what, size, g->size);
	memcpy(v, g->buf, size);
	return VACCEL_OK;
}

int vcv_int(struct vcv_args *a, const char *what, int32_t *v)
{
	return scalar(a, what, v, sizeof(*v));
}

int vcv_float(struct vcv_args *a, const char *what, float *v)
{
	return scalar(a, what, v, sizeof(*v));
}

/* An aligned copy of a misaligned buffer (kept in a->tmp). */
static int align(struct vcv_args *a, bool write, void **p, size_t bytes)
{
	void *t;

	if (a->ntmp >= VCV_MAX_TMP)
		return vcv_bad(a, "too many unaligned buffers");
	t = malloc(bytes);
	if (!t)
		return a->ret = VACCEL_ENOMEM;
	memcpy(t, *p, bytes);
	a->tmp[a->ntmp] = t;
	a->back[a->ntmp] = write ? *p : NULL;
	a->back_len[a->ntmp++] = bytes;
	*p = t;
	return VACCEL_OK;
}

int vcv_array(struct vcv_args *a, bool write, const char *what, size_t esz,
	      size_t count, size_t unit, void **p, size_t *n)
{
	struct vaccel_arg *g = next(a, write, what);
	const char *dir = write ? "write" : "read";
	int idx = (write ? a->wi : a->ri) - 1;

	if (!g)
		return a->ret;
	if (!g->buf || !g->size)
		return vcv_bad(a, "%s arg %d (%s) is empty", dir, idx, what);
	if (count && g->size != count * esz)
		return vcv_bad(a, "%s arg %d (%s) holds %zu bytes, needs %zu",
			       dir, idx, what, g->size, count * esz);
	if (!count && g->size % (esz * unit))
		return vcv_bad(a,
			       "%s arg %d (%s) holds %zu bytes, not a "
			       "multiple of %zu",
			       dir, idx, what, g->size, esz * unit);
	*p = g->buf;
	*n = g->size / esz;
	return (uintptr_t)*p % esz ? align(a, write, p, g->size) : VACCEL_OK;
}

static size_t depth_size(enum vcv_depth d)
{
	return d == VCV_8U ? 1 : d == VCV_16S ? 2 : d == VCV_32F ? 4 : 8;
}

static int dims(struct vcv_args *a, const char *what, int32_t *rows,
		int32_t *cols)
{
	int ret = vcv_int(a, what, rows);

	if (!ret)
		ret = vcv_int(a, what, cols);
	if (!ret && (*rows < 1 || *cols < 1 || *rows > VCV_MAX_DIM ||
		     *cols > VCV_MAX_DIM))
		return vcv_bad(a,
			       "%s is %d x %d: rows and cols must be in "
			       "1..%d",
			       what, *rows, *cols, VCV_MAX_DIM);
	return ret;
}

int vcv_mat_in(struct vcv_args *a, const char *what, enum vcv_depth depth,
	       unsigned chans, struct vcv_mat *m)
{
	size_t esz = depth_size(depth), n, px;
	int ret = dims(a, what, &m->rows, &m->cols);

	if (!ret)
		ret = vcv_array(a, false, what, esz, 0, 1, &m->data, &n);
	if (ret)
		return ret;
	px = (size_t)m->rows * (size_t)m->cols;
	m->depth = depth;
	m->channels = n % px ? 0 : (int32_t)(n / px);
	if (m->channels < 1 || m->channels > 4 ||
	    !(chans & (1u << m->channels)))
		return vcv_bad(a,
			       "%s: %zu elements for %d x %d is not a "
			       "channel count this function takes (mask "
			       "0x%x)",
			       what, n, m->rows, m->cols, chans);
	return VACCEL_OK;
}

int vcv_mat_out(struct vcv_args *a, const char *what, int32_t rows,
		int32_t cols, int32_t channels, enum vcv_depth depth,
		struct vcv_mat *m)
{
	size_t count = (size_t)rows * (size_t)cols * (size_t)channels, n;

	*m = (struct vcv_mat){ rows, cols, channels, depth, NULL };
	return vcv_array(a, true, what, depth_size(depth), count, 1, &m->data,
			 &n);
}

bool vcv_more_out(const struct vcv_args *a)
{
	return a->wi < a->nr_wr;
}

int vcv_all_used(struct vcv_args *a)
{
	return vcv_need(a, a->ri == a->nr_rd && a->wi == a->nr_wr,
			"takes %d read and %d write args here, got %d and %d",
			a->ri, a->wi, a->nr_rd, a->nr_wr);
}

int vcv_args_end(struct vcv_args *a, int ret)
{
	for (int i = 0; i < a->ntmp; i++) {
		if (!ret && a->back[i])
			memcpy(a->back[i], a->tmp[i], a->back_len[i]);
		free(a->tmp[i]);
	}
	a->ntmp = 0;
	return ret;
}
