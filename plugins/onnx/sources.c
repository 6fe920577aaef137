// SPDX-License-Identifier: Apache-2.0
/* Where a model comes from: the default model of each task (shipped
 * descriptions, names, paths; built once per process) and MODEL resources
 * (a description with its network, or a bare .onnx file). */
#include "models.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The built-in defaults (issue 5): COCO detection, person segmentation and
 * pose are models converted from TF.js by scripts/convert-models.sh; no
 * depth-estimation model ships in the registries we fetch from. BlazeFace
 * and PP-OCRv4 det stay available by name (blazeface, ppocr-det). */
static const char *const task_builtin[VPC_TASK_MAX] = {
	"ppocr-cls", "centernet", "selfie", "movenet", "none",
};

/* ---- default models ---- */

static const struct onnx_shipped *shipped(const char *name)
{
	for (size_t i = 0; i < onnx_nr_shipped; i++)
		if (!strcmp(onnx_shipped[i].name, name))
			return &onnx_shipped[i];
	return NULL;
}

static int src_from_path(struct onnx_src *s, const char *path)
{
	char *copy;
	int ret = onnx_read_file(path, ONNX_MAX_DESC_BYTES, &s->owned, &s->len);

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
static int src_by_name(struct onnx_src *s, const char *name)
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
		ret = onnx_is_file(p) ? src_from_path(s, p) : VACCEL_ENOENT;
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
	struct onnx_src s;
	int ret;

	if (!strcmp(name, "none")) {
		return vaccel_fail(
			VACCEL_ENOTSUP,
			ONNX_TAG "%s: no %s model configured%s; set %s to "
				 "a description (docs/plugins/onnx.md) or "
				 "register a MODEL resource",
			onnx_task_keys[task], onnx_task_keys[task],
			task == VPC_TASK_DEPTH
				? " (no depth-estimation model ships in the "
				  "registries this project uses)"
				: "",
			onnx_task_envs[task]);
	}
	ret = src_by_name(&s, name);
	if (!ret)
		ret = onnx_model_build(&s, out);
	if (ret)
		vaccel_error(ONNX_TAG "%s: the %s %s model %s cannot be used; "
				      "set %s or register a MODEL resource "
				      "to use another (docs/plugins/onnx.md)",
			     onnx_task_keys[task],
			     onnx_cfg.defaults[task] ? "configured" : "default",
			     onnx_task_keys[task], name, onnx_task_envs[task]);
	if (!ret && (*out)->desc.task != task) {
		vaccel_error(ONNX_TAG "%s: the %s model %s is a %s model",
			     onnx_task_keys[task], onnx_task_keys[task], name,
			     vpc_task_name((*out)->desc.task));
		onnx_model_put(*out);
		ret = VACCEL_EINVAL;
	}
	onnx_src_release(&s);
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

static int src_from_blob(struct onnx_src *s, struct vaccel_resource *res,
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
static int resource_src(struct vaccel_resource *res, struct onnx_src *s)
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
		same = !strcmp(onnx_base_name(d.file), b->name);
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
		ret = onnx_is_file(p) ? src_from_path(s, p) : VACCEL_ENOENT;
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
	struct onnx_src s;
	int ret = resource_src(res, &s);

	*described = ret != VACCEL_ENOENT;
	if (!*described)
		vaccel_debug(ONNX_TAG "resource %ld has no model description",
			     (long)res->id);
	if (!ret)
		ret = onnx_model_build(&s, m);
	onnx_src_release(&s);
	return ret;
}

int onnx_resource_net(struct vaccel_resource *res, struct ort_net **net)
{
	struct vaccel_blob *b = NULL;
	struct onnx_located loc = { 0 };
	struct onnx_src s;
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
			ret = onnx_locate(&s, d.file, &loc);
		if (!ret)
			ret = onnx_load_net(&loc, net);
		vpc_desc_release(&d);
		free(loc.path);
		onnx_src_release(&s);
		return ret;
	}
	onnx_src_release(&s);
	if (only_blob(res, ".onnx", &b) != 1 &&
	    !(res->nr_blobs == 1 && (b = res->blobs[0]))) {
		return vaccel_fail(VACCEL_EINVAL,
				   ONNX_TAG
				   "resource %ld: expected one .onnx file "
				   "among its %zu files",
				   (long)res->id, res->nr_blobs);
	}
	loc.blob = b;
	return onnx_load_net(&loc, net);
}
