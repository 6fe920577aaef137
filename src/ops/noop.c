// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof = VACCEL__PROF_OP_INIT("vaccel_noop_op");

int vaccel_noop(struct vaccel_session *sess)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_NOOP, &fn);
	if (ret)
		return ret;
	VACCEL__OP_CALL(ret, prof, sess, fn->NOOP(sess));
	return ret;
}
