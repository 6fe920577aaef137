// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's configuration, its shipped model descriptions, and the
 * binding of a description to a loaded network (docs/plugins/onnx.md). */
#pragma once

#include "ort.h"
#include "vpc_desc.h"
#include <stdatomic.h>
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

int onnx_config_load(void);
void onnx_config_release(void);

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
