// SPDX-License-Identifier: Apache-2.0
/* The five image ops: the session's described MODEL resource or the
 * task's default model, the image pipeline of plugins/common around one
 * network run, the results as text (and a PNG where the task makes one,
 * in the output buffer after the records). */
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

/* The thread's reason without this plugin's tag (it is quoted in one). */
static const char *last_reason(void)
{
	const char *r = vaccel_last_error();

	return strncmp(r, ONNX_TAG, strlen(ONNX_TAG)) ? r
						      : r + strlen(ONNX_TAG);
}

/* Try a resource once: its model, or why it has none. A resource without
 * a description is loaded as a network to tell garbage from a network
 * that only lacks its description. Call with s->lock held. */
static void entry_try(struct onnx_res *e)
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
static int no_model(enum vpc_task task, struct onnx_res **cand, size_t n)
{
	char msg[768];
	size_t len = 0;
	int ret = VACCEL_EINVAL;

	for (size_t i = 0; i < n && len < sizeof(msg); i++) {
		struct onnx_res *e = cand[i];
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
	struct onnx_sess *s = onnx_sess_state(sess);
	struct vaccel_resource **v = NULL;
	struct onnx_res **cand = NULL;
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
		struct onnx_res *e;

		if (!image_candidate(v[i]))
			continue;
		if (!(e = onnx_entry_of(s, v[i], true))) {
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

int onnx_op_classify(struct vaccel_session *sess, const void *img,
		     unsigned char *out_text, unsigned char *out_imgname,
		     size_t len_img, size_t len_out_text,
		     size_t len_out_imgname)
{
	return image_op(sess, VPC_TASK_CLASSIFY, img, len_img, out_text,
			len_out_text, out_imgname, len_out_imgname);
}

#define IMAGE_OP(fn, TASK)                                         \
	int fn(struct vaccel_session *sess, const void *img,       \
	       unsigned char *out_imgname, size_t len_img,         \
	       size_t len_out_imgname)                             \
	{                                                          \
		return image_op(sess, TASK, img, len_img, NULL, 0, \
				out_imgname, len_out_imgname);     \
	}

IMAGE_OP(onnx_op_detect, VPC_TASK_DETECT)
IMAGE_OP(onnx_op_segment, VPC_TASK_SEGMENT)
IMAGE_OP(onnx_op_pose, VPC_TASK_POSE)
IMAGE_OP(onnx_op_depth, VPC_TASK_DEPTH)
