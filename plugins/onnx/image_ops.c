// SPDX-License-Identifier: Apache-2.0
/* The five image ops: the session's described MODEL resource or the
 * task's default model, the image pipeline of plugins/common around one
 * network run, the results as text (and a PNG where the task makes one). */
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

static atomic_ulong png_seq;

/* A MODEL resource of the session described for `task`, else the task's
 * default model. A resource whose description fails to parse or load is an
 * error; one without a description is skipped. */
static int pick_model(struct vaccel_session *sess, enum vpc_task task,
		      struct onnx_model **m)
{
	struct onnx_sess *s = onnx_sess_state(sess);
	struct vaccel_resource **v = NULL;
	size_t n = 0;
	int ret = VACCEL_OK;

	if (!s)
		return VACCEL_EINVAL;
	if (vaccel_session_resources_by_type(sess, &v, &n,
					     VACCEL_RESOURCE_MODEL))
		n = 0;
	*m = NULL;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < n && !ret && !*m; i++) {
		struct onnx_res *e = onnx_entry_of(s, v[i], true);

		if (!e) {
			ret = VACCEL_ENOMEM;
			break;
		}
		if (!e->tried) {
			e->model_err = onnx_resource_model(v[i], &e->model,
							   &e->described);
			e->tried = true;
		}
		if (e->model && e->model->desc.task == task) {
			onnx_model_get(e->model);
			*m = e->model;
		} else if (e->described && e->model_err) {
			ret = e->model_err;
		}
	}
	pthread_mutex_unlock(&s->lock);
	free(v);
	if (ret || *m)
		return ret;
	return onnx_default_model(task, m);
}

static int png_path(struct vaccel_session *sess, enum vpc_task task, char *path,
		    size_t size, bool *in_rundir)
{
	const char *dir =
		onnx_cfg.output_dir ? onnx_cfg.output_dir : sess->rundir;
	int n;

	*in_rundir = !onnx_cfg.output_dir;
	if (!dir || !*dir) {
		vaccel_error(ONNX_TAG "no output directory for the PNG (set "
				      "VACCEL_ONNX_OUTPUT_DIR)");
		return VACCEL_EINVAL;
	}
	/* The counter restarts when the plugin is reloaded, and ids are
	 * reused: skip names already taken (the file is then created with
	 * O_EXCL, so a race only fails the op, never overwrites). */
	for (int tries = 0; tries < 1000; tries++) {
		n = snprintf(path, size, "%s/%s-%d-%lu-%lu.png", dir,
			     vpc_task_name(task), (int)getpid(),
			     (unsigned long)sess->id,
			     (unsigned long)atomic_fetch_add(&png_seq, 1) + 1);
		if (n < 0 || (size_t)n >= size)
			return VACCEL_ENAMETOOLONG;
		if (access(path, F_OK))
			return VACCEL_OK;
	}
	vaccel_error(ONNX_TAG "no free PNG name in %s", dir);
	return VACCEL_EEXIST;
}

static void remember_file(struct vaccel_session *sess, const char *path)
{
	struct onnx_sess *s = sess->priv;
	char *copy = strdup(path);

	pthread_mutex_lock(&s->lock);
	if (copy && s->nr_files == s->cap_files) {
		size_t cap = s->cap_files ? s->cap_files * 2 : 8;
		char **v = realloc(s->files, cap * sizeof(char *));

		if (v) {
			s->files = v;
			s->cap_files = cap;
		}
	}
	if (copy && s->nr_files < s->cap_files) {
		s->files[s->nr_files++] = copy;
		copy = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	free(copy);
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
			vaccel_error(
				ONNX_TAG "output %zu is not a float tensor", i);
			return VACCEL_EINVAL;
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

/* Run the model on the preprocessed tensor and decode its outputs. */
static int infer(struct vaccel_session *sess, struct onnx_model *m,
		 struct vpc_tensor *t, const struct vpc_geom *g,
		 struct vpc_result *r)
{
	OrtValue *in = NULL, *outs[2 * VPC_DESC_MAX_GRIDS] = { 0 };
	int64_t dims[2 * VPC_DESC_MAX_GRIDS][ORT_MAX_DIMS];
	struct vpc_fmap fm[2 * VPC_DESC_MAX_GRIDS];
	enum vpc_task task = m->desc.task;
	char png[PATH_MAX];
	bool in_rundir = false, want_png;
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
	want_png = task == VPC_TASK_SEGMENT || task == VPC_TASK_DEPTH;
	if (!ret && want_png)
		ret = png_path(sess, task, png, sizeof(png), &in_rundir);
	if (!ret)
		ret = vpc_postprocess(&m->desc, m->labels, m->nr_labels, fm,
				      m->nr_outs, g, want_png ? png : NULL, r);
	if (!ret && want_png && in_rundir)
		remember_file(sess, png);
	for (size_t i = 0; i < m->nr_outs; i++)
		if (outs[i])
			ort_api()->ReleaseValue(outs[i]);
	if (in)
		ort_api()->ReleaseValue(in);
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
	int ret;

	if (!img || !len_img || (!out_text && len_text) ||
	    (!out_name && len_name)) {
		vaccel_error(ONNX_TAG "%s: no image, or an output buffer with "
				      "a length but no memory",
			     vpc_task_name(task));
		return VACCEL_EINVAL;
	}
	ret = pick_model(sess, task, &m);
	if (!ret)
		ret = vpc_image_decode(img, len_img, &im);
	if (!ret)
		ret = vpc_preprocess(&im, &m->desc.in, &t, &g);
	if (!ret)
		ret = infer(sess, m, &t, &g, &r);
	if (!ret) {
		emit(vpc_task_name(task), "text", &r.text, out_text, len_text);
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
