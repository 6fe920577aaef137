// SPDX-License-Identifier: Apache-2.0
/* Library-internal interfaces of the core. Everything here is hidden from
 * libvaccel.so's exports (names start with "vaccel__" or are static). */
#pragma once

#include "dirtree.h"
#include "list.h"
#include "vaccel.h"
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VACCEL__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define vaccel__likely(x)   __builtin_expect(!!(x), 1)
#define vaccel__unlikely(x) __builtin_expect(!!(x), 0)
#else
#define vaccel__likely(x)   (x)
#define vaccel__unlikely(x) (x)
#endif

/* ---- the library's state (state.c; written by core.c) ---- */

struct vaccel__state {
	struct vaccel_config config;
	char rundir[PATH_MAX];
	bool initialized;
	/* the error of the last bootstrap, VACCEL_ESESS if none was done */
	int bootstrap_status;
};
extern struct vaccel__state vaccel__state;

/* VACCEL_OK if bootstrapped, else the error to return (and it is logged). */
int vaccel__check_ready(const char *what);

/* ---- logging (log.c) ---- */

/* The current level (0 = nothing); read without a lock on hot paths. */
extern _Atomic int vaccel__log_level;
int vaccel__log_open(const struct vaccel_config *config);
void vaccel__log_close(void);

/* The calling thread's error reason (vaccel_last_error()): emptied when a
 * public call begins, set by the first error line logged after that. */
#define VACCEL__REASON_MAX 1024
void vaccel__reason_begin(void);
bool vaccel__reason_set(void);

#define vaccel__debug_on()                                             \
	vaccel__unlikely(atomic_load_explicit(&vaccel__log_level,      \
					      memory_order_relaxed) >= \
			 VACCEL_LOG_DEBUG)

/* ---- ids (id_pool.c) ---- */

struct vaccel__id_pool {
	pthread_mutex_t lock;
	unsigned char *used; /* used[i] != 0: id i+1 taken */
	vaccel_id_t max;
	vaccel_id_t last; /* last id handed out */
};

int vaccel__id_pool_init(struct vaccel__id_pool *pool, vaccel_id_t max);
void vaccel__id_pool_release(struct vaccel__id_pool *pool);
/* A free id (1..max), or a negative VACCEL_E* code (-VACCEL_EUSERS). */
vaccel_id_t vaccel__id_pool_get(struct vaccel__id_pool *pool);
void vaccel__id_pool_put(struct vaccel__id_pool *pool, vaccel_id_t id);

/* ---- plugins (plugin.c) ---- */

/* A loaded plugin. `pub` is what sessions point to (applications read
 * sess->plugin->info->name); the typed op table is ours. */
struct vaccel__plugin {
	struct vaccel_plugin pub;
	struct vaccel_plugin_info info;
	/* points at desc_copy: the plugin's descriptor as this library sees
	 * it (members the plugin's older header lacked are zero) */
	const struct vaccel_plugin_desc *desc;
	struct vaccel_plugin_desc desc_copy;
	/* the descriptor the plugin exported (what it passes as `self` to
	 * vaccel_session_plugin_priv) */
	const struct vaccel_plugin_desc *exported;
	union vaccel_op_fn ops[VACCEL_OP_EXT_MAX];
	uint64_t ops_mask;
	char *path;
};

static inline struct vaccel__plugin *vaccel__plugin_of(struct vaccel_plugin *p)
{
	return vaccel__container_of(p, struct vaccel__plugin, pub);
}

int vaccel__plugins_bootstrap(void);
/* fini (and dlclose when `unload`) every plugin, in reverse load order. */
void vaccel__plugins_cleanup(bool unload);
/* The plugin for a session with these hint flags (upstream's selection
 * rules), or NULL (logged). */
struct vaccel_plugin *vaccel__plugin_select(uint32_t hint);
size_t vaccel__plugins_count(void);
/* Register a descriptor that is not in a shared library (tests). */
int vaccel__plugin_register_desc(const struct vaccel_plugin_desc *desc,
				 void *dl_handle, const char *path);

/* As vaccel__plugin_select, and the plugins after it that serve the ops
 * it lacks (at most `max`, into `others`; docs/plugins.md). */
