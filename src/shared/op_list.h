// SPDX-License-Identifier: Apache-2.0
/* The one list of ops (internal: never installed). Every table that has a
 * row per op is an expansion of VACCEL__OP_LIST, as libuv expands its
 * UV_ERRNO_MAP: the op-name table (src/core/names.c), op validity (the
 * core's plugin registration and genop), the wire's op names and its
 * op -> family mapping (src/rpc), the rpc client's op table
 * (plugins/rpc: plugin.c, rpc.h, ops.c), the agent's dispatch (agent/ops.c) and
 * the noop plugin's op table. docs/development.md ("Adding an op") says what
 * else a new op needs.
 *
 * X(NUMBER, NAME, name, FAMILY, SHAPE, API):
 *   NUMBER  the op's number; equal to VACCEL_OP_<NAME> of vaccel/op.h
 *           (asserted below) and below 64 (ops masks are uint64_t);
 *   NAME    the op, as in VACCEL_OP_<NAME> and union vaccel_op_fn's member;
 *   name    the same in lower case (C macros cannot change case): names
 *           each op's functions, e.g. the noop plugin's noop_<name>;
 *   FAMILY  the layout of its wire message (docs/protocol.md §5.4), which
 *           decides the rpc client's and the agent's code path;
 *   SHAPE   its argument shape within the family: which optional fields of
 *           the family's message it carries; ops of one SHAPE have one
 *           signature, so the rpc client's forwarding function of a shape
 *           shared by several ops is generated;
 *   API     its public function, of the op's plugin signature (the union
 *           vaccel_op_fn member NAME): a caller of the public API, such as
 *           the agent, can call any op of a shape through one table. */
#pragma once

#include <vaccel/op.h>
#include <stdbool.h>
#include <stdint.h>

/* clang-format off */
#define VACCEL__OP_LIST(X)                                                                               \
	X(0,  NOOP,                noop,                NOOP,   NOOP,       vaccel_noop)                  \
	X(1,  EXEC,                exec,                EXEC,   EXEC_LIB,   vaccel_exec)                  \
	X(2,  EXEC_WITH_RESOURCE,  exec_with_resource,  EXEC,   EXEC_RES,   vaccel_exec_with_resource)    \
	X(3,  IMAGE_CLASSIFY,      image_classify,      IMAGE,  IMAGE_TEXT, vaccel_image_classification)  \
	X(4,  IMAGE_DETECT,        image_detect,        IMAGE,  IMAGE,      vaccel_image_detection)       \
	X(5,  IMAGE_SEGMENT,       image_segment,       IMAGE,  IMAGE,      vaccel_image_segmentation)    \
	X(6,  IMAGE_POSE,          image_pose,          IMAGE,  IMAGE,      vaccel_image_pose)            \
	X(7,  IMAGE_DEPTH,         image_depth,         IMAGE,  IMAGE,      vaccel_image_depth)           \
	X(8,  TF_MODEL_LOAD,       tf_model_load,       MODEL,  MODEL_TF,   vaccel_tf_model_load)         \
	X(9,  TF_MODEL_UNLOAD,     tf_model_unload,     MODEL,  MODEL_TF,   vaccel_tf_model_unload)       \
	X(10, TF_MODEL_RUN,        tf_model_run,        RUN,    RUN_TF,     vaccel_tf_model_run)          \
	X(11, TFLITE_MODEL_LOAD,   tflite_model_load,   MODEL,  MODEL,      vaccel_tflite_model_load)     \
	X(12, TFLITE_MODEL_UNLOAD, tflite_model_unload, MODEL,  MODEL,      vaccel_tflite_model_unload)   \
	X(13, TFLITE_MODEL_RUN,    tflite_model_run,    RUN,    RUN_TFLITE, vaccel_tflite_model_run)      \
	X(14, TORCH_MODEL_LOAD,    torch_model_load,    MODEL,  MODEL,      vaccel_torch_model_load)      \
	X(15, TORCH_MODEL_RUN,     torch_model_run,     RUN,    RUN_TORCH,  vaccel_torch_model_run)       \
	X(16, TORCH_SGEMM,         torch_sgemm,         TSGEMM, TSGEMM,     vaccel_torch_sgemm)           \
	X(17, BLAS_SGEMM,          blas_sgemm,          SGEMM,  SGEMM,      vaccel_sgemm)                 \
	X(18, FPGA_ARRAYCOPY,      fpga_arraycopy,      ARRAYS, ARRAYCOPY,  vaccel_fpga_arraycopy)        \
	X(19, FPGA_MMULT,          fpga_mmult,          ARRAYS, MMULT,      vaccel_fpga_mmult)            \
	X(20, FPGA_PARALLEL,       fpga_parallel,       ARRAYS, PARALLEL,   vaccel_fpga_parallel)         \
	X(21, FPGA_VECTORADD,      fpga_vectoradd,      ARRAYS, VECTORADD,  vaccel_fpga_vadd)             \
	X(22, MINMAX,              minmax,              ARRAYS, MINMAX,     vaccel_minmax)                \
	X(23, OPENCV,              opencv,              EXEC,   EXEC_ARGS,  vaccel_opencv)                \
	X(32, ONNX_MODEL_LOAD,     onnx_model_load,     MODEL,  MODEL,      vaccel_onnx_model_load)       \
	X(33, ONNX_MODEL_RUN,      onnx_model_run,      RUN,    RUN_ONNX,   vaccel_onnx_model_run)        \
	X(34, ONNX_MODEL_UNLOAD,   onnx_model_unload,   MODEL,  MODEL,      vaccel_onnx_model_unload)
