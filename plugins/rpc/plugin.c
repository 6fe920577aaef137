// SPDX-License-Identifier: Apache-2.0
/* The descriptor of libvaccel-rpc.so: its load and unload, and where its
 * hooks (session.c, resource.c) and ops (ops.c, ops_model.c) are. */

#include "rpc.h"

static int rpc_plugin_init(void)
{
	int ret = rpc_config_read();
	if (ret)
		return ret;
	rpc_call_set_place(rpc_shm_place);
	return rpc_link_start();
}

static int rpc_plugin_fini(void)
{
	rpc_link_stop();
	return VACCEL_OK;
}

/* Every op of the list, each forwarded by fwd_<name>. */
#define FWD_OP(number, OP, name, family, shape, api) \
	VACCEL_PLUGIN_OP(OP, fwd_##name),
static const struct vaccel_plugin_op ops[] = { VACCEL__OP_LIST(FWD_OP) };

VACCEL_PLUGIN_DESCRIPTOR(.name = "rpc", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_REMOTE, .is_virtio = true,
			 .init = rpc_plugin_init, .fini = rpc_plugin_fini,
			 .session_init = rpc_sess_init,
			 .session_release = rpc_sess_release,
			 .session_update = rpc_sess_update,
			 .resource_register = rpc_res_register,
			 .resource_unregister = rpc_res_unregister,
			 .resource_sync = rpc_res_sync,
			 .ops_mask = rpc_agent_ops, .ops = ops,
			 .nr_ops = sizeof(ops) / sizeof(ops[0]));
