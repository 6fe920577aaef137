// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "vaccel/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deprecated upstream; kept. What the outputs hold is defined by the plugin
 * (see docs/plugins.md for the blas plugin's contract). */
__attribute__((deprecated)) int
vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata,
	      int low_threshold, int high_threshold, double *outdata,
	      double *min, double *max);

#ifdef __cplusplus
}
#endif
