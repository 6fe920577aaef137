// SPDX-License-Identifier: Apache-2.0
/* The opencv op: args passed through unchanged to the plugin. */
#include "op_common.h"

static struct vaccel__prof_op prof = VACCEL__PROF_OP_INIT("vaccel_opencv_op");

int vaccel_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		  int nr_read, struct vaccel_arg *write, int nr_write)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_OPENCV, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(nr_read >= 0 && nr_write >= 0, "opencv",
			  "arg counts");
	VACCEL__CHECK_ARG((read || !nr_read) && (write || !nr_write), "opencv",
			  "args");
	VACCEL__OP_CALL(ret, prof, sess,
			fn->OPENCV(sess, read, nr_read, write, nr_write));
	return ret;
}

int vaccel_opencv_unpack(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write)
{
	return vaccel_opencv(sess, read, nr_read, write, nr_write);
}
