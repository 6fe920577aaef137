// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's configuration: VACCEL_ONNX_CONFIG (a key = value file)
 * first, then the environment, which wins. */
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

struct onnx_config onnx_cfg;

const char *const onnx_task_keys[VPC_TASK_MAX] = {
	"classify", "detect", "segment", "pose", "depth",
};
const char *const onnx_task_envs[VPC_TASK_MAX] = {
	"VACCEL_ONNX_CLASSIFY_MODEL", "VACCEL_ONNX_DETECT_MODEL",
	"VACCEL_ONNX_SEGMENT_MODEL",  "VACCEL_ONNX_POSE_MODEL",
	"VACCEL_ONNX_DEPTH_MODEL",
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
int onnx_read_file(const char *path, size_t max, char **buf, size_t *len)
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
		if (!strcmp(key, onnx_task_keys[t]))
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
	int ret = onnx_read_file(path, ONNX_MAX_DESC_BYTES, &buf, &len);

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
		if ((v = getenv(onnx_task_envs[t])) && *v)
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
