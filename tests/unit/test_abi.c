// SPDX-License-Identifier: Apache-2.0
/* ABI of the public headers: sizes and field offsets of the structs that
 * applications allocate or read (api-reference.md §1.4, measured on x86_64
 * upstream), and the numeric values of every public enum (§1.3), which
 * cross the wire in genop and are compared by applications. Runtime checks,
 * so that a mismatch is a failed test with the numbers, not a broken
 * build. */

#include "tu.h"
#include <stddef.h>
#include <vaccel.h>

#define SIZE(T, n)   assert_int_equal(sizeof(T), (n))
#define OFF(T, f, n) assert_int_equal(offsetof(T, f), (n))

/* The tables below are x86_64's (upstream's reference). Keyed on the
 * architecture, not on LP64: aarch64 is LP64 too, but its pthread_mutex_t is
 * 48 bytes (40 on x86_64), so the structs that hold one differ. */
static bool on_x86_64(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

static void test_sizes_x86_64(void **state)
{
	if (!on_x86_64()) {
		skip();
	}
	SIZE(vaccel_id_t, 8);
	SIZE(struct vaccel_list_entry, 16);
	SIZE(struct vaccel_config, 32);
	SIZE(struct vaccel_arg, 32);
	SIZE(struct vaccel_arg_array, 40);
	SIZE(struct vaccel_arg_list, 32);
	SIZE(struct vaccel_blob, 56);
	SIZE(struct vaccel_resource, 152);
	SIZE(struct vaccel_session, 4264);
	SIZE(struct vaccel_op, 24);
	SIZE(struct vaccel_plugin_info, 96);
	SIZE(struct vaccel_plugin, 224);
	SIZE(struct vaccel_prof_sample, 16);
	SIZE(struct vaccel_prof_region, 40);
	SIZE(struct vaccel_tf_tensor, 40);
	SIZE(struct vaccel_tf_buffer, 16);
	SIZE(struct vaccel_tf_node, 16);
	SIZE(struct vaccel_tf_status, 16);
	SIZE(struct vaccel_tflite_tensor, 40);
	SIZE(struct vaccel_torch_buffer, 16);
	SIZE(struct vaccel_torch_tensor, 48);
}

static void test_offsets_x86_64(void **state)
{
	if (!on_x86_64()) {
		skip();
	}
	OFF(struct vaccel_list_entry, next, 0);
	OFF(struct vaccel_list_entry, prev, 8);

	OFF(struct vaccel_config, plugins, 0);
	OFF(struct vaccel_config, log_level, 8);
	OFF(struct vaccel_config, log_file, 16);
	OFF(struct vaccel_config, profiling_enabled, 24);
	OFF(struct vaccel_config, version_ignore, 25);

	OFF(struct vaccel_arg, buf, 0);
	OFF(struct vaccel_arg, size, 8);
	OFF(struct vaccel_arg, type, 16);
	OFF(struct vaccel_arg, custom_type_id, 20);
	OFF(struct vaccel_arg, owned, 24);

	OFF(struct vaccel_arg_array, args, 0);
	OFF(struct vaccel_arg_array, count, 8);
	OFF(struct vaccel_arg_array, capacity, 16);
	OFF(struct vaccel_arg_array, position, 24);
	OFF(struct vaccel_arg_array, owned, 32);

	OFF(struct vaccel_arg_list, size, 0);
	OFF(struct vaccel_arg_list, list, 8);
	OFF(struct vaccel_arg_list, curr_idx, 16);
	OFF(struct vaccel_arg_list, idcs_allocated_space, 24);

	OFF(struct vaccel_blob, type, 0);
	OFF(struct vaccel_blob, name, 8);
	OFF(struct vaccel_blob, path, 16);
	OFF(struct vaccel_blob, path_owned, 24);
	OFF(struct vaccel_blob, data, 32);
	OFF(struct vaccel_blob, data_owned, 40);
	OFF(struct vaccel_blob, size, 48);

	OFF(struct vaccel_resource, id, 0);
	OFF(struct vaccel_resource, remote_id, 8);
	OFF(struct vaccel_resource, type, 16);
	OFF(struct vaccel_resource, path_type, 20);
	OFF(struct vaccel_resource, paths, 24);
	OFF(struct vaccel_resource, nr_paths, 32);
	OFF(struct vaccel_resource, rundir, 40);
	OFF(struct vaccel_resource, blobs, 48);
	OFF(struct vaccel_resource, nr_blobs, 56);
	OFF(struct vaccel_resource, entry, 64);
	OFF(struct vaccel_resource, sessions, 80);
	OFF(struct vaccel_resource, sessions_lock, 96);
	OFF(struct vaccel_resource, refcount, 136);
	OFF(struct vaccel_resource, plugin_priv, 144);

	OFF(struct vaccel_session, id, 0);
	OFF(struct vaccel_session, remote_id, 8);
	OFF(struct vaccel_session, hint, 16);
	OFF(struct vaccel_session, is_virtio, 20);
	OFF(struct vaccel_session, rundir, 21);
	OFF(struct vaccel_session, entry, 4120);
	OFF(struct vaccel_session, resources, 4136);
	OFF(struct vaccel_session, resource_counts, 4184);
	OFF(struct vaccel_session, resources_lock, 4208);
	OFF(struct vaccel_session, plugin, 4248);
	OFF(struct vaccel_session, priv, 4256);
	assert_int_equal(sizeof(((struct vaccel_session *)0)->rundir), 4096);

	OFF(struct vaccel_op, type, 0);
	OFF(struct vaccel_op, func, 8);
	OFF(struct vaccel_op, owner, 16);

	OFF(struct vaccel_plugin_info, name, 0);
	OFF(struct vaccel_plugin_info, version, 8);
	OFF(struct vaccel_plugin_info, vaccel_version, 16);
	OFF(struct vaccel_plugin_info, init, 24);
	OFF(struct vaccel_plugin_info, fini, 32);
	OFF(struct vaccel_plugin_info, is_virtio, 40);
	OFF(struct vaccel_plugin_info, type, 44);
	OFF(struct vaccel_plugin_info, session_init, 48);
	OFF(struct vaccel_plugin_info, session_release, 56);
	OFF(struct vaccel_plugin_info, session_update, 64);
	OFF(struct vaccel_plugin_info, resource_register, 72);
	OFF(struct vaccel_plugin_info, resource_unregister, 80);
	OFF(struct vaccel_plugin_info, resource_sync, 88);

	OFF(struct vaccel_plugin, dl_handle, 0);
	OFF(struct vaccel_plugin, entry, 8);
	OFF(struct vaccel_plugin, ops, 24);
	OFF(struct vaccel_plugin, info, 216);

	OFF(struct vaccel_prof_sample, start, 0);
	OFF(struct vaccel_prof_sample, time, 8);
	OFF(struct vaccel_prof_region, name, 0);
	OFF(struct vaccel_prof_region, name_owned, 8);
	OFF(struct vaccel_prof_region, nr_entries, 16);
	OFF(struct vaccel_prof_region, samples, 24);
	OFF(struct vaccel_prof_region, size, 32);

	OFF(struct vaccel_tf_buffer, data, 0);
	OFF(struct vaccel_tf_buffer, size, 8);
	OFF(struct vaccel_tf_node, name, 0);
	OFF(struct vaccel_tf_node, id, 8);
	OFF(struct vaccel_tf_status, code, 0);
	OFF(struct vaccel_tf_status, message, 8);
	OFF(struct vaccel_tf_tensor, data, 0);
	OFF(struct vaccel_tf_tensor, size, 8);
	OFF(struct vaccel_tf_tensor, owned, 16);
	OFF(struct vaccel_tf_tensor, nr_dims, 20);
	OFF(struct vaccel_tf_tensor, dims, 24);
	OFF(struct vaccel_tf_tensor, data_type, 32);
	OFF(struct vaccel_tflite_tensor, nr_dims, 20);
	OFF(struct vaccel_tflite_tensor, dims, 24);
	OFF(struct vaccel_tflite_tensor, data_type, 32);
	OFF(struct vaccel_torch_buffer, data, 0);
	OFF(struct vaccel_torch_buffer, size, 8);
	OFF(struct vaccel_torch_tensor, owned, 16);
	OFF(struct vaccel_torch_tensor, nr_dims, 24);
	OFF(struct vaccel_torch_tensor, dims, 32);
	OFF(struct vaccel_torch_tensor, data_type, 40);
}

/* The field types applications rely on (stack allocation, printf). */
static void test_field_types(void **state)
{
	struct vaccel_session s;
	struct vaccel_resource r;
	assert_int_equal(sizeof(s.id), 8);
	assert_int_equal(sizeof(s.hint), sizeof(unsigned int));
	assert_int_equal(sizeof(r.refcount), sizeof(unsigned int));
	assert_int_equal(sizeof(((struct vaccel_plugin *)0)->ops) /
				 sizeof(struct vaccel_op *),
			 24);
	assert_int_equal(sizeof(((struct vaccel_torch_tensor *)0)->nr_dims), 8);
	assert_int_equal(sizeof(((struct vaccel_tflite_tensor *)0)->dims[0]),
			 4);
	/* LIST_ENTRY_INIT and VACCEL_PROF_REGION_INIT expand as upstream's */
	struct vaccel_list_entry e = LIST_ENTRY_INIT(e);
	assert_ptr_equal(e.next, &e);
	assert_ptr_equal(e.prev, &e);
	struct vaccel_prof_region pr = VACCEL_PROF_REGION_INIT("x");
	assert_string_equal(pr.name, "x");
	assert_false(pr.name_owned);
	assert_int_equal(pr.nr_entries, 0);
	assert_null(pr.samples);
	assert_int_equal(pr.size, 0);
}

static void test_error_codes(void **state)
{
	assert_int_equal(VACCEL_OK, 0);
	assert_int_equal(VACCEL_EINVAL, 22);
	assert_int_equal(VACCEL_ENOMEM, 12);
	assert_int_equal(VACCEL_ENOTSUP, 95);
	assert_int_equal(VACCEL_EINPROGRESS, 115);
	assert_int_equal(VACCEL_EBUSY, 16);
	assert_int_equal(VACCEL_EEXIST, 17);
	assert_int_equal(VACCEL_ENOENT, 2);
	assert_int_equal(VACCEL_ELIBBAD, 80);
	assert_int_equal(VACCEL_ENODEV, 19);
	assert_int_equal(VACCEL_EIO, 5);
	assert_int_equal(VACCEL_ESESS, 104);
	assert_int_equal(VACCEL_EBACKEND, 71);
	assert_int_equal(VACCEL_ENOEXEC, 8);
	assert_int_equal(VACCEL_ENAMETOOLONG, 36);
	assert_int_equal(VACCEL_EUSERS, 87);
	assert_int_equal(VACCEL_EPERM, 1);
	assert_int_equal(VACCEL_ELOOP, 40);
	assert_int_equal(VACCEL_EMLINK, 31);
	assert_int_equal(VACCEL_ENOSPC, 28);
	assert_int_equal(VACCEL_ENOTDIR, 20);
	assert_int_equal(VACCEL_EROFS, 30);
	assert_int_equal(VACCEL_EACCES, 13);
	assert_int_equal(VACCEL_EBADF, 9);
	assert_int_equal(VACCEL_EREMOTEIO, 121);
	assert_int_equal(VACCEL_EFAULT, 14);
	assert_int_equal(VACCEL_ERANGE, 34);
	assert_int_equal(VACCEL_EAGAIN, 11);
	assert_int_equal(VACCEL_ENOSYS, 38);
	assert_int_equal(VACCEL_ETIMEDOUT, 110);
}

static void test_op_numbers(void **state)
{
	static const struct {
		int value, expected;
	} ops[] = {
		{ VACCEL_OP_NOOP, 0 },
		{ VACCEL_OP_EXEC, 1 },
		{ VACCEL_OP_EXEC_WITH_RESOURCE, 2 },
		{ VACCEL_OP_IMAGE_CLASSIFY, 3 },
		{ VACCEL_OP_IMAGE_DETECT, 4 },
		{ VACCEL_OP_IMAGE_SEGMENT, 5 },
		{ VACCEL_OP_IMAGE_POSE, 6 },
		{ VACCEL_OP_IMAGE_DEPTH, 7 },
		{ VACCEL_OP_TF_MODEL_LOAD, 8 },
		{ VACCEL_OP_TF_MODEL_UNLOAD, 9 },
		{ VACCEL_OP_TF_MODEL_RUN, 10 },
		{ VACCEL_OP_TFLITE_MODEL_LOAD, 11 },
		{ VACCEL_OP_TFLITE_MODEL_UNLOAD, 12 },
		{ VACCEL_OP_TFLITE_MODEL_RUN, 13 },
		{ VACCEL_OP_TORCH_MODEL_LOAD, 14 },
		{ VACCEL_OP_TORCH_MODEL_RUN, 15 },
		{ VACCEL_OP_TORCH_SGEMM, 16 },
		{ VACCEL_OP_BLAS_SGEMM, 17 },
		{ VACCEL_OP_FPGA_ARRAYCOPY, 18 },
		{ VACCEL_OP_FPGA_MMULT, 19 },
		{ VACCEL_OP_FPGA_PARALLEL, 20 },
		{ VACCEL_OP_FPGA_VECTORADD, 21 },
		{ VACCEL_OP_MINMAX, 22 },
		{ VACCEL_OP_OPENCV, 23 },
		{ VACCEL_OP_MAX, 24 },
		{ VACCEL_OP_ONNX_MODEL_LOAD, 32 },
		{ VACCEL_OP_ONNX_MODEL_RUN, 33 },
		{ VACCEL_OP_ONNX_MODEL_UNLOAD, 34 },
		{ VACCEL_OP_EXT_MAX, 35 },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		assert_int_equal(ops[i].value, ops[i].expected);
}

static void test_arg_types(void **state)
{
	static const int types[] = {
		VACCEL_ARG_RAW,		  VACCEL_ARG_INT8,
		VACCEL_ARG_INT8_ARRAY,	  VACCEL_ARG_INT16,
		VACCEL_ARG_INT16_ARRAY,	  VACCEL_ARG_INT32,
		VACCEL_ARG_INT32_ARRAY,	  VACCEL_ARG_INT64,
		VACCEL_ARG_INT64_ARRAY,	  VACCEL_ARG_UINT8,
		VACCEL_ARG_UINT8_ARRAY,	  VACCEL_ARG_UINT16,
		VACCEL_ARG_UINT16_ARRAY,  VACCEL_ARG_UINT32,
		VACCEL_ARG_UINT32_ARRAY,  VACCEL_ARG_UINT64,
		VACCEL_ARG_UINT64_ARRAY,  VACCEL_ARG_FLOAT32,
		VACCEL_ARG_FLOAT32_ARRAY, VACCEL_ARG_FLOAT64,
		VACCEL_ARG_FLOAT64_ARRAY, VACCEL_ARG_BOOL,
		VACCEL_ARG_BOOL_ARRAY,	  VACCEL_ARG_CHAR,
		VACCEL_ARG_CHAR_ARRAY,	  VACCEL_ARG_UCHAR,
		VACCEL_ARG_UCHAR_ARRAY,	  VACCEL_ARG_STRING,
		VACCEL_ARG_BUFFER,	  VACCEL_ARG_CUSTOM,
		VACCEL_ARG_MAX,
	};
	/* consecutive from 0 in the order of the reference */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(types[i], (int)i);
	assert_int_equal(VACCEL_ARG_MAX, 30);
}

static void test_plugin_bits(void **state)
{
	assert_int_equal(VACCEL_PLUGIN_CPU, 0x0001);
	assert_int_equal(VACCEL_PLUGIN_GPU, 0x0002);
	assert_int_equal(VACCEL_PLUGIN_FPGA, 0x0004);
	assert_int_equal(VACCEL_PLUGIN_SOFTWARE, 0x0008);
	assert_int_equal(VACCEL_PLUGIN_TENSORFLOW, 0x0010);
	assert_int_equal(VACCEL_PLUGIN_TORCH, 0x0020);
	assert_int_equal(VACCEL_PLUGIN_JETSON, 0x0040);
	assert_int_equal(VACCEL_PLUGIN_GENERIC, 0x0080);
	assert_int_equal(VACCEL_PLUGIN_DEBUG, 0x0100);
	assert_int_equal(VACCEL_PLUGIN_REMOTE, 0x4000);
	assert_int_equal(VACCEL_PLUGIN_ALL, 0xffff);
	assert_int_equal(VACCEL_PLUGIN_MAX, 0x10000);
}

static void test_small_enums(void **state)
{
	assert_int_equal(VACCEL_RESOURCE_LIB, 0);
	assert_int_equal(VACCEL_RESOURCE_DATA, 1);
	assert_int_equal(VACCEL_RESOURCE_MODEL, 2);
	assert_int_equal(VACCEL_RESOURCE_MAX, 3);
	assert_int_equal(VACCEL_BLOB_FILE, 0);
	assert_int_equal(VACCEL_BLOB_BUFFER, 1);
	assert_int_equal(VACCEL_BLOB_MAPPED, 2);
	assert_int_equal(VACCEL_BLOB_MAX, 3);
	assert_int_equal(VACCEL_PATH_LOCAL_FILE, 0);
	assert_int_equal(VACCEL_PATH_LOCAL_DIR, 1);
	assert_int_equal(VACCEL_PATH_REMOTE_FILE, 2);
	assert_int_equal(VACCEL_PATH_MAX, 3);
	assert_int_equal(VACCEL_LOG_ERROR, 1);
	assert_int_equal(VACCEL_LOG_WARN, 2);
	assert_int_equal(VACCEL_LOG_INFO, 3);
	assert_int_equal(VACCEL_LOG_DEBUG, 4);
	assert_int_equal(VACCEL_LOG_MAX, 5);
}

static void test_dtypes(void **state)
{
	/* TF_DataType */
	static const int tf[][2] = {
		{ VACCEL_TF_FLOAT, 1 },	      { VACCEL_TF_DOUBLE, 2 },
		{ VACCEL_TF_INT32, 3 },	      { VACCEL_TF_UINT8, 4 },
		{ VACCEL_TF_INT16, 5 },	      { VACCEL_TF_INT8, 6 },
		{ VACCEL_TF_STRING, 7 },      { VACCEL_TF_COMPLEX64, 8 },
		{ VACCEL_TF_COMPLEX, 8 },     { VACCEL_TF_INT64, 9 },
		{ VACCEL_TF_BOOL, 10 },	      { VACCEL_TF_QINT8, 11 },
		{ VACCEL_TF_QUINT8, 12 },     { VACCEL_TF_QINT32, 13 },
		{ VACCEL_TF_BFLOAT16, 14 },   { VACCEL_TF_QINT16, 15 },
		{ VACCEL_TF_QUINT16, 16 },    { VACCEL_TF_UINT16, 17 },
		{ VACCEL_TF_COMPLEX128, 18 }, { VACCEL_TF_HALF, 19 },
		{ VACCEL_TF_RESOURCE, 20 },   { VACCEL_TF_VARIANT, 21 },
		{ VACCEL_TF_UINT32, 22 },     { VACCEL_TF_UINT64, 23 },
	};
	for (size_t i = 0; i < sizeof(tf) / sizeof(tf[0]); i++)
		assert_int_equal(tf[i][0], tf[i][1]);
	/* TfLiteType: consecutive from NOTYPE = 0 */
	static const int tfl[] = {
		VACCEL_TFLITE_NOTYPE,	  VACCEL_TFLITE_FLOAT32,
		VACCEL_TFLITE_INT32,	  VACCEL_TFLITE_UINT8,
		VACCEL_TFLITE_INT64,	  VACCEL_TFLITE_STRING,
		VACCEL_TFLITE_BOOL,	  VACCEL_TFLITE_INT16,
		VACCEL_TFLITE_COMPLEX64,  VACCEL_TFLITE_INT8,
		VACCEL_TFLITE_FLOAT16,	  VACCEL_TFLITE_FLOAT64,
		VACCEL_TFLITE_COMPLEX128, VACCEL_TFLITE_UINT64,
		VACCEL_TFLITE_RESOURCE,	  VACCEL_TFLITE_VARIANT,
		VACCEL_TFLITE_UINT32,	  VACCEL_TFLITE_UINT16,
		VACCEL_TFLITE_INT4,
	};
	for (size_t i = 0; i < sizeof(tfl) / sizeof(tfl[0]); i++)
		assert_int_equal(tfl[i], (int)i);
	/* torch: BYTE = 1 .. FLOAT = 7 */
	static const int torch[] = {
		VACCEL_TORCH_BYTE,  VACCEL_TORCH_CHAR, VACCEL_TORCH_SHORT,
		VACCEL_TORCH_INT,   VACCEL_TORCH_LONG, VACCEL_TORCH_HALF,
		VACCEL_TORCH_FLOAT,
	};
	for (size_t i = 0; i < sizeof(torch) / sizeof(torch[0]); i++)
		assert_int_equal(torch[i], (int)i + 1);
	/* ONNX: TensorProto.DataType */
	assert_int_equal(VACCEL_ONNX_FLOAT, 1);
	assert_int_equal(VACCEL_ONNX_UINT8, 2);
	assert_int_equal(VACCEL_ONNX_INT64, 7);
	assert_int_equal(VACCEL_ONNX_DOUBLE, 11);
	assert_int_equal(VACCEL_ONNX_UINT64, 13);
}

static void test_plugin_abi(void **state)
{
	/* what a plugin built against these headers announces */
	assert_int_equal(VACCEL_PLUGIN_ABI_VERSION, 1);
	assert_string_equal(VACCEL_PLUGIN_DESC_SYMBOL, "vaccel_plugin_desc");
	struct vaccel_plugin_desc d = { 0 };
	assert_int_equal(offsetof(struct vaccel_plugin_desc, abi_version), 0);
	assert_int_equal(offsetof(struct vaccel_plugin_desc, desc_size), 4);
	(void)d;
	/* the version macro is the project's */
	assert_true(strlen(VACCEL_VERSION) > 0);
	assert_true(VACCEL_VERSION[0] >= '0' && VACCEL_VERSION[0] <= '9');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_x86_64),
		cmocka_unit_test(test_offsets_x86_64),
		cmocka_unit_test(test_field_types),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_op_numbers),
		cmocka_unit_test(test_arg_types),
		cmocka_unit_test(test_plugin_bits),
		cmocka_unit_test(test_small_enums),
		cmocka_unit_test(test_dtypes),
		cmocka_unit_test(test_plugin_abi),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
