// SPDX-License-Identifier: Apache-2.0
/* What every op front-end does before calling the session's plugin:
 * check the session (and resources), find the function, time the call. */
#pragma once

#include "internal.h"

/* Check `sess` and find its plugin's function for `op`. VACCEL_EINVAL for a
 * bad session, VACCEL_ENOTSUP if the plugin lacks the op (both logged). */
static inline int vaccel__op_begin(struct vaccel_session *sess,
				   vaccel_op_type_t op,
				   const union vaccel_op_fn **fn)
{
	vaccel__reason_begin();
	int ret = vaccel__session_check(sess);
	if (vaccel__unlikely(ret))
		return ret;
	if (vaccel__debug_on())
		vaccel_debug("session:%" PRId64
			     " Looking for func implementing op %s",
			     sess->id, vaccel_op_type_to_base_str(op));
	*fn = vaccel__op_func(sess, op);
	return *fn ? VACCEL_OK : VACCEL_ENOTSUP;
}

/* As vaccel__op_begin, for ops on a resource: `res` must be non-NULL, of
 * `type` (else EINVAL) and registered with `sess` (else EPERM). */
static inline int vaccel__op_begin_res(struct vaccel_session *sess,
				       const struct vaccel_resource *res,
				       vaccel_resource_type_t type,
				       vaccel_op_type_t op,
				       const union vaccel_op_fn **fn)
{
	vaccel__reason_begin();
	int ret = vaccel__session_check(sess);
	if (vaccel__unlikely(ret))
		return ret;
	if (vaccel__unlikely(!res)) {
		vaccel_error("%s: NULL resource",
			     vaccel_op_type_to_base_str(op));
		return VACCEL_EINVAL;
	}
	ret = vaccel__resource_check(sess, res, type);
	if (vaccel__unlikely(ret))
		return ret;
	return vaccel__op_begin(sess, op, fn);
}

/* ret = expr (the plugin call on `sess`), timed into `region` when
 * profiling. The session is held for the call: an update or release of
 * it meanwhile is refused (VACCEL_EBUSY), and a call while one of those
 * runs is refused the same way. A failure the plugin did not explain gets
 * a reason naming it. */
#define VACCEL__OP_CALL(ret, region, sess, expr)             \
	do {                                                 \
		(ret) = vaccel__session_enter(sess);         \
		if (vaccel__likely(!(ret))) {                \
			uint64_t t0_ = vaccel__prof_now();   \
			(ret) = (expr);                      \
			vaccel__prof_op_add(&(region), t0_); \
			vaccel__session_leave(sess);         \
			if (vaccel__unlikely(ret))           \
				vaccel__op_failed(ret);      \
		}                                            \
	} while (0)

/* An argument check that logs which argument of which op is wrong. */
#define VACCEL__CHECK_ARG(cond, opname, what)                            \
	do {                                                             \
		if (vaccel__unlikely(!(cond))) {                         \
			vaccel_error("%s: invalid argument: %s", opname, \
				     what);                              \
			return VACCEL_EINVAL;                            \
		}                                                        \
	} while (0)
