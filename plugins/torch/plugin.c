// SPDX-License-Identifier: Apache-2.0
/* The torch plugin: TorchScript models (torch_model_load, torch_model_run)
 * and torch_sgemm on libtorch, through the C face of torch_backend.h
 * (docs/plugins/torch.md).
 *
 * Loaded models are kept per (session, resource): each session of this
 * plugin has a small list (vaccel_session_plugin_priv()). A model is loaded by
 * torch_model_load, or by the first torch_model_run of that resource in the
 * session (once: concurrent first calls wait for one load), and freed when
 * the resource is unregistered from the session or the session is
 * released. Runs take a reference under the session's lock and run outside
 * it, so several threads may run one model at once, and an unregister
 * during a run frees the model after the run. */
#include "torch_backend.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

#define ERR_LEN 512

/* Defaults, overridden by VACCEL_TORCH_THREADS and VACCEL_TORCH_JIT. */
#define DEFAULT_THREADS 1
#define MAX_THREADS	256
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

/* The state of one session (vaccel_session_plugin_priv()); the lock guards the
 * list and every entry's fields. */
struct torch_session {
	pthread_mutex_t lock;
	pthread_cond_t loaded; /* broadcast when a load ends */
	struct torch_entry *models;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- configuration ---------------------------------------------------- */

static int threads_from_env(void)
{
	const char *s = getenv("VACCEL_TORCH_THREADS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return DEFAULT_THREADS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > MAX_THREADS) {
		vaccel_warn("[torch] VACCEL_TORCH_THREADS=%s is not a number "
			    "in 1..%d; using %d",
			    s, MAX_THREADS, DEFAULT_THREADS);
		return DEFAULT_THREADS;
	}
	return (int)v;
}

static enum torch_backend_jit jit_from_env(void)
{
	static const struct {
		const char *name;
		enum torch_backend_jit mode;
	} modes[] = {
		{ "off", TORCH_BACKEND_JIT_OFF },
		{ "legacy", TORCH_BACKEND_JIT_LEGACY },
		{ "profile", TORCH_BACKEND_JIT_PROFILE },
	};
	const char *s = getenv("VACCEL_TORCH_JIT");

	if (s == NULL || *s == '\0')
		return TORCH_BACKEND_JIT_OFF;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0)
			return modes[i].mode;
	vaccel_warn("[torch] VACCEL_TORCH_JIT=%s is not off, legacy or "
		    "profile; using off",
		    s);
	return TORCH_BACKEND_JIT_OFF;
}

static int torch_init(void)
{
	static const char *const jit_names[] = { "off", "legacy", "profile" };
	char err[ERR_LEN] = "";
	int threads = threads_from_env();
	enum torch_backend_jit jit = jit_from_env();
	int ret = torch_backend_init(threads, jit, err, sizeof(err));

	if (ret != VACCEL_OK) {
		return vaccel_fail(ret, "[torch] %s", err);
	}
	if (err[0] != '\0')
		vaccel_warn("[torch] %s", err);
	vaccel_debug("[torch] libtorch: %d thread(s), graph optimisation %s",
		     threads, jit_names[jit]);
	return VACCEL_OK;
}

static int torch_fini(void)
{
	return VACCEL_OK;
}
/* ---- per-session model cache ------------------------------------------ */

