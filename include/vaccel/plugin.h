// SPDX-License-Identifier: Apache-2.0
/* Plugins. Two parts:
 *  1. what applications see of a session's plugin (sess->plugin->info->name
 *     and so on), with upstream's struct layouts;
 *  2. the plugin ABI of this implementation: a plugin exports one constant
 *     descriptor (struct vaccel_plugin_desc) whose ops are typed function
 *     pointers, so the compiler checks every op's signature. Upstream's
 *     untyped registration (vaccel_plugin_register_ops) is declared for
 *     source compatibility only. docs/plugins.md explains how to write one. */
#pragma once

#include "deprecated.h"
#include "arg.h"
#include "list.h"
#include "op.h"
#include "ops/fpga.h"
#include "ops/onnx.h"
#include "ops/tf.h"
#include "ops/tflite.h"
#include "ops/torch.h"
#include "resource.h"
#include "session.h"
#include "utils/enum.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plugin type bits, also used as session hints. */
typedef enum {
	VACCEL_PLUGIN_CPU = 0x0001,
	VACCEL_PLUGIN_GPU = 0x0002,
	VACCEL_PLUGIN_FPGA = 0x0004,
	VACCEL_PLUGIN_SOFTWARE = 0x0008,
	VACCEL_PLUGIN_TENSORFLOW = 0x0010,
	VACCEL_PLUGIN_TORCH = 0x0020,
	VACCEL_PLUGIN_JETSON = 0x0040,
	VACCEL_PLUGIN_GENERIC = 0x0080,
	VACCEL_PLUGIN_DEBUG = 0x0100,
	VACCEL_PLUGIN_REMOTE = 0x4000,
	VACCEL_PLUGIN_ALL = 0xffff,
	VACCEL_PLUGIN_MAX = 0x10000,
} vaccel_plugin_type_t;

static inline const char *vaccel_plugin_type_to_str(vaccel_plugin_type_t t)
{
	switch (t) {
	case VACCEL_PLUGIN_CPU:
		return "VACCEL_PLUGIN_CPU";
	case VACCEL_PLUGIN_GPU:
		return "VACCEL_PLUGIN_GPU";
	case VACCEL_PLUGIN_FPGA:
		return "VACCEL_PLUGIN_FPGA";
	case VACCEL_PLUGIN_SOFTWARE:
		return "VACCEL_PLUGIN_SOFTWARE";
	case VACCEL_PLUGIN_TENSORFLOW:
		return "VACCEL_PLUGIN_TENSORFLOW";
	case VACCEL_PLUGIN_TORCH:
		return "VACCEL_PLUGIN_TORCH";
	case VACCEL_PLUGIN_JETSON:
		return "VACCEL_PLUGIN_JETSON";
	case VACCEL_PLUGIN_GENERIC:
		return "VACCEL_PLUGIN_GENERIC";
	case VACCEL_PLUGIN_DEBUG:
		return "VACCEL_PLUGIN_DEBUG";
	case VACCEL_PLUGIN_REMOTE:
		return "VACCEL_PLUGIN_REMOTE";
	case VACCEL_PLUGIN_ALL:
		return "VACCEL_PLUGIN_ALL";
	default:
		return "VACCEL_PLUGIN_MAX";
	}
}

static inline const char *vaccel_plugin_type_to_base_str(vaccel_plugin_type_t t)
{
	return vaccel_enum_base(vaccel_plugin_type_to_str(t), "VACCEL_PLUGIN_");
}

/* ---- 1. What applications see (upstream layouts) ---------------------- */

/* Filled by the library from the plugin's descriptor; read-only for
 * applications. The hooks are those of the descriptor. */
