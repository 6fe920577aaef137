// SPDX-License-Identifier: Apache-2.0
/* Every op, forwarded (docs/protocol.md §5.4): the request carries what
 * the op reads (write args too: they are in-out), the reply what it wrote,
 * straight into the application's buffers. */

#include "rpc.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int rpc_op_begin(struct rpc_ctx *x, struct vaccel_session *sess,
		 vaccel_op_type_t op)
{
	int ret = rpc_begin(x, (uint16_t)(VRPC_T_OP + op), rpc_sess_gen(sess));
	if (ret == VACCEL_ESESS) {
		struct rpc_sess *s = sess->priv;
		if (s && !s->lost_logged) {
			s->lost_logged = true;
			rpc_err("session %" PRId64 " was lost with its "
				"connection to the agent: release it and make "
				"a new one",
				sess->id);
		}
	}
	x->req.session = (uint64_t)sess->remote_id;
	return ret;
}

/* rpc_finish + the op's status, then rpc_end. */
int rpc_op_end(struct rpc_ctx *x, int ret)
{
	if (!ret)
		ret = rpc_finish(x);
	if (!ret)
		ret = rpc_status(x);
	rpc_end(x);
	return ret;
}

int fwd_noop(struct vaccel_session *sess)
{
	struct rpc_ctx x;
	int ret = rpc_op_begin(&x, sess, VACCEL_OP_NOOP);
	if (!ret)
		ret = rpc_call(&x);
	return rpc_op_end(&x, ret);
}

/* ---- exec, exec_with_resource, opencv ------------------------------------ */

/* The wire form of `n` args: in `small` (ARGS_SMALL slots) if they fit,
 * else allocated (NULL: no memory). */
#define ARGS_SMALL 4

static struct vrpc_arg *wire_args(const struct vaccel_arg *a, size_t n,
				  struct vrpc_arg *small)
{
	struct vrpc_arg *w = n <= ARGS_SMALL ? small : calloc(n, sizeof(*w));
	for (size_t i = 0; w && i < n; i++)
		w[i] = (struct vrpc_arg){ (uint32_t)a[i].type,
					  a[i].custom_type_id,
					  rpc_in(a[i].buf, a[i].size) };
	return w;
}

static int exec_common(struct vaccel_session *sess, vaccel_op_type_t op,
		       const char *library, struct vaccel_resource *res,
		       const char *symbol, struct vaccel_arg *read,
		       size_t nr_read, struct vaccel_arg *write,
		       size_t nr_write)
{
	struct rpc_ctx x;
	struct vrpc_arg rd_small[ARGS_SMALL], wr_small[ARGS_SMALL];
	struct vrpc_arg *rd = wire_args(read, nr_read, rd_small);
	struct vrpc_arg *wr = wire_args(write, nr_write, wr_small);
	int ret = rd && wr ? rpc_op_begin(&x, sess, op) : VACCEL_ENOMEM;
	if (!ret) {
		x.req.u.exec = (struct vrpc_exec){ (char *)library,
						   (char *)symbol,
						   rd,
						   (uint32_t)nr_read,
						   wr,
						   (uint32_t)nr_write };
		x.req.resource = res ? (uint64_t)res->remote_id : 0;
		ret = rpc_call(&x);
	}
	if (!ret && !x.rep.status) {
		struct vrpc_bufs *b = &x.rep.u.bufs;
		if (b->nr != nr_write)
			ret = VACCEL_EIO;
		for (uint32_t i = 0; !ret && i < b->nr; i++)
			ret = rpc_out(&x, &b->bufs[i], &wr[i].data,
				      write[i].buf, write[i].size);
	}
	ret = rd && wr ? rpc_op_end(&x, ret) : ret;
	if (rd != rd_small)
		free(rd);
	if (wr != wr_small)
		free(wr);
	return ret;
}

int fwd_exec(struct vaccel_session *sess, const char *library,
	     const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
	     struct vaccel_arg *write, size_t nr_write)
{
	return exec_common(sess, VACCEL_OP_EXEC, library, NULL, fn_symbol, read,
			   nr_read, write, nr_write);
}

int fwd_exec_with_resource(struct vaccel_session *sess,
			   struct vaccel_resource *res, const char *fn_symbol,
			   struct vaccel_arg *read, size_t nr_read,
			   struct vaccel_arg *write, size_t nr_write)
{
	return exec_common(sess, VACCEL_OP_EXEC_WITH_RESOURCE, NULL, res,
			   fn_symbol, read, nr_read, write, nr_write);
}

int fwd_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
	       int nr_read, struct vaccel_arg *write, int nr_write)
{
	return exec_common(sess, VACCEL_OP_OPENCV, NULL, NULL, NULL, read,
			   (size_t)nr_read, write, (size_t)nr_write);
}

/* ---- image ops ------------------------------------------------------------
 */

