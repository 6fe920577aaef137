// SPDX-License-Identifier: Apache-2.0
/* The environment a worker starts with. Not the front's: an operator's
 * shell or unit may hold secrets (cloud credentials, a client's
 * VACCEL_RPC_TOKEN) that a tenant's code would read in its own
 * environment. A worker gets the variables that configure libvaccel, its
 * backends and the libraries under them, and those --worker-env names;
 * the sandbox then sets HOME, TMPDIR and XDG_CACHE_HOME (sandbox.c). */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

/* passed by their exact name */
static const char *const names[] = {
	"PATH",		  "LD_LIBRARY_PATH",   "LD_PRELOAD",
	"LANG",		  "LANGUAGE",	       "TZ",
	"GLIBC_TUNABLES", "ASAN_OPTIONS",      "UBSAN_OPTIONS",
	"LSAN_OPTIONS",	  "TSAN_OPTIONS",      "MSAN_OPTIONS",
	"GCOV_PREFIX",	  "GCOV_PREFIX_STRIP", "LLVM_PROFILE_FILE",
};

/* passed by prefix: libvaccel and its backends, the C library's locale
 * and allocator, the BLAS and OpenMP runtimes, OpenCL (pocl) and GPU
 * runtimes, Arm NN */
static const char *const prefixes[] = {
	"VACCEL_", "LC_",   "MALLOC_", "OCL_ICD_", "OPENBLAS_", "GOTO_",
	"OMP_",	   "GOMP_", "KMP_",    "MKL_",	   "POCL_",	"CUDA_",
	"NVIDIA_", "HIP_",  "ROCR_",   "HSA_",	   "ARMNN_",
};

/* never passed: a client's token (an agent started from a client's shell
 * has it), and the tenant's name, which the front sets itself */
static const char *const refused[] = {
	"VACCEL_RPC_TOKEN",
	WORKER_TENANT_ENV "=",
};

/* --worker-env: NAME (passed from the front's) or NAME=VALUE, copies (a
 * worker's envp holds them: char *const[]) */
static char *extra[MAX_WORKER_ENV];
static int nr_extra;

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* `entry` (NAME=VALUE) names `name` (NAME or NAME=VALUE) */
static bool same_name(const char *entry, const char *name)
{
	size_t n = strcspn(name, "=");
	return !strncmp(entry, name, n) && entry[n] == '=';
}

static bool name_ok(const char *arg)
{
	size_t n = strcspn(arg, "=");
	if (!n || n > 128 || (arg[0] >= '0' && arg[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = arg[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return !same_name(WORKER_TENANT_ENV "=", arg);
}

void worker_env_add(const char *arg)
{
	if (nr_extra == MAX_WORKER_ENV)
		die("at most %d --worker-env", MAX_WORKER_ENV);
	if (!name_ok(arg))
		die("--worker-env %s: expected NAME or NAME=VALUE, NAME of "
		    "[A-Za-z0-9_] (at most 128, not starting with a digit, not "
		    "%s)",
		    arg, WORKER_TENANT_ENV);
	if (!(extra[nr_extra++] = strdup(arg)))
		die("out of memory");
}

static bool passes(const char *entry)
{
	/* --worker-env first: the operator's word; NAME=VALUE replaces the
	 * front's value (name_ok refuses the tenant's variable) */
	for (int i = 0; i < nr_extra; i++)
		if (same_name(entry, extra[i]))
			return !strchr(extra[i], '=');
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		if (starts(entry, refused[i]))
			return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (same_name(entry, names[i]))
			return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (starts(entry, prefixes[i]))
			return true;
	return false;
}

char **worker_env_make(char *tenant_entry)
{
	extern char **environ;
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **envp = calloc(n + (size_t)nr_extra + 2, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strchr(environ[i], '=') && passes(environ[i]))
			envp[k++] = environ[i];
	for (int i = 0; i < nr_extra; i++)
		if (strchr(extra[i], '='))
			envp[k++] = extra[i];
	envp[k] = tenant_entry;
	return envp;
}
