// SPDX-License-Identifier: Apache-2.0
/* Arguments of exec and genop: a typed (buf, size) pair, and arrays of them
 * with typed add/get/set helpers. Add functions store the caller's pointer
 * (no copy): what is added must outlive the array. */
#pragma once

#include "utils/enum.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Argument types. The numbers cross the wire in genop: they never change. */
typedef enum {
	VACCEL_ARG_RAW = 0,
	VACCEL_ARG_INT8 = 1,
	VACCEL_ARG_INT8_ARRAY = 2,
	VACCEL_ARG_INT16 = 3,
	VACCEL_ARG_INT16_ARRAY = 4,
	VACCEL_ARG_INT32 = 5,
	VACCEL_ARG_INT32_ARRAY = 6,
	VACCEL_ARG_INT64 = 7,
	VACCEL_ARG_INT64_ARRAY = 8,
	VACCEL_ARG_UINT8 = 9,
	VACCEL_ARG_UINT8_ARRAY = 10,
	VACCEL_ARG_UINT16 = 11,
	VACCEL_ARG_UINT16_ARRAY = 12,
	VACCEL_ARG_UINT32 = 13,
	VACCEL_ARG_UINT32_ARRAY = 14,
	VACCEL_ARG_UINT64 = 15,
	VACCEL_ARG_UINT64_ARRAY = 16,
	VACCEL_ARG_FLOAT32 = 17,
	VACCEL_ARG_FLOAT32_ARRAY = 18,
	VACCEL_ARG_FLOAT64 = 19,
	VACCEL_ARG_FLOAT64_ARRAY = 20,
	VACCEL_ARG_BOOL = 21,
	VACCEL_ARG_BOOL_ARRAY = 22,
	VACCEL_ARG_CHAR = 23,
	VACCEL_ARG_CHAR_ARRAY = 24,
	VACCEL_ARG_UCHAR = 25,
	VACCEL_ARG_UCHAR_ARRAY = 26,
	VACCEL_ARG_STRING = 27,
	VACCEL_ARG_BUFFER = 28,
	VACCEL_ARG_CUSTOM = 29,
	VACCEL_ARG_MAX = 30,
} vaccel_arg_type_t;

/* The name table of vaccel_arg_type_t (upstream exposes it as a function). */
const char *vaccel_arg_type_name(vaccel_arg_type_t type);

static inline const char *vaccel_arg_type_to_str(vaccel_arg_type_t type)
{
	return vaccel_arg_type_name(type);
}

static inline const char *vaccel_arg_type_to_base_str(vaccel_arg_type_t type)
{
	return vaccel_enum_base(vaccel_arg_type_name(type), "VACCEL_ARG_");
}

/* The numeric families of the typed helpers: (name, C type, scalar type,
 * array type). Public because upstream's is. */
#define VACCEL_ARG_NUMERIC_TYPES(X)                                     \
	X(int8, int8_t, VACCEL_ARG_INT8, VACCEL_ARG_INT8_ARRAY)         \
	X(int16, int16_t, VACCEL_ARG_INT16, VACCEL_ARG_INT16_ARRAY)     \
	X(int32, int32_t, VACCEL_ARG_INT32, VACCEL_ARG_INT32_ARRAY)     \
	X(int64, int64_t, VACCEL_ARG_INT64, VACCEL_ARG_INT64_ARRAY)     \
	X(uint8, uint8_t, VACCEL_ARG_UINT8, VACCEL_ARG_UINT8_ARRAY)     \
	X(uint16, uint16_t, VACCEL_ARG_UINT16, VACCEL_ARG_UINT16_ARRAY) \
	X(uint32, uint32_t, VACCEL_ARG_UINT32, VACCEL_ARG_UINT32_ARRAY) \
	X(uint64, uint64_t, VACCEL_ARG_UINT64, VACCEL_ARG_UINT64_ARRAY) \
	X(float, float, VACCEL_ARG_FLOAT32, VACCEL_ARG_FLOAT32_ARRAY)   \
	X(double, double, VACCEL_ARG_FLOAT64, VACCEL_ARG_FLOAT64_ARRAY) \
	X(bool, bool, VACCEL_ARG_BOOL, VACCEL_ARG_BOOL_ARRAY)           \
	X(char, char, VACCEL_ARG_CHAR, VACCEL_ARG_CHAR_ARRAY)           \
	X(uchar, unsigned char, VACCEL_ARG_UCHAR, VACCEL_ARG_UCHAR_ARRAY)

/* Field order and sizes are ABI. */
struct vaccel_arg {
	void *buf;
	size_t size;
	vaccel_arg_type_t type;
	/* application-defined type id when type == VACCEL_ARG_CUSTOM */
	uint32_t custom_type_id;
	/* true: `buf` was allocated by the library and is freed on release */
	bool owned;
};

/* Copy `size` bytes of `buf` (zeroes if `buf` is NULL) into a new buffer
 * owned by the arg. */
int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size,
		    vaccel_arg_type_t type, uint32_t custom_id);
/* Reference `buf`; the caller keeps ownership. */
int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size,
			     vaccel_arg_type_t type, uint32_t custom_id);
int vaccel_arg_release(struct vaccel_arg *arg);
int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size,
		   vaccel_arg_type_t type, uint32_t custom_id);
int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size,
			vaccel_arg_type_t type, uint32_t custom_id);
int vaccel_arg_delete(struct vaccel_arg *arg);

/* Field order and sizes are ABI. */
struct vaccel_arg_array {
	struct vaccel_arg *args;
	/* number of args added */
	size_t count;
	/* allocated slots */
	size_t capacity;
	/* read cursor of the get/set functions */
	size_t position;
	/* true: `args` was allocated by the library (and can grow) */
	bool owned;
};

