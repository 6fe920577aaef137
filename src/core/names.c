// SPDX-License-Identifier: Apache-2.0
/* Name tables of the public enums, error strings, small string helpers. */

#include "internal.h"
#include "op_list.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME(x) [x] = #x

static const char *table_name(const char *const *names, size_t n, long value,
			      const char *fallback)
{
	if (value < 0 || (size_t)value >= n || !names[value])
		return fallback;
	return names[value];
}

const char *vaccel_op_type_name(vaccel_op_type_t op)
{
#define OP_NAME(number, OP, name, family, shape, api) NAME(VACCEL_OP_##OP),
	static const char *const names[VACCEL_OP_EXT_MAX] = { VACCEL__OP_LIST(
		OP_NAME) };
#undef OP_NAME
	return table_name(names, VACCEL__ARRAY_SIZE(names), op,
			  "VACCEL_OP_MAX");
}

const char *vaccel_arg_type_name(vaccel_arg_type_t type)
{
	static const char *const names[VACCEL_ARG_MAX] = {
		NAME(VACCEL_ARG_RAW),		NAME(VACCEL_ARG_INT8),
		NAME(VACCEL_ARG_INT8_ARRAY),	NAME(VACCEL_ARG_INT16),
		NAME(VACCEL_ARG_INT16_ARRAY),	NAME(VACCEL_ARG_INT32),
		NAME(VACCEL_ARG_INT32_ARRAY),	NAME(VACCEL_ARG_INT64),
		NAME(VACCEL_ARG_INT64_ARRAY),	NAME(VACCEL_ARG_UINT8),
		NAME(VACCEL_ARG_UINT8_ARRAY),	NAME(VACCEL_ARG_UINT16),
		NAME(VACCEL_ARG_UINT16_ARRAY),	NAME(VACCEL_ARG_UINT32),
		NAME(VACCEL_ARG_UINT32_ARRAY),	NAME(VACCEL_ARG_UINT64),
		NAME(VACCEL_ARG_UINT64_ARRAY),	NAME(VACCEL_ARG_FLOAT32),
		NAME(VACCEL_ARG_FLOAT32_ARRAY), NAME(VACCEL_ARG_FLOAT64),
		NAME(VACCEL_ARG_FLOAT64_ARRAY), NAME(VACCEL_ARG_BOOL),
		NAME(VACCEL_ARG_BOOL_ARRAY),	NAME(VACCEL_ARG_CHAR),
		NAME(VACCEL_ARG_CHAR_ARRAY),	NAME(VACCEL_ARG_UCHAR),
		NAME(VACCEL_ARG_UCHAR_ARRAY),	NAME(VACCEL_ARG_STRING),
		NAME(VACCEL_ARG_BUFFER),	NAME(VACCEL_ARG_CUSTOM),
	};
	return table_name(names, VACCEL__ARRAY_SIZE(names), type,
			  "VACCEL_ARG_MAX");
}

const char *vaccel_log_level_name(vaccel_log_level_t level)
{
	static const char *const names[VACCEL_LOG_MAX] = {
		NAME(VACCEL_LOG_ERROR),
		NAME(VACCEL_LOG_WARN),
		NAME(VACCEL_LOG_INFO),
		NAME(VACCEL_LOG_DEBUG),
	};
	return table_name(names, VACCEL__ARRAY_SIZE(names), level,
			  "VACCEL_LOG_MAX");
}

const char *vaccel_blob_type_name(vaccel_blob_type_t type)
{
	static const char *const names[VACCEL_BLOB_MAX] = {
		NAME(VACCEL_BLOB_FILE),
		NAME(VACCEL_BLOB_BUFFER),
		NAME(VACCEL_BLOB_MAPPED),
	};
	return table_name(names, VACCEL__ARRAY_SIZE(names), type,
			  "VACCEL_BLOB_MAX");
}

const char *vaccel_resource_type_name(vaccel_resource_type_t type)
{
	static const char *const names[VACCEL_RESOURCE_MAX] = {
		NAME(VACCEL_RESOURCE_LIB),
		NAME(VACCEL_RESOURCE_DATA),
		NAME(VACCEL_RESOURCE_MODEL),
	};
	return table_name(names, VACCEL__ARRAY_SIZE(names), type,
			  "VACCEL_RESOURCE_MAX");
}

const char *vaccel_path_type_name(vaccel_path_type_t type)
{
	static const char *const names[VACCEL_PATH_MAX] = {
		NAME(VACCEL_PATH_LOCAL_FILE),
		NAME(VACCEL_PATH_LOCAL_DIR),
		NAME(VACCEL_PATH_REMOTE_FILE),
	};
	return table_name(names, VACCEL__ARRAY_SIZE(names), type,
			  "VACCEL_PATH_MAX");
}

const char *vaccel_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case VACCEL_OK:
		return "success";
	case VACCEL_ESESS:
		return "no usable vAccel session (not bootstrapped?)";
	case VACCEL_EBACKEND:
		return "the backend failed";
	case VACCEL_ENOTSUP:
		return "operation not supported by the session's plugin";
	case VACCEL_ETIMEDOUT:
		return "remote call timed out";
	default:
		return strerror(err);
	}
}

int vaccel_str_to_lower(const char *str, char *lower, size_t size,
			char **alloc_lower)
{
	if (!str || (!alloc_lower && (!lower || !size)))
		return VACCEL_EINVAL;

	size_t len = strlen(str);
	char *out = lower;
	if (alloc_lower) {
		out = malloc(len + 1);
		if (!out)
			return VACCEL_ENOMEM;
		size = len + 1;
	}
	size_t n = len < size - 1 ? len : size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)str[i]);
	out[n] = '\0';
	if (alloc_lower)
		*alloc_lower = out;
	return VACCEL_OK;
}

bool vaccel__strdup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return true;
	*out = strdup(s);
	return *out != NULL;
}