struct vaccel_plugin_info {
	const char *name;
	const char *version;
	/* the vAccel version the library reports (VACCEL_VERSION) */
	const char *vaccel_version;
	int (*init)(void);
	int (*fini)(void);
	/* true for transport plugins (sessions bound to it are remote) */
	bool is_virtio;
	vaccel_plugin_type_t type;
	int (*session_init)(struct vaccel_session *sess, uint32_t flags);
	int (*session_release)(struct vaccel_session *sess);
	int (*session_update)(struct vaccel_session *sess, uint32_t flags);
	int (*resource_register)(struct vaccel_resource *res,
				 struct vaccel_session *sess);
	int (*resource_unregister)(struct vaccel_resource *res,
				   struct vaccel_session *sess);
	int (*resource_sync)(struct vaccel_resource *res,
			     struct vaccel_session *sess);
};

/* One loaded plugin. `ops` is unused here (always NULL): ops live in the
 * typed table of the descriptor. */
struct vaccel_plugin {
	void *dl_handle;
	struct vaccel_list_entry entry;
	struct vaccel_op *ops[VACCEL_OP_MAX];
	struct vaccel_plugin_info *info;
};

/* Load one plugin (a path, or a soname searched like dlopen does). */
int vaccel_plugin_load(const char *lib);
/* Load each entry of a ':'-separated list, in order. Every entry is tried;
 * the first error is returned. */
int vaccel_plugin_parse_and_load(const char *lib_str);

/* Upstream's untyped registration: not supported by this ABI. Returns
 * VACCEL_ENOTSUP and logs why. */
int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops);

static inline int vaccel_plugin_register_op(struct vaccel_op *op)
{
	return vaccel_plugin_register_ops(op, 1);
}

/* Upstream's plugin-definition macro, so that upstream plugin sources still
 * compile. The loader recognises such a plugin and refuses it with a clear
 * message (its ops are untyped); port it to VACCEL_PLUGIN_DESCRIPTOR. */
#define VACCEL_PLUGIN(...)                                              \
	static struct vaccel_plugin_info _vaccel_plugin_info = {        \
		__VA_ARGS__                                             \
	};                                                              \
	__attribute__((visibility(                                      \
		"hidden"))) struct vaccel_plugin vaccel_this_plugin = { \
		.dl_handle = NULL,                                      \
		.entry = LIST_ENTRY_INIT(vaccel_this_plugin.entry),     \
		.ops = { NULL },                                        \
		.info = &_vaccel_plugin_info                            \
	};                                                              \
	const struct vaccel_plugin *vaccel_plugin = &vaccel_this_plugin;

/* Introspection (ours). Plugins are numbered 0.. in load order. */
size_t vaccel_plugin_count(void);
/* Bit n of *ops_mask is set if the plugin serves op number n. Any output
 * pointer may be NULL. VACCEL_ENOENT for an index out of range. */
int vaccel_plugin_get_info(size_t index, const char **name,
			   const char **version, uint32_t *type,
			   bool *is_remote, uint64_t *ops_mask);

/* ---- 2. The plugin ABI ------------------------------------------------ */

/* Bumped on any incompatible change of struct vaccel_plugin_desc or of an
 * op signature. The loader refuses a plugin built for another version. */
#define VACCEL_PLUGIN_ABI_VERSION 1u

/* The name of the data symbol a plugin exports. */
#define VACCEL_PLUGIN_DESC_SYMBOL "vaccel_plugin_desc"

/* Op signatures. Contract shared by all: return VACCEL_OK or a VACCEL_E*
 * code; never abort or exit; the library has checked the session (non-NULL,
 * bound to this plugin) and, for resource ops, that the resource is
 * registered with it and of the right type. Buffers belong to the caller
 * unless stated. */
typedef int (*vaccel_op_noop_fn)(struct vaccel_session *sess);
/* Load `library`, call `fn_symbol` with the args. */
typedef int (*vaccel_op_exec_fn)(struct vaccel_session *sess,
				 const char *library, const char *fn_symbol,
				 struct vaccel_arg *read, size_t nr_read,
				 struct vaccel_arg *write, size_t nr_write);
