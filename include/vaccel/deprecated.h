// SPDX-License-Identifier: Apache-2.0
/* Every deprecated name of the public API, in one place: upstream vAccel's
 * older interfaces and the ops it deprecated, kept so that upstream
 * applications and plugins compile unchanged. The headers that declared
 * them (vaccel/arg.h, session.h, plugin.h, ops/fpga.h, ops/minmax.h,
 * ops/torch.h) include this one at their end, so no application changes an
 * include line. New code uses what each section names instead. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_arg;
struct vaccel_op;
struct vaccel_resource;
struct vaccel_session;
struct vaccel_torch_tensor;

/* ---- args: the old list API (use the vaccel_arg_array API) ------------ */

struct vaccel_arg_list {
	uint32_t size;
	struct vaccel_arg *list;
	int curr_idx;
	/* 1 where the entry's buffer was allocated by the list */
	int *idcs_allocated_space;
};

#define VACCEL__ARGLIST_DEPRECATED \
	__attribute__((deprecated("Use the vaccel_arg_array API")))

VACCEL__ARGLIST_DEPRECATED struct vaccel_arg_list *
vaccel_args_init(uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf, uint32_t type,
			 void *(*serializer)(void *, uint32_t *));
VACCEL__ARGLIST_DEPRECATED int
vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf,
			 uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_expect_nonserial_arg(struct vaccel_arg_list *args,
			    uint32_t expected_size);
VACCEL__ARGLIST_DEPRECATED void *
vaccel_extract_serial_arg(struct vaccel_arg *args, int idx);
VACCEL__ARGLIST_DEPRECATED void *
vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx,
			     void *(*deserializer)(void *, uint32_t));
VACCEL__ARGLIST_DEPRECATED int vaccel_write_serial_arg(struct vaccel_arg *args,
						       int idx, void *buf);
VACCEL__ARGLIST_DEPRECATED int
vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf,
			   void *(*serializer)(void *, uint32_t *));
VACCEL__ARGLIST_DEPRECATED int vaccel_delete_args(struct vaccel_arg_list *args);

/* ---- sessions: aliases of vaccel_session_init/update/release and
 * vaccel_session_has_resource (no compiler warning, as upstream) -------- */

int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags);
int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags);
int vaccel_sess_free(struct vaccel_session *sess);
bool vaccel_sess_has_resource(struct vaccel_session *sess,
			      struct vaccel_resource *res);

/* ---- plugins: the untyped registration (use VACCEL_PLUGIN_DESCRIPTOR,
 * vaccel/plugin.h) --------------------------------------------------- */

/* (also declared in vaccel/plugin.h) */
int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops);

__attribute__((deprecated(
	"Use vaccel_plugin_register_op() instead"))) static inline int
register_plugin_function(struct vaccel_op *plugin_op)
{
	return vaccel_plugin_register_ops(plugin_op, 1);
}

__attribute__((deprecated(
	"Use vaccel_plugin_register_ops() instead"))) static inline int
register_plugin_functions(struct vaccel_op *plugin_ops, size_t nr_ops)
{
	return vaccel_plugin_register_ops(plugin_ops, nr_ops);
}

#define VACCEL_MODULE(...)                                          \
	_Pragma("GCC warning \"VACCEL_MODULE() is deprecated. Use " \
		"VACCEL_PLUGIN() instead\"") VACCEL_PLUGIN(__VA_ARGS__)

/* ---- ops deprecated upstream and still served ------------------------- */

/* Upstream's FPGA demo ops (CPU implementations in the blas plugin). */
#define VACCEL__FPGA_DEPRECATED __attribute__((deprecated))

/* out_a = a (len_a ints) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_arraycopy(struct vaccel_session *sess,
						  int a[], int out_a[],
						  size_t len_a);
/* c = a x b, square matrices of len_a elements (n x n, n*n == len_a) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_mmult(struct vaccel_session *sess,
					      float a[], float b[], float c[],
					      size_t len_a);
/* add_output = a + b, mult_output = a * b (element-wise) */
VACCEL__FPGA_DEPRECATED int
vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
		     float add_output[], float mult_output[], size_t len_a);
/* c = a + b (element-wise; len_a == len_b) */
VACCEL__FPGA_DEPRECATED int vaccel_fpga_vadd(struct vaccel_session *sess,
					     float a[], float b[], float c[],
					     size_t len_a, size_t len_b);

/* What the outputs hold is defined by the plugin (see docs/plugins.md for
 * the blas plugin's contract). */
__attribute__((deprecated)) int
vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata,
	      int low_threshold, int high_threshold, double *outdata,
	      double *min, double *max);

/* out = A x B (+ C), with M x K, K x N, M x N float tensors; *out is
 * allocated by the plugin. */
__attribute__((deprecated)) int vaccel_torch_sgemm(
	struct vaccel_session *sess, struct vaccel_torch_tensor **in_A,
	struct vaccel_torch_tensor **in_B, struct vaccel_torch_tensor **in_C,
	int M, int N, int K, struct vaccel_torch_tensor **out);

#ifdef __cplusplus
}
#endif
