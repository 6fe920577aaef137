// SPDX-License-Identifier: Apache-2.0
/* What the exec target libraries of tests/lib/exec export (each defines
 * some of it). The exec_fn
 * ones have the prototype the exec plugin calls. */
#pragma once

#include <vaccel/arg.h>
#include <stddef.h>

#define TESTLIB_EXPORT __attribute__((visibility("default")))

#define EXEC_FN(name)                                                    \
	TESTLIB_EXPORT int name(struct vaccel_arg *read, size_t nr_read, \
				struct vaccel_arg *write, size_t nr_write)

EXEC_FN(double_it);
EXEC_FN(sum);
EXEC_FN(fail_always);
EXEC_FN(hold_ms);
EXEC_FN(count);
EXEC_FN(chain);
EXEC_FN(chain_data);
EXEC_FN(safe);
EXEC_FN(unsafe);
/* libtestsleep.so (the agent tests) */
EXEC_FN(sleep_ms);
EXEC_FN(echo);
/* libbenchrpc.so (bench-rpc) */
EXEC_FN(spin_ms);

TESTLIB_EXPORT int dep_c_value(void);
TESTLIB_EXPORT int dep_b_value(void);
TESTLIB_EXPORT int dep_data_value(void);
/* defined by no library */
int nowhere_defined(void);

TESTLIB_EXPORT extern int dep_c_data;
TESTLIB_EXPORT extern int not_a_function;
