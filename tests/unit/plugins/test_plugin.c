// SPDX-License-Identifier: Apache-2.0
/* A configurable test plugin, built several times with different defines
 * (tests/unit/plugins/meson.build):
 *   TP_NAME     plugin name
 *   TP_TYPE     VACCEL_PLUGIN_* type bits
 *   TP_VIRTIO   1: a transport ("remote") plugin
 *   TP_HOOKS    1: session/resource hooks (remote variants set remote ids)
 *   TP_MASKED   1: an ops_mask() hook that serves NOOP, EXEC and
 *               EXEC_WITH_RESOURCE only, while the table also lists
 *               IMAGE_CLASSIFY (which must then be VACCEL_ENOTSUP)
 * It implements only NOOP, EXEC and EXEC_WITH_RESOURCE (plus IMAGE_CLASSIFY,
 * masked out, in the TP_MASKED variant), so every other op is
 * VACCEL_ENOTSUP for sessions bound to it.
 *
 * Tests observe and steer it through the exported `tp_state` (dlopen the
 * plugin with RTLD_NOLOAD and dlsym it); see tests/unit/tu.h. */

#include <vaccel.h>
#include <string.h>
#include <time.h>

#include "tp_state.h"

#ifndef TP_NAME
#error "TP_NAME not defined"
#endif
#ifndef TP_TYPE
#define TP_TYPE VACCEL_PLUGIN_CPU
#endif
#ifndef TP_VIRTIO
#define TP_VIRTIO 0
#endif
#ifndef TP_HOOKS
#define TP_HOOKS 0
#endif
#ifndef TP_MASKED
#define TP_MASKED 0
#endif

__attribute__((visibility("default"))) struct tp_state tp_state;

#define COUNT(field) __atomic_fetch_add(&tp_state.field, 1, __ATOMIC_RELAXED)

static int tp_init(void)
{
	COUNT(init);
	return VACCEL_OK;
}

static int tp_fini(void)
{
	COUNT(fini);
	return VACCEL_OK;
}

static int tp_noop(struct vaccel_session *sess)
{
	COUNT(noop);
	tp_state.last_sess_id = sess->id;
	return VACCEL_OK;
}

/* Returns the int in read[0] when there is one (so that tests can check
 * that the plugin's return value is passed back unchanged); copies read[0]
 * to write[0] when they have the same size. */
static int tp_exec(struct vaccel_session *sess, const char *library,
		   const char *fn_symbol, struct vaccel_arg *read,
		   size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	COUNT(exec);
	tp_state.last_sess_id = sess->id;
	if (nr_read && nr_write && read[0].size == write[0].size &&
	    read[0].buf && write[0].buf)
		memcpy(write[0].buf, read[0].buf, read[0].size);
	if (nr_read && read[0].size == sizeof(int) && read[0].buf) {
		int rc;
		memcpy(&rc, read[0].buf, sizeof(rc));
		return rc;
	}
	return VACCEL_OK;
}

static int tp_exec_res(struct vaccel_session *sess, struct vaccel_resource *res,
		       const char *fn_symbol, struct vaccel_arg *read,
		       size_t nr_read, struct vaccel_arg *write,
		       size_t nr_write)
{
	COUNT(exec_res);
	tp_state.last_sess_id = sess->id;
	tp_state.last_res_id = res->id;
	return VACCEL_OK;
}

#if TP_MASKED
static int tp_classify(struct vaccel_session *sess, const void *img,
		       unsigned char *out_text, unsigned char *out_imgname,
		       size_t len_img, size_t len_out_text,
		       size_t len_out_imgname)
{
	return VACCEL_OK;
}
#endif

#if TP_HOOKS
static int tp_session_init(struct vaccel_session *sess, uint32_t flags)
{
	COUNT(session_init);
	tp_state.last_flags = flags;
	if (tp_state.fail_session_init)
		return tp_state.fail_session_init;
	if (TP_VIRTIO)
		sess->remote_id = TP_REMOTE_SESS_BASE + sess->id;
	return VACCEL_OK;
}

static int tp_session_release(struct vaccel_session *sess)
{
	COUNT(session_release);
	return tp_state.fail_session_release;
}

static int tp_session_update(struct vaccel_session *sess, uint32_t flags)
{
	COUNT(session_update);
	tp_state.last_flags = flags;
	return VACCEL_OK;
}

/* Records whether every blob had its data in memory (remote sessions map
 * them before the hook). */
static int tp_resource_register(struct vaccel_resource *res,
				struct vaccel_session *sess)
{
	COUNT(resource_register);
	tp_state.last_res_id = res->id;
	tp_state.last_blobs_in_memory = 1;
	for (size_t i = 0; i < res->nr_blobs; i++)
		if (!res->blobs[i]->data)
			tp_state.last_blobs_in_memory = 0;
	tp_state.last_nr_blobs = (int)res->nr_blobs;
	if (tp_state.fail_register)
		return tp_state.fail_register;
	if (TP_VIRTIO && !tp_state.no_remote_id)
		res->remote_id = TP_REMOTE_RES_BASE + res->id;
	return VACCEL_OK;
}

static int tp_resource_unregister(struct vaccel_resource *res,
				  struct vaccel_session *sess)
{
	COUNT(resource_unregister);
	if (tp_state.unregister_delay_ms > 0) {
		vaccel_id_t res_id = res->id, sess_id = sess->id;
		struct timespec ts = {
			.tv_sec = tp_state.unregister_delay_ms / 1000,
			.tv_nsec = (tp_state.unregister_delay_ms % 1000) *
				   1000000L,
		};
		nanosleep(&ts, NULL);
		/* both must still be alive while the hook runs */
		if (res->id != res_id)
			tp_state.res_released_during_hook = 1;
		if (sess->id != sess_id || !sess->plugin)
			tp_state.sess_released_during_hook = 1;
	}
	return tp_state.fail_unregister;
}

static int tp_resource_sync(struct vaccel_resource *res,
			    struct vaccel_session *sess)
{
	COUNT(resource_sync);
	return VACCEL_OK;
}
#endif

#if TP_MASKED
static uint64_t tp_ops_mask(void)
{
	return (UINT64_C(1) << VACCEL_OP_NOOP) |
	       (UINT64_C(1) << VACCEL_OP_EXEC) |
	       (UINT64_C(1) << VACCEL_OP_EXEC_WITH_RESOURCE);
}
#endif

static const struct vaccel_plugin_op tp_ops[] = {
	VACCEL_PLUGIN_OP(NOOP, tp_noop),
	VACCEL_PLUGIN_OP(EXEC, tp_exec),
	VACCEL_PLUGIN_OP(EXEC_WITH_RESOURCE, tp_exec_res),
#if TP_MASKED
	VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, tp_classify),
#endif
};

VACCEL_PLUGIN_DESCRIPTOR(.name = TP_NAME, .version = "9.8.7", .type = TP_TYPE,
			 .is_virtio = TP_VIRTIO, .init = tp_init,
			 .fini = tp_fini,
#if TP_HOOKS
			 .session_init = tp_session_init,
			 .session_release = tp_session_release,
			 .session_update = tp_session_update,
			 .resource_register = tp_resource_register,
			 .resource_unregister = tp_resource_unregister,
			 .resource_sync = tp_resource_sync,
#endif
#if TP_MASKED
			 .ops_mask = tp_ops_mask,
#endif
			 .ops = tp_ops,
			 .nr_ops = sizeof(tp_ops) / sizeof(tp_ops[0]));
