// SPDX-License-Identifier: Apache-2.0
/* Tensor, buffer, node and status helpers of the model ops (TF, TFLite,
 * Torch, ONNX). The four tensor families differ only in their types, so
 * one macro defines each family's functions. */
#include "op_common.h"
#include "tensor_size.h"
#include <stdlib.h>
#include <string.h>

/* A sanity bound on tensor ranks (ONNX's is lower, see onnx.h). */
#define MAX_DIMS 64

#define DEFINE_TENSOR_FUNCS(PFX, T, NDIMS_T, DIM_T, DTYPE_T, MAXD)           \
	int PFX##_init(struct T *t, NDIMS_T nr_dims, const DIM_T *dims,      \
		       DTYPE_T type)                                         \
	{                                                                    \
		if (!t || nr_dims < 1 || nr_dims > (MAXD))                   \
			return VACCEL_EINVAL;                                \
		DIM_T *d = calloc((size_t)nr_dims, sizeof(DIM_T));           \
		if (!d)                                                      \
			return VACCEL_ENOMEM;                                \
		if (dims)                                                    \
			memcpy(d, dims, (size_t)nr_dims * sizeof(DIM_T));    \
		t->data = NULL;                                              \
		t->size = 0;                                                 \
		t->owned = false;                                            \
		t->nr_dims = nr_dims;                                        \
		t->dims = d;                                                 \
		t->data_type = type;                                         \
		return VACCEL_OK;                                            \
	}                                                                    \
	int PFX##_release(struct T *t)                                       \
	{                                                                    \
		if (!t)                                                      \
			return VACCEL_EINVAL;                                \
		if (t->owned)                                                \
			free(t->data);                                       \
		free(t->dims);                                               \
		t->data = NULL;                                              \
		t->size = 0;                                                 \
		t->owned = false;                                            \
		t->nr_dims = 0;                                              \
		t->dims = NULL;                                              \
		return VACCEL_OK;                                            \
	}                                                                    \
	int PFX##_new(struct T **t, NDIMS_T nr_dims, const DIM_T *dims,      \
		      DTYPE_T type)                                          \
	{                                                                    \
		if (!t)                                                      \
			return VACCEL_EINVAL;                                \
		struct T *n = calloc(1, sizeof(*n));                         \
		if (!n)                                                      \
			return VACCEL_ENOMEM;                                \
		int ret = PFX##_init(n, nr_dims, dims, type);                \
		if (ret) {                                                   \
			free(n);                                             \
			return ret;                                          \
		}                                                            \
		*t = n;                                                      \
		return VACCEL_OK;                                            \
	}                                                                    \
	int PFX##_allocate(struct T **t, NDIMS_T nr_dims, const DIM_T *dims, \
			   DTYPE_T type, size_t total_size)                  \
	{                                                                    \
		int ret = PFX##_new(t, nr_dims, dims, type);                 \
		if (ret || !total_size)                                      \
			return ret;                                          \
		(*t)->data = calloc(1, total_size);                          \
		if (!(*t)->data) {                                           \
			PFX##_release(*t);                                   \
			free(*t);                                            \
			*t = NULL;                                           \
			return VACCEL_ENOMEM;                                \
		}                                                            \
		(*t)->size = total_size;                                     \
		(*t)->owned = true;                                          \
		return VACCEL_OK;                                            \
	}                                                                    \
	int PFX##_delete(struct T *t)                                        \
	{                                                                    \
		int ret = PFX##_release(t);                                  \
		if (ret)                                                     \
			return ret;                                          \
		free(t);                                                     \
		return VACCEL_OK;                                            \
	}                                                                    \
	/* References `data`; owned data it replaces is freed. */            \
	int PFX##_set_data(struct T *t, void *data, size_t size)             \
	{                                                                    \
		if (!t)                                                      \
			return VACCEL_EINVAL;                                \
		if (t->owned && t->data != data)                             \
			free(t->data);                                       \
		t->data = data;                                              \
		t->size = size;                                              \
		t->owned = false;                                            \
		return VACCEL_OK;                                            \
	}                                                                    \
	/* Detaches the data: the caller owns it afterwards. */              \
	int PFX##_take_data(struct T *t, void **data, size_t *size)          \
	{                                                                    \
		if (!t || !data || !size)                                    \
			return VACCEL_EINVAL;                                \
		*data = t->data;                                             \
		*size = t->size;                                             \
		t->data = NULL;                                              \
		t->size = 0;                                                 \
		t->owned = false;                                            \
		return VACCEL_OK;                                            \
	}

DEFINE_TENSOR_FUNCS(vaccel_tf_tensor, vaccel_tf_tensor, int, int64_t,
		    enum vaccel_tf_data_type, MAX_DIMS)
DEFINE_TENSOR_FUNCS(vaccel_tflite_tensor, vaccel_tflite_tensor, int, int32_t,
		    enum vaccel_tflite_data_type, MAX_DIMS)
DEFINE_TENSOR_FUNCS(vaccel_torch_tensor, vaccel_torch_tensor, int64_t, int64_t,
		    enum vaccel_torch_data_type, MAX_DIMS)