static int image_op(struct vaccel_session *sess, vaccel_op_type_t op,
		    const void *img, unsigned char *out_text,
		    unsigned char *out_imgname, size_t len_img,
		    size_t len_out_text, size_t len_out_imgname)
{
	struct rpc_ctx x;
	int ret = rpc_op_begin(&x, sess, op);
	if (!ret) {
		x.req.u.image.image = rpc_in(img, len_img);
		x.req.u.image.len_text = out_text ? len_out_text : 0;
		x.req.u.image.len_name = out_imgname ? len_out_imgname : 0;
		ret = rpc_call(&x);
	}
	if (!ret && !x.rep.status) {
		struct vrpc_image *r = &x.rep.u.image;
		if (op == VACCEL_OP_IMAGE_CLASSIFY)
			ret = rpc_out(&x, &r->text, NULL, out_text,
				      out_text ? len_out_text : 0);
		if (!ret)
			ret = rpc_out(&x, &r->name, NULL, out_imgname,
				      out_imgname ? len_out_imgname : 0);
	}
	return rpc_op_end(&x, ret);
}

int fwd_image_classify(struct vaccel_session *sess, const void *img,
		       unsigned char *out_text, unsigned char *out_imgname,
		       size_t len_img, size_t len_out_text,
		       size_t len_out_imgname)
{
	return image_op(sess, VACCEL_OP_IMAGE_CLASSIFY, img, out_text,
			out_imgname, len_img, len_out_text, len_out_imgname);
}

/* The forwarding function of every op of shape IMAGE (one signature). */
#define FWD_IMAGE(OP, name)                                                   \
	int fwd_##name(struct vaccel_session *sess, const void *img,          \
		       unsigned char *out_imgname, size_t len_img,            \
		       size_t len_out_imgname)                                \
	{                                                                     \
		return image_op(sess, VACCEL_OP_##OP, img, NULL, out_imgname, \
				len_img, 0, len_out_imgname);                 \
	}

/* ---- model load/unload ----------------------------------------------------
 */

void rpc_tf_status(struct rpc_ctx *x, struct vaccel_tf_status *status)
{
	status->code = x->rep.u.model.code;
	status->message = x->rep.u.model.status_msg
				  ? strdup(x->rep.u.model.status_msg)
				  : NULL;
}

static int model_op(struct vaccel_session *sess, vaccel_op_type_t op,
		    const struct vaccel_resource *model,
		    struct vaccel_tf_status *status)
{
	struct rpc_ctx x;
	int ret = rpc_op_begin(&x, sess, op);
	if (!ret) {
		x.req.resource = (uint64_t)model->remote_id;
		ret = rpc_call(&x);
	}
	if (!ret && status)
		rpc_tf_status(&x, status);
	return rpc_op_end(&x, ret);
}

int fwd_tf_model_load(struct vaccel_session *sess, struct vaccel_resource *m,
		      struct vaccel_tf_status *status)
{
	return model_op(sess, VACCEL_OP_TF_MODEL_LOAD, m, status);
}

int fwd_tf_model_unload(struct vaccel_session *sess, struct vaccel_resource *m,
			struct vaccel_tf_status *status)
{
	return model_op(sess, VACCEL_OP_TF_MODEL_UNLOAD, m, status);
}

/* ... and of every op of shape MODEL. */
#define FWD_MODEL(OP, name)                                                    \
	int fwd_##name(struct vaccel_session *sess, struct vaccel_resource *m) \
	{                                                                      \
		return model_op(sess, VACCEL_OP_##OP, m, NULL);                \
	}
#define FWD_SHAPE(number, OP, name, family, shape, api) \
	FWD_SHAPE_##shape(OP, name)
#define FWD_SHAPE_IMAGE(OP, name) FWD_IMAGE(OP, name)
#define FWD_SHAPE_MODEL(OP, name) FWD_MODEL(OP, name)
/* shapes of a single op: written out above or below */
#define FWD_SHAPE_NOOP(OP, name)
#define FWD_SHAPE_EXEC_LIB(OP, name)
#define FWD_SHAPE_EXEC_RES(OP, name)
#define FWD_SHAPE_EXEC_ARGS(OP, name)
#define FWD_SHAPE_IMAGE_TEXT(OP, name)
#define FWD_SHAPE_MODEL_TF(OP, name)
#define FWD_SHAPE_RUN_TF(OP, name)
#define FWD_SHAPE_RUN_TFLITE(OP, name)
#define FWD_SHAPE_RUN_TORCH(OP, name)
#define FWD_SHAPE_RUN_ONNX(OP, name)
#define FWD_SHAPE_TSGEMM(OP, name)
#define FWD_SHAPE_SGEMM(OP, name)
#define FWD_SHAPE_ARRAYCOPY(OP, name)
#define FWD_SHAPE_MMULT(OP, name)
#define FWD_SHAPE_PARALLEL(OP, name)
#define FWD_SHAPE_VECTORADD(OP, name)
#define FWD_SHAPE_MINMAX(OP, name)
VACCEL__OP_LIST(FWD_SHAPE)

/* ---- blas, fpga, minmax -------------------------------------------- */

/* Floats a row-major rows x cols matrix with leading dimension ld spans
 * (the contract of vaccel_sgemm): element (i, j) is at i * ld + j. 0 for an
 * empty matrix or numbers that describe no memory (the core or the
 * backend refuses those; the agent checks the same formula). */
static size_t extent(int64_t rows, int64_t cols, int64_t ld)
{
	if (rows <= 0 || cols <= 0 || ld < 0 ||
	    (ld && rows - 1 > (INT64_MAX / 8 - cols) / ld))
		return 0;
	return (size_t)((rows - 1) * ld + cols);
}

int fwd_blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k,
		   float alpha, float *a, int64_t lda, float *b, int64_t ldb,
		   float beta, float *c, int64_t ldc)
{
	struct rpc_ctx x;
	int ret = rpc_op_begin(&x, sess, VACCEL_OP_BLAS_SGEMM);
	struct vrpc_sgemm *g = &x.req.u.sgemm;
	size_t na = extent(m, k, lda), nb = extent(k, n, ldb),
	       nc = extent(m, n, ldc);
	*g = (struct vrpc_sgemm){ m,
				  n,
				  k,
				  lda,
				  ldb,
				  ldc,
				  alpha,
				  beta,
				  rpc_in(a, na * 4),
				  rpc_in(b, nb * 4),
				  rpc_in(c, nc * 4) };
	if (!ret)
		ret = rpc_call(&x);
	if (!ret && !x.rep.status)
		ret = rpc_out(&x, &x.rep.u.sgemm.c, &g->c, c, nc * 4);
	return rpc_op_end(&x, ret);
}

