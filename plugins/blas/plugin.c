// SPDX-License-Identifier: Apache-2.0
/* The blas plugin: sgemm on OpenBLAS, and CPU implementations of minmax and
 * the four fpga demo ops (docs/plugins/blas.md). Stateless: no session or
 * resource hooks. */
#include "kernels.h"

#include <cblas.h>
#include <vaccel.h>

static int op_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		    int64_t k, float alpha, float *a, int64_t lda, float *b,
		    int64_t ldb, float beta, float *c, int64_t ldc)
{
	return vblas_sgemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static int op_minmax(struct vaccel_session *sess, const double *indata,
		     int ndata, int low_threshold, int high_threshold,
		     double *outdata, double *min, double *max)
{
	return vblas_minmax(indata, ndata, low_threshold, high_threshold,
			    outdata, min, max);
}

static int op_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			size_t len_a)
{
	return vblas_arraycopy(a, out_a, len_a);
}

static int op_mmult(struct vaccel_session *sess, float a[], float b[],
		    float c[], size_t len_a)
{
	return vblas_mmult(a, b, c, len_a);
}

static int op_parallel(struct vaccel_session *sess, float a[], float b[],
		       float add_output[], float mult_output[], size_t len_a)
{
	return vblas_parallel(a, b, add_output, mult_output, len_a);
}

static int op_vectoradd(struct vaccel_session *sess, float a[], float b[],
			float c[], size_t len_a, size_t len_b)
{
	return vblas_vectoradd(a, b, c, len_a, len_b);
}

static int blas_init(void)
{
	int threads = vblas_threads_from_env();

	openblas_set_num_threads(threads);
	vaccel_debug("[blas] OpenBLAS core %s, %d thread(s) (%s)",
		     openblas_get_corename(), threads, openblas_get_config());
	return VACCEL_OK;
}

static int blas_fini(void)
{
	return VACCEL_OK;
}

static const struct vaccel_plugin_op blas_ops[] = {
	VACCEL_PLUGIN_OP(BLAS_SGEMM, op_sgemm),
	VACCEL_PLUGIN_OP(MINMAX, op_minmax),
	VACCEL_PLUGIN_OP(FPGA_ARRAYCOPY, op_arraycopy),
	VACCEL_PLUGIN_OP(FPGA_MMULT, op_mmult),
	VACCEL_PLUGIN_OP(FPGA_PARALLEL, op_parallel),
	VACCEL_PLUGIN_OP(FPGA_VECTORADD, op_vectoradd),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "blas", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_CPU, .init = blas_init,
			 .fini = blas_fini, .ops = blas_ops,
			 .nr_ops = sizeof(blas_ops) / sizeof(blas_ops[0]));
