// SPDX-License-Identifier: Apache-2.0
/* Ours (not in upstream vAccel 0.7): generic ONNX model inference, in the
 * style of the TFLite API. Inputs are given in the model's input order,
 * outputs come back in the model's output order. */
#pragma once

#include "vaccel/resource.h"
#include "vaccel/session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same numbers as ONNX's TensorProto.DataType. */
enum vaccel_onnx_data_type {
	VACCEL_ONNX_UNDEFINED = 0,
	VACCEL_ONNX_FLOAT = 1,
	VACCEL_ONNX_UINT8 = 2,
	VACCEL_ONNX_INT8 = 3,
	VACCEL_ONNX_UINT16 = 4,
	VACCEL_ONNX_INT16 = 5,
	VACCEL_ONNX_INT32 = 6,
	VACCEL_ONNX_INT64 = 7,
	VACCEL_ONNX_STRING = 8,
	VACCEL_ONNX_BOOL = 9,
	VACCEL_ONNX_FLOAT16 = 10,
	VACCEL_ONNX_DOUBLE = 11,
	VACCEL_ONNX_UINT32 = 12,
	VACCEL_ONNX_UINT64 = 13,
};

/* Bytes of one element of `type`, 0 for types without a fixed size. */
size_t vaccel_onnx_data_type_size(enum vaccel_onnx_data_type type);

/* Most dimensions a tensor may have. */
#define VACCEL_ONNX_MAX_DIMS 16

struct vaccel_onnx_tensor {
	void *data;
	size_t size;
	/* true: `data` is freed with the tensor */
	bool owned;
	int nr_dims;
	int64_t *dims;
	enum vaccel_onnx_data_type data_type;
};

int vaccel_onnx_tensor_init(struct vaccel_onnx_tensor *tensor, int nr_dims,
			    const int64_t *dims,
			    enum vaccel_onnx_data_type type);
int vaccel_onnx_tensor_release(struct vaccel_onnx_tensor *tensor);
int vaccel_onnx_tensor_new(struct vaccel_onnx_tensor **tensor, int nr_dims,
			   const int64_t *dims,
			   enum vaccel_onnx_data_type type);
int vaccel_onnx_tensor_allocate(struct vaccel_onnx_tensor **tensor, int nr_dims,
				const int64_t *dims,
				enum vaccel_onnx_data_type type,
				size_t total_size);
int vaccel_onnx_tensor_delete(struct vaccel_onnx_tensor *tensor);
int vaccel_onnx_tensor_set_data(struct vaccel_onnx_tensor *tensor, void *data,
				size_t size);
int vaccel_onnx_tensor_take_data(struct vaccel_onnx_tensor *tensor, void **data,
				 size_t *size);

/* Load the .onnx file of a MODEL resource registered with the session. */
int vaccel_onnx_model_load(struct vaccel_session *sess,
			   struct vaccel_resource *model);
/* Run a loaded model. outputs[i] are allocated by the plugin; free them
 * with vaccel_onnx_tensor_delete(). */
int vaccel_onnx_model_run(struct vaccel_session *sess,
			  const struct vaccel_resource *model,
			  struct vaccel_onnx_tensor *const *inputs,
			  int nr_inputs, struct vaccel_onnx_tensor **outputs,
			  int nr_outputs);
int vaccel_onnx_model_unload(struct vaccel_session *sess,
			     struct vaccel_resource *model);

#ifdef __cplusplus
}
#endif
