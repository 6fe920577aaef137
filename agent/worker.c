// SPDX-License-Identifier: Apache-2.0
/* A worker: confines itself, loads the backend plugins, tells the front it
 * is ready, then serves the connections the front hands it until told to
 * exit. A watchdog ends the worker (and only it: its tenant's calls fail
 * with the reason) when a call overruns --call-timeout. With
 * --isolation none the same loop runs in a thread of the front, for every
 * tenant, without a sandbox or a watchdog. */

#include "ctl.h"
#include "policy.h"
#include "sandbox.h"
#include "serve.h"
#include "worker.h"
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ctl_fd = -1;

/* a connection of this worker ended: the front is told */
static void conn_closed(uint64_t id)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->type = CTL_CLOSED;
	m->conn = id;
	ctl_send(ctl_fd, m, -1);
	free(m);
}

static void load_backends(void)
{
	struct vaccel_config vc;
	if (vaccel_config_init(&vc, cfg.plugins,
			       (vaccel_log_level_t)cfg.backend_log_level, NULL,
			       false, false) ||
	    vaccel_bootstrap_with_config(&vc))
		die("cannot load the backend plugins %s", cfg.plugins);
	vaccel_config_release(&vc);
	for (size_t i = 0; i < vaccel_plugin_count(); i++) {
		const char *name, *version;
		bool remote;
		uint64_t ops;
		if (vaccel_plugin_get_info(i, &name, &version, NULL, &remote,
					   &ops))
			continue;
		if (remote)
			die("%s is a transport plugin: the agent needs "
			    "backends",
			    name);
		if (cfg.probe || cfg.isolation == ISOLATION_NONE)
			ainfo("backend %s %s, ops 0x%" PRIx64, name, version,
			      ops);
	}
	serve_ops = agent_ops_mask();
}

/* Ask the front to report `why` to the tenant's clients, then end. */
static __attribute__((noreturn)) void end_worker(const char *why)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	aerr("%s: ending this worker", why);
	if (m) {
		m->type = CTL_DYING;
		ctl_set_text(m, why);
		ctl_send(ctl_fd, m, -1);
	}
	kill(getpid(), SIGKILL);
	_exit(1);
}

/* The call-deadline check: a call running over --call-timeout ends the
 * worker (process isolation only: in-process, it would end every
 * tenant's). */
static void check_deadline(void)
{
	int64_t limit = (int64_t)cfg.call_timeout_ms * 1000000;
	uint16_t type = 0;
	uint64_t conn = 0;
	if (!limit || cfg.isolation == ISOLATION_NONE)
		return;
	int64_t t0 = conn_oldest_call(&type, &conn);
	if (!t0 || vrpc_now_ns() - t0 <= limit)
		return;
	char why[256];
	const char *name = vrpc_type_name(type);
	snprintf(why, sizeof(why),
		 "a call (%s of conn %" PRIu64
		 ") ran over the call deadline of %d ms (--call-timeout)",
		 name ? name : "?", conn, cfg.call_timeout_ms);
	end_worker(why);
}

static void send_tenant(const char *name, const uint64_t *st, void *ctx)
{
	struct ctl_msg *m = ctx;
	m->type = CTL_TENANT;
	str_copy(m->tenant, sizeof(m->tenant), name);
	memcpy(m->stats, st, sizeof(m->stats));
	ctl_send(ctl_fd, m, -1);
}

/* Every second: the counters to the front (metrics.c). */
static void report(void)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	struct ctl_ops *o = calloc(1, sizeof(*o));
	if (m)
		tenants_each(send_tenant, m);
	if (o) {
		o->type = CTL_OPS;
		op_stats_copy(&o->ops, &worker_ops);
		ctl_send_ops(ctl_fd, o);
	}
	free(m);
	free(o);
}

/* The deadline check (10 times per call timeout, at most every 100 ms)
 * and the counters' report (every second). */
static void *ticker(void *arg)
{
	(void)arg;
	int64_t step = (int64_t)cfg.call_timeout_ms * 100000; /* /10, ns */
	step = step && step < 100000000 ? step : 100000000;
	int64_t next_report = 0;
	for (;;) {
		struct timespec ts = { 0, (long)step };
		nanosleep(&ts, NULL);
		check_deadline();
		if (vrpc_now_ns() >= next_report) {
			report();
			next_report = vrpc_now_ns() + 1000000000;
		}
	}
	return NULL;
}

/* Stop reading every connection, wait for calls in flight (at most the
 * shutdown timeout). */
static void drain(void)
{
	conn_stop_all();
	int64_t deadline = vrpc_deadline(cfg.shutdown_timeout_ms);
	while (conns_alive() && vrpc_ms_left(deadline) != 0)
		usleep(5000);
}

int worker_loop(int fd)
{
	union ctl_any *u = malloc(sizeof(*u));
	pthread_t th;
	if (!u)
		return -1;
	ctl_fd = fd;
	if (pthread_create(&th, NULL, ticker, NULL) == 0)
		pthread_detach(th);
	for (;;) {
		int cfd;
		int r = ctl_recv(fd, u, &cfd);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			/* the front is gone: nothing can reach us any more */
			drain();
			break;
		}
		if (u->type == CTL_CONN && cfd >= 0) {
			conn_start(cfd, &u->m, conn_closed);
			continue;
		}
		if (cfd >= 0)
			close(cfd);
		if (u->type == CTL_EXIT) {
			drain();
			break;
		}
	}
	free(u);
	return 0;
}

static void ready(uint64_t ops)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	if (!m)
		die("out of memory");
	m->type = CTL_READY;
	m->ops = ops;
	if (ctl_send(ctl_fd, m, -1))
		die("cannot reach the front: %s", strerror(errno));
	free(m);
}

int worker_main(pid_t front)
{
	static char tenant[TENANT_MAX + 1];
	const char *env = getenv(WORKER_TENANT_ENV);
	ctl_fd = cfg.worker_fd;
	/* the front passes the tenant's name here, not on the command line */
	str_copy(tenant, sizeof(tenant), env ? env : "?");
	unsetenv(WORKER_TENANT_ENV);
	cfg.worker_tenant = tenant;
	if (cfg.probe)
		snprintf(alog_tag, sizeof(alog_tag), "probe");
	else
		snprintf(alog_tag, sizeof(alog_tag), "worker %.80s",
			 cfg.worker_tenant);
	/* a worker's stdout and stderr are a pipe to the front (the probe
	 * has the front's): what a backend or tenant code prints goes line
	 * by line, not at exit */
	if (!cfg.probe) {
		alog_relayed = true;
		setvbuf(stdout, NULL, _IOLBF, 0);
	}
	if (sandbox_enter(front))
		return 1;
	/* one malloc arena: memory a call freed is what the next one of
	 * another thread gets, instead of fresh pages in an arena of its
	 * own (and less address space to count against --worker-memory) */
	mallopt(M_ARENA_MAX, 1);
	load_backends();
	if (sandbox_seal())
		return 1;
	ready(serve_ops);
	if (cfg.probe)
		return 0;
	worker_loop(ctl_fd);
	vaccel_cleanup();
	tenants_fini();
	return 0;
}

uint64_t worker_load_inprocess(void)
{
	load_backends();
	return serve_ops;
}
