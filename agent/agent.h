// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent: serves the vAccel RPC protocol (docs/protocol.md) on one or
 * more endpoints. docs/security.md describes the threat model.
 *
 * Two kinds of process (docs/architecture.md, "the agent"):
 *   the front    accepts, reads and authenticates each HELLO within a
 *                deadline, identifies the tenant, admits it under per-peer
 *                limits and hands the connection's descriptor to the
 *                tenant's worker; it never loads a backend plugin.
 *   a worker     one per tenant, started on demand by the front, sandboxed
 *                (sandbox.c); it loads the backend plugins and serves every
 *                connection of its tenant directly (no extra hop).
 * With --isolation none one in-process worker serves every tenant.
 *
 * Files, one job each:
 *   main.c      entry: the front, or a worker (--worker, internal)
 *   options.c   command line: parsing, checks, token files, a
 *               worker's command line
 *   options_help.c  --help and the option table (options_int.h)
 *   util.c      die, str_copy, path_join, tenant_dirname
 *   front.c     the front's event loop, listeners, signals, draining
 *   preauth.c   connections before HELLO: reading it under a deadline,
 *               tokens, tenant identity, per-peer pre-auth limits
 *   admission.c what the front's parts share: peers' counts, admitted
 *               connections' count and ids, the first HELLO's answer
 *   workers.c   the front's view of workers (workers_int.h): the table,
 *               starting one (probe, in-process), finding, forgetting
 *   workers_conns.c  admission counts, hand-off, workers' messages
 *   workers_end.c    death and its notices to the tenant's clients, idle
 *               exits, stopping
 *   worker_dirs.c    a worker's directories and their owner
 *   ctl.c       the front <-> worker control messages (SEQPACKET)
 *   sandbox.c   a worker's confinement (uid, rlimits, Landlock, seccomp)
 *   worker.c    a worker's main loop and call-deadline watchdog
 *   serve.h     the serving side (a worker's connections):
 *     conn.c      a connection's threads and lifecycle, HELLO, BYE
 *     conn_state.c  its state as handlers see it (objects, usage, budget,
 *                 run directory, writer): handlers never call conn.c
 *     intake.c    reading a request: framing, deadlines, memory budget
 *     reply.c     replies
 *     objects.c   what a connection owns, by client-visible id
 *     tenant.c    per-tenant state in a worker (cache, counters)
 *     control.c   PING, INFO, shared memory, sessions; control dispatch
 *     resources.c uploads and resources
 *     ops.c       the op dispatch: one handler per op family, calling the
 *                 public API (ops_int.h): ops_exec.c, ops_image.c,
 *                 ops_model.c, ops_tensor.c, ops_arrays.c, ops_common.c
 *   cache.c     a tenant's content-addressed blob cache
 *   policy.c    exec allowlist, name sanitising
 *   log.c       the agent's own log (stderr) */
#pragma once

#include "wire.h"
#include <limits.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- log.c ---- */
enum {
	ALOG_ERROR = 1,
	ALOG_WARN,
	ALOG_INFO,
	ALOG_DEBUG
};
extern int alog_level;
/* --log-format json: one JSON object a line (time, level, pid, tag,
 * message) for log collectors */
extern bool alog_json;
/* A worker's log goes through the front (workers_log.c), which adds the
 * time, its pid and the worker's: only "LEVEL: message" then. */
extern bool alog_relayed;
/* Set once at start: what every line says after the pid (e.g. the
 * tenant of a worker). */
extern char alog_tag[96];
void alog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line a worker wrote to its stdout or stderr (`len` bytes, any bytes;
 * `cut`: it was longer), logged by the front as that worker's: the
 * front's time and pid, then "worker[PID TENANT] output:" and the text
 * with control characters escaped; in JSON, the text is the field
 * "output" of a record tagged "worker TENANT" with "worker_pid". A
 * worker cannot make it a line of the front or of another worker. */
#define ALOG_WORKER_LINE 2048 /* bytes of a worker's line, at most */
void alog_worker(int pid, const char *tenant, const char *text, size_t len,
		 bool cut);
#define aerr(...)  alog(ALOG_ERROR, __VA_ARGS__)
#define awarn(...) alog(ALOG_WARN, __VA_ARGS__)
#define ainfo(...) alog(ALOG_INFO, __VA_ARGS__)
#define adebug(...)                                    \
	do {                                           \
		if (alog_level >= ALOG_DEBUG)          \
			alog(ALOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* ---- configuration (options.c, options_help.c) ---- */
#define MAX_LISTEN     8
#define MAX_EXEC_DIRS  16
#define MAX_TOKENS     64
#define MAX_READ_DIRS  16
#define MAX_WORKER_ENV 32
/* tenant names: [A-Za-z0-9._:-], this long at most */
#define TENANT_MAX 96

/* --worker-cgroups (agent/cgroup.c) */
enum worker_cgroups {
	WCG_AUTO = 0, /* where a memory controller can be used */
	WCG_ON,	      /* required: the agent does not start without */
	WCG_OFF,
};

enum isolation {
	ISOLATION_PROCESS = 0, /* a sandboxed worker process per tenant */
	ISOLATION_NONE,	       /* one in-process worker for every tenant */
};

/* How a listener tells its tenants apart. */
enum tenant_by {
	TENANT_AUTO = 0, /* unix: peer uid; tcp: token name; vsock: CID */
	TENANT_CONN,	 /* every connection is a tenant (a vport: one VM) */
	TENANT_FIXED,	 /* every connection is the listener's tenant */
};

struct listen_spec {
	const char *uri; /* without the "?tenant=" suffix */
	enum tenant_by by;
	char tenant[TENANT_MAX + 1];
};

struct token {
	char name[64];
	uint8_t bytes[VRPC_MAX_TOKEN];
	size_t len;
};

struct agent_config {
	struct listen_spec listen[MAX_LISTEN];
	int nr_listen;
	const char *plugins;
	const char *token_file;
	const char *tokens_file;
	struct token tokens[MAX_TOKENS];
	int nr_tokens;
	bool insecure;
	unsigned socket_mode;
	char *exec_dirs[MAX_EXEC_DIRS]; /* realpath'ed */
	int nr_exec_dirs;
	bool exec_allow_uploads;
	const char *rundir;
	const char *cache_dir;
	uint64_t cache_max; /* per tenant */
	bool cache_shared;
	uint64_t max_conns;
	uint64_t max_conns_per_peer;
	uint64_t max_conns_per_tenant;
	uint64_t max_preauth;
	uint64_t max_preauth_per_peer;
	uint64_t max_tenants;
	uint64_t conn_memory;
	struct vrpc_limits lim;
	bool no_shm;
	/* --ring off: refuse RING_OFFER (agent/ring.c) */
	bool no_ring;
	/* --near off: a ring's reader never waits on its client's CPU
	 * (agent/near.c) */
	bool no_near;
	int hello_timeout_ms;
	int frame_timeout_ms;
	int send_timeout_ms;
	int shutdown_timeout_ms;
	int call_timeout_ms;
	int worker_idle_ms;
	enum isolation isolation;
	bool no_sandbox;
	bool worker_exec;
	uint64_t worker_memory;
	enum worker_cgroups worker_cgroups;
	bool no_cpu_share;	/* --worker-cpu-share off: no cpu group */
	bool trust_dir_parents; /* --dir-parents trust */
	uint64_t worker_nofile;
	uint64_t worker_uid_base;
	uint64_t worker_uids;		/* how many: slots of workers.c */
	char *read_dirs[MAX_READ_DIRS]; /* extra read-only paths of workers */
	int nr_read_dirs;
	const char *ready_file;
	const char *metrics_listen;
	int backend_log_level;
	/* worker mode (set by the front on the worker's command line; the
	 * tenant's name in the environment, WORKER_TENANT_ENV: a command
	 * line is world-readable) */
	int worker_fd;
	bool probe;
	const char *worker_tenant;
	const char *worker_dir;
	const char *worker_cache;
	long worker_uid; /* -1: keep */
};

extern struct agent_config cfg;

/* Parse argv into `cfg` (exits 2 with a message on a bad option). */
void options_parse(int argc, char **argv);
/* The group of the workers of --cache-shared (as root): the one after
 * their uids (--worker-uid-base + 2 x --max-tenants). */
gid_t workers_shared_gid(void);
/* The command line a worker is started with (argv of the front without
 * its token files, plus the worker options): a NULL-terminated array in
 * `out` of at most `max` entries. Its tenant's name is not on it (any
 * local user reads /proc/PID/cmdline): the front passes it in the
 * environment variable WORKER_TENANT_ENV. */
int options_worker_argv(const char *dir, const char *cache, long uid, int fd,
			bool probe, char **out, int max, char *scratch,
			size_t size);
#define WORKER_TENANT_ENV "VACCEL_AGENT_TENANT"

/* ---- worker_env.c ---- */
/* --worker-env ARG: NAME or NAME=VALUE, NAME [A-Za-z_][A-Za-z0-9_]* and
 * not WORKER_TENANT_ENV (exits 2 with the reason otherwise). */
void worker_env_add(const char *arg);
/* A worker's environment, NULL-terminated: the front's variables that
 * configure libvaccel, its backends and their libraries, --worker-env's,
 * then `tenant_entry`. The strings are borrowed: free only the array.
 * NULL: out of memory. */
char **worker_env_make(char *tenant_entry);

/* ---- util.c ---- */
__attribute__((format(printf, 1, 2), noreturn)) void die(const char *fmt, ...);
extern bool die_serving; /* die's exit status: 1 once serving, else 2 */

/* `*deadline` becomes `t` if `t` is earlier (0, in either: none). */
void deadline_min(int64_t *deadline, int64_t t);
/* The start of a small file (/proc's) in `buf` of `size` bytes, NUL-
 * terminated (empty if it cannot be read): its length, or -1. */
ssize_t read_text(const char *path, char *buf, size_t size);
/* Copy `src` into `dst` of `size` bytes, cut if it does not fit. */
void str_copy(char *dst, size_t size, const char *src);
/* dst = a "/" b; false (dst unusable) if it does not fit. */
bool path_join(char *dst, size_t size, const char *a, const char *b);

/* The directory name of a tenant's files: "t-" and 16 hex digits of the
 * SHA-256 of its name (names are client-influenced; this is not). An
 * ephemeral tenant's is "e-" and a hash of its name and a random value of
 * this run: a tenant of an earlier run with the same name never finds it;
 * its files go when its worker ends, and any left by an earlier run at
 * start. Ephemeral: a connection's ("conn:N", whose number starts at 1 in
 * every run: it never comes back) and an --insecure client's address's
 * ("ip:ADDR": any client has as many as it likes; a cache each, kept,
 * filled the disk's directories). */
bool tenant_ephemeral(const char *tenant);
/* A client's identity (HELLO) as the log shows it: printable ASCII but
 * '"' and '\', the other bytes as \xHH (a '"' in it made a text log
 * line's fields the client's: `id "x" tenant token:bob id "y"`; bidi and
 * C1 controls misled terminals), cut to fit `size`. */
void ident_clean(char *out, size_t size, const char *in);
/* A tenant of one connection ("conn:N"): its worker leaves when it ends
 * (an "ip:" tenant's stays for --worker-idle: it may have several, and
 * come back). */
bool tenant_per_conn(const char *tenant);
/* rm -rf of a tenant's tree (`path` not followed if a link): without
 * recursion or paths, whatever its depth, entering only directories of
 * `path`'s filesystem owned by a uid in [uid_lo, uid_hi) (a tenant can
 * move a directory of someone else's into its tree). True if it is gone. */
bool remove_tree(const char *path, uid_t uid_lo, uid_t uid_hi);
/* Directory `path` (a link not followed), if owned by a uid of
 * [uid_lo, uid_hi), made this process's (CAP_CHOWN): root without
 * CAP_DAC_OVERRIDE (the packaged systemd unit) cannot move a directory it
 * may not write. True if it was one of those. */
bool take_dir(const char *path, uid_t uid_lo, uid_t uid_hi);
/* mkdir, or an existing directory, with `mode` (0, or -1: errno). */
int make_dir(const char *path, mode_t mode);
/* Entry `name` of `dfd` (a link not followed) if it is a directory of
 * filesystem `dev` owned by a uid of [lo, hi), or this process's with a
 * group of that range (taken before), taken back: this process's (its
 * group kept, which says it was a worker's), with rwx for its owner (root
 * without CAP_DAC_* enters only what its mode lets it). Its O_PATH
 * descriptor, or -1 if it is not one of those. System calls only (a
 * forked child may call it). */
int dir_take(int dfd, const char *name, dev_t dev, uid_t lo, uid_t hi);

void tenant_dirname(const char *tenant, char out[19]);
/* A rate as a virtual time `due`, pushed `every_ns` on by each event
 * (rate_add): whether it is more than `burst` events ahead of `now`. */
bool rate_over(int64_t due, int64_t now, int burst, int64_t every_ns);
void rate_add(int64_t *due, int64_t now, int64_t every_ns);
/* A listener whose accept failed with `err` for want of descriptors or
 * memory (its connection stays queued, and poll says so at once): not
 * polled again before the returned time, a warning at most once a second
 * (`said`: the last one's time) naming `what`; 0 for other errors.
 * `now`: vrpc_now_ns(). */
int64_t accept_pause(int err, const char *what, int64_t *said, int64_t now);
#define ACCEPT_PAUSE_NS 100000000ll
/* Where tenants' caches are, under --cache-dir (as root of the workers'
 * group, 0710: a local user cannot stat them; --cache-dir/shared is
 * --cache-shared's) */
#define CACHES_SUBDIR "tenants"
