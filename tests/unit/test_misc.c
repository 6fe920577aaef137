// SPDX-License-Identifier: Apache-2.0
/* Small helpers: vaccel_strerror, vaccel_str_to_lower, the enum-to-string
 * functions of every public enum, vaccel_onnx_data_type_size. No
 * bootstrap needed. */

#include "tu.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

static void test_strerror(void **state)
{
	assert_string_equal(vaccel_strerror(VACCEL_OK), "success");
	/* ours: a clear text for the codes with a vAccel meaning */
	assert_non_null(strstr(vaccel_strerror(VACCEL_ESESS), "session"));
	assert_non_null(strstr(vaccel_strerror(VACCEL_EBACKEND), "backend"));
	assert_non_null(strstr(vaccel_strerror(VACCEL_ENOTSUP), "plugin"));
	assert_non_null(strstr(vaccel_strerror(VACCEL_ETIMEDOUT), "timed"));
	/* the others are the errno texts; negative codes mean the same */
	assert_string_equal(vaccel_strerror(VACCEL_EINVAL), strerror(EINVAL));
	assert_string_equal(vaccel_strerror(-VACCEL_EINVAL), strerror(EINVAL));
	assert_string_equal(vaccel_strerror(VACCEL_ENOENT), strerror(ENOENT));
	assert_string_equal(vaccel_strerror(VACCEL_ELIBBAD), strerror(ELIBBAD));
	/* never NULL, even for nonsense */
	assert_non_null(vaccel_strerror(123456));
	assert_non_null(vaccel_strerror(-123456));
}

