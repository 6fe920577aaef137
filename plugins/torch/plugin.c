// SPDX-License-Identifier: Apache-2.0
/* The torch plugin: TorchScript models (torch_model_load, torch_model_run)
 * and torch_sgemm on libtorch, through the C face of torch_backend.h
 * (docs/plugins/torch.md).
 *
 * This file: its configuration (environment) and descriptor; the model
 * cache is models.c's, the ops ops.c's. */
#include "torch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

/* Defaults, overridden by VACCEL_TORCH_THREADS and VACCEL_TORCH_JIT. */
#define DEFAULT_THREADS 1
#define MAX_THREADS	256

static int threads_from_env(void)
{
	const char *s = getenv("VACCEL_TORCH_THREADS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return DEFAULT_THREADS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > MAX_THREADS) {
		vaccel_warn("[torch] VACCEL_TORCH_THREADS=%s is not a number "
			    "in 1..%d; using %d",
			    s, MAX_THREADS, DEFAULT_THREADS);
		return DEFAULT_THREADS;
	}
	return (int)v;
}

static enum torch_backend_jit jit_from_env(void)
{
	static const struct {
		const char *name;
		enum torch_backend_jit mode;
	} modes[] = {
		{ "off", TORCH_BACKEND_JIT_OFF },
		{ "legacy", TORCH_BACKEND_JIT_LEGACY },
		{ "profile", TORCH_BACKEND_JIT_PROFILE },
	};
	const char *s = getenv("VACCEL_TORCH_JIT");

	if (s == NULL || *s == '\0')
		return TORCH_BACKEND_JIT_OFF;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0)
			return modes[i].mode;
	vaccel_warn("[torch] VACCEL_TORCH_JIT=%s is not off, legacy or "
		    "profile; using off",
		    s);
	return TORCH_BACKEND_JIT_OFF;
}

static int torch_init(void)
{
	static const char *const jit_names[] = { "off", "legacy", "profile" };
	char err[ERR_LEN] = "";
	int threads = threads_from_env();
	enum torch_backend_jit jit = jit_from_env();
	int ret = torch_backend_init(threads, jit, err, sizeof(err));

	torch_session_owner(&vaccel_plugin_desc);
	if (ret != VACCEL_OK) {
		return vaccel_fail(ret, "[torch] %s", err);
	}
	if (err[0] != '\0')
		vaccel_warn("[torch] %s", err);
	vaccel_debug("[torch] libtorch: %d thread(s), graph optimisation %s",
		     threads, jit_names[jit]);
	return VACCEL_OK;
}

static int torch_fini(void)
{
	return VACCEL_OK;
}

static const struct vaccel_plugin_op torch_ops[] = {
	VACCEL_PLUGIN_OP(TORCH_MODEL_LOAD, torch_op_model_load),
	VACCEL_PLUGIN_OP(TORCH_MODEL_RUN, torch_op_model_run),
	VACCEL_PLUGIN_OP(TORCH_SGEMM, torch_op_sgemm),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "torch", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_TORCH | VACCEL_PLUGIN_CPU,
			 .init = torch_init, .fini = torch_fini,
			 .session_init = torch_session_init,
			 .session_release = torch_session_release,
			 .resource_unregister = torch_resource_unregister,
			 .ops = torch_ops,
			 .nr_ops = sizeof(torch_ops) / sizeof(torch_ops[0]));
