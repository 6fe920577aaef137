// SPDX-License-Identifier: Apache-2.0
/* The computations of the opencl plugin: sgemm and mmult on CLBlast, the
 * element-wise ops and minmax on the plugin's own kernels. Every call makes
 * its own command queue, buffers and kernel object, so calls from several
 * threads run at the same time (OpenCL objects other than kernels are
 * thread-safe; a kernel's arguments are not). */
#include "ops.h"
#include "device.h"

#include <clblast_c.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <vaccel.h>

/* The objects of one call, released by run_close(). */
struct run {
	const struct vcl_dev *d;
	cl_command_queue q;
	cl_kernel k;
	cl_mem m[6];
	int nm;
};

static int run_open(struct run *r)
{
	cl_int err;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = vcl_device(&r->d);
	if (ret)
		return ret;
	r->q = clCreateCommandQueue(r->d->ctx, r->d->device, 0, &err);
	return r->q ? VACCEL_OK : vcl_fail("clCreateCommandQueue", err);
}

static void run_close(struct run *r)
{
	for (int i = 0; i < r->nm; i++)
		clReleaseMemObject(r->m[i]);
	if (r->k)
		clReleaseKernel(r->k);
	if (r->q)
		clReleaseCommandQueue(r->q);
}

/* A device buffer of `bytes`, filled from `host` unless it is NULL. The
 * device copies `host` during the call (the caller keeps it). */
static int run_buf(struct run *r, size_t bytes, const void *host, cl_mem *out)
{
	cl_int err;

	if (bytes > r->d->max_alloc) {
		vaccel_error(VCL_TAG
			     "a buffer of %zu bytes exceeds the largest "
			     "allocation of %s (%llu bytes)",
			     bytes, r->d->device_name,
			     (unsigned long long)r->d->max_alloc);
		return VACCEL_ENOMEM;
	}
	*out = clCreateBuffer(r->d->ctx,
			      CL_MEM_READ_WRITE |
				      (host ? CL_MEM_COPY_HOST_PTR : 0),
			      bytes ? bytes : 1, (void *)host, &err);
	if (!*out)
		return vcl_fail("clCreateBuffer", err);
	r->m[r->nm++] = *out;
	return VACCEL_OK;
}

static int run_read(struct run *r, cl_mem m, size_t bytes, void *host)
{
	cl_int err = clEnqueueReadBuffer(r->q, m, CL_TRUE, 0, bytes, host, 0,
					 NULL, NULL);

	return err ? vcl_fail("clEnqueueReadBuffer", err) : VACCEL_OK;
}

/* Run r->k on `global` work-items (`local`: 0 lets the driver choose). */
static int run_kernel(struct run *r, size_t global, size_t local)
{
	cl_int err =
		clEnqueueNDRangeKernel(r->q, r->k, 1, NULL, &global,
				       local ? &local : NULL, 0, NULL, NULL);

	return err ? vcl_fail("clEnqueueNDRangeKernel", err) : VACCEL_OK;
}

static int run_arg(struct run *r, cl_uint i, size_t size, const void *v)
{
	cl_int err = clSetKernelArg(r->k, i, size, v);

	return err ? vcl_fail("clSetKernelArg", err) : VACCEL_OK;
}

/* ---- sgemm ----------------------------------------------------------- */

/* How a rows x cols operand is stored: `outer` lines of `inner` elements,
 * lines ld apart. */
static void extent(bool col_major, bool trans, int64_t rows, int64_t cols,
		   int64_t *outer, int64_t *inner)
{
	bool by_rows = col_major == trans;

	*outer = by_rows ? rows : cols;
	*inner = by_rows ? cols : rows;
}

/* Elements spanned by a stored operand; false if ld is too small or the
 * size overflows. */
static bool span(int64_t outer, int64_t inner, int64_t ld, size_t *count)
{
	if (ld < (inner > 1 ? inner : 1))
		return false;
	if (!outer || !inner) {
		*count = 0;
		return true;
	}
	if ((uint64_t)(outer - 1) > (SIZE_MAX / sizeof(float) - inner) / ld)
		return false;
	*count = (size_t)(outer - 1) * (size_t)ld + (size_t)inner;
	return true;
}

