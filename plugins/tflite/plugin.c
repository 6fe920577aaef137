// SPDX-License-Identifier: Apache-2.0
/* The tflite plugin: tflite_model_load / run / unload on Arm NN's TFLite
 * parser and runtime, through the C face of armnn_backend.h
 * (docs/plugins/tflite.md).
 *
 * Loaded networks are kept per (session, resource), from load to unload
 * (or to the resource's unregistration, or the session's release). A run
 * takes a reference under the session's lock and runs outside it, so an
 * unload during a run frees the network after the run. */
#include "armnn_backend.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

#define TAG	"[tflite] "
#define ERR_LEN 512

struct entry {
	struct entry *next;
	/* checked by pointer and id (an id is not reused while registered) */
	const struct vaccel_resource *res;
	vaccel_id_t res_id;
	struct tfl_net *net;
	/* 1 while listed, + 1 per run in progress */
	unsigned refs;
};

/* sess->priv: the lock guards the list and the refs */
struct tsess {
	pthread_mutex_t lock;
	struct entry *list;
};

/* ---- sessions and resources ------------------------------------------ */

static int sess_init(struct vaccel_session *sess, uint32_t flags)
{
	struct tsess *t = calloc(1, sizeof(*t));

	if (!t)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	sess->priv = t;
	return VACCEL_OK;
}

/* Drop a reference; the last frees the network. Call with the lock. */
static void put_locked(struct entry *e)
{
	if (--e->refs)
		return;
	tfl_net_free(e->net);
	free(e);
}

/* Unlink the entry of `res` (if any) and drop the list's reference. */
static bool forget_locked(struct tsess *t, const struct vaccel_resource *res)
{
	for (struct entry **p = &t->list; *p; p = &(*p)->next) {
		struct entry *e = *p;

		if (e->res == res && e->res_id == res->id) {
			*p = e->next;
			put_locked(e);
			return true;
		}
	}
	return false;
}

static int sess_release(struct vaccel_session *sess)
{
	struct tsess *t = sess->priv;

	if (!t)
		return VACCEL_OK;
	pthread_mutex_lock(&t->lock);
	while (t->list)
		forget_locked(t, t->list->res);
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
	free(t);
	sess->priv = NULL;
	return VACCEL_OK;
}

static int res_unregister(struct vaccel_resource *res,
			  struct vaccel_session *sess)
{
	struct tsess *t = sess->priv;

	if (t) {
		pthread_mutex_lock(&t->lock);
		forget_locked(t, res);
		pthread_mutex_unlock(&t->lock);
	}
	return VACCEL_OK;
}

static struct entry *find_locked(struct tsess *t,
				 const struct vaccel_resource *res)
{
	for (struct entry *e = t->list; e; e = e->next)
		if (e->res == res && e->res_id == res->id)
			return e;
	return NULL;
}

/* ---- loading ---------------------------------------------------------- */

/* The .tflite blob of a MODEL resource: its only blob, or for a directory
 * the first whose name ends in ".tflite" (else the first). */
