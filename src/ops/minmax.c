// SPDX-License-Identifier: Apache-2.0
#include "op_common.h"

static struct vaccel__prof_op prof = VACCEL__PROF_OP_INIT("vaccel_minmax_op");

int vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata,
		  int low_threshold, int high_threshold, double *outdata,
		  double *min, double *max)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_MINMAX, &fn);
	if (ret)
		return ret;
	VACCEL__CHECK_ARG(ndata >= 0, "minmax", "ndata");
	VACCEL__CHECK_ARG((indata && outdata) || !ndata, "minmax", "data");
	VACCEL__CHECK_ARG(min && max, "minmax", "min/max");
	VACCEL__OP_CALL(ret, prof, sess,
			fn->MINMAX(sess, indata, ndata, low_threshold,
				   high_threshold, outdata, min, max));
	return ret;
}
