// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "vaccel/arg.h"
#include "vaccel/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pass the args unchanged to the session plugin's opencv op. */
int vaccel_opencv_unpack(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write);
int vaccel_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		  int nr_read, struct vaccel_arg *write, int nr_write);

#ifdef __cplusplus
}
#endif