typedef int (*vaccel_op_exec_with_resource_fn)(
	struct vaccel_session *sess, struct vaccel_resource *resource,
	const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
	struct vaccel_arg *write, size_t nr_write);
/* out_text may be NULL with len_out_text 0 (the caller wants no text). */
typedef int (*vaccel_op_image_classify_fn)(struct vaccel_session *sess,
					   const void *img,
					   unsigned char *out_text,
					   unsigned char *out_imgname,
					   size_t len_img, size_t len_out_text,
					   size_t len_out_imgname);
/* detect, segment, pose, depth */
typedef int (*vaccel_op_image_fn)(struct vaccel_session *sess, const void *img,
				  unsigned char *out_imgname, size_t len_img,
				  size_t len_out_imgname);
typedef int (*vaccel_op_tf_model_load_fn)(struct vaccel_session *sess,
					  struct vaccel_resource *model,
					  struct vaccel_tf_status *status);
typedef int (*vaccel_op_tf_model_unload_fn)(struct vaccel_session *sess,
					    struct vaccel_resource *model,
					    struct vaccel_tf_status *status);
/* out_tensors[i]: allocated by the plugin with vaccel_tf_tensor_allocate()
 * or malloc-compatible memory; the caller deletes them. */
typedef int (*vaccel_op_tf_model_run_fn)(
	struct vaccel_session *sess, const struct vaccel_resource *model,
	const struct vaccel_tf_buffer *run_options,
	const struct vaccel_tf_node *in_nodes,
	struct vaccel_tf_tensor *const *in_tensors, int nr_inputs,
	const struct vaccel_tf_node *out_nodes,
	struct vaccel_tf_tensor **out_tensors, int nr_outputs,
	struct vaccel_tf_status *status);
typedef int (*vaccel_op_tflite_model_load_fn)(struct vaccel_session *sess,
					      struct vaccel_resource *model);
typedef int (*vaccel_op_tflite_model_unload_fn)(struct vaccel_session *sess,
						struct vaccel_resource *model);
typedef int (*vaccel_op_tflite_model_run_fn)(
	struct vaccel_session *sess, const struct vaccel_resource *model,
	struct vaccel_tflite_tensor *const *inputs, int nr_inputs,
	struct vaccel_tflite_tensor **outputs, int nr_outputs, uint8_t *status);
typedef int (*vaccel_op_torch_model_load_fn)(struct vaccel_session *sess,
					     struct vaccel_resource *model);
typedef int (*vaccel_op_torch_model_run_fn)(
	struct vaccel_session *sess, const struct vaccel_resource *model,
	const struct vaccel_torch_buffer *run_options,
	struct vaccel_torch_tensor *const *inputs, int nr_inputs,
	struct vaccel_torch_tensor **outputs, int nr_outputs);
typedef int (*vaccel_op_torch_sgemm_fn)(struct vaccel_session *sess,
					struct vaccel_torch_tensor **in_A,
					struct vaccel_torch_tensor **in_B,
					struct vaccel_torch_tensor **in_C,
					int M, int N, int K,
					struct vaccel_torch_tensor **out);
typedef int (*vaccel_op_blas_sgemm_fn)(struct vaccel_session *sess, int64_t m,
				       int64_t n, int64_t k, float alpha,
				       float *a, int64_t lda, float *b,
				       int64_t ldb, float beta, float *c,
				       int64_t ldc);
typedef int (*vaccel_op_fpga_arraycopy_fn)(struct vaccel_session *sess, int a[],
					   int out_a[], size_t len_a);
typedef int (*vaccel_op_fpga_mmult_fn)(struct vaccel_session *sess, float a[],
				       float b[], float c[], size_t len_a);
typedef int (*vaccel_op_fpga_parallel_fn)(struct vaccel_session *sess,
					  float a[], float b[],
					  float add_output[],
					  float mult_output[], size_t len_a);
typedef int (*vaccel_op_fpga_vectoradd_fn)(struct vaccel_session *sess,
					   float a[], float b[], float c[],
					   size_t len_a, size_t len_b);
