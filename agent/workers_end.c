// SPDX-License-Identifier: Apache-2.0
/* The ends of the front's workers (workers.c): reaping them, and telling
 * each of a dead worker's clients why, on its descriptor, in a NOTICE
 * frame (a crash, an abort, its memory limit, the call-deadline
 * watchdog); idle workers told to exit; every worker stopped at SIGTERM. */

#include "workers_int.h"
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

static bool stopping;

/* ---- ends ------------------------------------------------------------------
 */

/* `oom`: its memory cgroup's limit killed a process of it. */
static void describe_end(int status, bool oom, char *out, size_t size)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		char limit[96] = "";
		if (sig == SIGKILL && oom)
			snprintf(limit, sizeof(limit),
				 " (killed: over its memory limit of %" PRIu64
				 " MiB)",
				 cfg.worker_memory >> 20);
		else if (sig == SIGKILL && cfg.worker_memory)
			snprintf(limit, sizeof(limit),
				 " (killed: over its memory limit, or "
				 "stopped)");
		snprintf(out, size,
			 "this tenant's backend process died: SIG%s%s",
			 abbrev ? abbrev : "?", limit);
	} else {
		snprintf(out, size,
			 "this tenant's backend process exited (status %d)",
			 WEXITSTATUS(status));
	}
}

/* Tell a client why its worker is gone, in place of its calls' replies. */
static void notice(int fd, uint32_t code, const char *why)
{
	struct vrpc_msg m = { .type = VRPC_T_NOTICE,
			      .reply = true,
			      .status = code,
			      .message = (char *)why };
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	if (!vrpc_msg_io(&io, &m) &&
	    !vrpc_io_frame(&io, VRPC_T_NOTICE, VRPC_F_REPLY, 0, &iov, &niov)) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = niov };
		ssize_t r = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)r;
	}
	vrpc_io_release(&io);
}

static void restart_for(const char *tenant, const char *hkey,
			struct fconn *waiting, const char *why);

/* A worker ended. Connections it had: told why, closed. Connections that
 * never reached it (it was leaving, or starting): a new worker, unless it
 * never started (then they are refused with the reason). */
static void ended(struct worker *w, int status, bool oom)
{
	char why[600];
	/* a worker past its call deadline says so (CTL_DYING), then kills
	 * itself: SIGCHLD can come before that message is read */
	wk_last_words(w);
	/* and what it wrote (a crash's report), before its end is logged */
	wk_log_close(w);
	bool clean = w->exiting && WIFEXITED(status) && !WEXITSTATUS(status);
	uint32_t code = w->dying[0] ? w->dying_code : VRPC_E_BACKEND;
	if (w->dying[0])
		snprintf(why, sizeof(why),
			 "this tenant's backend process was stopped: %s",
			 w->dying);
	else
		describe_end(status, oom, why, sizeof(why));
	struct fconn *waiting = NULL;
	uint64_t told = 0;
	for (struct fconn **p = &w->conns; *p;) {
		if ((*p)->pending) {
			struct fconn *c = *p;
			*p = c->next;
			c->next = waiting;
			waiting = c;
			continue;
		}
		if (!clean)
			notice((*p)->fd, code, why), told++;
		wk_end_conn(w, p);
	}
	if (!clean) {
		aerr("worker %d of tenant %s: %s; %" PRIu64
		     " connection(s) ended",
		     (int)w->pid, w->tenant, why, told);
		if (w->dying[0])
			wcounts.deadline++;
		else if (WIFSIGNALED(status))
			wcounts.killed++;
		else
			wcounts.exited++;
	} else
		adebug("worker %d of %s ended", (int)w->pid, w->tenant);
	char tenant[TENANT_MAX + 1], hkey[HIST_KEY];
	bool again = w->ready && !stopping;
	snprintf(tenant, sizeof(tenant), "%s", w->tenant);
	snprintf(hkey, sizeof(hkey), "%s", w->hkey);
	wk_hist_ended(w, clean, why);
	wk_forget(w);
	if (waiting)
		restart_for(again ? tenant : NULL, hkey, waiting, why);
}

/* Connections that waited for a leaving worker of `tenant` get a new one;
 * with no tenant (or no new worker), they are refused with `why`. */
static void restart_for(const char *tenant, const char *hkey,
			struct fconn *waiting, const char *why)
{
	char err[256];
	struct worker *w =
		tenant && !wk_hist_refuse(hkey, err, sizeof(err))
			? wk_spawn(tenant, hkey, false, err, sizeof(err))
			: NULL;
	if (tenant && !w)
		why = err;
	while (waiting) {
		struct fconn *c = waiting;
		waiting = c->next;
		if (w) {
			c->next = w->conns;
			w->conns = c;
			w->nconns++;
			continue;
		}
		front_refuse(c->fd, c->p, 0, VRPC_E_BACKEND, why);
		tenant_conns_end(c->t);
		c->p->conns--;
		peer_maybe_free(c->p);
		front_conns--;
		free(c->pending);
		free(c);
	}
}

void workers_reap(void)
{
	siginfo_t si;
	int status;
	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) ||
		    !si.si_pid)
			return;
		pid_t pid = si.si_pid;
		struct worker *w = workers;
		while (w && w->pid != pid)
			w = w->next;
		/* the programs its tenant's code started (--worker-exec) are
		 * in its process group (setsid made it; the filter lets them
		 * leave it no more than a worker). Killed while the worker is
		 * not reaped: until then no process can have its pid, which
		 * is the group's id */
		if (w)
			kill(-pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			return;
		/* and what it left in its groups, killed with them */
		if (w)
			ended(w, status, wcg_end(&w->cg));
	}
}

void workers_tick(void)
{
	int64_t now = vrpc_now_ns();
	wcg_tick();
	for (struct worker *w = workers; w; w = w->next) {
		wk_log_tick(w);
		int64_t due = wk_due(w);
		if (!due || now < due)
			continue;
		if (!w->exiting) {
			/* idle (a tenant that never comes back at once) */
			wk_tell_exit(w, "idle");
			continue;
		}
		awarn("worker %d of %s: told to exit %d ms ago, still "
		      "there: killed",
		      (int)w->pid, w->tenant, wk_exit_grace_ms(w));
		w->exit_killed = true;
		kill(w->pid, SIGKILL);
	}
}

bool workers_stop(void)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	stopping = true;
	if (m) {
		m->type = CTL_EXIT;
		for (struct worker *w = workers; w; w = w->next) {
			w->exiting = true;
			if (ctl_send(w->ctl, m, -1) && w->pid > 0)
				kill(w->pid, SIGKILL);
		}
		free(m);
	}
	int64_t deadline = vrpc_deadline(cfg.shutdown_timeout_ms);
	bool in_time = true;
	while (workers) {
		struct pollfd pf[256];
		int64_t none = 0;
		int n = workers_pollfds(pf, 256, &none);
		if (vrpc_ms_left(deadline) == 0) {
			if (!in_time)
				break; /* an in-process worker is stuck */
			in_time = false;
			for (struct worker *w = workers; w; w = w->next)
				if (w->pid > 0)
					kill(w->pid, SIGKILL);
			deadline = vrpc_deadline(1000);
		}
		poll(pf, (nfds_t)n, 10);
		for (int i = 0; i < n; i++)
			if (pf[i].revents)
				workers_event(pf[i].fd, pf[i].revents);
		workers_reap();
	}
	return in_time;
}
