// SPDX-License-Identifier: Apache-2.0
/* The torch plugin's per-session model cache: loaded models are kept per
 * (session, resource) in the session's state of this plugin
 * (vaccel_session_plugin_priv()). A model is loaded by torch_model_load,
 * or by the first torch_model_run of that resource in the session (once:
 * concurrent first calls wait for one load), and freed when the resource is
 * unregistered from the session or the session is released. Runs take a
 * reference under the session's lock and run outside it, so several
 * threads may run one model at once, and an unregister during a run frees
 * the model after the run. */
#include "torch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

static const struct vaccel_plugin_desc *owner;

void torch_session_owner(const struct vaccel_plugin_desc *desc)
{
	owner = desc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int torch_session_init(struct vaccel_session *sess, uint32_t flags)
{
	struct torch_session *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->loaded, NULL);
	return vaccel_session_set_plugin_priv(sess, owner, ts);
}

/* Drop one reference; the last one frees the model. Call with the lock. */
static void entry_put_locked(struct torch_entry *e)
{
	if (--e->refs > 0)
		return;
	if (e->model != NULL)
		torch_backend_model_free(e->model);
	free(e);
}

/* Unlink `e` and drop the list's reference. Call with the lock. */
static void entry_unlink_locked(struct torch_session *ts, struct torch_entry *e)
{
	for (struct torch_entry **p = &ts->models; *p != NULL;
	     p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			e->listed = false;
			entry_put_locked(e);
			return;
		}
	}
}

/* The library releases a session only when none of its ops is running, so
 * every entry has only its list reference left. */
int torch_session_release(struct vaccel_session *sess)
{
	struct torch_session *ts = vaccel_session_plugin_priv(sess, owner);

	if (ts == NULL)
		return VACCEL_OK;
	pthread_mutex_lock(&ts->lock);
	while (ts->models != NULL) {
		if (ts->models->refs > 1)
			vaccel_warn("[torch] session %lld released during an "
				    "op on resource %lld",
				    (long long)sess->id,
				    (long long)ts->models->res_id);
		entry_unlink_locked(ts, ts->models);
	}
	pthread_mutex_unlock(&ts->lock);
	pthread_cond_destroy(&ts->loaded);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
	vaccel_session_set_plugin_priv(sess, owner, NULL);
	return VACCEL_OK;
}

static struct torch_entry *find_locked(struct torch_session *ts,
				       const struct vaccel_resource *res)
{
	for (struct torch_entry *e = ts->models; e != NULL; e = e->next)
		if (e->res == res && e->res_id == res->id)
			return e;
	return NULL;
}

/* A run in progress keeps its reference: the model is freed after it. */
int torch_resource_unregister(struct vaccel_resource *res,
			      struct vaccel_session *sess)
{
	struct torch_session *ts = vaccel_session_plugin_priv(sess, owner);
	struct torch_entry *e;

	if (ts == NULL)
		return VACCEL_OK;
	pthread_mutex_lock(&ts->lock);
	e = find_locked(ts, res);
	if (e != NULL) {
		vaccel_debug(
			"[torch] session %lld: model of resource %lld dropped",
			(long long)sess->id, (long long)res->id);
		entry_unlink_locked(ts, e);
	}
	pthread_mutex_unlock(&ts->lock);
	return VACCEL_OK;
}

struct torch_session *torch_session_of(struct vaccel_session *sess)
{
	struct torch_session *ts = vaccel_session_plugin_priv(sess, owner);
	if (ts == NULL)
		vaccel_error("[torch] session %lld was not set up by the torch "
			     "plugin",
			     (long long)sess->id);
	return ts;
}

/* The TorchScript blob of a MODEL resource: its only blob, or, for a
 * directory, the first whose name ends in .pt, .pth or .ptl (else the
 * first blob). */
static struct vaccel_blob *model_blob(const struct vaccel_resource *res)
{
	static const char *const exts[] = { ".pt", ".pth", ".ptl" };

