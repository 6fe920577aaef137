// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin: the five image ops on described models, and generic
 * ONNX model load/run/unload (docs/plugins/onnx.md). */
#include "models.h"
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

/* What the plugin keeps for one resource in one session. */
struct res_entry {
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
	struct res_entry *next;
};

/* The plugin's state of a session (vaccel_session_plugin_priv()) */
struct onnx_sess {
	pthread_mutex_t lock;
	struct res_entry *res;
};

/* ---- session and resource state ---- */

static int sess_init(struct vaccel_session *sess, uint32_t flags)
{
	struct onnx_sess *s = calloc(1, sizeof(*s));

	if (!s)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	return vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, s);
}

static void entry_free(struct res_entry *e)
{
	free(e->why);
	onnx_model_put(e->model);
	ort_net_put(e->net);
	free(e);
}

static struct onnx_sess *state_of(struct vaccel_session *sess)
{
	return vaccel_session_plugin_priv(sess, &vaccel_plugin_desc);
}

static int sess_release(struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	struct res_entry *e, *next;

	if (!s)
		return VACCEL_OK;
	for (e = s->res; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, NULL);
	return VACCEL_OK;
}

static int res_unregister(struct vaccel_resource *res,
			  struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	struct res_entry **p, *e = NULL;

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

/* The entry of `res` (created if absent); call with s->lock held. */
static struct res_entry *entry_of(struct onnx_sess *s,
				  struct vaccel_resource *res, bool create)
{
	struct res_entry *e;

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

static struct onnx_sess *sess_state(struct vaccel_session *sess)
{
	struct onnx_sess *s = state_of(sess);
	if (!s)
		vaccel_error(ONNX_TAG
			     "session %ld was not set up by this plugin",
			     (long)sess->id);
	return s;
}

/* ---- image ops ---- */

/* Whether a MODEL resource is for the image ops: unless it has no .model
 * or .onnx file and one of another runtime (TorchScript, TensorFlow), as
 * when one session also runs a torch model (docs/plugins/onnx.md). */
static bool image_candidate(const struct vaccel_resource *res)
{
	static const char *const own[] = { ".model", ".onnx" };
	static const char *const other[] = { ".pt", ".pth", ".ptl", ".pb",
					     ".tflite" };
	bool foreign = false;

	for (size_t i = 0; i < res->nr_blobs && res->blobs; i++) {
		const char *n = res->blobs[i]->name ? res->blobs[i]->name : "";
		const char *dot = strrchr(n, '.');

		for (size_t k = 0; dot && k < 2; k++)
			if (!strcmp(dot, own[k]))
				return true;
		for (size_t k = 0; dot && k < 5; k++)
			foreign |= !strcmp(dot, other[k]);
	}
	return !foreign;
}

/* The first file name of a resource, for messages. */
static const char *res_label(const struct vaccel_resource *res)
{
	if (!res->nr_blobs || !res->blobs || !res->blobs[0]->name)
		return "no files";
	return res->blobs[0]->name;
}

/* Try a resource once: its model, or why it has none. A resource without
 * a description is loaded as a network to tell garbage from a network
 * that only lacks its description. Call with s->lock held. */
/* The thread's reason without this plugin's tag (it is quoted in one). */
static const char *last_reason(void)
{
	const char *r = vaccel_last_error();

	return strncmp(r, ONNX_TAG, strlen(ONNX_TAG)) ? r
						      : r + strlen(ONNX_TAG);
}

static void entry_try(struct res_entry *e)
{
	struct ort_net *net = NULL;
	char why[512];

	e->tried = true;
	e->model_err = onnx_resource_model(e->res, &e->model, &e->described);
	if (e->described && !e->model_err)
		return;
	if (e->described)
		snprintf(why, sizeof(why), "%s", last_reason());
	else if ((e->model_err = onnx_resource_net(e->res, &net)))
		snprintf(why, sizeof(why), "cannot be loaded: %s",
			 last_reason());
	else
		snprintf(why, sizeof(why),
			 "is a network without a model description (which "
			 "task, how to feed and decode it): register a "
			 "NAME.model with it (docs/plugins/onnx.md)");
	ort_net_put(net);
	e->why = strdup(why);
	/* `why` quotes it: the op's reason is the summary no_model() gives */
	vaccel_last_error_clear();
}

/* The failure of an op whose session names models that do not serve it:
 * the reason lists each (up to what fits). */
static int no_model(enum vpc_task task, struct res_entry **cand, size_t n)
{
	char msg[768];
	size_t len = 0;
	int ret = VACCEL_EINVAL;

	for (size_t i = 0; i < n && len < sizeof(msg); i++) {
		struct res_entry *e = cand[i];
		const struct vpc_desc *d = e->model ? &e->model->desc : NULL;

		if (e->model_err)
			ret = e->model_err;
		len += (size_t)snprintf(msg + len, sizeof(msg) - len,
					"%sresource %ld (%s) ", i ? "; " : "",
					(long)e->res->id, res_label(e->res));
		if (len >= sizeof(msg))
			break;
		if (d)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"is the %s model %s",
						vpc_task_name(d->task),
						d->name ? d->name : "");
		else
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"%s", e->why ? e->why : "");
	}
	return vaccel_fail(ret,
			   ONNX_TAG
			   "%s: the session's model resources do not "
			   "serve %s (the default model runs only when "
			   "none is registered): %s",
			   vpc_task_name(task), vpc_task_name(task), msg);
}

