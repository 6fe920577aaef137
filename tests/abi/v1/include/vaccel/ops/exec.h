// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "vaccel/arg.h"
#include "vaccel/resource.h"
#include "vaccel/session.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Call `fn_symbol` of the shared library `library` with the prototype
 *   int fn(struct vaccel_arg *read, size_t nr_read,
 *          struct vaccel_arg *write, size_t nr_write);
 * A non-zero return of fn gives VACCEL_EBACKEND. */
int vaccel_exec(struct vaccel_session *sess, const char *library,
		const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write);

/* As vaccel_exec, with the library taken from a LIB resource registered with
 * the session: its last blob is the library, earlier blobs are libraries it
 * depends on. */
int vaccel_exec_with_resource(struct vaccel_session *sess,
			      struct vaccel_resource *resource,
			      const char *fn_symbol, struct vaccel_arg *read,
			      size_t nr_read, struct vaccel_arg *write,
			      size_t nr_write);

#ifdef __cplusplus
}
#endif