	if (res->nr_blobs == 0 || res->blobs == NULL)
		return NULL;
	for (size_t i = 0; res->nr_blobs > 1 && i < res->nr_blobs; i++) {
		const char *name = res->blobs[i]->name;
		size_t len = name != NULL ? strlen(name) : 0;

		for (size_t j = 0; j < sizeof(exts) / sizeof(exts[0]); j++) {
			size_t el = strlen(exts[j]);

			if (len > el && strcmp(name + len - el, exts[j]) == 0)
				return res->blobs[i];
		}
	}
	return res->blobs[0];
}

/* Load the model of `res`. *model belongs to the caller. */
static int load_model(const struct vaccel_resource *res,
		      struct torch_backend_model **model)
{
	struct vaccel_blob *blob = model_blob(res);
	char err[ERR_LEN] = "";
	const char *path;
	double t0 = now_ms();
	int ret;

	if (blob == NULL) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] resource %lld has no file",
				   (long long)res->id);
	}
	path = vaccel_blob_path(blob);
	if (path != NULL) {
		ret = torch_backend_model_load_file(path, model, err,
						    sizeof(err));
	} else {
		size_t size = 0;
		const uint8_t *data = vaccel_blob_data(blob, &size);

		if (data == NULL || size == 0) {
			return vaccel_fail(
				VACCEL_EINVAL,
				"[torch] resource %lld: blob %s has no data",
				(long long)res->id,
				blob->name ? blob->name : "?");
		}
		ret = torch_backend_model_load_buffer(data, size, model, err,
						      sizeof(err));
	}
	if (ret != VACCEL_OK) {
		return vaccel_fail(ret, "[torch] resource %lld (%s): %s",
				   (long long)res->id,
				   path ? path
					: (blob->name ? blob->name : "buffer"),
				   err);
	}
	vaccel_debug("[torch] resource %lld: loaded %s in %.1f ms",
		     (long long)res->id, path ? path : "from memory",
		     now_ms() - t0);
	return VACCEL_OK;
}

/* Load the model of a new entry (we hold a reference) and tell waiters. A
 * failed entry leaves the list, so that a later call tries again. */
static int entry_load(struct torch_session *ts, struct torch_entry *e)
{
	struct torch_backend_model *model = NULL;
	int ret = load_model(e->res, &model);

	pthread_mutex_lock(&ts->lock);
	e->model = model;
	e->load_ret = ret;
	if (ret != VACCEL_OK && e->listed)
		entry_unlink_locked(ts, e);
	pthread_cond_broadcast(&ts->loaded);
	pthread_mutex_unlock(&ts->lock);
	return ret;
}

/* The session's loaded model of `res`, loading it if needed. On success
 * the caller holds a reference: torch_entry_put(). */
int torch_entry_get(struct torch_session *ts, const struct vaccel_resource *res,
		    struct torch_entry **out)
{
	struct torch_entry *e;
	int ret;

	pthread_mutex_lock(&ts->lock);
	e = find_locked(ts, res);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			pthread_mutex_unlock(&ts->lock);
			return VACCEL_ENOMEM;
		}
		*e = (struct torch_entry){ .next = ts->models,
					   .res = res,
					   .res_id = res->id,
					   .load_ret = VACCEL_EINPROGRESS,
					   .listed = true,
					   .refs = 2 };
		ts->models = e;
		pthread_mutex_unlock(&ts->lock);
		ret = entry_load(ts, e);
		pthread_mutex_lock(&ts->lock);
	} else {
		e->refs++;
		while (e->load_ret == VACCEL_EINPROGRESS)
			pthread_cond_wait(&ts->loaded, &ts->lock);
		ret = e->load_ret;
	}
	if (ret != VACCEL_OK) {
		entry_put_locked(e);
		e = NULL;
	}
	pthread_mutex_unlock(&ts->lock);
	*out = e;
	return ret;
}

void torch_entry_put(struct torch_session *ts, struct torch_entry *e)
{
	pthread_mutex_lock(&ts->lock);
	entry_put_locked(e);
	pthread_mutex_unlock(&ts->lock);
}
