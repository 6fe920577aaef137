// SPDX-License-Identifier: Apache-2.0
/* Configuration, description lookup and model binding of the onnx plugin. */
#include "models.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef VACCEL_DEPS_DIR
#define VACCEL_DEPS_DIR "/opt/vaccel-deps"
#endif

#define MAX_DESC_BYTES	 (1u << 20)
#define MAX_LABELS_BYTES (16u << 20)

struct onnx_config onnx_cfg;

static const char *const task_keys[VPC_TASK_MAX] = {
	"classify", "detect", "segment", "pose", "depth",
};
static const char *const task_envs[VPC_TASK_MAX] = {
	"VACCEL_ONNX_CLASSIFY_MODEL", "VACCEL_ONNX_DETECT_MODEL",
	"VACCEL_ONNX_SEGMENT_MODEL",  "VACCEL_ONNX_POSE_MODEL",
	"VACCEL_ONNX_DEPTH_MODEL",
};
/* The built-in defaults (issue 5): COCO detection, person segmentation and
 * pose are models converted from TF.js by scripts/convert-models.sh; no
 * depth-estimation model ships in the registries we fetch from. BlazeFace
 * and PP-OCRv4 det stay available by name (blazeface, ppocr-det). */
static const char *const task_builtin[VPC_TASK_MAX] = {
	"ppocr-cls", "centernet", "selfie", "movenet", "none",
};

static int set_str(char **dst, const char *v)
{
	char *s = v && *v ? strdup(v) : NULL;

	if (v && *v && !s)
		return VACCEL_ENOMEM;
	free(*dst);
	*dst = s;
	return VACCEL_OK;
}

static int set_threads(const char *v, const char *where)
{
	char *end;
	long t = strtol(v, &end, 10);

	if (*end || end == v || t < 1 || t > 256) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "%s: threads = %s is not in 1..256",
				   where, v);
	}
	onnx_cfg.threads = (int)t;
	return VACCEL_OK;
}

/* Read a whole (small) file; *buf is NUL-terminated and malloc'ed. */
static int read_file(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t n;

	if (!f) {
		int err = errno;

		vaccel_error(ONNX_TAG "cannot open %s: %s", path,
			     strerror(err));
		return err == ENOENT ? VACCEL_ENOENT : VACCEL_EIO;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		vaccel_error(ONNX_TAG "%s: not a regular file of at most %zu "
				      "bytes",
			     path, max);
		fclose(f);
		return VACCEL_EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		fclose(f);
		return VACCEL_ENOMEM;
	}
	n = fread(*buf, 1, (size_t)st.st_size, f);
	fclose(f);
	(*buf)[n] = '\0';
	*len = n;
	return VACCEL_OK;
}

/* The PNGs of segment and depth come back in the output buffer now; an
 * output directory from an older configuration is ignored, not an error. */
static void gone_output_dir(const char *where)
{
	vaccel_warn(ONNX_TAG "%s: output_dir is no longer used: segment and "
			     "depth return their PNG in the output buffer "
			     "(docs/plugins/onnx.md)",
		    where);
}

static int config_line(char *key, char *val, const char *path)
{
	for (int t = 0; t < VPC_TASK_MAX; t++)
		if (!strcmp(key, task_keys[t]))
			return set_str(&onnx_cfg.defaults[t], val);
	if (!strcmp(key, "deps_dir"))
		return set_str(&onnx_cfg.deps_dir, val);
	if (!strcmp(key, "library"))
		return set_str(&onnx_cfg.library, val);
	if (!strcmp(key, "output_dir")) {
		gone_output_dir(path);
		return VACCEL_OK;
	}
	if (!strcmp(key, "models_dir"))
		return set_str(&onnx_cfg.models_dir, val);
	if (!strcmp(key, "threads"))
		return set_threads(val, path);
	return vaccel_fail(VACCEL_EINVAL, ONNX_TAG "%s: unknown key %s", path,
			   key);
}

