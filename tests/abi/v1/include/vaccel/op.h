// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "list.h"
#include "utils/enum.h"
#include "utils/str.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operation numbers. 0..23 are upstream vAccel's and cross the wire in genop,
 * so they never change. Numbers from 32 are our extensions. */
typedef enum {
	VACCEL_OP_NOOP = 0,
	VACCEL_OP_EXEC = 1,
	VACCEL_OP_EXEC_WITH_RESOURCE = 2,
	VACCEL_OP_IMAGE_CLASSIFY = 3,
	VACCEL_OP_IMAGE_DETECT = 4,
	VACCEL_OP_IMAGE_SEGMENT = 5,
	VACCEL_OP_IMAGE_POSE = 6,
	VACCEL_OP_IMAGE_DEPTH = 7,
	VACCEL_OP_TF_MODEL_LOAD = 8,
	VACCEL_OP_TF_MODEL_UNLOAD = 9,
	VACCEL_OP_TF_MODEL_RUN = 10,
	VACCEL_OP_TFLITE_MODEL_LOAD = 11,
	VACCEL_OP_TFLITE_MODEL_UNLOAD = 12,
	VACCEL_OP_TFLITE_MODEL_RUN = 13,
	VACCEL_OP_TORCH_MODEL_LOAD = 14,
	VACCEL_OP_TORCH_MODEL_RUN = 15,
	VACCEL_OP_TORCH_SGEMM = 16,
	VACCEL_OP_BLAS_SGEMM = 17,
	VACCEL_OP_FPGA_ARRAYCOPY = 18,
	VACCEL_OP_FPGA_MMULT = 19,
	VACCEL_OP_FPGA_PARALLEL = 20,
	VACCEL_OP_FPGA_VECTORADD = 21,
	VACCEL_OP_MINMAX = 22,
	VACCEL_OP_OPENCV = 23,
	/* end of upstream's range (upstream code sizes arrays with it) */
	VACCEL_OP_MAX = 24,
	/* extensions: generic ONNX model inference (vaccel/ops/onnx.h) */
	VACCEL_OP_ONNX_MODEL_LOAD = 32,
	VACCEL_OP_ONNX_MODEL_RUN = 33,
	VACCEL_OP_ONNX_MODEL_UNLOAD = 34,
	/* one past the highest op number of any kind */
	VACCEL_OP_EXT_MAX = 35,
} vaccel_op_type_t;

/* The full name of a value ("VACCEL_..."); "..._MAX" if unknown. */
const char *vaccel_op_type_name(vaccel_op_type_t op);

static inline const char *vaccel_op_type_to_str(vaccel_op_type_t op)
{
	return vaccel_op_type_name(op);
}

static inline const char *vaccel_op_type_to_base_str(vaccel_op_type_t op)
{
	return vaccel_enum_base(vaccel_op_type_to_str(op), "VACCEL_OP_");
}

/* Lower-case base name of `op` ("image_classify") written into `lower`. */
static inline char *vaccel_op_type_to_lower(vaccel_op_type_t op, char *lower,
					    size_t size)
{
	vaccel_str_to_lower(vaccel_op_type_to_base_str(op), lower, size, NULL);
	return lower;
}

/* Upstream's untyped op registration record. Kept so that upstream code
 * compiles; our plugins describe their ops with the typed table of
 * vaccel/plugin.h instead (see docs/plugins.md). */
struct vaccel_plugin;
struct vaccel_op {
	vaccel_op_type_t type;
	void *func;
	struct vaccel_plugin *owner;
};

extern struct vaccel_plugin vaccel_this_plugin;
#define VACCEL_OP_INIT(name, type, func)              \
	{                                             \
		(type), (func), (&vaccel_this_plugin) \
	}

#ifdef __cplusplus
}
#endif
