// SPDX-License-Identifier: Apache-2.0

#include "harness.h"
#include "stream.h"
#include "transport.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <grp.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vaccel.h>

/* "noop:exec" -> "/build/plugins/noop/libvaccel-noop.so:..." */
static int plugin_list(const char *names, char *out, size_t size)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", names);
	out[0] = 0;
	for (char *save, *n = strtok_r(buf, ":", &save); n;
	     n = strtok_r(NULL, ":", &save)) {
		const char *p = plugin_path(n);
		if (!p)
			return -1;
		if (out[0])
			strncat(out, ":", size - strlen(out) - 1);
		strncat(out, p, size - strlen(out) - 1);
	}
	return 0;
}

static bool read_ready(struct agent_proc *a, const char *ready)
{
	FILE *f = fopen(ready, "r");
	char line[512];
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "tcp://", 6) &&
		    strlen(line) < sizeof(a->tcp_uri))
			memcpy(a->tcp_uri, line, strlen(line) + 1);
	}
	fclose(f);
	return a->tcp_uri[0] != 0;
}

uid_t agent_uid_base(void)
{
	/* 128 uids per test process: the agents of tests running at once
	 * (as root) do not share their workers' uids, so one's start, which
	 * kills what init adopted of its workers' uids, leaves the others'
	 * alone */
	return (uid_t)(200000 + (getpid() % 20000) * 128);
}

