// SPDX-License-Identifier: Apache-2.0
/* A model description bound to its network: locating the files it names
 * (blobs of its resource, its directory, the deps directory), loading the
 * network and the labels, binding its input and outputs. */
#include "models.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LABELS_BYTES (16u << 20)

void onnx_src_release(struct onnx_src *s)
{
	free(s->owned);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

/* An absolute name or one with a ".." component. */
static bool escapes(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return true;
	while ((p = strstr(p, "..")) != NULL) {
		if ((p == name || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
		p += 2;
	}
	return false;
}

int onnx_locate(const struct onnx_src *s, const char *name,
		struct onnx_located *loc)
{
	const char *bases[2] = { s->dir, onnx_cfg.deps_dir };
	char *p;

	memset(loc, 0, sizeof(*loc));
	for (size_t i = 0; s->res && i < s->res->nr_blobs; i++) {
		struct vaccel_blob *b = s->res->blobs[i];

		if (b && b->name && !strcmp(b->name, onnx_base_name(name))) {
			loc->blob = b;
			return VACCEL_OK;
		}
	}
	/* A description inside a resource may come from a remote client: it
	 * must not name (and so expose, e.g. as labels) any host file. */
	if (s->untrusted && escapes(name)) {
		return vaccel_fail(VACCEL_EPERM,
				   ONNX_TAG
				   "%s: %s: a resource's description may only "
				   "name its own files, or relative paths "
				   "without '..'",
				   s->origin, name);
	}
	if (name[0] == '/') {
		if (onnx_is_file(name))
			return (loc->path = strdup(name)) ? VACCEL_OK
							  : VACCEL_ENOMEM;
	} else {
		for (int i = 0; i < 2; i++) {
			if (!bases[i])
				continue;
			if (asprintf(&p, "%s/%s", bases[i], name) < 0)
				return VACCEL_ENOMEM;
			if (onnx_is_file(p)) {
				loc->path = p;
				return VACCEL_OK;
			}
			free(p);
		}
	}
	/* The files the setup makes: say which command makes them. */
	if (!strncmp(name, "models/converted/", 17))
		vaccel_error(ONNX_TAG
			     "%s: %s/%s is missing: scripts/convert-models.sh "
			     "creates it (offline TF.js conversion, part of "
			     "scripts/setup.sh)",
			     s->origin, onnx_cfg.deps_dir, name);
	else if (!s->dir && !s->res) /* a shipped description */
		vaccel_error(ONNX_TAG "%s: %s/%s is missing: "
				      "scripts/fetch-assets.sh fetches it",
			     s->origin, onnx_cfg.deps_dir, name);
	else
		vaccel_error(ONNX_TAG "%s: cannot find %s (looked in the "
				      "resource, %s, %s)",
			     s->origin, name, s->dir ? s->dir : "-",
			     onnx_cfg.deps_dir);
	return VACCEL_ENOENT;
}

int onnx_load_net(const struct onnx_located *loc, struct ort_net **net)
{
	const char *path = loc->path;
	const uint8_t *data;
	size_t size = 0;

	if (!path)
		path = vaccel_blob_path(loc->blob);
	if (path)
		return ort_net_load_file(path, net);
	data = vaccel_blob_data(loc->blob, &size);
	if (!data || !size)
		return VACCEL_EINVAL;
	return ort_net_load_buffer(data, size, loc->blob->name, net);
}

static int load_labels(const struct onnx_src *s, struct onnx_model *m)
{
	struct onnx_located loc;
	char *buf = NULL;
	const char *text;
	size_t len = 0;
	int ret;

	if (!m->desc.labels_file) {
		m->labels = m->desc.labels;
		m->nr_labels = m->desc.nr_labels;
		return VACCEL_OK;
	}
	ret = onnx_locate(s, m->desc.labels_file, &loc);
	if (ret)
		return ret;
	if (loc.path) {
		ret = onnx_read_file(loc.path, MAX_LABELS_BYTES, &buf, &len);
		text = buf;
	} else {
		text = (const char *)vaccel_blob_data(loc.blob, &len);
		ret = text ? VACCEL_OK : VACCEL_EIO;
	}
	if (!ret)
		ret = vpc_labels_parse(text, len, &m->labels, &m->nr_labels);
	m->labels_owned = !ret;
	free(buf);
	free(loc.path);
	return ret;
}

/* ---- binding a description to its network ---- */

static ONNXTensorElementDataType ort_dtype(enum vpc_dtype t)
{
	switch (t) {
	case VPC_DTYPE_U8:
		return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
	case VPC_DTYPE_I32:
		return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
	default:
		return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
	}
}

static int bind_input(struct onnx_model *m)
{
	struct vpc_input_spec *in = &m->desc.in;
	const struct ort_io *io;
	int idx = m->desc.input ? ort_net_input(m->net, m->desc.input) : 0;
	int hd, wd, cd;

	if (idx < 0 || !m->net->nr_inputs) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "%s: the network has no input %s",
				   m->desc.name,
				   m->desc.input ? m->desc.input : "");
	}
	m->input = (size_t)idx;
	io = &m->net->inputs[idx];
	if (!io->is_tensor || io->type != ort_dtype(in->dtype) ||
	    io->nr_dims != 4) {
		return vaccel_fail(
			VACCEL_EINVAL,
			ONNX_TAG "%s: input %s is %s with %d dims; the "
				 "description says a 4-d %s tensor",
			m->desc.name, io->name, ort_type_name(io->type),
			io->nr_dims, ort_type_name(ort_dtype(in->dtype)));
	}
	cd = in->layout == VPC_LAYOUT_NCHW ? 1 : 3;
	hd = in->layout == VPC_LAYOUT_NCHW ? 2 : 1;
	wd = hd + 1;
	/* size = auto on a network with a fixed size: take that size */
	if (!in->width && io->dims[hd] > 0 && io->dims[wd] > 0) {
		in->width = (int)io->dims[wd];
		in->height = (int)io->dims[hd];
	}
	if ((io->dims[0] > 1) || (io->dims[cd] > 0 && io->dims[cd] != 3) ||
	    (in->width && io->dims[wd] > 0 && io->dims[wd] != in->width) ||
	    (in->height && io->dims[hd] > 0 && io->dims[hd] != in->height)) {
		return vaccel_fail(
			VACCEL_EINVAL,
			ONNX_TAG "%s: input %s has shape [%ld %ld %ld %ld], "
				 "which does not fit the description "
				 "(batch 1, 3 channels, %dx%d, %s)",
			m->desc.name, io->name, (long)io->dims[0],
			(long)io->dims[1], (long)io->dims[2], (long)io->dims[3],
			in->width, in->height,
			in->layout == VPC_LAYOUT_NCHW ? "nchw" : "nhwc");
	}
	return VACCEL_OK;
}

static int bind_output(struct onnx_model *m, const char *name, size_t pos)
{
	int idx = name ? ort_net_output(m->net, name) : (int)pos;

	if (idx < 0 || (size_t)idx >= m->net->nr_outputs) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "%s: the network has no output %s",
				   m->desc.name, name ? name : "(by position)");
	}
	if (m->net->outputs[idx].type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "%s: output %s is %s, decoders read float",
				   m->desc.name, m->net->outputs[idx].name,
				   ort_type_name(m->net->outputs[idx].type));
	}
	m->outs[m->nr_outs++] = (size_t)idx;
	return VACCEL_OK;
}

