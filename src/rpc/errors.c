// SPDX-License-Identifier: Apache-2.0
/* The wire error table and message names. Independent of libvaccel's code
 * (only its headers), so the codec can be tested and fuzzed alone. */

#include "op_list.h"
#include "wire.h"
#include <vaccel/error.h>
#include <stddef.h>

static const struct {
	uint32_t code;
	int vaccel;
	const char *name;
} errors[] = {
#define X(code, name, vaccel) { code, vaccel, #name },
	VRPC_ERRORS(X)
#undef X
};
#define NR_ERRORS (sizeof(errors) / sizeof(errors[0]))

uint32_t vrpc_err_to_wire(int err)
{
	if (err < 0)
		err = -err;
	/* Codes from PROTO on are the protocol's own: never chosen for a
	 * VACCEL_E* value (those have their errno twin below PROTO). */
	for (size_t i = 0; i < NR_ERRORS && errors[i].code < VRPC_E_PROTO; i++)
		if (errors[i].vaccel == err)
			return errors[i].code;
	return VRPC_E_UNKNOWN;
}

int vrpc_err_from_wire(uint32_t code)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (errors[i].code == code)
			return errors[i].vaccel;
	return VACCEL_EIO;
}

const char *vrpc_err_name(uint32_t code)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (errors[i].code == code)
			return errors[i].name;
	return "?";
}

#define OP_NAME(number, OP, name, family, shape, api) [number] = "OP_" #OP,
static const char *const op_names[] = { VACCEL__OP_LIST(OP_NAME) };
#undef OP_NAME

const char *vrpc_type_name(uint32_t type)
{
	if (type >= VRPC_T_OP) {
		uint32_t op = type - VRPC_T_OP;
		return vaccel__op_valid(op) ? op_names[op] : NULL;
	}
	switch (type) {
#define X(n, name) \
	case n:    \
		return #name;
		VRPC_CONTROL_TYPES(X)
#undef X
	default:
		return NULL;
	}
}