static int start_in(struct agent_proc *a, const char *plugins,
		    const char *const *extra)
{
	char list[4096], ready[320], token[320], rundir[320], uid_base[24],
		uids[16];
	snprintf(uid_base, sizeof(uid_base), "%u", (unsigned)agent_uid_base());
	snprintf(uids, sizeof(uids), "%d", AGENT_WORKER_UIDS);
	if (plugin_list(plugins, list, sizeof(list)))
		return -1;
	snprintf(a->sock, sizeof(a->sock), "%s/agent.sock", a->dir);
	snprintf(a->unix_uri, sizeof(a->unix_uri), "unix://%s", a->sock);
	snprintf(a->log, sizeof(a->log), "%s/agent.log", a->dir);
	snprintf(ready, sizeof(ready), "%s/ready", a->dir);
	snprintf(token, sizeof(token), "%s/token", a->dir);
	snprintf(rundir, sizeof(rundir), "%s/run", a->dir);
	/* 0600: the agent refuses a token file its workers could read */
	int tfd = open(token, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (tfd < 0)
		return -1;
	dprintf(tfd, "%s\n", TEST_TOKEN);
	if (a->uid && fchown(tfd, a->uid, a->uid)) {
		close(tfd);
		return -1;
	}
	close(tfd);

	const char *argv[64] = { build_path("agent/vaccel-agent"),
				 "--listen",
				 a->unix_uri,
				 "--listen",
				 "tcp://127.0.0.1:0",
				 "--plugins",
				 list,
				 "--rundir",
				 rundir,
				 "--ready-file",
				 ready,
				 "--log-level",
				 "4",
				 "--worker-uid-base",
				 uid_base,
				 "--worker-uids",
				 uids };
	int n = 17;
	if (a->insecure) {
		argv[n++] = "--insecure";
	} else {
		argv[n++] = "--token-file";
		argv[n++] = token;
	}
	for (int i = 0; extra && extra[i] && n < 62; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	pid_t parent = getpid();
	unlink(ready);
	a->tcp_uri[0] = 0;
	a->pid = fork();
	if (a->pid < 0)
		return -1;
	if (a->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* (0: the first of a new pid namespace, whose parent is
		 * outside it) */
		if (getppid() != parent && getppid() != 0)
			_exit(127);
		int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		if (a->uid &&
		    (setgroups(0, NULL) || setgid(a->uid) || setuid(a->uid)))
			_exit(126);
		/* meson's MALLOC_PERTURB_ makes malloc touch every block it
		 * gives: the agent's memory would not be what it uses */
		unsetenv("MALLOC_PERTURB_");
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	/* a sanitizer build loads libtorch in its probe worker slowly */
	for (int i = 0; i < 6000; i++) {
		if (read_ready(a, ready))
			return 0;
		int st;
		if (waitpid(a->pid, &st, WNOHANG) == a->pid) {
			a->pid = 0;
			agent_dump_log(a);
			return -1;
		}
		usleep(10000);
	}
	agent_kill(a);
	return -1;
}

int agent_start(struct agent_proc *a, const char *plugins,
		const char *const *extra)
{
	return agent_start_as(a, plugins, extra, 0);
}

static int start_new(struct agent_proc *a, const char *plugins,
		     const char *const *extra, uid_t uid, bool insecure)
{
	memset(a, 0, sizeof(*a));
	a->uid = uid;
	a->insecure = insecure;
	snprintf(a->dir, sizeof(a->dir), "/tmp/vaccel-agent-test-XXXXXX");
	if (!mkdtemp(a->dir))
		return -1;
	/* as root, the agent's workers run as other uids: they go through
	 * this directory to their own */
	chmod(a->dir, 0711);
	if (uid && chown(a->dir, uid, uid))
		return -1;
	return start_in(a, plugins, extra);
}

int agent_start_as(struct agent_proc *a, const char *plugins,
		   const char *const *extra, uid_t uid)
{
	return start_new(a, plugins, extra, uid, false);
}

int agent_start_insecure(struct agent_proc *a, const char *plugins,
			 const char *const *extra)
{
	return start_new(a, plugins, extra, 0, true);
}

int agent_restart(struct agent_proc *a, const char *plugins,
		  const char *const *extra)
{
	agent_kill(a);
	return start_in(a, plugins, extra);
}

static void rm_dir(struct agent_proc *a)
{
	char cmd[600];
	if (!a->dir[0] || getenv("KEEP_AGENT_DIR"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", a->dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", a->dir);
	a->dir[0] = 0;
}

static int wait_exit(pid_t pid, int ms)
{
	int st;
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		usleep(10000);
	}
	return -1;
}

int agent_stop(struct agent_proc *a)
{
	int ret = -1;
	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		ret = wait_exit(a->pid, 10000);
		if (ret < 0) {
			kill(a->pid, SIGKILL);
			ret = wait_exit(a->pid, 5000);
		}
		a->pid = 0;
	}
	if (ret)
		agent_dump_log(a);
	rm_dir(a);
	return ret;
}

/* Directories of agents killed and not stopped (a test that starts
 * another agent in the same struct forgets them): removed when this
 * process exits, as agent_stop would have (not by a forked child's exit). */
static char killed[32][128];
static int nkilled;
static pid_t killed_by;

static void remove_killed(void)
{
	char cmd[600];
	if (getpid() != killed_by || getenv("KEEP_AGENT_DIR"))
		return;
	for (int i = 0; i < nkilled; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%.127s'", killed[i]);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", killed[i]);
	}
}

static void remember_killed(const struct agent_proc *a)
{
	if (!a->dir[0] || nkilled == 32 || strlen(a->dir) >= sizeof(killed[0]))
		return;
	for (int i = 0; i < nkilled; i++)
		if (!strcmp(killed[i], a->dir))
			return;
	if (!nkilled) {
		killed_by = getpid();
		atexit(remove_killed);
	}
	snprintf(killed[nkilled++], sizeof(killed[0]), "%s", a->dir);
}

void agent_kill(struct agent_proc *a)
{
	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		wait_exit(a->pid, 5000);
		a->pid = 0;
	}
	remember_killed(a);
}

bool agent_alive(const struct agent_proc *a)
{
	int st;
	return a->pid > 0 && waitpid(a->pid, &st, WNOHANG) == 0;
}

void agent_dump_log(const struct agent_proc *a)
{
	char line[1024];
	FILE *f = fopen(a->log, "r");
	if (!f)
		return;
	fprintf(stderr, "---- agent log %s ----\n", a->log);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

int client_bootstrap(const char *plugins, const char *uri)
{
	char list[4096];
	if (plugin_list(plugins, list, sizeof(list)))
		return -1;
	setenv("VACCEL_PLUGINS", list, 1);
	if (uri)
		setenv("VACCEL_RPC_ADDRESS", uri, 1);
	setenv("VACCEL_RPC_TOKEN", TEST_TOKEN, 1);
	return vaccel_bootstrap();
}

/* ---- raw protocol ------------------------------------------------------- */

int raw_connect(const char *uri)
{
	struct vrpc_addr a;
	if (vrpc_addr_parse(uri, &a))
		return -1;
	int fd = a.t->connect(&a, vrpc_deadline(2000));
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int raw_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int raw_read(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int raw_send(int fd, struct vrpc_msg *m, uint64_t id)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, m);
	int ret = vrpc_io_frame(&io, m->type, 0, id, &iov, &niov) ? -1 : 0;
	for (size_t i = 0; !ret && i < niov; i++)
		ret = raw_write(fd, iov[i].iov_base, iov[i].iov_len);
	vrpc_io_release(&io);
	return ret;
}

int raw_recv(int fd, struct vrpc_hdr *h, struct vrpc_msg *rep,
	     struct vrpc_pool *pool)
{
	uint8_t hb[VRPC_HDR_SIZE];
	struct vrpc_io io;
	if (raw_read(fd, hb, sizeof(hb)))
		return -1;
	vrpc_hdr_unpack(hb, h);
	if (h->magic != VRPC_MAGIC || !(h->flags & VRPC_F_REPLY) ||
	    h->fields_len > (64u << 20) || h->bulk_len > (1u << 30))
		return -1;
	uint8_t *f = vrpc_pool_alloc(pool, h->fields_len + 1);
	if (!f || raw_read(fd, f, h->fields_len))
		return -1;
	memset(rep, 0, sizeof(*rep));
	rep->type = h->type;
	rep->reply = true;
	vrpc_io_init_dec(&io, f, h->fields_len, pool, NULL);
	vrpc_msg_io(&io, rep);
	int ret = vrpc_io_finish_dec(&io, h->bulk_len) ? -1 : 0;
	for (size_t i = 0; !ret && i < io.nbufs; i++) {
		struct vrpc_buf *b = io.bufs[i];
		if (b->kind != VRPC_BUF_INLINE)
			continue;
		b->data = vrpc_pool_alloc(pool, b->len + 1);
		ret = b->data ? raw_read(fd, b->data, b->len) : -1;
	}
	vrpc_io_release(&io);
	return ret;
}

int raw_call(int fd, struct vrpc_msg *m, uint64_t id, struct vrpc_msg *rep,
	     struct vrpc_pool *pool)
{
	struct vrpc_hdr h;
	if (raw_send(fd, m, id) || raw_recv(fd, &h, rep, pool))
		return -1;
	return h.id == id ? 0 : -1;
}

int raw_hello(int fd, const char *token)
{
	return raw_hello_id(fd, token, NULL);
}

int raw_hello_id(int fd, const char *token, uint64_t *conn)
{
	struct vrpc_msg m = { .type = VRPC_T_HELLO }, r;
	struct vrpc_pool pool = { 0 };
	m.u.hello = (struct vrpc_hello){ 1,
					 0,
					 0,
					 7,
					 "raw-test",
					 (void *)token,
					 token ? (uint32_t)strlen(token) : 0 };
	int ret = raw_call(fd, &m, 0, &r, &pool);
	if (!ret)
		ret = (int)r.status;
	if (!ret && conn)
		*conn = r.u.hello_r.conn;
	vrpc_pool_release(&pool);
	return ret;
}

bool raw_closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t end = vrpc_deadline(ms);
	char buf[4096];
	while (vrpc_ms_left(end)) {
		if (poll(&p, 1, vrpc_ms_left(end)) <= 0)
			return false;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return true;
	}
	return false;
}

int raw_stats(const char *uri, uint64_t stats[VRPC_STAT_MAX])
{
	int fd = raw_connect(uri);
	if (fd < 0)
		return -1;
	int ret = raw_hello(fd, TEST_TOKEN) ? -1 : 0;
	struct vrpc_msg m = { .type = VRPC_T_INFO }, r;
	struct vrpc_pool pool = { 0 };
	if (!ret)
		ret = raw_call(fd, &m, 1, &r, &pool);
	if (!ret && r.status)
		ret = -1;
	memset(stats, 0, VRPC_STAT_MAX * sizeof(uint64_t));
	for (uint32_t i = 0; !ret && i < r.u.info_r.nr_stats; i++)
		if (r.u.info_r.stats[i].key < VRPC_STAT_MAX)
			stats[r.u.info_r.stats[i].key] =
				r.u.info_r.stats[i].val;
	vrpc_pool_release(&pool);
	close(fd);
	/* this connection is counted until the agent notices it ended */
	return ret;
}

bool wait_stat(const char *uri, int key, uint64_t want, int ms)
{
	uint64_t s[VRPC_STAT_MAX];
	int64_t end = vrpc_deadline(ms);
	do {
		if (!raw_stats(uri, s) && s[key] == want)
			return true;
		usleep(20000);
	} while (vrpc_ms_left(end));
	fprintf(stderr, "stat %d is %llu, want %llu\n", key,
		(unsigned long long)s[key], (unsigned long long)want);
	return false;
}

/* The parent pid in /proc/PID/stat (after the command in parentheses). */
static pid_t ppid_of(const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	int ppid;
	return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? ppid : -1;
}

int agent_workers(const struct agent_proc *a, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (ppid_of(e->d_name) == a->pid && n < max)
			pids[n++] = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

bool agent_wait_workers(const struct agent_proc *a, int n, int ms)
{
	pid_t pids[64];
	for (int i = 0; i < ms / 10; i++) {
		if (agent_workers(a, pids, 64) == n)
			return true;
		usleep(10000);
	}
	return agent_workers(a, pids, 64) == n;
}

long proc_status(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	size_t n = strlen(field);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

long proc_rss_kb(pid_t pid)
{
	return proc_status(pid, "VmRSS");
}

int proc_fd_count(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return d ? n : -1;
}