static void test_str_to_lower(void **state)
{
	char buf[16];
	char *alloc = NULL;

	assert_int_equal(
		vaccel_str_to_lower("ImAgE_ClaSSify", buf, sizeof(buf), NULL),
		VACCEL_OK);
	assert_string_equal(buf, "image_classify");

	/* truncated to size-1, always terminated */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(
		vaccel_str_to_lower("ABCDEFGHIJKLMNOPQRST", buf, 5, NULL),
		VACCEL_OK);
	assert_string_equal(buf, "abcd");
	assert_int_equal(vaccel_str_to_lower("ABC", buf, 1, NULL), VACCEL_OK);
	assert_string_equal(buf, "");

	/* alloc_lower wins over the buffer */
	assert_int_equal(vaccel_str_to_lower("A Long STRING, longer than the "
					     "buffer",
					     buf, sizeof(buf), &alloc),
			 VACCEL_OK);
	assert_string_equal(alloc, "a long string, longer than the buffer");
	free(alloc);
	alloc = NULL;
	assert_int_equal(vaccel_str_to_lower("", NULL, 0, &alloc), VACCEL_OK);
	assert_string_equal(alloc, "");
	free(alloc);

	/* bad arguments */
	assert_int_equal(vaccel_str_to_lower(NULL, buf, sizeof(buf), NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_str_to_lower(NULL, NULL, 0, &alloc),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_str_to_lower("x", NULL, 10, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_str_to_lower("x", buf, 0, NULL), VACCEL_EINVAL);
}

static void test_op_names(void **state)
{
	char lower[64];
	assert_string_equal(vaccel_op_type_to_str(VACCEL_OP_NOOP),
			    "VACCEL_OP_NOOP");
	assert_string_equal(vaccel_op_type_to_str(VACCEL_OP_OPENCV),
			    "VACCEL_OP_OPENCV");
	assert_string_equal(vaccel_op_type_to_str(VACCEL_OP_ONNX_MODEL_RUN),
			    "VACCEL_OP_ONNX_MODEL_RUN");
	assert_string_equal(
		vaccel_op_type_to_base_str(VACCEL_OP_EXEC_WITH_RESOURCE),
		"EXEC_WITH_RESOURCE");
	assert_string_equal(vaccel_op_type_to_lower(VACCEL_OP_IMAGE_CLASSIFY,
						    lower, sizeof(lower)),
			    "image_classify");
	/* unknown values (the gap 24..31, past the end) */
	assert_string_equal(vaccel_op_type_to_str(VACCEL_OP_MAX),
			    "VACCEL_OP_MAX");
	assert_string_equal(vaccel_op_type_to_str((vaccel_op_type_t)28),
			    "VACCEL_OP_MAX");
	assert_string_equal(vaccel_op_type_to_str(VACCEL_OP_EXT_MAX),
			    "VACCEL_OP_MAX");
	assert_string_equal(vaccel_op_type_to_str((vaccel_op_type_t)-1),
			    "VACCEL_OP_MAX");
	/* every op of 0..23 and 32..34 has its own name */
	for (int op = 0; op < VACCEL_OP_EXT_MAX; op++) {
		const char *n = vaccel_op_type_name((vaccel_op_type_t)op);
		bool known =
			op < VACCEL_OP_MAX || op >= VACCEL_OP_ONNX_MODEL_LOAD;
		assert_int_equal(strcmp(n, "VACCEL_OP_MAX") != 0, known);
		assert_int_equal(strncmp(n, "VACCEL_OP_", 10), 0);
	}
}

static void test_arg_type_names(void **state)
{
	assert_string_equal(vaccel_arg_type_to_str(VACCEL_ARG_RAW),
			    "VACCEL_ARG_RAW");
	assert_string_equal(vaccel_arg_type_to_str(VACCEL_ARG_UINT64_ARRAY),
			    "VACCEL_ARG_UINT64_ARRAY");
	assert_string_equal(vaccel_arg_type_to_str(VACCEL_ARG_CUSTOM),
			    "VACCEL_ARG_CUSTOM");
	assert_string_equal(vaccel_arg_type_to_base_str(VACCEL_ARG_FLOAT32),
			    "FLOAT32");
	assert_string_equal(vaccel_arg_type_to_str(VACCEL_ARG_MAX),
			    "VACCEL_ARG_MAX");
	assert_string_equal(vaccel_arg_type_to_str((vaccel_arg_type_t)77),
			    "VACCEL_ARG_MAX");
	for (int t = 0; t < VACCEL_ARG_MAX; t++)
		assert_string_not_equal(
			vaccel_arg_type_name((vaccel_arg_type_t)t),
			"VACCEL_ARG_MAX");
}

static void test_other_enum_names(void **state)
{
	assert_string_equal(vaccel_log_level_to_str(VACCEL_LOG_ERROR),
			    "VACCEL_LOG_ERROR");
	assert_string_equal(vaccel_log_level_to_base_str(VACCEL_LOG_DEBUG),
			    "DEBUG");
	assert_string_equal(vaccel_log_level_to_str((vaccel_log_level_t)0),
			    "VACCEL_LOG_MAX");
	assert_string_equal(vaccel_log_level_to_str(VACCEL_LOG_MAX),
			    "VACCEL_LOG_MAX");

	assert_string_equal(vaccel_blob_type_to_str(VACCEL_BLOB_MAPPED),
			    "VACCEL_BLOB_MAPPED");
	assert_string_equal(vaccel_blob_type_to_base_str(VACCEL_BLOB_FILE),
			    "FILE");
	assert_string_equal(vaccel_blob_type_to_str(VACCEL_BLOB_MAX),
			    "VACCEL_BLOB_MAX");

	assert_string_equal(vaccel_resource_type_to_str(VACCEL_RESOURCE_MODEL),
			    "VACCEL_RESOURCE_MODEL");
	assert_string_equal(
		vaccel_resource_type_to_base_str(VACCEL_RESOURCE_LIB), "LIB");
	assert_string_equal(
		vaccel_resource_type_to_str((vaccel_resource_type_t)9),
		"VACCEL_RESOURCE_MAX");

	assert_string_equal(vaccel_path_type_to_str(VACCEL_PATH_REMOTE_FILE),
			    "VACCEL_PATH_REMOTE_FILE");
	assert_string_equal(vaccel_path_type_to_base_str(VACCEL_PATH_LOCAL_DIR),
			    "LOCAL_DIR");
	assert_string_equal(vaccel_path_type_to_str(VACCEL_PATH_MAX),
			    "VACCEL_PATH_MAX");

	assert_string_equal(vaccel_plugin_type_to_str(VACCEL_PLUGIN_CPU),
			    "VACCEL_PLUGIN_CPU");
	assert_string_equal(vaccel_plugin_type_to_str(VACCEL_PLUGIN_REMOTE),
			    "VACCEL_PLUGIN_REMOTE");
	assert_string_equal(vaccel_plugin_type_to_base_str(VACCEL_PLUGIN_DEBUG),
			    "DEBUG");
	assert_string_equal(vaccel_plugin_type_to_str(VACCEL_PLUGIN_ALL),
			    "VACCEL_PLUGIN_ALL");
	/* a combination of bits has no single name */
	assert_string_equal(vaccel_plugin_type_to_str(
				    (vaccel_plugin_type_t)(VACCEL_PLUGIN_CPU |
							   VACCEL_PLUGIN_GPU)),
			    "VACCEL_PLUGIN_MAX");

	assert_string_equal(vaccel_enum_base("VACCEL_OP_NOOP", "VACCEL_OP_"),
			    "NOOP");
	assert_string_equal(vaccel_enum_base("OTHER", "VACCEL_OP_"), "OTHER");
}

static void test_onnx_type_size(void **state)
{
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_FLOAT), 4);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_UINT8), 1);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_INT8), 1);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_BOOL), 1);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_UINT16), 2);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_INT16), 2);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_FLOAT16), 2);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_INT32), 4);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_UINT32), 4);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_INT64), 8);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_DOUBLE), 8);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_UINT64), 8);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_STRING), 0);
	assert_int_equal(vaccel_onnx_data_type_size(VACCEL_ONNX_UNDEFINED), 0);
	assert_int_equal(
		vaccel_onnx_data_type_size((enum vaccel_onnx_data_type)99), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_str_to_lower),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_arg_type_names),
		cmocka_unit_test(test_other_enum_names),
		cmocka_unit_test(test_onnx_type_size),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