static int gemm_check(const struct vcl_gemm *g, size_t cnt[3], int64_t c_ext[2])
{
	int64_t ao, ai, bo, bi;

	if (g->m < 0 || g->n < 0 || g->k < 0 || !g->a || !g->b || !g->c) {
		vaccel_error(VCL_TAG "sgemm: sizes must be >= 0 and matrices "
				     "not NULL (m=%lld n=%lld k=%lld)",
			     (long long)g->m, (long long)g->n, (long long)g->k);
		return VACCEL_EINVAL;
	}
	extent(g->col_major, g->trans_a, g->m, g->k, &ao, &ai);
	extent(g->col_major, g->trans_b, g->k, g->n, &bo, &bi);
	extent(g->col_major, false, g->m, g->n, &c_ext[0], &c_ext[1]);
	if (!span(ao, ai, g->lda, &cnt[0]) || !span(bo, bi, g->ldb, &cnt[1]) ||
	    !span(c_ext[0], c_ext[1], g->ldc, &cnt[2])) {
		vaccel_error(VCL_TAG "sgemm: a leading dimension is too small "
				     "or the matrices too large (%s, A %s, B "
				     "%s, m=%lld n=%lld k=%lld, lda=%lld "
				     "ldb=%lld ldc=%lld)",
			     g->col_major ? "column-major" : "row-major",
			     g->trans_a ? "transposed" : "as is",
			     g->trans_b ? "transposed" : "as is",
			     (long long)g->m, (long long)g->n, (long long)g->k,
			     (long long)g->lda, (long long)g->ldb,
			     (long long)g->ldc);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

/* k == 0: C = beta * C, on the host (there is nothing to multiply). */
static void scale_c(const struct vcl_gemm *g, const int64_t ext[2])
{
	for (int64_t o = 0; o < ext[0]; o++)
		for (int64_t i = 0; i < ext[1]; i++)
			g->c[o * g->ldc + i] =
				g->beta == 0 ? 0
					     : g->beta * g->c[o * g->ldc + i];
}

/* C's device buffer: C itself when beta != 0; zeros otherwise (BLAS does
 * not read C then, so NaNs in it must not leak into the result). */
static int c_buffer(struct run *r, const struct vcl_gemm *g, size_t count,
		    cl_mem *out)
{
	static const float zero;
	int ret = run_buf(r, count * sizeof(float), g->beta != 0 ? g->c : NULL,
			  out);
	cl_int err;

	if (ret || g->beta != 0)
		return ret;
	err = clEnqueueFillBuffer(r->q, *out, &zero, sizeof(zero), 0,
				  count * sizeof(float), 0, NULL, NULL);
	return err ? vcl_fail("clEnqueueFillBuffer", err) : VACCEL_OK;
}

/* Copy the m x n part of C back, leaving the padding up to ldc alone. */
static int read_c(struct run *r, cl_mem m, const struct vcl_gemm *g,
		  const int64_t ext[2])
{
	const size_t origin[3] = { 0, 0, 0 };
	const size_t region[3] = { (size_t)ext[1] * sizeof(float),
				   (size_t)ext[0], 1 };
	size_t pitch = (size_t)g->ldc * sizeof(float);
	cl_int err = clEnqueueReadBufferRect(r->q, m, CL_TRUE, origin, origin,
					     region, pitch, 0, pitch, 0, g->c,
					     0, NULL, NULL);

	return err ? vcl_fail("clEnqueueReadBufferRect", err) : VACCEL_OK;
}

int vcl_sgemm(const struct vcl_gemm *g)
{
	size_t cnt[3];
	int64_t c_ext[2];
	cl_mem a, b, c;
	struct run r;
	int ret = gemm_check(g, cnt, c_ext);

	if (ret || !g->m || !g->n)
		return ret;
	if (!g->k) {
		scale_c(g, c_ext);
		return VACCEL_OK;
	}
	ret = run_open(&r);
	if (!ret)
		ret = run_buf(&r, cnt[0] * sizeof(float), g->a, &a);
	if (!ret)
		ret = run_buf(&r, cnt[1] * sizeof(float), g->b, &b);
	if (!ret)
		ret = c_buffer(&r, g, cnt[2], &c);
	if (!ret) {
		CLBlastStatusCode st = CLBlastSgemm(
			g->col_major ? CLBlastLayoutColMajor
				     : CLBlastLayoutRowMajor,
			g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
			g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo,
			(size_t)g->m, (size_t)g->n, (size_t)g->k, g->alpha, a,
			0, (size_t)g->lda, b, 0, (size_t)g->ldb, g->beta, c, 0,
			(size_t)g->ldc, &r.q, NULL);
		ret = st ? vcl_fail("CLBlastSgemm", st) : VACCEL_OK;
	}
	if (!ret)
		ret = read_c(&r, c, g, c_ext);
	run_close(&r);
	return ret;
}

int vcl_mmult(struct vaccel_session *sess, float a[], float b[], float c[],
	      size_t len)
{
	size_t n = (size_t)sqrt((double)len);
	struct vcl_gemm g = { .alpha = 1, .a = a, .b = b, .c = c };

	while (n * n > len)
		n--;
	while ((n + 1) * (n + 1) <= len)
		n++;
	if (!len || n * n != len || n > INT32_MAX) {
		vaccel_error(VCL_TAG "mmult: %zu elements is not a square "
				     "matrix of at least 1 x 1",
			     len);
		return VACCEL_EINVAL;
	}
	g.m = g.n = g.k = g.lda = g.ldb = g.ldc = (int64_t)n;
	/* the device holds copies: c may be a or b */
	return vcl_sgemm(&g);
}

/* ---- element-wise ops ------------------------------------------------ */

/* Kernel `name` over `len` elements of `esz` bytes: arguments are the
 * nin inputs, then the nout outputs, one buffer each. */
static int elementwise(const char *name, size_t len, size_t esz,
		       const void *const *in, int nin, void *const *out,
		       int nout)
{
	size_t bytes = len * esz;
	struct run r;
	cl_mem m;
	int ret;

	if (!len || len > SIZE_MAX / esz) {
		vaccel_error(VCL_TAG "%s: length %zu is 0 or too large", name,
			     len);
		return VACCEL_EINVAL;
	}
	ret = run_open(&r);
	if (!ret)
		ret = vcl_kernel(r.d, name, false, &r.k);
	for (int i = 0; !ret && i < nin + nout; i++) {
		ret = run_buf(&r, bytes, i < nin ? in[i] : NULL, &m);
		if (!ret)
			ret = run_arg(&r, (cl_uint)i, sizeof(m), &m);
	}
	if (!ret)
		ret = run_kernel(&r, len, 0);
	for (int i = 0; !ret && i < nout; i++)
		ret = run_read(&r, r.m[nin + i], bytes, out[i]);
	run_close(&r);
	return ret;
}

static int need(const char *op, bool ok)
{
	if (!ok)
		vaccel_error(VCL_TAG "%s: NULL array", op);
	return ok ? VACCEL_OK : VACCEL_EINVAL;
}

int vcl_arraycopy(struct vaccel_session *sess, int a[], int out[], size_t len)
{
	const void *in[] = { a };
	void *o[] = { out };

	if (need("arraycopy", a && out))
		return VACCEL_EINVAL;
	return elementwise("vcl_copy_int", len, sizeof(int), in, 1, o, 1);
}

int vcl_parallel(struct vaccel_session *sess, float a[], float b[], float add[],
		 float mult[], size_t len)
{
	const void *in[] = { a, b };
	void *o[] = { add, mult };

	if (need("parallel", a && b && add && mult))
		return VACCEL_EINVAL;
	return elementwise("vcl_parallel", len, sizeof(float), in, 2, o, 2);
}

int vcl_vectoradd(struct vaccel_session *sess, float a[], float b[], float c[],
		  size_t len_a, size_t len_b)
{
	const void *in[] = { a, b };
	void *o[] = { c };

	if (need("vectoradd", a && b && c))
		return VACCEL_EINVAL;
	if (len_a != len_b) {
		vaccel_error(VCL_TAG "vectoradd: the arrays differ in length "
				     "(%zu and %zu)",
			     len_a, len_b);
		return VACCEL_EINVAL;
	}
	return elementwise("vcl_vadd", len_a, sizeof(float), in, 2, o, 1);
}

/* ---- minmax ---------------------------------------------------------- */

static int minmax_check(const double *in, int ndata, int low, int high,
			const double *out, const double *min, const double *max)
{
	if (!in || !out || !min || !max) {
		vaccel_error(VCL_TAG "minmax: NULL argument");
		return VACCEL_EINVAL;
	}
	if (ndata < 1 || low > high) {
		vaccel_error(VCL_TAG "minmax: ndata=%d must be >= 1 and "
				     "low=%d <= high=%d",
			     ndata, low, high);
		return VACCEL_EINVAL;
	}
	for (int i = 0; i < ndata; i++) {
		if (isnan(in[i])) {
			vaccel_error(VCL_TAG "minmax: input %d is NaN", i);
			return VACCEL_EINVAL;
		}
	}
	return VACCEL_OK;
}

/* The work-group size: a power of two the kernel allows, at most 256. */
static size_t group_size(const struct run *r)
{
	size_t max = 1, w = 1;

	clGetKernelWorkGroupInfo(r->k, r->d->device, CL_KERNEL_WORK_GROUP_SIZE,
				 sizeof(max), &max, NULL);
	while (w * 2 <= max && w < 256)
		w *= 2;
	return w;
}

static int minmax_args(struct run *r, const double *in, size_t n,
		       double bounds[2], size_t groups, size_t w)
{
	cl_uint nn = (cl_uint)n;
	cl_mem m;
	int ret = run_buf(r, n * sizeof(double), in, &m);

	if (!ret)
		ret = run_arg(r, 0, sizeof(m), &m);
	if (!ret)
		ret = run_buf(r, n * sizeof(double), NULL, &m);
	if (!ret)
		ret = run_arg(r, 1, sizeof(m), &m);
	for (cl_uint i = 0; !ret && i < 2; i++)
		ret = run_arg(r, 2 + i, sizeof(double), &bounds[i]);
	if (!ret)
		ret = run_arg(r, 4, sizeof(nn), &nn);
	for (cl_uint i = 0; !ret && i < 2; i++) {
		ret = run_buf(r, groups * sizeof(double), NULL, &m);
		if (!ret)
			ret = run_arg(r, 5 + i, sizeof(m), &m);
		if (!ret)
			ret = run_arg(r, 7 + i, w * sizeof(double), NULL);
	}
	return ret;
}

int vcl_minmax(struct vaccel_session *sess, const double *in, int ndata,
	       int low, int high, double *out, double *min, double *max)
{
	double bounds[2] = { low, high }, gmin[64], gmax[64];
	size_t n = (size_t)ndata, w, groups;
	struct run r;
	int ret = minmax_check(in, ndata, low, high, out, min, max);

	if (ret)
		return ret;
	ret = run_open(&r);
	if (!ret)
		ret = vcl_kernel(r.d, "vcl_minmax", true, &r.k);
	if (ret) {
		run_close(&r);
		return ret;
	}
	w = group_size(&r);
	groups = (n + w - 1) / w < 64 ? (n + w - 1) / w : 64;
	ret = minmax_args(&r, in, n, bounds, groups, w);
	if (!ret)
		ret = run_kernel(&r, groups * w, w);
	if (!ret)
		ret = run_read(&r, r.m[2], groups * sizeof(double), gmin);
	if (!ret)
		ret = run_read(&r, r.m[3], groups * sizeof(double), gmax);
	if (!ret)
		ret = run_read(&r, r.m[1], n * sizeof(double), out);
	run_close(&r);
	for (size_t g = 1; !ret && g < groups; g++) {
		gmin[0] = fmin(gmin[0], gmin[g]);
		gmax[0] = fmax(gmax[0], gmax[g]);
	}
	if (!ret) {
		*min = gmin[0];
		*max = gmax[0];
	}
	return ret;
}
