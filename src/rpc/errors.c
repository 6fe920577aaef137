// SPDX-License-Identifier: Apache-2.0
/* The wire error table and message names. Independent of libvaccel's code
 * (only its headers), so the codec can be tested and fuzzed alone. */

#include "wire.h"
#include <vaccel/error.h>
#include <vaccel/op.h>
#include <stddef.h>

static const struct {
	uint32_t code;
	int vaccel;
	const char *name;
} errors[] = {
#define X(code, name, vaccel) { code, vaccel, #name },
	VRPC_ERRORS(X)
#undef X
};
#define NR_ERRORS (sizeof(errors) / sizeof(errors[0]))

uint32_t vrpc_err_to_wire(int err)
{
	if (err < 0)
		err = -err;
	/* Codes from PROTO on are the protocol's own: never chosen for a
	 * VACCEL_E* value (those have their errno twin below PROTO). */
	for (size_t i = 0; i < NR_ERRORS && errors[i].code < VRPC_E_PROTO; i++)
		if (errors[i].vaccel == err)
			return errors[i].code;
	return VRPC_E_UNKNOWN;
}

int vrpc_err_from_wire(uint32_t code)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (errors[i].code == code)
			return errors[i].vaccel;
	return VACCEL_EIO;
}

const char *vrpc_err_name(uint32_t code)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (errors[i].code == code)
			return errors[i].name;
	return "?";
}

static const char *const op_names[] = {
	[VACCEL_OP_NOOP] = "OP_NOOP",
	[VACCEL_OP_EXEC] = "OP_EXEC",
	[VACCEL_OP_EXEC_WITH_RESOURCE] = "OP_EXEC_WITH_RESOURCE",
	[VACCEL_OP_IMAGE_CLASSIFY] = "OP_IMAGE_CLASSIFY",
	[VACCEL_OP_IMAGE_DETECT] = "OP_IMAGE_DETECT",
	[VACCEL_OP_IMAGE_SEGMENT] = "OP_IMAGE_SEGMENT",
	[VACCEL_OP_IMAGE_POSE] = "OP_IMAGE_POSE",
	[VACCEL_OP_IMAGE_DEPTH] = "OP_IMAGE_DEPTH",
	[VACCEL_OP_TF_MODEL_LOAD] = "OP_TF_MODEL_LOAD",
	[VACCEL_OP_TF_MODEL_UNLOAD] = "OP_TF_MODEL_UNLOAD",
	[VACCEL_OP_TF_MODEL_RUN] = "OP_TF_MODEL_RUN",
	[VACCEL_OP_TFLITE_MODEL_LOAD] = "OP_TFLITE_MODEL_LOAD",
	[VACCEL_OP_TFLITE_MODEL_UNLOAD] = "OP_TFLITE_MODEL_UNLOAD",
	[VACCEL_OP_TFLITE_MODEL_RUN] = "OP_TFLITE_MODEL_RUN",
	[VACCEL_OP_TORCH_MODEL_LOAD] = "OP_TORCH_MODEL_LOAD",
	[VACCEL_OP_TORCH_MODEL_RUN] = "OP_TORCH_MODEL_RUN",
	[VACCEL_OP_TORCH_SGEMM] = "OP_TORCH_SGEMM",
	[VACCEL_OP_BLAS_SGEMM] = "OP_BLAS_SGEMM",
	[VACCEL_OP_FPGA_ARRAYCOPY] = "OP_FPGA_ARRAYCOPY",
	[VACCEL_OP_FPGA_MMULT] = "OP_FPGA_MMULT",
	[VACCEL_OP_FPGA_PARALLEL] = "OP_FPGA_PARALLEL",
	[VACCEL_OP_FPGA_VECTORADD] = "OP_FPGA_VECTORADD",
	[VACCEL_OP_MINMAX] = "OP_MINMAX",
	[VACCEL_OP_OPENCV] = "OP_OPENCV",
	[VACCEL_OP_ONNX_MODEL_LOAD] = "OP_ONNX_MODEL_LOAD",
	[VACCEL_OP_ONNX_MODEL_RUN] = "OP_ONNX_MODEL_RUN",
	[VACCEL_OP_ONNX_MODEL_UNLOAD] = "OP_ONNX_MODEL_UNLOAD",
};

const char *vrpc_type_name(uint32_t type)
{
	if (type >= VRPC_T_OP) {
		uint32_t op = type - VRPC_T_OP;
		if (op < sizeof(op_names) / sizeof(op_names[0]))
			return op_names[op];
		return NULL;
	}
	switch (type) {
#define X(n, name) \
	case n:    \
		return #name;
		VRPC_CONTROL_TYPES(X)
#undef X
	default:
		return NULL;
	}
}
