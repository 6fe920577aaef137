// SPDX-License-Identifier: Apache-2.0
/* A session binds an application's calls to one plugin (chosen at init from
 * the hint bits; see docs/plugins.md) and holds the resources registered
 * with it. */
#pragma once

#include "id.h"
#include "list.h"
#include "resource.h"
#include <limits.h>
#include <linux/limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_plugin;

/* Field order and sizes are ABI (applications allocate this struct). */
struct vaccel_session {
	vaccel_id_t id;
	/* id of the twin session on the agent (remote sessions) */
	vaccel_id_t remote_id;
	/* the flags given at init */
	unsigned int hint;
	/* true if calls go to a remote (transport) plugin */
	bool is_virtio;
	/* the session's run directory */
	char rundir[PATH_MAX];
	/* library-private: link in the list of live sessions */
	vaccel_list_entry_t entry;
	/* library-private: registered resources per type */
	vaccel_list_t resources[VACCEL_RESOURCE_MAX];
	size_t resource_counts[VACCEL_RESOURCE_MAX];
	pthread_mutex_t resources_lock;
	/* the plugin serving this session */
	struct vaccel_plugin *plugin;
	/* for that plugin */
	void *priv;
};

int vaccel_session_init(struct vaccel_session *sess, uint32_t flags);
int vaccel_session_update(struct vaccel_session *sess, uint32_t flags);
int vaccel_session_release(struct vaccel_session *sess);
int vaccel_session_new(struct vaccel_session **sess, uint32_t flags);
int vaccel_session_delete(struct vaccel_session *sess);
int vaccel_session_get_by_id(struct vaccel_session **sess, vaccel_id_t id);
bool vaccel_session_has_resource(struct vaccel_session *sess,
				 struct vaccel_resource *res);
int vaccel_session_resource_by_id(struct vaccel_session *sess,
				  struct vaccel_resource **res, vaccel_id_t id);
/* The first resource of `type` registered with the session. */
int vaccel_session_resource_by_type(struct vaccel_session *sess,
				    struct vaccel_resource **res,
				    vaccel_resource_type_t type);
/* `*resources` is a new array the caller frees (not its elements). */
int vaccel_session_resources_by_type(struct vaccel_session *sess,
				     struct vaccel_resource ***resources,
				     size_t *nr_found,
				     vaccel_resource_type_t type);

/* Deprecated aliases of the functions above (no compiler warning, as
 * upstream). */
int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags);
int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags);
int vaccel_sess_free(struct vaccel_session *sess);
bool vaccel_sess_has_resource(struct vaccel_session *sess,
			      struct vaccel_resource *res);

#ifdef __cplusplus
}
#endif