struct vaccel_plugin *vaccel__plugins_select(uint32_t hint,
					     struct vaccel__plugin **others,
					     size_t max, size_t *nr_others);

/* The op being called on this thread and the plugin that runs it (for
 * the reason of a failure the plugin did not explain). */
struct vaccel__op_ctx {
	vaccel_op_type_t op;
	struct vaccel__plugin *plugin;
};
extern _Thread_local struct vaccel__op_ctx vaccel__op_ctx;

/* After a failed op: if nothing gave a reason, log (and so set) one that
 * names the op and the plugin. */
void vaccel__op_failed(int ret);

/* The session's other plugins' function for `op` (sessions served by
 * several plugins), or NULL after logging why. */
const union vaccel_op_fn *vaccel__op_route(struct vaccel_session *sess,
					   vaccel_op_type_t op);

/* The function of `op` for the session: its plugin's, else that of the
 * first of its other plugins that has it; NULL after logging why (the
 * caller returns VACCEL_ENOTSUP). `sess` is known to be valid. */
static inline const union vaccel_op_fn *
vaccel__op_func(struct vaccel_session *sess, vaccel_op_type_t op)
{
	struct vaccel__plugin *p = vaccel__plugin_of(sess->plugin);
	vaccel__op_ctx.op = op;
	if (vaccel__likely((unsigned)op < VACCEL_OP_EXT_MAX &&
			   p->ops[op].NOOP != NULL)) {
		vaccel__op_ctx.plugin = p;
		return &p->ops[op];
	}
	return vaccel__op_route(sess, op);
}

/* ---- sessions (session.c) ---- */

int vaccel__sessions_bootstrap(void);
/* The first live session (NULL if none), for cleanup. */
struct vaccel_session *vaccel__session_first_live(void);
/* Forget every session without touching them (cleanup, after they were
 * released; at process exit their structs may be gone). */
void vaccel__sessions_forget(void);
int vaccel__session_invalid(void);
/* The plugins serving `sess`: its own first, then the others (at most
 * `max`). Valid while the session is. */
size_t vaccel__session_plugins(const struct vaccel_session *sess,
			       struct vaccel__plugin **out, size_t max);
#define VACCEL__SESSION_PLUGINS_MAX 8
/* The rest of vaccel_session_release() once nothing is registered with
 * `sess`: the plugin's hook, then the session is forgotten and unlocked
 * (the caller holds vaccel__session_lock()). */
void vaccel__session_end(struct vaccel_session *sess);

/* VACCEL_OK if `sess` looks initialized; otherwise VACCEL_EINVAL, logged. */
static inline int vaccel__session_check(const struct vaccel_session *sess)
{
	if (vaccel__likely(sess && sess->id > 0 && sess->plugin))
		return VACCEL_OK;
	return vaccel__session_invalid();
}

/* Ops in flight: an op holds its session shared for the plugin call;
 * update and release take it exclusively, so that no plugin state of the
 * session is freed or swapped under a running op (resource registration
 * is left to the plugins, which keep what a running op uses alive). Both
 * are one atomic operation; neither waits. */
/* VACCEL_OK, or VACCEL_EBUSY while the session is held exclusively. */
int vaccel__session_enter(const struct vaccel_session *sess);
void vaccel__session_leave(const struct vaccel_session *sess);
/* VACCEL_OK, or VACCEL_EBUSY (logged, naming `what`) while ops run. */
int vaccel__session_lock(const struct vaccel_session *sess, const char *what);
void vaccel__session_unlock(const struct vaccel_session *sess);

/* ---- resources (resource.c) ---- */

int vaccel__resources_bootstrap(void);
/* As vaccel__session_first_live and vaccel__sessions_forget. */
struct vaccel_resource *vaccel__resource_first_live(void);
void vaccel__resources_forget(void);
/* Build the blobs of a path-based resource (first registration; no-op
 * when it has them) and, with `map`, read every blob's data. */
int vaccel__resource_blobs(struct vaccel_resource *res, bool map);
/* The rest of vaccel_resource_release() once it is registered nowhere. */
void vaccel__resource_end(struct vaccel_resource *res);

/* ---- registrations (registration.c) ---- */