/* VACCEL_ONNX_CONFIG: `key = value` lines, '#' comments. */
static int config_file(const char *path)
{
	char *buf, *save = NULL, *line;
	size_t len;
	int ret = read_file(path, MAX_DESC_BYTES, &buf, &len);

	for (line = ret ? NULL : strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq, *k, *v, *e;

		line[strcspn(line, "#")] = '\0';
		eq = strchr(line, '=');
		if (!eq) {
			if (strspn(line, " \t\r") != strlen(line)) {
				vaccel_error(ONNX_TAG
					     "%s: expected key = value",
					     path);
				ret = VACCEL_EINVAL;
			}
			continue;
		}
		*eq = '\0';
		k = line + strspn(line, " \t");
		for (e = eq; e > k && strchr(" \t", e[-1]); e--)
			e[-1] = '\0';
		v = eq + 1 + strspn(eq + 1, " \t");
		for (e = v + strlen(v); e > v && strchr(" \t\r", e[-1]); e--)
			e[-1] = '\0';
		ret = config_line(k, v, path);
	}
	free(ret == VACCEL_ENOENT ? NULL : buf);
	return ret;
}

/* The runtime of the deps directory; a package's private copy
 * (-Donnx_runtime_dir) when no deps directory was asked for. */
static int default_library(bool builtin_deps)
{
	char *lib;
	int n;

#ifdef VACCEL_ONNX_RUNTIME_DIR
	if (builtin_deps)
		n = asprintf(&lib, "%s/libonnxruntime.so.1",
			     VACCEL_ONNX_RUNTIME_DIR);
	else
#endif
		n = asprintf(&lib, "%s/onnxruntime/lib/libonnxruntime.so.1",
			     onnx_cfg.deps_dir);
	if (n < 0)
		return VACCEL_ENOMEM;
	onnx_cfg.library = lib;
	return VACCEL_OK;
}

int onnx_config_load(void)
{
	const char *v;
	bool builtin_deps = false;
	int ret = VACCEL_OK;

	onnx_config_release();
	onnx_cfg.threads = 1;
	v = getenv("VACCEL_ONNX_CONFIG");
	if (v && *v)
		ret = config_file(v);
	if (!ret && (v = getenv("VACCEL_DEPS")) && *v)
		ret = set_str(&onnx_cfg.deps_dir, v);
	if (!ret && !onnx_cfg.deps_dir) {
		ret = set_str(&onnx_cfg.deps_dir, VACCEL_DEPS_DIR);
		builtin_deps = true;
	}
	if (!ret && (v = getenv("VACCEL_ONNX_LIBRARY")))
		ret = set_str(&onnx_cfg.library, v);
	if (!ret && (v = getenv("VACCEL_ONNX_THREADS")) && *v)
		ret = set_threads(v, "VACCEL_ONNX_THREADS");
	if (!ret && getenv("VACCEL_ONNX_OUTPUT_DIR"))
		gone_output_dir("VACCEL_ONNX_OUTPUT_DIR");
	if (!ret && (v = getenv("VACCEL_ONNX_MODELS_DIR")))
		ret = set_str(&onnx_cfg.models_dir, v);
	for (int t = 0; t < VPC_TASK_MAX && !ret; t++)
		if ((v = getenv(task_envs[t])) && *v)
			ret = set_str(&onnx_cfg.defaults[t], v);
	if (!ret && !onnx_cfg.library)
		ret = default_library(builtin_deps);
	return ret;
}

void onnx_config_release(void)
{
	free(onnx_cfg.deps_dir);
	free(onnx_cfg.library);
	free(onnx_cfg.models_dir);
	for (int t = 0; t < VPC_TASK_MAX; t++)
		free(onnx_cfg.defaults[t]);
	memset(&onnx_cfg, 0, sizeof(onnx_cfg));
}

/* ---- where a description's files are ---- */

/* A description's text and where its relative names resolve: blobs of
 * `res` by file name first, then `dir`, then the deps directory. */