typedef int (*vaccel_op_minmax_fn)(struct vaccel_session *sess,
				   const double *indata, int ndata,
				   int low_threshold, int high_threshold,
				   double *outdata, double *min, double *max);
typedef int (*vaccel_op_opencv_fn)(struct vaccel_session *sess,
				   struct vaccel_arg *read, int nr_read,
				   struct vaccel_arg *write, int nr_write);
typedef int (*vaccel_op_onnx_model_load_fn)(struct vaccel_session *sess,
					    struct vaccel_resource *model);
/* outputs[i]: allocated by the plugin (vaccel_onnx_tensor_allocate()). */
typedef int (*vaccel_op_onnx_model_run_fn)(
	struct vaccel_session *sess, const struct vaccel_resource *model,
	struct vaccel_onnx_tensor *const *inputs, int nr_inputs,
	struct vaccel_onnx_tensor **outputs, int nr_outputs);
typedef int (*vaccel_op_onnx_model_unload_fn)(struct vaccel_session *sess,
					      struct vaccel_resource *model);

/* One function of any op. Members are named after the op (VACCEL_OP_<NAME>)
 * so that VACCEL_PLUGIN_OP() pairs each op number with its signature. */
union vaccel_op_fn {
	vaccel_op_noop_fn NOOP;
	vaccel_op_exec_fn EXEC;
	vaccel_op_exec_with_resource_fn EXEC_WITH_RESOURCE;
	vaccel_op_image_classify_fn IMAGE_CLASSIFY;
	vaccel_op_image_fn IMAGE_DETECT;
	vaccel_op_image_fn IMAGE_SEGMENT;
	vaccel_op_image_fn IMAGE_POSE;
	vaccel_op_image_fn IMAGE_DEPTH;
	vaccel_op_tf_model_load_fn TF_MODEL_LOAD;
	vaccel_op_tf_model_unload_fn TF_MODEL_UNLOAD;
	vaccel_op_tf_model_run_fn TF_MODEL_RUN;
	vaccel_op_tflite_model_load_fn TFLITE_MODEL_LOAD;
	vaccel_op_tflite_model_unload_fn TFLITE_MODEL_UNLOAD;
	vaccel_op_tflite_model_run_fn TFLITE_MODEL_RUN;
	vaccel_op_torch_model_load_fn TORCH_MODEL_LOAD;
	vaccel_op_torch_model_run_fn TORCH_MODEL_RUN;
	vaccel_op_torch_sgemm_fn TORCH_SGEMM;
	vaccel_op_blas_sgemm_fn BLAS_SGEMM;
	vaccel_op_fpga_arraycopy_fn FPGA_ARRAYCOPY;
	vaccel_op_fpga_mmult_fn FPGA_MMULT;
	vaccel_op_fpga_parallel_fn FPGA_PARALLEL;
	vaccel_op_fpga_vectoradd_fn FPGA_VECTORADD;
	vaccel_op_minmax_fn MINMAX;
	vaccel_op_opencv_fn OPENCV;
	vaccel_op_onnx_model_load_fn ONNX_MODEL_LOAD;
	vaccel_op_onnx_model_run_fn ONNX_MODEL_RUN;
	vaccel_op_onnx_model_unload_fn ONNX_MODEL_UNLOAD;
};

struct vaccel_plugin_op {
	vaccel_op_type_t type;
	union vaccel_op_fn fn;
};

/* An entry of a plugin's op table: VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, f)
 * compiles only if f has the classify signature. */
#define VACCEL_PLUGIN_OP(OP, func)                            \
	{                                                     \
		.type = VACCEL_OP_##OP, .fn = {.OP = (func) } \
	}

/* The descriptor a plugin exports as `vaccel_plugin_desc`. The loader reads
 * abi_version and desc_size before anything else and refuses a mismatch.
 * Registration refuses: a missing name, an op number out of range, an op
 * listed twice, a NULL function. Hooks may be NULL. */