static struct vaccel_blob *model_blob(const struct vaccel_resource *res)
{
	for (size_t i = 0; res->nr_blobs > 1 && i < res->nr_blobs; i++) {
		const char *n = res->blobs[i]->name;
		size_t len = n ? strlen(n) : 0;

		if (len > 7 && !strcmp(n + len - 7, ".tflite"))
			return res->blobs[i];
	}
	return res->nr_blobs && res->blobs ? res->blobs[0] : NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int load_net(const struct vaccel_resource *res, struct tfl_net **net)
{
	struct vaccel_blob *b = model_blob(res);
	const char *path = b ? vaccel_blob_path(b) : NULL;
	const void *data = NULL;
	size_t size = 0;
	char err[ERR_LEN] = "";
	double t0 = now_ms();
	int ret;

	if (b && !path)
		data = vaccel_blob_data(b, &size);
	if (!b || (!path && (!data || !size))) {
		vaccel_error(TAG "resource %lld has no model file",
			     (long long)res->id);
		return VACCEL_EINVAL;
	}
	ret = path ? tfl_net_load_file(path, net, err, sizeof(err))
		   : tfl_net_load_buffer(data, size, net, err, sizeof(err));
	if (ret) {
		vaccel_error(TAG "resource %lld (%s): %s", (long long)res->id,
			     path ? path : "buffer", err);
		return ret;
	}
	vaccel_debug(TAG "resource %lld: %zu inputs, %zu outputs, loaded in "
			 "%.1f ms",
		     (long long)res->id, tfl_net_nr_inputs(*net),
		     tfl_net_nr_outputs(*net), now_ms() - t0);
	return VACCEL_OK;
}

static struct tsess *state(const struct vaccel_session *sess)
{
	if (!sess->priv)
		vaccel_error(TAG "session %lld was not set up by this plugin",
			     (long long)sess->id);
	return sess->priv;
}

/* Loads of one session are serialised by its lock (a load is seconds at
 * most; runs do not take the lock while they compute). */
static int op_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct tsess *t = state(sess);
	struct entry *e;
	int ret = VACCEL_OK;

