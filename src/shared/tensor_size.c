// SPDX-License-Identifier: Apache-2.0
/* Tensor sizes (tensor_size.h). */
#include "tensor_size.h"
#include <vaccel/op.h>
#include <vaccel/ops/onnx.h>

size_t vaccel__tensor_elem_size(unsigned family, uint32_t type)
{
	static const uint8_t tf[] = { 0, 4, 8, 4, 1, 2, 1,  0, 8, 8, 1, 1,
				      1, 4, 2, 2, 2, 2, 16, 2, 0, 0, 4, 8 };
	static const uint8_t tfl[] = { 0, 4, 4, 1,  8, 0, 1, 2, 8,
				       1, 2, 8, 16, 8, 0, 0, 4, 2 };
	static const uint8_t torch[] = { 0, 1, 1, 2, 4, 8, 2, 4 };
	switch (family) {
	case VACCEL_OP_TF_MODEL_RUN:
		return type < sizeof(tf) ? tf[type] : 0;
	case VACCEL_OP_TFLITE_MODEL_RUN:
		return type < sizeof(tfl) ? tfl[type] : 0;
	case VACCEL_OP_TORCH_MODEL_RUN:
	case VACCEL_OP_TORCH_SGEMM:
		return type < sizeof(torch) ? torch[type] : 0;
	}
	switch ((enum vaccel_onnx_data_type)type) {
	case VACCEL_ONNX_UINT8:
	case VACCEL_ONNX_INT8:
	case VACCEL_ONNX_BOOL:
		return 1;
	case VACCEL_ONNX_UINT16:
	case VACCEL_ONNX_INT16:
	case VACCEL_ONNX_FLOAT16:
		return 2;
	case VACCEL_ONNX_FLOAT:
	case VACCEL_ONNX_INT32:
	case VACCEL_ONNX_UINT32:
		return 4;
	case VACCEL_ONNX_INT64:
	case VACCEL_ONNX_DOUBLE:
	case VACCEL_ONNX_UINT64:
		return 8;
	default:
		return 0;
	}
}

bool vaccel__tensor_bytes(unsigned family, uint32_t type, uint32_t nr_dims,
			  const int64_t *dims, uint64_t *bytes)
{
	size_t esize = vaccel__tensor_elem_size(family, type);
	uint64_t n = 1;
	if (!esize || (nr_dims && !dims))
		return false;
	for (uint32_t i = 0; i < nr_dims; i++) {
		if (dims[i] < 0 ||
		    (dims[i] && n > UINT64_MAX / (uint64_t)dims[i]))
			return false;
		n *= (uint64_t)dims[i];
	}
	if (n > UINT64_MAX / esize)
		return false;
	*bytes = n * esize;
	return true;
}
