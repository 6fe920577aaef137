// SPDX-License-Identifier: Apache-2.0
/* Test helpers: a real vaccel-agent process (a temp UNIX socket and a free
 * TCP port with a token), the client side bootstrapped on it, and a raw
 * protocol client for malformed input and isolation checks. Every process
 * started here is killed by PID (and dies with the test, PR_SET_PDEATHSIG). */
#pragma once

#include "codec.h"
#include "paths.h"
#include "msg.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define TEST_TOKEN "0123456789abcdef0123456789abcdef"

struct agent_proc {
	pid_t pid;
	char dir[256];
	char sock[320];
	char unix_uri[340];
	char tcp_uri[64];
	char log[320];
	uid_t uid;     /* the agent's, if not this process's (agent_start_as) */
	bool insecure; /* no token file: --insecure (agent_start_insecure) */
};

/* Start an agent serving `plugins` (':'-separated plugin names, each
 * resolved with plugin_path) with extra options (NULL-terminated, may be
 * NULL). Waits until it listens. 0 or -1. */
int agent_start(struct agent_proc *a, const char *plugins,
		const char *const *extra);
/* The same, the agent running as `uid` (0: as this process; another
 * only for a test run as root): its directory is given to that uid. */
int agent_start_as(struct agent_proc *a, const char *plugins,
		   const char *const *extra, uid_t uid);
/* --worker-uid-base of the agents this process starts (as root, their
 * workers' uids start there): one of its own per test process. */
uid_t agent_uid_base(void);
/* --worker-uids of the agents tests start: their workers' uids and group
 * stay in the test process's 128 */
#define AGENT_WORKER_UIDS 127
/* agent_start without a token file, with --insecure: a TCP client's
 * tenant is its address ("ip:ADDR"). */
int agent_start_insecure(struct agent_proc *a, const char *plugins,
			 const char *const *extra);
/* Kill the agent (if it runs) and start a new one on the same UNIX socket
 * (a new TCP port). */
int agent_restart(struct agent_proc *a, const char *plugins,
		  const char *const *extra);
/* SIGTERM, then SIGKILL after 10 s. Returns the exit status (or 128+sig). */
int agent_stop(struct agent_proc *a);
void agent_kill(struct agent_proc *a);
bool agent_alive(const struct agent_proc *a);
/* The worker processes of the agent (--isolation process: one per tenant
 * with a connection): their pids in `pids` (at most `max`); how many. */
int agent_workers(const struct agent_proc *a, pid_t *pids, int max);
/* Wait until the agent has `n` workers (up to `ms`). */
bool agent_wait_workers(const struct agent_proc *a, int n, int ms);
/* Resident memory of a process in KiB, and its open descriptors (-1 if
 * it cannot be read). */
long proc_rss_kb(pid_t pid);
/* A number of /proc/PID/status (`field` without its colon: "Threads"),
 * -1 if it cannot be read. */
long proc_status(pid_t pid, const char *field);
int proc_fd_count(pid_t pid);
/* Print the agent's log (for failures). */
void agent_dump_log(const struct agent_proc *a);

/* Point libvaccel of this process at `uri` with `plugins` (plugin names
 * resolved as above; "rpc" is the transport) and bootstrap it. */
int client_bootstrap(const char *plugins, const char *uri);

/* ---- raw protocol ---- */
/* Connect (blocking fd) or -1. */
int raw_connect(const char *uri);
/* HELLO with `token` (NULL: none): the reply status (wire code), or -1 if
 * the connection failed. */
int raw_hello(int fd, const char *token);
/* raw_hello, and the connection id the agent gave (into *conn) */
int raw_hello_id(int fd, const char *token, uint64_t *conn);
/* Send `m` (request id `id`) and read the reply into `rep` (fields and
 * bulk in `pool`). Returns 0 or -1 (connection closed/bad reply). */
int raw_call(int fd, struct vrpc_msg *m, uint64_t id, struct vrpc_msg *rep,
	     struct vrpc_pool *pool);
/* Send `m` as request `id`. 0 or -1. */
int raw_send(int fd, struct vrpc_msg *m, uint64_t id);
/* Read one frame the agent sent (a reply, or a NOTICE: id 0) into `h` and
 * `rep` (fields and bulk in `pool`). 0 or -1. */
int raw_recv(int fd, struct vrpc_hdr *h, struct vrpc_msg *rep,
	     struct vrpc_pool *pool);
/* Write raw bytes. 0 or -1. */
int raw_write(int fd, const void *buf, size_t len);
/* Read exactly `len` bytes: 0, or -1 (closed, error, or the receive
 * timeout). */
int raw_read(int fd, void *buf, size_t len);
/* True if the agent closed `fd` (reads EOF or reset within `ms`). */
bool raw_closed(int fd, int ms);
/* INFO stats of the agent at `uri` (indexes VRPC_STAT_*). 0 or -1. */
int raw_stats(const char *uri, uint64_t stats[VRPC_STAT_MAX]);
/* Wait until stat `key` equals `want` (up to `ms`). */
bool wait_stat(const char *uri, int key, uint64_t want, int ms);