struct src {
	const char *text;
	size_t len;
	char *owned; /* text, when read from a file */
	char origin[PATH_MAX];
	char *dir;
	struct vaccel_resource *res;
	/* from a resource (maybe a remote client's): its names may not
	 * leave its own files, its directory and the deps directory */
	bool untrusted;
};

static void src_release(struct src *s)
{
	free(s->owned);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

/* A file a description names: a blob of the resource or a path. */
struct located {
	struct vaccel_blob *blob;
	char *path;
};

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

static bool is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
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

static int locate(const struct src *s, const char *name, struct located *loc)
{
	const char *bases[2] = { s->dir, onnx_cfg.deps_dir };
	char *p;

	memset(loc, 0, sizeof(*loc));
	for (size_t i = 0; s->res && i < s->res->nr_blobs; i++) {
		struct vaccel_blob *b = s->res->blobs[i];

		if (b && b->name && !strcmp(b->name, base_name(name))) {
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
		if (is_file(name))
			return (loc->path = strdup(name)) ? VACCEL_OK
							  : VACCEL_ENOMEM;
	} else {
		for (int i = 0; i < 2; i++) {
			if (!bases[i])
				continue;
			if (asprintf(&p, "%s/%s", bases[i], name) < 0)
				return VACCEL_ENOMEM;
			if (is_file(p)) {
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

static int load_net(const struct located *loc, struct ort_net **net)
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

static int load_labels(const struct src *s, struct onnx_model *m)
{
	struct located loc;
	char *buf = NULL;
	const char *text;
	size_t len = 0;
	int ret;

	if (!m->desc.labels_file) {
		m->labels = m->desc.labels;
		m->nr_labels = m->desc.nr_labels;
		return VACCEL_OK;
	}
	ret = locate(s, m->desc.labels_file, &loc);
	if (ret)
		return ret;
	if (loc.path) {
		ret = read_file(loc.path, MAX_LABELS_BYTES, &buf, &len);
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
static int model_build(const struct src *s, struct onnx_model **out)
{
	struct onnx_model *m = calloc(1, sizeof(*m));
	struct located loc = { 0 };
	int ret;

	if (!m)
		return VACCEL_ENOMEM;
	atomic_init(&m->refs, 1);
	ret = vpc_desc_parse(s->text, s->len, s->origin, &m->desc);
	if (ret) {
		free(m);
		return ret;
	}
	ret = locate(s, m->desc.file, &loc);
	if (!ret)
		ret = load_net(&loc, &m->net);
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

/* ---- default models ---- */

static const struct onnx_shipped *shipped(const char *name)
{
	for (size_t i = 0; i < onnx_nr_shipped; i++)
		if (!strcmp(onnx_shipped[i].name, name))
			return &onnx_shipped[i];
	return NULL;
}

static int src_from_path(struct src *s, const char *path)
{
	char *copy;
	int ret = read_file(path, MAX_DESC_BYTES, &s->owned, &s->len);

	if (ret)
		return ret;
	s->text = s->owned;
	snprintf(s->origin, sizeof(s->origin), "%s", path);
	copy = strdup(path);
	if (!copy)
		return VACCEL_ENOMEM;
	s->dir = strdup(dirname(copy));
	free(copy);
	return s->dir ? VACCEL_OK : VACCEL_ENOMEM;
}

/* A description by name (models dir, then shipped) or by path. */
static int src_by_name(struct src *s, const char *name)
{
	const struct onnx_shipped *sh;
	size_t n = strlen(name);
	char *p;
	int ret;

	memset(s, 0, sizeof(*s));
	if (strchr(name, '/') || (n > 6 && !strcmp(name + n - 6, ".model")))
		return src_from_path(s, name);
	if (onnx_cfg.models_dir) {
		if (asprintf(&p, "%s/%s.model", onnx_cfg.models_dir, name) < 0)
			return VACCEL_ENOMEM;
		ret = is_file(p) ? src_from_path(s, p) : VACCEL_ENOENT;
		free(p);
		if (ret != VACCEL_ENOENT)
			return ret;
	}
	sh = shipped(name);
	if (!sh) {
		return vaccel_fail(
			VACCEL_ENOENT,
			ONNX_TAG "no model description named %s (shipped: "
				 "see docs/plugins/onnx.md%s%s)",
			name, onnx_cfg.models_dir ? "; also looked in " : "",
			onnx_cfg.models_dir ? onnx_cfg.models_dir : "");
	}
	s->text = sh->text;
	s->len = strlen(sh->text);
	snprintf(s->origin, sizeof(s->origin), "%s.model (shipped)", name);
	return VACCEL_OK;
}

static struct {
	pthread_mutex_t lock;
	struct onnx_model *m[VPC_TASK_MAX];
} defaults = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int default_build(enum vpc_task task, struct onnx_model **out)
{
	const char *name = onnx_cfg.defaults[task] ? onnx_cfg.defaults[task]
						   : task_builtin[task];
	struct src s;
	int ret;

	if (!strcmp(name, "none")) {
		return vaccel_fail(
			VACCEL_ENOTSUP,
			ONNX_TAG "%s: no %s model configured%s; set %s to "
				 "a description (docs/plugins/onnx.md) or "
				 "register a MODEL resource",
			task_keys[task], task_keys[task],
			task == VPC_TASK_DEPTH
				? " (no depth-estimation model ships in the "
				  "registries this project uses)"
				: "",
			task_envs[task]);
	}
	ret = src_by_name(&s, name);
	if (!ret)
		ret = model_build(&s, out);
	if (ret)
		vaccel_error(ONNX_TAG "%s: the %s %s model %s cannot be used; "
				      "set %s or register a MODEL resource "
				      "to use another (docs/plugins/onnx.md)",
			     task_keys[task],
			     onnx_cfg.defaults[task] ? "configured" : "default",
			     task_keys[task], name, task_envs[task]);
	if (!ret && (*out)->desc.task != task) {
		vaccel_error(ONNX_TAG "%s: the %s model %s is a %s model",
			     task_keys[task], task_keys[task], name,
			     vpc_task_name((*out)->desc.task));
		onnx_model_put(*out);
		ret = VACCEL_EINVAL;
	}
	src_release(&s);
	return ret;
}

int onnx_default_model(enum vpc_task task, struct onnx_model **m)
{
	int ret = VACCEL_OK;

	if ((unsigned)task >= VPC_TASK_MAX)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&defaults.lock);
	if (!defaults.m[task])
		ret = default_build(task, &defaults.m[task]);
	if (!ret) {
		onnx_model_get(defaults.m[task]);
		*m = defaults.m[task];
	}
	pthread_mutex_unlock(&defaults.lock);
	return ret;
}

void onnx_defaults_release(void)
{
	pthread_mutex_lock(&defaults.lock);
	for (int t = 0; t < VPC_TASK_MAX; t++) {
		onnx_model_put(defaults.m[t]);
		defaults.m[t] = NULL;
	}
	pthread_mutex_unlock(&defaults.lock);
}

/* ---- MODEL resources ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* The only blob whose name ends with `suffix`: 0 none, 1 found, -1 many. */
static int only_blob(struct vaccel_resource *res, const char *suffix,
		     struct vaccel_blob **out)
{
	int found = 0;

	for (size_t i = 0; i < res->nr_blobs; i++) {
		struct vaccel_blob *b = res->blobs[i];

		if (b && b->name && ends_with(b->name, suffix)) {
			*out = b;
			found = found ? -1 : 1;
		}
	}
	return found;
}

static int src_from_blob(struct src *s, struct vaccel_resource *res,
			 struct vaccel_blob *b)
{
	const char *path = vaccel_blob_path(b);

	s->text = (const char *)vaccel_blob_data(b, &s->len);
	if (!s->text)
		return VACCEL_EIO;
	s->res = res;
	s->untrusted = true;
	snprintf(s->origin, sizeof(s->origin), "%s", path ? path : b->name);
	if (path) {
		char *copy = strdup(path);

		if (!copy)
			return VACCEL_ENOMEM;
		s->dir = strdup(dirname(copy));
		free(copy);
		if (!s->dir)
			return VACCEL_ENOMEM;
	}
	return VACCEL_OK;
}

/* The description of a resource: its .model blob, else the shipped one
 * naming the same .onnx file, else NAME.model next to the .onnx file. */
static int resource_src(struct vaccel_resource *res, struct src *s)
{
	struct vaccel_blob *b = NULL;
	const char *path;
	int n;

	memset(s, 0, sizeof(*s));
	if (!res->nr_blobs || !res->blobs)
		return VACCEL_ENOENT;
	n = only_blob(res, ".model", &b);
	if (n < 0) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "resource %ld holds several .model "
					    "descriptions",
				   (long)res->id);
	}
	if (n)
		return src_from_blob(s, res, b);
	if (only_blob(res, ".onnx", &b) != 1)
		return VACCEL_ENOENT;
	for (size_t i = 0; i < onnx_nr_shipped; i++) {
		struct vpc_desc d;
		bool same;

		if (vpc_desc_parse(onnx_shipped[i].text,
				   strlen(onnx_shipped[i].text), "shipped", &d))
			continue;
		same = !strcmp(base_name(d.file), b->name);
		vpc_desc_release(&d);
		if (same) {
			s->text = onnx_shipped[i].text;
			s->len = strlen(s->text);
			s->res = res;
			snprintf(s->origin, sizeof(s->origin),
				 "%s.model (shipped, for resource %ld)",
				 onnx_shipped[i].name, (long)res->id);
			return VACCEL_OK;
		}
	}
	path = vaccel_blob_path(b);
	if (path && ends_with(path, ".onnx")) {
		char *p = NULL;
		int ret;

		if (asprintf(&p, "%.*s.model", (int)(strlen(path) - 5), path) <
		    0)
			return VACCEL_ENOMEM;
		ret = is_file(p) ? src_from_path(s, p) : VACCEL_ENOENT;
		free(p);
		s->untrusted = true;
		if (ret != VACCEL_ENOENT)
			return ret;
	}
	return VACCEL_ENOENT;
}

int onnx_resource_model(struct vaccel_resource *res, struct onnx_model **m,
			bool *described)
{
	struct src s;
	int ret = resource_src(res, &s);

	*described = ret != VACCEL_ENOENT;
	if (!*described)
		vaccel_debug(ONNX_TAG "resource %ld has no model description",
			     (long)res->id);
	if (!ret)
		ret = model_build(&s, m);
	src_release(&s);
	return ret;
}

int onnx_resource_net(struct vaccel_resource *res, struct ort_net **net)
{
	struct vaccel_blob *b = NULL;
	struct located loc = { 0 };
	struct src s;
	struct vpc_desc d;
	int ret;

	if (!res->nr_blobs || !res->blobs) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG "resource %ld has no files",
				   (long)res->id);
	}
	ret = resource_src(res, &s);
	if (!ret && s.owned == NULL && s.res &&
	    only_blob(res, ".model", &b) == 1) {
		/* a description in the resource names the network */
		ret = vpc_desc_parse(s.text, s.len, s.origin, &d);
		if (!ret)
			ret = locate(&s, d.file, &loc);
		if (!ret)
			ret = load_net(&loc, net);
		vpc_desc_release(&d);
		free(loc.path);
		src_release(&s);
		return ret;
	}
	src_release(&s);
	if (only_blob(res, ".onnx", &b) != 1 &&
	    !(res->nr_blobs == 1 && (b = res->blobs[0]))) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "resource %ld: expected one .onnx file "
				   "among its %zu files",
				   (long)res->id, res->nr_blobs);
	}
	loc.blob = b;
	return load_net(&loc, net);
}