/* clang-format on */

/* Wire message layouts (docs/protocol.md §5.4). */
enum vaccel__op_family {
	VACCEL__FAMILY_NONE = 0, /* not an op */
	VACCEL__FAMILY_NOOP,	 /* the session only */
	VACCEL__FAMILY_EXEC,	 /* [library | resource] [symbol] read, write */
	VACCEL__FAMILY_IMAGE,	 /* image, output lengths */
	VACCEL__FAMILY_MODEL,	 /* a model resource (load, unload) */
	VACCEL__FAMILY_RUN,	 /* a model resource, tensors */
	VACCEL__FAMILY_TSGEMM,	 /* three torch tensors, m, n, k */
	VACCEL__FAMILY_SGEMM,	 /* BLAS sgemm */
	VACCEL__FAMILY_ARRAYS,	 /* flat arrays in and out (fpga, minmax) */
	VACCEL__FAMILY_MAX,
};

/* Argument shapes within a family (what differs between its ops). */
enum vaccel__op_shape {
	VACCEL__SHAPE_NONE = 0,
	VACCEL__SHAPE_NOOP,
	VACCEL__SHAPE_EXEC_LIB,	  /* a library path and a symbol */
	VACCEL__SHAPE_EXEC_RES,	  /* a library resource and a symbol */
	VACCEL__SHAPE_EXEC_ARGS,  /* args only */
	VACCEL__SHAPE_IMAGE_TEXT, /* a text and an image name out */
	VACCEL__SHAPE_IMAGE,	  /* an image name out */
	VACCEL__SHAPE_MODEL_TF,	  /* + a TF status out */
	VACCEL__SHAPE_MODEL,
	VACCEL__SHAPE_RUN_TF,	  /* options, nodes, status; tf tensors */
	VACCEL__SHAPE_RUN_TFLITE, /* status byte; tflite tensors */
	VACCEL__SHAPE_RUN_TORCH,  /* options; torch tensors */
	VACCEL__SHAPE_RUN_ONNX,	  /* onnx tensors */
	VACCEL__SHAPE_TSGEMM,
	VACCEL__SHAPE_SGEMM,
	VACCEL__SHAPE_ARRAYCOPY, /* int a in, int out */
	VACCEL__SHAPE_MMULT,	 /* float a, b in, c out */
	VACCEL__SHAPE_PARALLEL,	 /* float a, b in, sum and product out */
	VACCEL__SHAPE_VECTORADD, /* float a, b (own length) in, c out */
	VACCEL__SHAPE_MINMAX,	 /* doubles in, thresholds, doubles out */
};

/* Bit n set for every op n of the list. */
#define VACCEL__OP_BIT(NUMBER, NAME, name, FAMILY, SHAPE, API) \
	| (UINT64_C(1) << (NUMBER))
#define VACCEL__OPS_ALL (UINT64_C(0) VACCEL__OP_LIST(VACCEL__OP_BIT))

/* The list agrees with the public enum, and every op fits the masks. */
#define VACCEL__OP_CHECK(NUMBER, NAME, name, FAMILY, SHAPE, API)              \
	_Static_assert((NUMBER) == VACCEL_OP_##NAME,                          \
		       "op list: " #NAME                                      \
		       " is not numbered as in vaccel/op.h");                 \
	_Static_assert((NUMBER) < 64 && (NUMBER) < VACCEL_OP_EXT_MAX,         \
		       "op list: " #NAME " does not fit a uint64_t ops mask " \
		       "or VACCEL_OP_EXT_MAX");
VACCEL__OP_LIST(VACCEL__OP_CHECK)
_Static_assert(VACCEL_OP_EXT_MAX <= 64,
	       "a uint64_t ops mask has a bit for every op number");

#define VACCEL__OP_FAMILY_CASE(NUMBER, NAME, name, FAMILY, SHAPE, API) \
	case NUMBER:                                                   \
		return VACCEL__FAMILY_##FAMILY;
#define VACCEL__OP_SHAPE_CASE(NUMBER, NAME, name, FAMILY, SHAPE, API) \
	case NUMBER:                                                  \
		return VACCEL__SHAPE_##SHAPE;

/* The wire family of op number `op`; VACCEL__FAMILY_NONE if it is none. */
static inline enum vaccel__op_family vaccel__op_family(unsigned long op)
{
	switch (op) {
		VACCEL__OP_LIST(VACCEL__OP_FAMILY_CASE)
	default:
		return VACCEL__FAMILY_NONE;
	}
}

/* The argument shape of op number `op`; VACCEL__SHAPE_NONE if none. */
static inline enum vaccel__op_shape vaccel__op_shape(unsigned long op)
{
	switch (op) {
		VACCEL__OP_LIST(VACCEL__OP_SHAPE_CASE)
	default:
		return VACCEL__SHAPE_NONE;
	}
}

/* Whether `op` (any integer) is the number of an op. */
static inline bool vaccel__op_valid(long op)
{
	return op >= 0 && op < 64 && (VACCEL__OPS_ALL >> op & 1);
}