struct vaccel_plugin_desc {
	/* VACCEL_PLUGIN_ABI_VERSION */
	uint32_t abi_version;
	/* sizeof(struct vaccel_plugin_desc) */
	uint32_t desc_size;
	const char *name;
	const char *version;
	/* VACCEL_PLUGIN_* bits: what the session hints match against */
	uint32_t type;
	/* true for transport plugins: their sessions are remote */
	bool is_virtio;
	/* Called once after registration; non-zero fails the load (fini is
	 * then not called). */
	int (*init)(void);
	/* Called once at unload, after every session was released. */
	int (*fini)(void);
	/* After the library set up a session bound to this plugin; non-zero
	 * fails vaccel_session_init(). Remote plugins set sess->remote_id. */
	int (*session_init)(struct vaccel_session *sess, uint32_t flags);
	/* Before the library forgets the session (its resources are already
	 * unregistered). */
	int (*session_release)(struct vaccel_session *sess);
	int (*session_update)(struct vaccel_session *sess, uint32_t flags);
	/* When a resource is registered with a session of this plugin (its
	 * blobs exist; for remote sessions their data is mapped). Remote
	 * plugins set res->remote_id. */
	int (*resource_register)(struct vaccel_resource *res,
				 struct vaccel_session *sess);
	/* After the resource was unlinked from the session: drop anything the
	 * plugin keeps for it (loaded models, handles). */
	int (*resource_unregister)(struct vaccel_resource *res,
				   struct vaccel_session *sess);
	int (*resource_sync)(struct vaccel_resource *res,
			     struct vaccel_session *sess);
	/* Optional, called after init: bit n set = op n is really served
	 * (e.g. what a remote agent offers). Ops of the table whose bit is
	 * clear answer VACCEL_ENOTSUP. NULL: every op of the table. */
	uint64_t (*ops_mask)(void);
	const struct vaccel_plugin_op *ops;
	size_t nr_ops;
};

/* This plugin's own descriptor (defined by VACCEL_PLUGIN_DESCRIPTOR), so
 * that code above the definition can name it. */
__attribute__((visibility(
	"default"))) extern const struct vaccel_plugin_desc vaccel_plugin_desc;

/* Per-session state of a plugin (ours). A local session may be served by
 * several plugins (docs/plugins.md): sess->priv is only its first plugin's
 * (sess->plugin), so a plugin that keeps per-session state and may serve
 * sessions it is not the first plugin of stores it with these, passing its
 * own descriptor (&vaccel_plugin_desc). A plugin that writes sess->priv in
 * session_init still works, but only as a session's first plugin.
 * get: NULL when `self` does not serve `sess` or stored nothing; set:
 * VACCEL_EINVAL when `self` does not serve `sess`. */
void *vaccel_session_plugin_priv(struct vaccel_session *sess,
				 const struct vaccel_plugin_desc *self);
int vaccel_session_set_plugin_priv(struct vaccel_session *sess,
				   const struct vaccel_plugin_desc *self,
				   void *priv);

/* Define the exported descriptor:
 *   VACCEL_PLUGIN_DESCRIPTOR(.name = "noop", .version = "1.0",
 *                            .type = VACCEL_PLUGIN_DEBUG, .ops = my_ops,
 *                            .nr_ops = sizeof(my_ops) / sizeof(my_ops[0]));
 */
#define VACCEL_PLUGIN_DESCRIPTOR(...)                                          \
	__attribute__((                                                        \
		visibility("default"))) extern const struct vaccel_plugin_desc \
		vaccel_plugin_desc;                                            \
	const struct vaccel_plugin_desc vaccel_plugin_desc = {                 \
		.abi_version = VACCEL_PLUGIN_ABI_VERSION,                      \
		.desc_size = sizeof(struct vaccel_plugin_desc),                \
		__VA_ARGS__                                                    \
	}

#ifdef __cplusplus
}
#endif