	if (!t)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&t->lock);
	if (!find_locked(t, model)) {
		e = calloc(1, sizeof(*e));
		ret = e ? load_net(model, &e->net) : VACCEL_ENOMEM;
		if (!ret) {
			*e = (struct entry){ t->list, model, model->id, e->net,
					     1 };
			t->list = e;
		} else {
			free(e);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

static int op_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct tsess *t = state(sess);
	bool found;

	if (!t)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&t->lock);
	found = forget_locked(t, model);
	pthread_mutex_unlock(&t->lock);
	if (!found) {
		vaccel_error(TAG "unload: resource %lld is not loaded in "
				 "session %lld",
			     (long long)model->id, (long long)sess->id);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

/* ---- running ---------------------------------------------------------- */

static int check_input(const struct tfl_io *io, int i,
		       const struct vaccel_tflite_tensor *t)
{
	bool same = t && t->nr_dims == io->nr_dims && (t->dims || !t->nr_dims);

	if (!t || !t->data || (int)t->data_type != io->type ||
	    t->size != io->bytes) {
		vaccel_error(TAG "run: input %d (%s) needs type %d and %zu "
				 "bytes; got %s",
			     i, io->name, io->type, io->bytes,
			     t ? "another type, size or no data" : "NULL");
		return VACCEL_EINVAL;
	}
	for (int d = 0; same && d < io->nr_dims; d++)
		same = t->dims[d] == io->dims[d];
	if (!same) {
		vaccel_error(TAG "run: input %d (%s) has other dims than the "
				 "model's %d-d shape",
			     i, io->name, io->nr_dims);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

static int check_run(struct tfl_net *net,
		     struct vaccel_tflite_tensor *const *in, int nr_in,
		     int nr_out)
{
	int ret = VACCEL_OK;

	if ((size_t)nr_in != tfl_net_nr_inputs(net) || nr_out < 1 ||
	    (size_t)nr_out > tfl_net_nr_outputs(net)) {
		vaccel_error(TAG "run: the model takes %zu inputs and gives up "
				 "to %zu outputs; asked %d and %d",
			     tfl_net_nr_inputs(net), tfl_net_nr_outputs(net),
			     nr_in, nr_out);
		return VACCEL_EINVAL;
	}
	for (int i = 0; !ret && i < nr_in; i++)
		ret = check_input(tfl_net_input(net, (size_t)i), i, in[i]);
	return ret;
}

/* Every output of the network as a new tensor (all are computed; the
 * first nr_out go to the caller, who deletes them). */
static int alloc_outputs(struct tfl_net *net, struct vaccel_tflite_tensor **o,
			 void **bufs)
{
	for (size_t i = 0; i < tfl_net_nr_outputs(net); i++) {
		const struct tfl_io *io = tfl_net_output(net, i);

		if (vaccel_tflite_tensor_allocate(
			    &o[i], io->nr_dims, io->dims,
			    (enum vaccel_tflite_data_type)io->type, io->bytes))
			return VACCEL_ENOMEM;
		bufs[i] = o[i]->data;
	}
	return VACCEL_OK;
}

static int run_net(struct tfl_net *net, struct vaccel_tflite_tensor *const *in,
		   int nr_in, struct vaccel_tflite_tensor **outputs, int nr_out)
{
	size_t n = tfl_net_nr_outputs(net);
	struct vaccel_tflite_tensor **o = calloc(n, sizeof(*o));
	const void **ins = calloc((size_t)nr_in + 1, sizeof(*ins));
	void **bufs = calloc(n, sizeof(*bufs));
	char err[ERR_LEN] = "";
	int ret =
		o && ins && bufs ? alloc_outputs(net, o, bufs) : VACCEL_ENOMEM;

	for (int i = 0; !ret && i < nr_in; i++)
		ins[i] = in[i]->data;
	if (!ret)
		ret = tfl_net_run(net, ins, bufs, err, sizeof(err));
	if (ret && err[0])
		vaccel_error(TAG "%s", err);
	for (size_t i = 0; o && i < n; i++) {
		if (!ret && i < (size_t)nr_out)
			outputs[i] = o[i];
		else if (o[i])
			vaccel_tflite_tensor_delete(o[i]);
	}
	free(o);
	free(ins);
	free(bufs);
	return ret;
}

static int op_run(struct vaccel_session *sess,
		  const struct vaccel_resource *model,
		  struct vaccel_tflite_tensor *const *inputs, int nr_inputs,
		  struct vaccel_tflite_tensor **outputs, int nr_outputs,
		  uint8_t *status)
{
	struct tsess *t = state(sess);
	struct entry *e = NULL;
	int ret;

	for (int i = 0; i < nr_outputs; i++)
		outputs[i] = NULL;
	if (t) {
		pthread_mutex_lock(&t->lock);
		e = find_locked(t, model);
		if (e)
			e->refs++;
		pthread_mutex_unlock(&t->lock);
	}
	if (!e) {
		vaccel_error(TAG "run: resource %lld is not loaded in this "
				 "session (call vaccel_tflite_model_load() "
				 "first)",
			     (long long)model->id);
		ret = VACCEL_EINVAL;
	} else {
		ret = check_run(e->net, inputs, nr_inputs, nr_outputs);
		if (!ret)
			ret = run_net(e->net, inputs, nr_inputs, outputs,
				      nr_outputs);
		pthread_mutex_lock(&t->lock);
		put_locked(e);
		pthread_mutex_unlock(&t->lock);
	}
	/* TfLiteStatus: kTfLiteOk 0, kTfLiteError 1 */
	if (status)
		*status = ret ? 1 : 0;
	return ret;
}

/* ---- plugin ------------------------------------------------------------ */

static int tflite_init(void)
{
	const char *want = getenv("VACCEL_TFLITE_BACKENDS");
	char used[128] = "", err[ERR_LEN] = "";
	int ret = tfl_init(want && *want ? want : "CpuAcc,CpuRef", used,
			   sizeof(used), err, sizeof(err));

	if (ret)
		vaccel_error(TAG "%s", err);
	else
		vaccel_debug(TAG "Arm NN backends: %s", used);
	return ret;
}

static int tflite_fini(void)
{
	tfl_fini();
	return VACCEL_OK;
}

static const struct vaccel_plugin_op tflite_ops[] = {
	VACCEL_PLUGIN_OP(TFLITE_MODEL_LOAD, op_load),
	VACCEL_PLUGIN_OP(TFLITE_MODEL_RUN, op_run),
	VACCEL_PLUGIN_OP(TFLITE_MODEL_UNLOAD, op_unload),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "tflite", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_TENSORFLOW | VACCEL_PLUGIN_CPU,
			 .init = tflite_init, .fini = tflite_fini,
			 .session_init = sess_init,
			 .session_release = sess_release,
			 .resource_unregister = res_unregister,
			 .ops = tflite_ops,
			 .nr_ops = sizeof(tflite_ops) / sizeof(tflite_ops[0]));
