// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "enum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a resource's paths point to. Note: VACCEL_PATH_MAX is this enum's
 * guard (3), not PATH_MAX. */
typedef enum {
	VACCEL_PATH_LOCAL_FILE = 0,
	VACCEL_PATH_LOCAL_DIR = 1,
	VACCEL_PATH_REMOTE_FILE = 2,
	VACCEL_PATH_MAX = 3,
} vaccel_path_type_t;

/* The full name of a value ("VACCEL_..."); "..._MAX" if unknown. */
const char *vaccel_path_type_name(vaccel_path_type_t t);

static inline const char *vaccel_path_type_to_str(vaccel_path_type_t t)
{
	return vaccel_path_type_name(t);
}

static inline const char *vaccel_path_type_to_base_str(vaccel_path_type_t t)
{
	return vaccel_enum_base(vaccel_path_type_to_str(t), "VACCEL_PATH_");
}

#ifdef __cplusplus
}
#endif