/* The model of an image op: the first MODEL resource of the session (in
 * registration order) whose description has the op's task; the task's
 * default model only when the session has no MODEL resource for the
 * image ops. Registered models that do not serve the op fail it, naming
 * each and why. */
static int pick_model(struct vaccel_session *sess, enum vpc_task task,
		      struct onnx_model **m)
{
	struct onnx_sess *s = sess_state(sess);
	struct vaccel_resource **v = NULL;
	struct res_entry **cand = NULL;
	size_t n = 0, nc = 0;
	int ret = VACCEL_OK;

	if (!s)
		return VACCEL_EINVAL;
	if (vaccel_session_resources_by_type(sess, &v, &n,
					     VACCEL_RESOURCE_MODEL))
		n = 0;
	if (n && !(cand = calloc(n, sizeof(*cand)))) {
		free(v);
		return VACCEL_ENOMEM;
	}
	*m = NULL;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < n && !*m; i++) {
		struct res_entry *e;

		if (!image_candidate(v[i]))
			continue;
		if (!(e = entry_of(s, v[i], true))) {
			ret = VACCEL_ENOMEM;
			break;
		}
		if (!e->tried)
			entry_try(e);
		cand[nc++] = e;
		if (e->model && e->model->desc.task == task) {
			onnx_model_get(e->model);
			*m = e->model;
		}
	}
	if (!ret && !*m && nc)
		ret = no_model(task, cand, nc);
	pthread_mutex_unlock(&s->lock);
	free(cand);
	free(v);
	if (ret || *m)
		return ret;
	return onnx_default_model(task, m);
}

/* Outputs of a run as float maps for the decoders. */
static int outputs_to_fmaps(OrtValue **outs, size_t n,
			    int64_t (*dims)[ORT_MAX_DIMS], struct vpc_fmap *fm)
{
	for (size_t i = 0; i < n; i++) {
		ONNXTensorElementDataType type;
		void *data = NULL;
		int ret = ort_tensor_info(outs[i], &type, dims[i],
					  &fm[i].nr_dims, &fm[i].count, &data);

		if (ret)
			return ret;
		if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || !data) {
			return vaccel_fail(
				VACCEL_EINVAL,
				ONNX_TAG "output %zu is not a float tensor", i);
		}
		fm[i].data = data;
		fm[i].dims = dims[i];
	}
	return VACCEL_OK;
}

static void emit(const char *task, const char *what, const struct vpc_lines *l,
		 unsigned char *buf, size_t len)
{
	bool trunc = false;
	size_t k;

	if (!buf || !len)
		return;
	k = vpc_lines_emit(l, (char *)buf, len, &trunc);
	if (trunc)
		vaccel_warn(ONNX_TAG "%s: %s truncated to %zu of %zu records "
				     "(buffer of %zu bytes)",
			    task, what, k, l->n, len);
}

/* Run the model on the preprocessed tensor and decode its outputs (with
 * the PNG of a map when `want_png`). */
