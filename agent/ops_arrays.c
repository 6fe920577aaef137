// SPDX-License-Identifier: Apache-2.0
/* blas sgemm, fpga and minmax: arrays of floats, every extent checked
 * against the request's bytes. */
/* fpga, minmax and torch_sgemm are deprecated upstream, not here */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "ops_int.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Bytes a row-major rows x cols float matrix with leading dimension ld
 * spans (element (i, j) at i * ld + j: what any reader of it touches, even
 * with ld < cols, which backends refuse), or -1 if the numbers describe no
 * memory. */
static int64_t extent(int64_t rows, int64_t cols, int64_t ld)
{
	if (rows <= 0 || cols <= 0)
		return 0;
	if (ld < 0 || (ld && rows - 1 > (INT64_MAX / 8 - cols) / ld))
		return -1;
	return ((rows - 1) * ld + cols) * (int64_t)sizeof(float);
}

void op_sgemm(struct req *r)
{
	struct vrpc_sgemm *g = &r->msg.u.sgemm;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	int64_t ea = extent(g->m, g->k, g->lda),
		eb = extent(g->k, g->n, g->ldb),
		ec = extent(g->m, g->n, g->ldc);
	/* the backend may read every byte the numbers describe: they must
	 * all be here (negative m, n, k go on: the core refuses them) */
	if (ea < 0 || eb < 0 || ec < 0 || (uint64_t)ea != g->a.len ||
	    (uint64_t)eb != g->b.len || (uint64_t)ec != g->c.len) {
		reply_err(r, VRPC_E_INVAL, "sgemm matrices of the wrong size");
		return;
	}
	/* an empty matrix (m, n or k 0) came as no bytes: the backend gets
	 * an address, as from a local caller, not NULL */
	float none[1];
	float *a = g->a.len ? g->a.data : none,
	      *b = g->b.len ? g->b.data : none,
	      *c = g->c.len ? g->c.data : none;
	int ret = vaccel_sgemm(s, g->m, g->n, g->k, g->alpha, a, g->lda, b,
			       g->ldb, g->beta, c, g->ldc);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.sgemm.c = out_buf(&g->c, g->c.data, g->c.len);
}

/* Memory for a pure output whose size was checked. */
static bool none_out(struct req *r, struct vrpc_buf *b)
{
	if (b->kind != VRPC_BUF_NONE || !b->len)
		return true;
	return (b->data = req_alloc(r, b->len)) != NULL;
}

void op_arrays(struct req *r, unsigned op)
{
	struct vrpc_arrays *a = &r->msg.u.arrays;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	uint64_t n = a->a.len, esz = op == VACCEL_OP_MINMAX ? 8 : 4;
	bool ok = n % esz == 0;
	if (op == VACCEL_OP_MINMAX)
		ok = a->ndata >= 0 && n == (uint64_t)a->ndata * 8;
	if (op == VACCEL_OP_FPGA_MMULT || op == VACCEL_OP_FPGA_PARALLEL)
		ok = ok && a->b.len == n;
	if (op == VACCEL_OP_FPGA_VECTORADD)
		ok = ok && a->b.len % 4 == 0;
	ok = ok && a->out1.len == n &&
	     (op != VACCEL_OP_FPGA_PARALLEL || a->out2.len == n);
	if (!ok) {
		reply_err(r, VRPC_E_INVAL, "array sizes do not match");
		return;
	}
	/* pure outputs (NONE) get zeroed memory now that their size is known
	 * to match the inputs; in shared memory they are the client's own
	 * bytes, left as they are */
	if (!none_out(r, &a->out1) ||
	    (op == VACCEL_OP_FPGA_PARALLEL && !none_out(r, &a->out2)))
		return;
	size_t len = (size_t)(n / esz);
	int ret;
	switch (op) {
	case VACCEL_OP_FPGA_ARRAYCOPY:
		ret = vaccel_fpga_arraycopy(s, a->a.data, a->out1.data, len);
		break;
	case VACCEL_OP_FPGA_MMULT:
		ret = vaccel_fpga_mmult(s, a->a.data, a->b.data, a->out1.data,
					len);
		break;
	case VACCEL_OP_FPGA_PARALLEL:
		ret = vaccel_fpga_parallel(s, a->a.data, a->b.data,
					   a->out1.data, a->out2.data, len);
		break;
	case VACCEL_OP_FPGA_VECTORADD:
		ret = vaccel_fpga_vadd(s, a->a.data, a->b.data, a->out1.data,
				       len, (size_t)(a->b.len / 4));
		break;
	default:
		ret = vaccel_minmax(s, a->a.data, a->ndata, a->low, a->high,
				    a->out1.data, &r->rep.u.arrays.min,
				    &r->rep.u.arrays.max);
	}
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.arrays.out1 = out_buf(&a->out1, a->out1.data, n);
	if (op == VACCEL_OP_FPGA_PARALLEL)
		r->rep.u.arrays.out2 = out_buf(&a->out2, a->out2.data, n);
}
