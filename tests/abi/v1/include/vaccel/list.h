// SPDX-License-Identifier: Apache-2.0
/* The intrusive circular list embedded in public structs. Applications see
 * the type only; the library owns the links. An entry that points to itself
 * is empty (a list head) or unlinked (an element). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_list_entry {
	struct vaccel_list_entry *next;
	struct vaccel_list_entry *prev;
};

typedef struct vaccel_list_entry vaccel_list_entry_t;
typedef struct vaccel_list_entry vaccel_list_t;

#define LIST_ENTRY_INIT(name)    \
	{                        \
		&(name), &(name) \
	}

#ifdef __cplusplus
}
#endif
