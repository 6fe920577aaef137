// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof_exec =
	VACCEL__PROF_OP_INIT("vaccel_exec_op");
static struct vaccel__prof_op prof_exec_res =
	VACCEL__PROF_OP_INIT("vaccel_exec_with_resource_op");

static int check_args(const char *op, const char *fn_symbol,
		      const struct vaccel_arg *read, size_t nr_read,
		      const struct vaccel_arg *write, size_t nr_write)
{
	VACCEL__CHECK_ARG(fn_symbol && *fn_symbol, op, "fn_symbol");
	VACCEL__CHECK_ARG(read || !nr_read, op, "read args");
	VACCEL__CHECK_ARG(write || !nr_write, op, "write args");
	return VACCEL_OK;
}

int vaccel_exec(struct vaccel_session *sess, const char *library,
		const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_EXEC, &fn);
	if (ret)
		return ret;
	if (!library || !*library) {
		vaccel_error("exec: invalid argument: library");
		return VACCEL_EINVAL;
	}
	ret = check_args("exec", fn_symbol, read, nr_read, write, nr_write);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_exec, sess,
			fn->EXEC(sess, library, fn_symbol, read, nr_read, write,
				 nr_write));
	return ret;
}

int vaccel_exec_with_resource(struct vaccel_session *sess,
			      struct vaccel_resource *resource,
			      const char *fn_symbol, struct vaccel_arg *read,
			      size_t nr_read, struct vaccel_arg *write,
			      size_t nr_write)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin_res(sess, resource, VACCEL_RESOURCE_LIB,
				       VACCEL_OP_EXEC_WITH_RESOURCE, &fn);
	if (ret)
		return ret;
	ret = check_args("exec_with_resource", fn_symbol, read, nr_read, write,
			 nr_write);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof_exec_res, sess,
			fn->EXEC_WITH_RESOURCE(sess, resource, fn_symbol, read,
					       nr_read, write, nr_write));
	return ret;
}
