// SPDX-License-Identifier: Apache-2.0
/* The opencl plugin: sgemm on CLBlast and minmax plus the fpga ops on the
 * plugin's own kernels, on one OpenCL device chosen from the environment
 * (docs/plugins/opencl.md). The device is opened when the first session
 * is made: a session cannot be made without one (VACCEL_ENODEV). */
#include "device.h"
#include "ops.h"

#include <clblast_c.h>
#include <stdbool.h>
#include <stdlib.h>
#include <vaccel.h>

static int op_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		    int64_t k, float alpha, float *a, int64_t lda, float *b,
		    int64_t ldb, float beta, float *c, int64_t ldc)
{
	const struct vcl_gemm g = { .m = m,
				    .n = n,
				    .k = k,
				    .alpha = alpha,
				    .a = a,
				    .lda = lda,
				    .b = b,
				    .ldb = ldb,
				    .beta = beta,
				    .c = c,
				    .ldc = ldc };

	return vcl_sgemm(&g);
}

/* A session needs the device: without one it is refused with the reason
 * (no platform, no device, no match for the selection). */
static int opencl_session_init(struct vaccel_session *sess, uint32_t flags)
{
	const struct vcl_dev *d;

	return vcl_device(&d);
}

/* Set at exit, before the C++ destructors of CLBlast run (this handler is
 * registered after them, so it runs first). libvaccel's own destructor
 * calls fini after those destructors: then CLBlast's cache is gone and
 * must not be touched, and the process is ending anyway. */
static bool exiting;

static void mark_exiting(void)
{
	exiting = true;
}

/* Only the cache directory is set up here: loading the plugin must stay
 * cheap (the agent loads every plugin it serves). */
static int opencl_init(void)
{
	static bool hooked;

	if (!hooked)
		hooked = !atexit(mark_exiting);
	vcl_cache_init();
	return VACCEL_OK;
}

/* On a reload (vaccel_bootstrap()) the context goes, and with it CLBlast's
 * programs for it: a later context may get the same address. */
static int opencl_fini(void)
{
	if (exiting)
		return VACCEL_OK;
	CLBlastClearCache();
	vcl_device_release();
	return VACCEL_OK;
}

static const struct vaccel_plugin_op opencl_ops[] = {
	VACCEL_PLUGIN_OP(BLAS_SGEMM, op_sgemm),
	VACCEL_PLUGIN_OP(MINMAX, vcl_minmax),
	VACCEL_PLUGIN_OP(FPGA_ARRAYCOPY, vcl_arraycopy),
	VACCEL_PLUGIN_OP(FPGA_MMULT, vcl_mmult),
	VACCEL_PLUGIN_OP(FPGA_PARALLEL, vcl_parallel),
	VACCEL_PLUGIN_OP(FPGA_VECTORADD, vcl_vectoradd),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "opencl", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_GPU, .init = opencl_init,
			 .fini = opencl_fini,
			 .session_init = opencl_session_init, .ops = opencl_ops,
			 .nr_ops = sizeof(opencl_ops) / sizeof(opencl_ops[0]));