static int torch_session_init(struct vaccel_session *sess, uint32_t flags)
{
	struct torch_session *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->loaded, NULL);
	return vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, ts);
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
static int torch_session_release(struct vaccel_session *sess)
{
	struct torch_session *ts =
		vaccel_session_plugin_priv(sess, &vaccel_plugin_desc);

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
	vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, NULL);
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
static int torch_resource_unregister(struct vaccel_resource *res,
				     struct vaccel_session *sess)
{
	struct torch_session *ts =
		vaccel_session_plugin_priv(sess, &vaccel_plugin_desc);
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

static struct torch_session *session_of(struct vaccel_session *sess)
{
	struct torch_session *ts =
		vaccel_session_plugin_priv(sess, &vaccel_plugin_desc);
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
 * the caller holds a reference: entry_put(). */
static int entry_get(struct torch_session *ts,
		     const struct vaccel_resource *res,
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

static void entry_put(struct torch_session *ts, struct torch_entry *e)
{
	pthread_mutex_lock(&ts->lock);
	entry_put_locked(e);
	pthread_mutex_unlock(&ts->lock);
}

/* ---- ops --------------------------------------------------------------- */

static int op_model_load(struct vaccel_session *sess,
			 struct vaccel_resource *model)
{
	struct torch_session *ts = session_of(sess);
	struct torch_entry *e;
	int ret;

	if (ts == NULL)
		return VACCEL_EINVAL;
	ret = entry_get(ts, model, &e);
	if (ret != VACCEL_OK)
		return ret;
	entry_put(ts, e);
	return VACCEL_OK;
}

static int check_run_args(struct vaccel_torch_tensor *const *inputs,
			  int nr_inputs, struct vaccel_torch_tensor **outputs,
			  int nr_outputs)
{
	char err[ERR_LEN];

	if (nr_inputs < 0 || (nr_inputs > 0 && inputs == NULL)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] model run: %d inputs at %p",
				   nr_inputs, (const void *)inputs);
	}
	if (nr_outputs < 0 || (nr_outputs > 0 && outputs == NULL)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] model run: %d outputs at %p",
				   nr_outputs, (void *)outputs);
	}
	for (int i = 0; i < nr_inputs; i++) {
		if (torch_backend_check_tensor(inputs[i], err, sizeof(err)) !=
		    VACCEL_OK) {
			return vaccel_fail(VACCEL_EINVAL,
					   "[torch] model run: input %d: %s", i,
					   err);
		}
	}
	return VACCEL_OK;
}

/* Allocates the plugin's outputs for the backend. */
static void *alloc_output(void *ctx, int index, int64_t nr_dims,
			  const int64_t *dims, enum vaccel_torch_data_type type,
			  size_t size)
{
	struct vaccel_torch_tensor **outputs = ctx;

	/* outputs[index] belongs to the caller (vaccel_torch_tensor_delete) */
	if (vaccel_torch_tensor_allocate(&outputs[index], nr_dims, dims, type,
					 size) != VACCEL_OK) {
		outputs[index] = NULL;
		return NULL;
	}
	return outputs[index]->data;
}

static void delete_outputs(struct vaccel_torch_tensor **outputs, int n)
{
	for (int i = 0; i < n; i++) {
		if (outputs[i] != NULL)
			vaccel_torch_tensor_delete(outputs[i]);
		outputs[i] = NULL;
	}
}

static int op_model_run(struct vaccel_session *sess,
			const struct vaccel_resource *model,
			const struct vaccel_torch_buffer *run_options,
			struct vaccel_torch_tensor *const *inputs,
			int nr_inputs, struct vaccel_torch_tensor **outputs,
			int nr_outputs)
{
	struct torch_session *ts = session_of(sess);
	struct torch_entry *e;
	char err[ERR_LEN] = "";
	int ret;

	if (ts == NULL)
		return VACCEL_EINVAL;
	ret = check_run_args(inputs, nr_inputs, outputs, nr_outputs);
	if (ret != VACCEL_OK)
		return ret;
	if (run_options != NULL && run_options->size > 0)
		vaccel_debug("[torch] run options (%zu bytes) ignored",
			     run_options->size);
	for (int i = 0; i < nr_outputs; i++)
		outputs[i] = NULL;

	ret = entry_get(ts, model, &e);
	if (ret != VACCEL_OK)
		return ret;
	ret = torch_backend_model_run(e->model, inputs, nr_inputs, nr_outputs,
				      alloc_output, outputs, err, sizeof(err));
	entry_put(ts, e);

	for (int i = 0; ret == VACCEL_OK && i < nr_outputs; i++)
		if (outputs[i] == NULL) {
			snprintf(err, sizeof(err), "cannot allocate output %d",
				 i);
			ret = VACCEL_ENOMEM;
		}
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] resource %lld: %s", (long long)model->id,
			     err);
		delete_outputs(outputs, nr_outputs);
	}
	return ret;
}

