// SPDX-License-Identifier: Apache-2.0
/* What the onnx plugin keeps per session (vaccel_session_plugin_priv()):
 * per resource, its image-op model and its loaded network. */
#include "onnx.h"
#include "vpc_image.h"
#include "vpc_post.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

static const struct vaccel_plugin_desc *owner;

void onnx_sess_owner(const struct vaccel_plugin_desc *desc)
{
	owner = desc;
}

int onnx_sess_init(struct vaccel_session *sess, uint32_t flags)
{
	struct onnx_sess *s = calloc(1, sizeof(*s));

	if (!s)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	return vaccel_session_set_plugin_priv(sess, owner, s);
}

static void entry_free(struct onnx_res *e)
{
	free(e->why);
	onnx_model_put(e->model);
	ort_net_put(e->net);
	free(e);
}

static struct onnx_sess *state_of(struct vaccel_session *sess)
{
	return vaccel_session_plugin_priv(sess, owner);
}

int onnx_sess_release(struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	struct onnx_res *e, *next;

	if (!s)
		return VACCEL_OK;
	for (e = s->res; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	vaccel_session_set_plugin_priv(sess, owner, NULL);
	return VACCEL_OK;
}

int onnx_res_unregister(struct vaccel_resource *res,
			struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	struct onnx_res **p, *e = NULL;

	if (!s)
		return VACCEL_OK;
	pthread_mutex_lock(&s->lock);
	for (p = &s->res; *p; p = &(*p)->next) {
		if ((*p)->res == res) {
			e = *p;
			*p = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (e)
		entry_free(e);
	return VACCEL_OK;
}

struct onnx_res *onnx_entry_of(struct onnx_sess *s, struct vaccel_resource *res,
			       bool create)
{
	struct onnx_res *e;

	for (e = s->res; e; e = e->next)
		if (e->res == res)
			return e;
	if (!create || !(e = calloc(1, sizeof(*e))))
		return NULL;
	e->res = res;
	e->next = s->res;
	s->res = e;
	return e;
}

struct onnx_sess *onnx_sess_state(struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	if (!s)
		vaccel_error(ONNX_TAG
			     "session %ld was not set up by this plugin",
			     (long)sess->id);
	return s;
}