static int infer(struct onnx_model *m, struct vpc_tensor *t,
		 const struct vpc_geom *g, bool want_png, struct vpc_result *r)
{
	OrtValue *in = NULL, *outs[2 * VPC_DESC_MAX_GRIDS] = { 0 };
	int64_t dims[2 * VPC_DESC_MAX_GRIDS][ORT_MAX_DIMS];
	struct vpc_fmap fm[2 * VPC_DESC_MAX_GRIDS];
	int ret;

	ret = ort_tensor_wrap(t->data, t->size, t->dims, t->nr_dims,
			      t->dtype == VPC_DTYPE_F32
				      ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT
			      : t->dtype == VPC_DTYPE_U8
				      ? ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8
				      : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32,
			      &in);
	if (!ret)
		ret = ort_run(m->net, &m->input, &in, 1, m->outs, outs,
			      m->nr_outs);
	if (!ret)
		ret = outputs_to_fmaps(outs, m->nr_outs, dims, fm);
	if (!ret)
		ret = vpc_postprocess(&m->desc, m->labels, m->nr_labels, fm,
				      m->nr_outs, g, want_png, r);
	for (size_t i = 0; i < m->nr_outs; i++)
		if (outs[i])
			ort_api()->ReleaseValue(outs[i]);
	if (in)
		ort_api()->ReleaseValue(in);
	return ret;
}

/* Bytes the lines take in a buffer, with the terminating NUL. */
static size_t lines_size(const struct vpc_lines *l)
{
	size_t n = 1;

	for (size_t i = 0; i < l->n; i++)
		n += strlen(l->v[i]) + 1;
	return n;
}

/* segment, depth: the records, the record `png N`, their NUL, the N bytes
 * of the PNG and a NUL (docs/plugins/onnx.md). A PNG ends with the fixed
 * CRC of its IEND chunk (non-zero), so the agent, which returns a buffer
 * up to its last non-zero byte and one zero, returns all of it. When that
 * does not fit, the records and `# png N needs a buffer of T bytes`. */
static int emit_png(const char *task, struct vpc_result *r, unsigned char *buf,
		    size_t len)
{
	size_t text, need;
	int ret = vpc_lines_addf(&r->name, "png %zu", r->png_len);

	if (ret)
		return ret;
	text = lines_size(&r->name);
	need = text + r->png_len + 1;
	if (need <= len) {
		emit(task, "image-name output", &r->name, buf, len);
		memcpy(buf + text, r->png, r->png_len);
		buf[text + r->png_len] = '\0';
		return VACCEL_OK;
	}
	free(r->name.v[--r->name.n]);
	ret = vpc_lines_addf(&r->name, "# png %zu needs a buffer of %zu bytes",
			     r->png_len, need);
	if (!ret)
		vaccel_warn(ONNX_TAG "%s: the PNG (%zu bytes) is left out: the "
				     "output needs %zu bytes, the buffer has "
				     "%zu",
			    task, r->png_len, need, len);
	emit(task, "image-name output", &r->name, buf, len);
	return ret;
}

static int image_op(struct vaccel_session *sess, enum vpc_task task,
		    const void *img, size_t len_img, unsigned char *out_text,
		    size_t len_text, unsigned char *out_name, size_t len_name)
{
	struct onnx_model *m = NULL;
	struct vpc_image im = { 0 };
	struct vpc_tensor t = { 0 };
	struct vpc_result r = { 0 };
	struct vpc_geom g;
	bool want_png = (task == VPC_TASK_SEGMENT || task == VPC_TASK_DEPTH) &&
			out_name && len_name;
	int ret;

	if (!img || !len_img || (!out_text && len_text) ||
	    (!out_name && len_name))
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "%s: no image, or an output buffer "
					    "with a length but no memory",
				   vpc_task_name(task));
	ret = pick_model(sess, task, &m);
	if (!ret)
		ret = vpc_image_decode(img, len_img, &im);
	if (!ret)
		ret = vpc_preprocess(&im, &m->desc.in, &t, &g);
	if (!ret)
		ret = infer(m, &t, &g, want_png, &r);
	if (!ret) {
		emit(vpc_task_name(task), "text", &r.text, out_text, len_text);
		if (r.png)
			ret = emit_png(vpc_task_name(task), &r, out_name,
				       len_name);
		else
			emit(vpc_task_name(task), "image-name output", &r.name,
			     out_name, len_name);
	}
	vpc_result_release(&r);
	vpc_tensor_release(&t);
	vpc_image_release(&im);
	onnx_model_put(m);
	return ret;
}

static int op_classify(struct vaccel_session *sess, const void *img,
		       unsigned char *out_text, unsigned char *out_imgname,
		       size_t len_img, size_t len_out_text,
		       size_t len_out_imgname)
{
	return image_op(sess, VPC_TASK_CLASSIFY, img, len_img, out_text,
			len_out_text, out_imgname, len_out_imgname);
}