/* A float matrix of rows x cols: 2-d {rows, cols} or flat 1-d. */
static int check_matrix(const char *name, struct vaccel_torch_tensor **pt,
			int64_t rows, int64_t cols)
{
	const struct vaccel_torch_tensor *t = pt != NULL ? *pt : NULL;
	char err[ERR_LEN];

	if (torch_backend_check_tensor(t, err, sizeof(err)) != VACCEL_OK) {
		return vaccel_fail(VACCEL_EINVAL, "[torch] sgemm: %s: %s", name,
				   err);
	}
	if (t->data_type != VACCEL_TORCH_FLOAT) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"[torch] sgemm: %s has type %d, not FLOAT (7)", name,
			(int)t->data_type);
	}
	if (!((t->nr_dims == 2 && t->dims[0] == rows && t->dims[1] == cols) ||
	      (t->nr_dims == 1 && t->dims[0] == rows * cols))) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] sgemm: %s is not %lld x %lld", name,
				   (long long)rows, (long long)cols);
	}
	return VACCEL_OK;
}

static int op_sgemm(struct vaccel_session *sess,
		    struct vaccel_torch_tensor **in_A,
		    struct vaccel_torch_tensor **in_B,
		    struct vaccel_torch_tensor **in_C, int M, int N, int K,
		    struct vaccel_torch_tensor **out)
{
	const int64_t dims[2] = { M, N };
	const bool with_c = in_C != NULL && *in_C != NULL;
	char err[ERR_LEN] = "";
	int ret;

	if (M < 1 || N < 1 || K < 1 || out == NULL) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"[torch] sgemm: M=%d N=%d K=%d must be >= 1, out %p", M,
			N, K, (void *)out);
	}
	if (check_matrix("A", in_A, M, K) != VACCEL_OK ||
	    check_matrix("B", in_B, K, N) != VACCEL_OK ||
	    (with_c && check_matrix("C", in_C, M, N) != VACCEL_OK))
		return VACCEL_EINVAL;

	/* *out belongs to the caller (vaccel_torch_tensor_delete) */
	ret = vaccel_torch_tensor_allocate(out, 2, dims, VACCEL_TORCH_FLOAT,
					   (size_t)M * (size_t)N *
						   sizeof(float));
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] sgemm: cannot allocate %d x %d output", M,
			     N);
		*out = NULL;
		return VACCEL_ENOMEM;
	}
	ret = torch_backend_sgemm((*in_A)->data, (*in_B)->data,
				  with_c ? (*in_C)->data : NULL, (*out)->data,
				  M, N, K, err, sizeof(err));
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] %s", err);
		vaccel_torch_tensor_delete(*out);
		*out = NULL;
	}
	return ret;
}

static const struct vaccel_plugin_op torch_ops[] = {
	VACCEL_PLUGIN_OP(TORCH_MODEL_LOAD, op_model_load),
	VACCEL_PLUGIN_OP(TORCH_MODEL_RUN, op_model_run),
	VACCEL_PLUGIN_OP(TORCH_SGEMM, op_sgemm),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "torch", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_TORCH | VACCEL_PLUGIN_CPU,
			 .init = torch_init, .fini = torch_fini,
			 .session_init = torch_session_init,
			 .session_release = torch_session_release,
			 .resource_unregister = torch_resource_unregister,
			 .ops = torch_ops,
			 .nr_ops = sizeof(torch_ops) / sizeof(torch_ops[0]));