static int arrays_op(struct vaccel_session *sess, vaccel_op_type_t op,
		     struct vrpc_arrays *a, void *out1, void *out2, double *min,
		     double *max)
{
	struct rpc_ctx x;
	int ret = rpc_op_begin(&x, sess, op);
	x.req.u.arrays = *a;
	if (!ret)
		ret = rpc_call(&x);
	struct vrpc_arrays *q = &x.req.u.arrays, *r = &x.rep.u.arrays;
	if (!ret && !x.rep.status) {
		ret = rpc_out(&x, &r->out1, &q->out1, out1, q->out1.len);
		if (!ret && out2)
			ret = rpc_out(&x, &r->out2, &q->out2, out2,
				      q->out2.len);
		if (min)
			*min = r->min;
		if (max)
			*max = r->max;
	}
	return rpc_op_end(&x, ret);
}

int fwd_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
		       size_t len_a)
{
	struct vrpc_arrays w = { .a = rpc_in(a, len_a * sizeof(int)),
				 .out1 = rpc_outbuf(out_a,
						    len_a * sizeof(int)) };
	return arrays_op(sess, VACCEL_OP_FPGA_ARRAYCOPY, &w, out_a, NULL, NULL,
			 NULL);
}

int fwd_fpga_mmult(struct vaccel_session *sess, float a[], float b[], float c[],
		   size_t len_a)
{
	size_t n = len_a * sizeof(float);
	struct vrpc_arrays w = { .a = rpc_in(a, n),
				 .b = rpc_in(b, n),
				 .out1 = rpc_outbuf(c, n) };
	return arrays_op(sess, VACCEL_OP_FPGA_MMULT, &w, c, NULL, NULL, NULL);
}

int fwd_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
		      float add_output[], float mult_output[], size_t len_a)
{
	size_t n = len_a * sizeof(float);
	struct vrpc_arrays w = { .a = rpc_in(a, n),
				 .b = rpc_in(b, n),
				 .out1 = rpc_outbuf(add_output, n),
				 .out2 = rpc_outbuf(mult_output, n) };
	return arrays_op(sess, VACCEL_OP_FPGA_PARALLEL, &w, add_output,
			 mult_output, NULL, NULL);
}

int fwd_fpga_vectoradd(struct vaccel_session *sess, float a[], float b[],
		       float c[], size_t len_a, size_t len_b)
{
	struct vrpc_arrays w = { .a = rpc_in(a, len_a * sizeof(float)),
				 .b = rpc_in(b, len_b * sizeof(float)),
				 .out1 = rpc_outbuf(c, len_a * sizeof(float)) };
	return arrays_op(sess, VACCEL_OP_FPGA_VECTORADD, &w, c, NULL, NULL,
			 NULL);
}

int fwd_minmax(struct vaccel_session *sess, const double *indata, int ndata,
	       int low_threshold, int high_threshold, double *outdata,
	       double *min, double *max)
{
	size_t n = ndata > 0 ? (size_t)ndata * sizeof(double) : 0;
	struct vrpc_arrays w = { .a = rpc_in(indata, n),
				 .out1 = rpc_outbuf(outdata, n),
				 .ndata = ndata,
				 .low = low_threshold,
				 .high = high_threshold };
	return arrays_op(sess, VACCEL_OP_MINMAX, &w, outdata, NULL, min, max);
}
