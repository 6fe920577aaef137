// SPDX-License-Identifier: Apache-2.0
/* Tensor, buffer, node and status helpers of the model ops (api-reference.md
 * §7): TF, TFLite, Torch and our ONNX tensors; TF and Torch buffers (they
 * take ownership, no copy); TF nodes and status. ASan checks ownership:
 * what is owned is freed exactly once. No bootstrap needed. */

#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

/* The four tensor families share their semantics; one macro tests each. */
#define TENSOR_TEST(NAME, PFX, T, DIM_T, DTYPE, MAXDIMS)                       \
	static void test_##NAME(void **state)                                  \
	{                                                                      \
		struct T t, *n = NULL;                                         \
		DIM_T dims[3] = { 2, 3, 4 };                                   \
		char stack[8] = "payload";                                     \
                                                                               \
		assert_int_equal(PFX##_init(&t, 3, dims, DTYPE), VACCEL_OK);   \
		assert_int_equal(t.nr_dims, 3);                                \
		assert_ptr_not_equal(t.dims, dims); /* copied */               \
		assert_memory_equal(t.dims, dims, sizeof(dims));               \
		assert_int_equal(t.data_type, DTYPE);                          \
		assert_null(t.data);                                           \
		assert_int_equal(t.size, 0);                                   \
		assert_false(t.owned);                                         \
		/* references data (not owned) */                              \
		assert_int_equal(PFX##_set_data(&t, stack, sizeof(stack)),     \
				 VACCEL_OK);                                   \
		assert_ptr_equal(t.data, stack);                               \
		assert_int_equal(t.size, sizeof(stack));                       \
		assert_false(t.owned);                                         \
		assert_int_equal(PFX##_release(&t), VACCEL_OK);                \
		assert_null(t.dims);                                           \
		assert_null(t.data);                                           \
		assert_int_equal(t.nr_dims, 0);                                \
		assert_string_equal(stack, "payload");                         \
                                                                               \
		/* no dims given: zeroed dims */                               \
		assert_int_equal(PFX##_init(&t, 2, NULL, DTYPE), VACCEL_OK);   \
		assert_int_equal(t.dims[0], 0);                                \
		assert_int_equal(t.dims[1], 0);                                \
		assert_int_equal(PFX##_release(&t), VACCEL_OK);                \
                                                                               \
		/* allocate: zeroed owned data of total_size */                \
		assert_int_equal(PFX##_allocate(&n, 3, dims, DTYPE, 24),       \
				 VACCEL_OK);                                   \
		assert_non_null(n->data);                                      \
		assert_int_equal(n->size, 24);                                 \
		assert_true(n->owned);                                         \
		for (int i = 0; i < 24; i++)                                   \
			assert_int_equal(((unsigned char *)n->data)[i], 0);    \
		/* set_data over owned data frees it (ASan: no leak) */        \
		assert_int_equal(PFX##_set_data(n, stack, sizeof(stack)),      \
				 VACCEL_OK);                                   \
		assert_false(n->owned);                                        \
		assert_int_equal(PFX##_delete(n), VACCEL_OK);                  \
		/* take_data detaches: the caller owns it */                   \
		assert_int_equal(PFX##_allocate(&n, 1, dims, DTYPE, 16),       \
				 VACCEL_OK);                                   \
		void *data = NULL;                                             \
		size_t size = 0;                                               \
		assert_int_equal(PFX##_take_data(n, &data, &size), VACCEL_OK); \
		assert_non_null(data);                                         \
		assert_int_equal(size, 16);                                    \
		assert_null(n->data);                                          \
		assert_int_equal(n->size, 0);                                  \
		assert_false(n->owned);                                        \
		assert_int_equal(PFX##_delete(n), VACCEL_OK);                  \
		free(data);                                                    \
		/* allocate without data */                                    \
		assert_int_equal(PFX##_allocate(&n, 1, dims, DTYPE, 0),        \
				 VACCEL_OK);                                   \
		assert_null(n->data);                                          \
		assert_false(n->owned);                                        \
		assert_int_equal(PFX##_delete(n), VACCEL_OK);                  \
		/* new */                                                      \
		assert_int_equal(PFX##_new(&n, 2, dims, DTYPE), VACCEL_OK);    \
		assert_int_equal(n->nr_dims, 2);                               \
		assert_int_equal(PFX##_delete(n), VACCEL_OK);                  \
                                                                               \
		/* errors */                                                   \
		assert_int_equal(PFX##_init(&t, 0, dims, DTYPE),               \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_init(&t, -1, dims, DTYPE),              \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_init(&t, (MAXDIMS) + 1, NULL, DTYPE),   \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_init(NULL, 1, dims, DTYPE),             \
				 VACCEL_EINVAL);                               \
		n = NULL;                                                      \
		assert_int_equal(PFX##_new(&n, 0, dims, DTYPE),                \
				 VACCEL_EINVAL);                               \
		assert_null(n);                                                \
		assert_int_equal(PFX##_new(NULL, 1, dims, DTYPE),              \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_allocate(NULL, 1, dims, DTYPE, 4),      \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_allocate(&n, 0, dims, DTYPE, 4),        \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_release(NULL), VACCEL_EINVAL);          \
		assert_int_equal(PFX##_delete(NULL), VACCEL_EINVAL);           \
		assert_int_equal(PFX##_set_data(NULL, stack, 1),               \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_take_data(NULL, &data, &size),          \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_init(&t, 1, dims, DTYPE), VACCEL_OK);   \
		assert_int_equal(PFX##_take_data(&t, NULL, &size),             \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_take_data(&t, &data, NULL),             \
				 VACCEL_EINVAL);                               \
		assert_int_equal(PFX##_release(&t), VACCEL_OK);                \
	}

TENSOR_TEST(tf_tensor, vaccel_tf_tensor, vaccel_tf_tensor, int64_t,
	    VACCEL_TF_FLOAT, 64)
TENSOR_TEST(tflite_tensor, vaccel_tflite_tensor, vaccel_tflite_tensor, int32_t,
	    VACCEL_TFLITE_FLOAT32, 64)
TENSOR_TEST(torch_tensor, vaccel_torch_tensor, vaccel_torch_tensor, int64_t,
	    VACCEL_TORCH_FLOAT, 64)
TENSOR_TEST(onnx_tensor, vaccel_onnx_tensor, vaccel_onnx_tensor, int64_t,
	    VACCEL_ONNX_FLOAT, VACCEL_ONNX_MAX_DIMS)

#define BUFFER_TEST(NAME, PFX, T, DATA_T)                                     \
	static void test_##NAME(void **state)                                 \
	{                                                                     \
		struct T b, *n = NULL;                                        \
		DATA_T data = malloc(10);                                     \
		memcpy(data, "0123456789", 10);                               \
                                                                              \
		/* takes ownership, no copy */                                \
		assert_int_equal(PFX##_init(&b, data, 10), VACCEL_OK);        \
		assert_ptr_equal(b.data, data);                               \
		assert_int_equal(b.size, 10);                                 \
		assert_int_equal(PFX##_release(&b), VACCEL_OK); /* frees */   \
		assert_null(b.data);                                          \
		assert_int_equal(b.size, 0);                                  \
                                                                              \
		data = malloc(4);                                             \
		assert_int_equal(PFX##_new(&n, data, 4), VACCEL_OK);          \
		void *out = NULL;                                             \
		size_t size = 0;                                              \
		assert_int_equal(PFX##_take_data(n, &out, &size), VACCEL_OK); \
		assert_ptr_equal(out, data);                                  \
		assert_int_equal(size, 4);                                    \
		assert_null(n->data);                                         \
		assert_int_equal(PFX##_delete(n), VACCEL_OK);                 \
		free(out);                                                    \
		/* an empty buffer */                                         \
		assert_int_equal(PFX##_init(&b, NULL, 0), VACCEL_OK);         \
		assert_int_equal(PFX##_release(&b), VACCEL_OK);               \
                                                                              \
		assert_int_equal(PFX##_init(NULL, NULL, 0), VACCEL_EINVAL);   \
		assert_int_equal(PFX##_new(NULL, NULL, 0), VACCEL_EINVAL);    \
		assert_int_equal(PFX##_release(NULL), VACCEL_EINVAL);         \
		assert_int_equal(PFX##_delete(NULL), VACCEL_EINVAL);          \
		assert_int_equal(PFX##_take_data(NULL, &out, &size),          \
				 VACCEL_EINVAL);                              \
		assert_int_equal(PFX##_take_data(&b, NULL, &size),            \
				 VACCEL_EINVAL);                              \
		assert_int_equal(PFX##_take_data(&b, &out, NULL),             \
				 VACCEL_EINVAL);                              \
	}

BUFFER_TEST(tf_buffer, vaccel_tf_buffer, vaccel_tf_buffer, void *)
BUFFER_TEST(torch_buffer, vaccel_torch_buffer, vaccel_torch_buffer, char *)

static void test_tf_node(void **state)
{
	struct vaccel_tf_node node, *n = NULL;
	char name[] = "serving_default_data";

	assert_int_equal(vaccel_tf_node_init(&node, name, 3), VACCEL_OK);
	assert_ptr_not_equal(node.name, name); /* copied */
	assert_string_equal(node.name, name);
	assert_int_equal(node.id, 3);
	assert_int_equal(vaccel_tf_node_release(&node), VACCEL_OK);
	assert_null(node.name);
	assert_int_equal(node.id, -1);
	assert_int_equal(vaccel_tf_node_new(&n, "PartitionedCall", 0),
			 VACCEL_OK);
	assert_string_equal(n->name, "PartitionedCall");
	assert_int_equal(vaccel_tf_node_delete(n), VACCEL_OK);

	n = NULL;
	assert_int_equal(vaccel_tf_node_init(&node, NULL, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_node_init(NULL, name, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_node_new(&n, NULL, 0), VACCEL_EINVAL);
	assert_null(n);
	assert_int_equal(vaccel_tf_node_new(NULL, name, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_node_release(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_node_delete(NULL), VACCEL_EINVAL);
}

static void test_tf_status(void **state)
{
	struct vaccel_tf_status st, *n = NULL;
	char msg[] = "all good";

	assert_int_equal(vaccel_tf_status_init(&st, 7, msg), VACCEL_OK);
	assert_int_equal(st.code, 7);
	assert_ptr_not_equal(st.message, msg);
	assert_string_equal(st.message, msg);
	assert_int_equal(vaccel_tf_status_release(&st), VACCEL_OK);
	assert_null(st.message);
	assert_int_equal(st.code, 0);
	assert_int_equal(vaccel_tf_status_new(&n, 1, "x"), VACCEL_OK);
	assert_int_equal(n->code, 1);
	assert_int_equal(vaccel_tf_status_delete(n), VACCEL_OK);

	n = NULL;
	assert_int_equal(vaccel_tf_status_init(&st, 0, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_status_init(NULL, 0, msg), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_status_new(&n, 0, NULL), VACCEL_EINVAL);
	assert_null(n);
	assert_int_equal(vaccel_tf_status_new(NULL, 0, msg), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_status_release(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_status_delete(NULL), VACCEL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tf_tensor),
		cmocka_unit_test(test_tflite_tensor),
		cmocka_unit_test(test_torch_tensor),
		cmocka_unit_test(test_onnx_tensor),
		cmocka_unit_test(test_tf_buffer),
		cmocka_unit_test(test_torch_buffer),
		cmocka_unit_test(test_tf_node),
		cmocka_unit_test(test_tf_status),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
