// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's configuration (config.c), the binding of a model
 * description to a loaded network (models.c), and where models come from:
 * defaults and MODEL resources (sources.c); docs/plugins/onnx.md. */
#pragma once

#include "ort.h"
#include "vpc_desc.h"
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <vaccel.h>

#define ONNX_TAG "[onnx] "

/* Configuration: VACCEL_ONNX_CONFIG (a key = value file) first, then the
 * environment variables, which win. */
struct onnx_config {
	char *deps_dir;	  /* VACCEL_DEPS, default: meson's deps_dir */
	char *library;	  /* VACCEL_ONNX_LIBRARY */
	int threads;	  /* VACCEL_ONNX_THREADS, default 1 */
	char *models_dir; /* VACCEL_ONNX_MODELS_DIR, NULL: none */
	/* VACCEL_ONNX_<TASK>_MODEL: a description name or path, or "none" */
	char *defaults[VPC_TASK_MAX];
};

extern struct onnx_config onnx_cfg;
/* Per task: its key in the configuration file ("classify") and its
 * environment variable (VACCEL_ONNX_CLASSIFY_MODEL). */
extern const char *const onnx_task_keys[VPC_TASK_MAX];
extern const char *const onnx_task_envs[VPC_TASK_MAX];

int onnx_config_load(void);
void onnx_config_release(void);

/* The largest description file read. */
#define ONNX_MAX_DESC_BYTES (1u << 20)
/* Read a whole file of at most `max` bytes into a new NUL-terminated
 * buffer (*buf, freed by the caller). VACCEL_E* on error (logged). */
int onnx_read_file(const char *path, size_t max, char **buf, size_t *len);

/* A description bound to its network: what an image op runs. */
struct onnx_model {
	atomic_int refs;
	struct vpc_desc desc;
	/* desc.labels, or the labels file's (then owned) */
	char **labels;
	size_t nr_labels;
	bool labels_owned;
	struct ort_net *net;
	size_t input;
	size_t outs[2 * VPC_DESC_MAX_GRIDS];
	size_t nr_outs;
};

void onnx_model_get(struct onnx_model *m);
void onnx_model_put(struct onnx_model *m);

/* A description's text and where its relative names resolve: blobs of
 * `res` by file name first, then `dir`, then the deps directory. */
struct onnx_src {
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
void onnx_src_release(struct onnx_src *s);

/* A file a description names: a blob of the resource or a path. */
struct onnx_located {
	struct vaccel_blob *blob;
	char *path;
};
/* Where `name` of the description of `s` is (the caller frees loc->path):
 * VACCEL_ENOENT (logged, saying which command makes it) if nowhere,
 * VACCEL_EPERM for a name of an untrusted description that escapes its
 * files. */
int onnx_locate(const struct onnx_src *s, const char *name,
		struct onnx_located *loc);
/* Load the network a located file holds (a new reference). */
int onnx_load_net(const struct onnx_located *loc, struct ort_net **net);

static inline const char *onnx_base_name(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

static inline bool onnx_is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}
/* Bind the description of `s` to its network and labels: a new model (one
 * reference). */
int onnx_model_build(const struct onnx_src *s, struct onnx_model **out);

/* The default model of a task (built once per process, kept until
 * onnx_defaults_release()). A new reference, or VACCEL_ENOTSUP when the
 * task has no model configured. */
int onnx_default_model(enum vpc_task task, struct onnx_model **m);
void onnx_defaults_release(void);

/* The image-op model a MODEL resource describes (a new reference).
 * *described is false (and nothing is logged above debug level) when the
 * resource has no description and matches no shipped one; errors of a
 * description that exists are errors. */
int onnx_resource_model(struct vaccel_resource *res, struct onnx_model **m,
			bool *described);
/* The network of a MODEL resource for the generic ops: the file its
 * description names, else its only .onnx file (a new reference). */
int onnx_resource_net(struct vaccel_resource *res, struct ort_net **net);

/* Descriptions compiled into the plugin (plugins/onnx/models/). */
struct onnx_shipped {
	const char *name;
	const char *text;
};
extern const struct onnx_shipped onnx_shipped[];
extern const size_t onnx_nr_shipped;
