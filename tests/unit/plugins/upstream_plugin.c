// SPDX-License-Identifier: Apache-2.0
/* A plugin written for upstream vAccel 0.7: it defines itself with the
 * VACCEL_PLUGIN() macro (exported `vaccel_plugin`) and registers untyped ops
 * in init(). The loader must refuse it with a clear message (ELIBBAD). */

#include <vaccel.h>

static int up_noop(struct vaccel_session *sess)
{
	(void)sess;
	return VACCEL_OK;
}

static struct vaccel_op up_ops[] = {
	VACCEL_OP_INIT(up_ops[0], VACCEL_OP_NOOP, (void *)up_noop),
};

static int up_init(void)
{
	return vaccel_plugin_register_ops(up_ops,
					  sizeof(up_ops) / sizeof(up_ops[0]));
}

static int up_fini(void)
{
	return VACCEL_OK;
}

VACCEL_PLUGIN(.name = "upstream-style", .version = VACCEL_VERSION,
	      .vaccel_version = VACCEL_VERSION, .type = VACCEL_PLUGIN_DEBUG,
	      .init = up_init, .fini = up_fini)
