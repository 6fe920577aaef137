// SPDX-License-Identifier: Apache-2.0
/* Inside the torch plugin: the per-session model cache (models.c) and the
 * ops (ops.c) that its descriptor (plugin.c) lists. */
#pragma once

#include "torch_backend.h"
#include <pthread.h>
#include <stdbool.h>
#include <vaccel.h>

#define ERR_LEN 512

/* One model of a session. Loaded once: the first thread that needs it
 * loads it (outside the lock); others wait for that load. */
struct torch_entry {
	struct torch_entry *next;
	/* the resource, checked by pointer and id (an id is never reused
	 * while its resource is registered) */
	const struct vaccel_resource *res;
	vaccel_id_t res_id;
	/* set when loaded; NULL while loading or after a failed load */
	struct torch_backend_model *model;
	/* VACCEL_EINPROGRESS while loading, then the load's result */
	int load_ret;
	/* in the session's list (an unregister or a failed load unlinks) */
	bool listed;
	/* 1 while listed, + 1 per user (load or run in progress) */
	unsigned refs;
};

/* The state of one session (vaccel_session_plugin_priv()); the lock guards
 * the list and every entry's fields. */
struct torch_session {
	pthread_mutex_t lock;
	pthread_cond_t loaded; /* broadcast when a load ends */
	struct torch_entry *models;
};

/* The plugin's own descriptor, the key of its per-session state (given by
 * plugin.c at load, so that models.c does not reach back into it). */
void torch_session_owner(const struct vaccel_plugin_desc *desc);
int torch_session_init(struct vaccel_session *sess, uint32_t flags);
int torch_session_release(struct vaccel_session *sess);
int torch_resource_unregister(struct vaccel_resource *res,
			      struct vaccel_session *sess);
/* The plugin's state of `sess`, or NULL (logged) for a session this plugin
 * does not serve. */
struct torch_session *torch_session_of(struct vaccel_session *sess);

/* The loaded model of `res` in the session (loading it if it is not: once,
 * concurrent callers wait), with a reference; give it back with
 * torch_entry_put(). */
int torch_entry_get(struct torch_session *ts, const struct vaccel_resource *res,
		    struct torch_entry **out);
void torch_entry_put(struct torch_session *ts, struct torch_entry *e);

/* The ops, declared with their plugin signatures (union vaccel_op_fn). */
#define TORCH_OP(OP, fn) __typeof__(*((union vaccel_op_fn *)0)->OP) fn;
TORCH_OP(TORCH_MODEL_LOAD, torch_op_model_load)
TORCH_OP(TORCH_MODEL_RUN, torch_op_model_run)
TORCH_OP(TORCH_SGEMM, torch_op_sgemm)
#undef TORCH_OP