typedef bool (*vaccel_arg_type_validator_fn)(const void *buf, size_t size,
					     uint32_t custom_id);
typedef int (*vaccel_arg_serializer_fn)(const void *data, size_t data_size,
					uint32_t custom_id, void **buf,
					size_t *size);
typedef int (*vaccel_arg_deserializer_fn)(const void *buf, size_t size,
					  uint32_t custom_id, size_t data_size,
					  void *data);

/* initial_capacity 0 means 8. */
int vaccel_arg_array_init(struct vaccel_arg_array *array,
			  size_t initial_capacity);
int vaccel_arg_array_release(struct vaccel_arg_array *array);
int vaccel_arg_array_new(struct vaccel_arg_array **array,
			 size_t initial_capacity);
int vaccel_arg_array_delete(struct vaccel_arg_array *array);
/* A fixed-size view of `args` (it never grows; adding past `count` gives
 * VACCEL_ERANGE). */
int vaccel_arg_array_wrap(struct vaccel_arg_array *array,
			  struct vaccel_arg *args, size_t count);
/* Release the contained args; keep the slots. */
void vaccel_arg_array_clear(struct vaccel_arg_array *array);

int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size);

#define VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE,      \
					   ARRAY_TYPE)                       \
	int vaccel_arg_array_add_##TYPE_NAME(struct vaccel_arg_array *array, \
					     C_TYPE *value);                 \
	int vaccel_arg_array_add_##TYPE_NAME##_array(                        \
		struct vaccel_arg_array *array, C_TYPE *values, size_t count);

VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS)

int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *str);
int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size);
int vaccel_arg_array_add_custom(struct vaccel_arg_array *array,
				uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);
/* Store serializer(data) as a new arg owned by the array. */
int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size,
				    vaccel_arg_serializer_fn serializer);
/* Append src[start_idx .. start_idx+count); `copy` duplicates the buffers
 * (owned by `dest`), otherwise they are referenced. */
int vaccel_arg_array_add_range(struct vaccel_arg_array *dest,
			       const struct vaccel_arg_array *src,
			       size_t start_idx, size_t count, bool copy);
int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dest,
				   const struct vaccel_arg_array *src,
				   bool copy);
int vaccel_arg_array_add_all(struct vaccel_arg_array *dest,
			     const struct vaccel_arg_array *src, bool copy);

int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf,
			     size_t *size);

#define VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE,      \
					   ARRAY_TYPE)                       \
	int vaccel_arg_array_get_##TYPE_NAME(struct vaccel_arg_array *array, \
					     C_TYPE *value);                 \
	int vaccel_arg_array_get_##TYPE_NAME##_array(                        \
		struct vaccel_arg_array *array, C_TYPE **values,             \
		size_t *count);

VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS)

int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **str);
int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf,
				size_t *size);
int vaccel_arg_array_get_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator);
int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t expected_size,
				    vaccel_arg_deserializer_fn deserializer);

int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size);

#define VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS(TYPE_NAME, C_TYPE, ARG_TYPE,      \
					   ARRAY_TYPE)                       \
	int vaccel_arg_array_set_##TYPE_NAME(struct vaccel_arg_array *array, \
					     C_TYPE *value);                 \
	int vaccel_arg_array_set_##TYPE_NAME##_array(                        \
		struct vaccel_arg_array *array, C_TYPE *values, size_t count);

VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS)

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, char *str);
int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size);
int vaccel_arg_array_set_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);
int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t data_size,
				    vaccel_arg_serializer_fn serializer);

int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array,
				   struct vaccel_arg **args, size_t *count);
size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array);
size_t vaccel_arg_array_position(const struct vaccel_arg_array *array);
void vaccel_arg_array_set_position(struct vaccel_arg_array *array,
				   size_t position);
void vaccel_arg_array_reset_position(struct vaccel_arg_array *array);
size_t vaccel_arg_array_count(const struct vaccel_arg_array *array);
struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array);

/* Deprecated list API (upstream's older interface). */
struct vaccel_arg_list {
	uint32_t size;
	struct vaccel_arg *list;
	int curr_idx;
	/* 1 where the entry's buffer was allocated by the list */
	int *idcs_allocated_space;
};

#define VACCEL__ARGLIST_DEPRECATED \
	__attribute__((deprecated("Use the vaccel_arg_array API")))

VACCEL__ARGLIST_DEPRECATED struct vaccel_arg_list *
vaccel_args_init(uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf, uint32_t type,
			 void *(*serializer)(void *, uint32_t *));
VACCEL__ARGLIST_DEPRECATED int
vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf,
			 uint32_t size);
VACCEL__ARGLIST_DEPRECATED int
vaccel_expect_nonserial_arg(struct vaccel_arg_list *args,
			    uint32_t expected_size);
VACCEL__ARGLIST_DEPRECATED void *
vaccel_extract_serial_arg(struct vaccel_arg *args, int idx);
VACCEL__ARGLIST_DEPRECATED void *
vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx,
			     void *(*deserializer)(void *, uint32_t));
VACCEL__ARGLIST_DEPRECATED int vaccel_write_serial_arg(struct vaccel_arg *args,
						       int idx, void *buf);
VACCEL__ARGLIST_DEPRECATED int
vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf,
			   void *(*serializer)(void *, uint32_t *));
VACCEL__ARGLIST_DEPRECATED int vaccel_delete_args(struct vaccel_arg_list *args);

#ifdef __cplusplus
}
#endif
