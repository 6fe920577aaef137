// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's sessions (session.c) and ops (image_ops.c,
 * model_ops.c), which its descriptor (plugin.c) lists. */
#pragma once

#include "models.h"
#include <pthread.h>
#include <stdbool.h>
#include <vaccel.h>

/* What the plugin keeps for one resource in one session. */
struct onnx_res {
	struct vaccel_resource *res;
	/* image-op model, built on first use; `tried` once attempted,
	 * `described` if the resource has a description */
	struct onnx_model *model;
	bool tried, described;
	int model_err;
	/* why it serves no image op, or not as asked (for reasons) */
	char *why;
	/* loaded by vaccel_onnx_model_load() */
	struct ort_net *net;
	struct onnx_res *next;
};

/* The plugin's state of a session (vaccel_session_plugin_priv()) */
struct onnx_sess {
	pthread_mutex_t lock;
	struct onnx_res *res;
};

/* The plugin's own descriptor, the key of its per-session state (given by
 * plugin.c at load, so that session.c does not reach back into it). */
void onnx_sess_owner(const struct vaccel_plugin_desc *desc);
int onnx_sess_init(struct vaccel_session *sess, uint32_t flags);
int onnx_sess_release(struct vaccel_session *sess);
int onnx_res_unregister(struct vaccel_resource *res,
			struct vaccel_session *sess);
/* The entry of `res` (created if absent and `create`); s->lock held. */
struct onnx_res *onnx_entry_of(struct onnx_sess *s, struct vaccel_resource *res,
			       bool create);
/* The plugin's state of `sess`, or NULL (logged) for a session this plugin
 * does not serve. */
struct onnx_sess *onnx_sess_state(struct vaccel_session *sess);

/* The ops, declared with their plugin signatures (union vaccel_op_fn). */
#define ONNX_OP(OP, fn) __typeof__(*((union vaccel_op_fn *)0)->OP) fn;
ONNX_OP(IMAGE_CLASSIFY, onnx_op_classify)
ONNX_OP(IMAGE_DETECT, onnx_op_detect)
ONNX_OP(IMAGE_SEGMENT, onnx_op_segment)
ONNX_OP(IMAGE_POSE, onnx_op_pose)
ONNX_OP(IMAGE_DEPTH, onnx_op_depth)
ONNX_OP(ONNX_MODEL_LOAD, onnx_op_load)
ONNX_OP(ONNX_MODEL_RUN, onnx_op_run)
ONNX_OP(ONNX_MODEL_UNLOAD, onnx_op_unload)
#undef ONNX_OP