/* Outputs in the decoder's role order (vpc_postprocess()). */
static int bind_outputs(struct onnx_model *m)
{
	const struct vpc_desc *d = &m->desc;
	size_t g = d->nr_grids;
	int ret = VACCEL_OK;

	m->nr_outs = 0;
	if (d->decoder == VPC_DEC_ANCHORS) {
		for (size_t i = 0; i < g && !ret; i++)
			ret = bind_output(m, d->nr_scores ? d->scores[i] : NULL,
					  i);
		for (size_t i = 0; i < g && !ret; i++)
			ret = bind_output(m, d->nr_boxes ? d->boxes[i] : NULL,
					  g + i);
		return ret;
	}
	return bind_output(m, d->nr_outputs ? d->outputs[0] : NULL, 0);
}

void onnx_model_get(struct onnx_model *m)
{
	atomic_fetch_add(&m->refs, 1);
}

void onnx_model_put(struct onnx_model *m)
{
	if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	if (m->labels_owned)
		vpc_labels_free(m->labels, m->nr_labels);
	ort_net_put(m->net);
	vpc_desc_release(&m->desc);
	free(m);
}

/* Parse, load the network and labels, bind. */
int onnx_model_build(const struct onnx_src *s, struct onnx_model **out)
{
	struct onnx_model *m = calloc(1, sizeof(*m));
	struct onnx_located loc = { 0 };
	int ret;

	if (!m)
		return VACCEL_ENOMEM;
	atomic_init(&m->refs, 1);
	ret = vpc_desc_parse(s->text, s->len, s->origin, &m->desc);
	if (ret) {
		free(m);
		return ret;
	}
	ret = onnx_locate(s, m->desc.file, &loc);
	if (!ret)
		ret = onnx_load_net(&loc, &m->net);
	free(loc.path);
	if (!ret)
		ret = load_labels(s, m);
	if (!ret)
		ret = bind_input(m);
	if (!ret)
		ret = bind_outputs(m);
	if (ret) {
		onnx_model_put(m);
		return ret;
	}
	vaccel_debug(ONNX_TAG "model %s (%s) ready from %s", m->desc.name,
		     vpc_task_name(m->desc.task), s->origin);
	*out = m;
	return VACCEL_OK;
}