/* Release every live session, then every live resource (cleanup). */
void vaccel__release_all(void);
/* Op-side check: `res` is registered with `sess` and of `type` (EPERM /
 * EINVAL otherwise, logged). */
int vaccel__resource_check(struct vaccel_session *sess,
			   const struct vaccel_resource *res,
			   vaccel_resource_type_t type);

/* Registration node linking a resource and a session (many-to-many). */
struct vaccel__registration {
	vaccel_list_entry_t in_res;  /* in res->sessions */
	vaccel_list_entry_t in_sess; /* in sess->resources[type] */
	struct vaccel_resource *res;
	struct vaccel_session *sess;
};

/* ---- files (fs.c) ---- */

/* vaccel__fs_mkdir_p, vaccel__fs_rm_rf: src/shared/dirtree.h */
/* Read a whole file into a new malloc'ed buffer (the caller frees it). */
int vaccel__fs_read(const char *path, void **data, size_t *size);
/* Map a file read-only-private (writable copy-on-write); *data is to be
 * munmap'ed by the caller. Empty files give VACCEL_EINVAL. */
int vaccel__fs_map(const char *path, void **data, size_t *size);
/* Create `dir`/`name` (O_EXCL) or, when `randomize` or the name exists,
 * `dir`/`stem`_XXXXXX`ext`, and write `size` bytes. *out_path is new. */
int vaccel__fs_write_new(const char *dir, const char *name, bool randomize,
			 const void *data, size_t size, char **out_path);
/* Call fn(path, ctx) for every regular file below `dir` (recursively). */
int vaccel__fs_walk(const char *dir, int (*fn)(const char *path, void *ctx),
		    void *ctx);
const char *vaccel__fs_basename(const char *path);

/* ---- network (net.c) ---- */

bool vaccel__net_is_url(const char *path);
/* Download `url` to the new file `dest` (libcurl loaded on first use).
 * VACCEL_ENOTSUP without libcurl, VACCEL_EREMOTEIO on transfer errors. */
int vaccel__net_download(const char *url, const char *dest);

/* ---- profiling (prof.c) ---- */

extern _Atomic bool vaccel__prof_on;

/* The library's own per-op regions (thread-safe, printed at cleanup). */
struct vaccel__prof_op {
	struct vaccel_prof_region region;
	pthread_mutex_t lock;
	struct vaccel__prof_op *next; /* in the list printed at cleanup */
	bool tracked;
};

#define VACCEL__PROF_OP_INIT(name)                                        \
	{                                                                 \
		VACCEL_PROF_REGION_INIT(name), PTHREAD_MUTEX_INITIALIZER, \
			NULL, false                                       \
	}

uint64_t vaccel__prof_clock(void);
void vaccel__prof_op_record(struct vaccel__prof_op *op, uint64_t start);

/* Timestamp (ns) if profiling is on, else 0: one relaxed load on the hot
 * path when profiling is off. */
static inline uint64_t vaccel__prof_now(void)
{
	if (vaccel__likely(!atomic_load_explicit(&vaccel__prof_on,
						 memory_order_relaxed)))
		return 0;
	return vaccel__prof_clock();
}

static inline void vaccel__prof_op_add(struct vaccel__prof_op *op,
				       uint64_t start)
{
	if (vaccel__unlikely(start))
		vaccel__prof_op_record(op, start);
}
/* Print and release every op region that collected samples. */
void vaccel__prof_ops_print_release(void);

/* ---- ops (src/ops) ---- */

/* genop's onnx_model_run: turn (dtype, dims, data) arg triples into input
 * tensors and the outputs into (meta, data) arg pairs (docs/genop.md). */
int vaccel__genop_onnx_run(struct vaccel_session *sess,
			   struct vaccel_resource *res, struct vaccel_arg *in,
			   int nr_in, struct vaccel_arg *out, int nr_out);

/* ---- args (arg.c) ---- */

/* Whether `buf` of `size` bytes is a valid value of `t`: the check of
 * every typed add, get and set (RAW and CUSTOM are not checked). */
bool vaccel__arg_valid(vaccel_arg_type_t t, const void *buf, size_t size);

/* ---- misc ---- */

/* Duplicate a string; NULL stays NULL. Returns false on allocation
 * failure of a non-NULL input. */
bool vaccel__strdup_opt(const char *s, char **out);