#define IMAGE_OP(fn, TASK)                                          \
	static int fn(struct vaccel_session *sess, const void *img, \
		      unsigned char *out_imgname, size_t len_img,   \
		      size_t len_out_imgname)                       \
	{                                                           \
		return image_op(sess, TASK, img, len_img, NULL, 0,  \
				out_imgname, len_out_imgname);      \
	}

IMAGE_OP(op_detect, VPC_TASK_DETECT)
IMAGE_OP(op_segment, VPC_TASK_SEGMENT)
IMAGE_OP(op_pose, VPC_TASK_POSE)
IMAGE_OP(op_depth, VPC_TASK_DEPTH)

/* ---- generic model ops ---- */

static int op_load(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct onnx_sess *s = sess_state(sess);
	struct ort_net *net = NULL;
	struct res_entry *e;
	int ret;

	if (!s)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&s->lock);
	e = entry_of(s, model, true);
	ret = !e       ? VACCEL_ENOMEM
	      : e->net ? VACCEL_OK
		       : onnx_resource_net(model, &net);
	if (!ret && !e->net)
		e->net = net;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int op_unload(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct onnx_sess *s = sess_state(sess);
	struct ort_net *net = NULL;
	struct res_entry *e;

	if (!s)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&s->lock);
	e = entry_of(s, model, false);
	if (e) {
		net = e->net;
		e->net = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (!net) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "unload: resource %ld is not loaded in "
				   "session %ld",
				   (long)model->id, (long)sess->id);
	}
	ort_net_put(net);
	return VACCEL_OK;
}

/* Check one caller tensor against the network's input i and wrap it. */
static int wrap_input(const struct ort_net *net, size_t i,
		      const struct vaccel_onnx_tensor *t, OrtValue **v)
{
	const struct ort_io *io = &net->inputs[i];
	size_t esize = ort_type_size(io->type), count = 1;

	if (!t || t->nr_dims < 0 || t->nr_dims > ORT_MAX_DIMS ||
	    (t->nr_dims && !t->dims) || (!t->data && t->size)) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "run: input %zu is malformed", i);
	}
	if (!io->is_tensor || !esize || (int)t->data_type != (int)io->type) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) wants %s, got type "
				   "%d",
				   i, io->name, ort_type_name(io->type),
				   (int)t->data_type);
	}
	/* rank-0 inputs arrive as [1] (vAccel tensors have a rank >= 1) */
	if (io->nr_dims == 0 && t->nr_dims == 1 && t->dims[0] == 1 &&
	    t->size == esize)
		return ort_tensor_wrap(t->data, t->size, t->dims, 0, io->type,
				       v);
	if (io->nr_dims != t->nr_dims) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) has %d dims, got %d",
				   i, io->name, io->nr_dims, t->nr_dims);
	}
	for (int d = 0; d < t->nr_dims; d++) {
		if (t->dims[d] < 0 ||
		    (io->dims[d] > 0 && io->dims[d] != t->dims[d]) ||
		    (t->dims[d] && count > SIZE_MAX / (size_t)t->dims[d])) {
			return vaccel_fail(VACCEL_EINVAL,
					   ONNX_TAG
					   "run: input %zu (%s) dim %d is "
					   "%ld, the model wants %ld",
					   i, io->name, d, (long)t->dims[d],
					   (long)io->dims[d]);
		}
		count *= (size_t)t->dims[d];
	}
	if (count > SIZE_MAX / esize || count * esize != t->size) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: input %zu (%s) holds %zu bytes, its "
				   "dims need %zu",
				   i, io->name, t->size, count * esize);
	}
	return ort_tensor_wrap(t->data, t->size, t->dims, t->nr_dims, io->type,
			       v);
}

/* Copy an ORT output into a new vAccel tensor (the caller's). */
static int output_tensor(OrtValue *v, struct vaccel_onnx_tensor **out)
{
	ONNXTensorElementDataType type;
	int64_t dims[ORT_MAX_DIMS];
	int nr_dims, ret;
	size_t count;
	void *data;

	ret = ort_tensor_info(v, &type, dims, &nr_dims, &count, &data);
	if (ret)
		return ret;
	if (!ort_type_size(type)) {
		return vaccel_fail(VACCEL_ENOTSUP,
				   ONNX_TAG "run: outputs of type %s are not "
					    "supported",
				   ort_type_name(type));
	}
	if (nr_dims == 0) { /* a scalar: vAccel tensors have a rank >= 1 */
		nr_dims = 1;
		dims[0] = 1;
	}
	ret = vaccel_onnx_tensor_allocate(out, nr_dims, dims,
					  (enum vaccel_onnx_data_type)type,
					  count * ort_type_size(type));
	if (!ret && count)
		memcpy((*out)->data, data, count * ort_type_size(type));
	return ret;
}