DEFINE_TENSOR_FUNCS(vaccel_onnx_tensor, vaccel_onnx_tensor, int, int64_t,
		    enum vaccel_onnx_data_type, VACCEL_ONNX_MAX_DIMS)

size_t vaccel_onnx_data_type_size(enum vaccel_onnx_data_type type)
{
	return vaccel__tensor_elem_size(VACCEL_OP_ONNX_MODEL_RUN,
					(uint32_t)type);
}

/* ---- buffers: they take ownership of the data given (no copy) ---- */

#define DEFINE_BUFFER_FUNCS(PFX, T, DATA_T)                         \
	int PFX##_init(struct T *b, DATA_T data, size_t size)       \
	{                                                           \
		if (!b)                                             \
			return VACCEL_EINVAL;                       \
		b->data = data;                                     \
		b->size = size;                                     \
		return VACCEL_OK;                                   \
	}                                                           \
	int PFX##_release(struct T *b)                              \
	{                                                           \
		if (!b)                                             \
			return VACCEL_EINVAL;                       \
		free(b->data);                                      \
		b->data = NULL;                                     \
		b->size = 0;                                        \
		return VACCEL_OK;                                   \
	}                                                           \
	int PFX##_new(struct T **b, DATA_T data, size_t size)       \
	{                                                           \
		if (!b)                                             \
			return VACCEL_EINVAL;                       \
		struct T *n = calloc(1, sizeof(*n));                \
		if (!n)                                             \
			return VACCEL_ENOMEM;                       \
		PFX##_init(n, data, size);                          \
		*b = n;                                             \
		return VACCEL_OK;                                   \
	}                                                           \
	int PFX##_delete(struct T *b)                               \
	{                                                           \
		int ret = PFX##_release(b);                         \
		if (ret)                                            \
			return ret;                                 \
		free(b);                                            \
		return VACCEL_OK;                                   \
	}                                                           \
	int PFX##_take_data(struct T *b, void **data, size_t *size) \
	{                                                           \
		if (!b || !data || !size)                           \
			return VACCEL_EINVAL;                       \
		*data = b->data;                                    \
		*size = b->size;                                    \
		b->data = NULL;                                     \
		b->size = 0;                                        \
		return VACCEL_OK;                                   \
	}

DEFINE_BUFFER_FUNCS(vaccel_tf_buffer, vaccel_tf_buffer, void *)
DEFINE_BUFFER_FUNCS(vaccel_torch_buffer, vaccel_torch_buffer, char *)

/* ---- TF nodes and status ---- */

int vaccel_tf_node_init(struct vaccel_tf_node *node, const char *name, int id)
{
	if (!node || !name)
		return VACCEL_EINVAL;
	node->name = strdup(name);
	if (!node->name)
		return VACCEL_ENOMEM;
	node->id = id;
	return VACCEL_OK;
}

int vaccel_tf_node_release(struct vaccel_tf_node *node)
{
	if (!node)
		return VACCEL_EINVAL;
	free(node->name);
	node->name = NULL;
	node->id = -1;
	return VACCEL_OK;
}

int vaccel_tf_node_new(struct vaccel_tf_node **node, const char *name, int id)
{
	if (!node)
		return VACCEL_EINVAL;
	struct vaccel_tf_node *n = calloc(1, sizeof(*n));
	if (!n)
		return VACCEL_ENOMEM;
	int ret = vaccel_tf_node_init(n, name, id);
	if (ret) {
		free(n);
		return ret;
	}
	*node = n;
	return VACCEL_OK;
}

int vaccel_tf_node_delete(struct vaccel_tf_node *node)
{
	int ret = vaccel_tf_node_release(node);
	if (ret)
		return ret;
	free(node);
	return VACCEL_OK;
}

int vaccel_tf_status_init(struct vaccel_tf_status *status, uint8_t code,
			  const char *message)
{
	if (!status || !message)
		return VACCEL_EINVAL;
	status->message = strdup(message);
	if (!status->message)
		return VACCEL_ENOMEM;
	status->code = code;
	return VACCEL_OK;
}

int vaccel_tf_status_release(struct vaccel_tf_status *status)
{
	if (!status)
		return VACCEL_EINVAL;
	free(status->message);
	status->message = NULL;
	status->code = 0;
	return VACCEL_OK;
}

int vaccel_tf_status_new(struct vaccel_tf_status **status, uint8_t code,
			 const char *message)
{
	if (!status)
		return VACCEL_EINVAL;
	struct vaccel_tf_status *s = calloc(1, sizeof(*s));
	if (!s)
		return VACCEL_ENOMEM;
	int ret = vaccel_tf_status_init(s, code, message);
	if (ret) {
		free(s);
		return ret;
	}
	*status = s;
	return VACCEL_OK;
}

int vaccel_tf_status_delete(struct vaccel_tf_status *status)
{
	int ret = vaccel_tf_status_release(status);
	if (ret)
		return ret;
	free(status);
	return VACCEL_OK;
}