static int run_net(struct ort_net *net,
		   struct vaccel_onnx_tensor *const *inputs, int nr_inputs,
		   struct vaccel_onnx_tensor **outputs, int nr_outputs)
{
	OrtValue *ins[64] = { 0 }, *outs[64] = { 0 };
	size_t in_idx[64], out_idx[64];
	int ret = VACCEL_OK, i;

	if (!inputs || !outputs || nr_inputs < 0 ||
	    (size_t)nr_inputs != net->nr_inputs || nr_outputs < 1 ||
	    (size_t)nr_outputs > net->nr_outputs || nr_inputs > 64 ||
	    nr_outputs > 64) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: %s takes %zu inputs and up to %zu "
				   "outputs; got %d and %d",
				   net->what, net->nr_inputs, net->nr_outputs,
				   nr_inputs, nr_outputs);
	}
	for (i = 0; i < nr_outputs; i++) {
		outputs[i] = NULL;
		out_idx[i] = (size_t)i;
	}
	for (i = 0; i < nr_inputs && !ret; i++) {
		in_idx[i] = (size_t)i;
		ret = wrap_input(net, (size_t)i, inputs[i], &ins[i]);
	}
	if (!ret)
		ret = ort_run(net, in_idx, ins, (size_t)nr_inputs, out_idx,
			      outs, (size_t)nr_outputs);
	for (i = 0; i < nr_outputs && !ret; i++)
		ret = output_tensor(outs[i], &outputs[i]);
	for (i = 0; i < 64; i++) {
		if (ins[i])
			ort_api()->ReleaseValue(ins[i]);
		if (outs[i])
			ort_api()->ReleaseValue(outs[i]);
	}
	for (i = 0; ret && i < nr_outputs; i++) {
		vaccel_onnx_tensor_delete(outputs[i]);
		outputs[i] = NULL;
	}
	return ret;
}

static int op_run(struct vaccel_session *sess,
		  const struct vaccel_resource *model,
		  struct vaccel_onnx_tensor *const *inputs, int nr_inputs,
		  struct vaccel_onnx_tensor **outputs, int nr_outputs)
{
	struct onnx_sess *s = sess_state(sess);
	struct ort_net *net = NULL;
	struct res_entry *e;
	int ret;

	if (!s)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&s->lock);
	e = entry_of(s, (struct vaccel_resource *)model, false);
	if (e && e->net) {
		net = e->net;
		ort_net_get(net);
	}
	pthread_mutex_unlock(&s->lock);
	if (!net) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "run: resource %ld is not loaded in "
				   "session %ld (call "
				   "vaccel_onnx_model_load() first)",
				   (long)model->id, (long)sess->id);
	}
	ret = run_net(net, inputs, nr_inputs, outputs, nr_outputs);
	ort_net_put(net);
	return ret;
}

/* ---- plugin ---- */

static int onnx_init(void)
{
	struct ort_config oc;
	int ret = onnx_config_load();

	if (ret)
		return ret;
	oc.library = onnx_cfg.library;
	oc.threads = onnx_cfg.threads;
	ret = ort_runtime_init(&oc);
	if (ret)
		onnx_config_release();
	return ret;
}

static int onnx_fini(void)
{
	onnx_defaults_release();
	ort_runtime_fini();
	onnx_config_release();
	return VACCEL_OK;
}

static const struct vaccel_plugin_op onnx_ops[] = {
	VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, op_classify),
	VACCEL_PLUGIN_OP(IMAGE_DETECT, op_detect),
	VACCEL_PLUGIN_OP(IMAGE_SEGMENT, op_segment),
	VACCEL_PLUGIN_OP(IMAGE_POSE, op_pose),
	VACCEL_PLUGIN_OP(IMAGE_DEPTH, op_depth),
	VACCEL_PLUGIN_OP(ONNX_MODEL_LOAD, op_load),
	VACCEL_PLUGIN_OP(ONNX_MODEL_RUN, op_run),
	VACCEL_PLUGIN_OP(ONNX_MODEL_UNLOAD, op_unload),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "onnx", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_GENERIC,
			 .init = onnx_init, .fini = onnx_fini,
			 .session_init = sess_init,
			 .session_release = sess_release,
			 .resource_unregister = res_unregister, .ops = onnx_ops,
			 .nr_ops = sizeof(onnx_ops) / sizeof(onnx_ops[0]));
