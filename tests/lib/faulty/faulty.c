// SPDX-License-Identifier: Apache-2.0
/* libvaccel-faulty.so: a deliberately faulty backend for the agent's
 * containment tests (never installed). vaccel_image_classification()'s
 * "image" is a command, and the plugin misbehaves on command:
 *   ok             answers "ok"
 *   sleep MS       answers "slept" after MS milliseconds
 *   crash          writes through a null pointer (SIGSEGV)
 *   abort          abort() (SIGABRT)
 *   loop           spins forever (the call deadline ends it)
 *   spin MS        spins until its thread has used MS milliseconds of CPU;
 *                  answers "spun"
 *   spin-threads N starts N threads that spin until the worker ends;
 *                  answers how many it started
 *   leak MB        allocates and touches MB MiB, keeps it (the memory
 *                  limit ends it)
 *   escape         tries what a sandboxed worker must not do and answers
 *                  a report "name=errno-name ..." (see tests)
 *   pid            answers its process id
 *   fill N         answers N bytes of 'x' (at most the capacity less one)
 *   litter N       makes N more empty files in its home (the worker's
 *                  private directory) and N in the backends' cache
 *                  directory (XDG_CACHE_HOME), and in each a chain of
 *                  3000 directories; answers how many files it made
 *   stick          makes this worker wait for good when it exits
 *   echo-late MS   answers the whole image, as it is MS ms after the call
 *                  starts
 *   plant NAME     writes "junk" to NAME in its cache directory
 *                  (--worker-cache); answers ok or the errno
 *   rewrite NAME   makes its file NAME there writable again and writes
 *                  "junk" over it; answers ok or the errno
 *   write PATH TEXT  writes TEXT to the existing file PATH (a cgroup's
 *                  cgroup.procs or memory.max: leaving its group, raising
 *                  its limit); answers ok or the errno
 * and, as a compromised worker would (tenant code run in its own worker),
 * against the agent's front:
 *   linger-ctl PORT S  makes this worker's TCP connection from client port
 *                  PORT linger S seconds on close with unsent data, ends
 *                  its reading, and sends a copy to the front in a
 *                  malformed control message (the front then ends this
 *                  worker; its close of that copy used to be the last)
 *   tcp-conns      answers how many TCP connections from 127.0.0.2 or
 *                  above this worker holds
 *   linger-conns   makes each of this worker's TCP connections from
 *                  127.0.0.2 or above linger INT_MAX seconds on close with
 *                  unsent data and ends its reading: the front's close of
 *                  its copy is the last. Answers how many
 *   ctl-ops        reports op counters of 2^64 - 3 to the front for every
 *                  op slot (only where built with the agent's headers)
 *   ctl-closed ID... tells the front that its connections ID... ended
 *                  (they did not); answers how many messages went (only
 *                  where built with the agent's headers)
 *   ctl-flood MS   sends the front MS milliseconds of control messages it
 *                  must refuse (unknown types, unknown connections);
 *                  answers how many (only where built with the agent's
 *                  headers)
 *   signal PID     tries to have SIGKILL sent to process PID (the front,
 *                  another tenant's worker): as a file's owner, with
 *                  F_SETSIG SIGKILL and O_ASYNC on a pipe it then writes
 *                  (also with F_SETOWN's high 32 bits set, which the
 *                  kernel drops); pins PID to one CPU; clears its own
 *                  death signal; takes a lease on a file of its own.
 *                  Answers "name=errno-name ..."
 *   orphan         (with --worker-exec) starts a program that leaves this
 *                  worker's tree (init adopts it) and a child of that
 *                  program, both asleep for good; answers their pids
 *                  "PROGRAM CHILD"
 *   getenv NAME    answers NAME's value in the worker's environment, or
 *                  "(unset)"
 *   lines N        writes N lines of 1000 bytes to its stderr (what the
 *                  front logs as its worker's); answers "ok"
 *   log-flood MB   against the agent's log (its stderr): truncates it,
 *                  writes a line forged as the front's ("2099-01-01...
 *                  vaccel-agent[1] error: FORGED by a worker") at
 *                  offset 0, then MB MiB of 1 KiB lines; answers the
 *                  bytes written
 *   read PATH      answers the start of file PATH (its lines ended by
 *                  ';') or the errno: what tenant code reads of the host
 *   procs          answers how many processes its /proc lists
 *   hide WHERE MB  (WHERE home or cache: its private directory or the
 *                  backends' cache) writes MB MiB to hidden/in/big there,
 *                  then makes hidden/in and hidden mode 0; answers
 *                  "hidden MB"
 *   nest [TEXT]    writes TEXT to n1/n2/n3/file in the backends' cache,
 *                  or without TEXT answers what that file holds (or the
 *                  errno): a backend's nested cache across workers
 * Any other command: VACCEL_EINVAL. vaccel_noop() works.
 * vaccel_onnx_model_run() returns an oversized output: a tensor of 4
 * floats whose size says 1 GiB (its data is 16 bytes). */

#include <vaccel.h>
#ifdef FAULTY_CTL
#include "ctl.h"
#endif
#include <arpa/inet.h>
#include <net/if.h>
#include <dirent.h>
#include <errno.h>
#include <linux/openat2.h>
#include <limits.h>
#include <pthread.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int faulty_noop(struct vaccel_session *sess)
{
	(void)sess;
	return VACCEL_OK;
}

static void answer(unsigned char *out, size_t len, const char *text)
{
	if (out && len)
		snprintf((char *)out, len, "%s", text);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Busy until the calling thread has used `ms` ms of CPU. */
static void spin_ms(long ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 +
		       (t.tv_nsec - t0.tv_nsec) / 1000000 <
	       ms);
}

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		spin_ms(1000);
	return NULL;
}

/* `n` detached threads spinning for good; how many started. */
static long spin_threads(long n)
{
	long started = 0;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 << 10);
	for (pthread_t th; started < n; started++)
		if ((errno = pthread_create(&th, &at, spinner, NULL)))
			break;
	pthread_attr_destroy(&at);
	return started;
}

static const char *err_name(int r)
{
	if (r >= 0)
		return "ok";
	switch (errno) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ENOSYS:
		return "ENOSYS";
	default:
		return "other";
	}
}

/* One attempt of a report: "name=result " appended to `out` (`n` of `len`
 * used; `r` the result), ok where it worked, else the errno's name. */
#define TRY(name, expr)                                               \
	do {                                                          \
		errno = 0;                                            \
		r = (expr);                                           \
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, \
				      "%s=%s ", name, err_name(r));   \
	} while (0)

/* 0 and `fd` closed if it is one, else -1. */
static int closed(int fd)
{
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Each forbidden attempt: "name=result" (ok means it worked). */
static void escape(char *out, size_t len, const char *arg)
{
	size_t n = 0;
	int r;
	TRY("socket_inet", socket(AF_INET, SOCK_STREAM, 0));
	TRY("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid(p, NULL, 0);
	TRY("fork", p);
	char *const argv[] = { "/bin/true", NULL };
	TRY("exec", execv("/bin/true", argv));
	TRY("shadow", open("/etc/shadow", O_RDONLY));
	TRY("write_etc", open("/etc/vaccel-escape", O_WRONLY | O_CREAT, 0600));
	TRY("write_tmp", open("/tmp/vaccel-escape", O_WRONLY | O_CREAT, 0600));
	TRY("kill_parent", kill(getppid(), 0));
	TRY("ptrace_parent", (int)ptrace(PTRACE_ATTACH, getppid(), NULL, NULL));
	/* its own directory writable by others (then changed from outside
	 * the sandbox while the front's root code walks it) */
	TRY("chmod_others", getenv("HOME") ? chmod(getenv("HOME"), 0777) : 0);
	TRY("umask_others", syscall(SYS_umask, 0) < 0 ? -1 : 0);
	/* the host's network through a socket it holds (its control
	 * socket, descriptor 3, made in the host's network namespace) */
	char ifbuf[1024];
	struct ifconf ifc = { .ifc_len = sizeof(ifbuf), .ifc_buf = ifbuf };
	TRY("ioctl_ifconf", ioctl(3, SIOCGIFCONF, &ifc));
	/* a set-user-ID or set-group-ID file or directory of its uid, made
	 * or changed (its host process could run it once the uid is another
	 * tenant's); and the plain modes libraries pass, which work */
	char path[4096];
	const char *home = getenv("HOME");
	if (home && strlen(home) < sizeof(path) - 16) {
		snprintf(path, sizeof(path), "%s/s1", home);
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0700);
		TRY("setuid_chmod", chmod(path, 04755));
		TRY("setgid_fchmodat", fchmodat(AT_FDCWD, path, 02755, 0));
		TRY("setuid_fchmod", fchmod(fd, 04700));
		TRY("plain_chmod", chmod(path, 0755));
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "%s/s2", home);
		TRY("setuid_open",
		    closed(open(path, O_WRONLY | O_CREAT, 04755)));
		TRY("setuid_openat",
		    closed(openat(AT_FDCWD, path, O_WRONLY | O_CREAT, 04755)));
		struct open_how how = { .flags = O_WRONLY | O_CREAT,
					.mode = 04755 };
		TRY("openat2", closed((int)syscall(SYS_openat2, AT_FDCWD, path,
						   &how, sizeof(how))));
		TRY("plain_open", closed(open(path, O_WRONLY | O_CREAT, 0666)));
		snprintf(path, sizeof(path), "%s/s3", home);
		TRY("setgid_mkdir", mkdir(path, 02755));
		TRY("plain_mkdir", mkdir(path, 0777));
	}
	if (arg && *arg)
		TRY("read_other", open(arg, O_RDONLY));
}

/* Children in new namespaces, and a child of its parent's (each child
 * exits at once): "name=result" each. */
static void clone_ns(char *out, size_t len)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} t[] = { { "newuser", CLONE_NEWUSER },
		  { "newpid", CLONE_NEWPID },
		  { "newnet", CLONE_NEWNET },
		  { "newns", CLONE_NEWNS },
		  { "newipc", CLONE_NEWIPC },
		  { "newuts", CLONE_NEWUTS },
		  { "newcgroup", CLONE_NEWCGROUP },
		  { "parent", CLONE_PARENT },
		  { "plain", 0 } };
	size_t n = 0;
	int r;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		long pid = syscall(SYS_clone, t[i].flag | SIGCHLD, 0, 0, 0, 0);
		int e = errno;
		if (pid == 0)
			_exit(0);
		if (pid > 0 && !(t[i].flag & CLONE_PARENT))
			waitpid((pid_t)pid, NULL, 0);
		TRY(t[i].name, pid < 0 ? (errno = e, -1) : 0);
	}
}

static void send_kill(char *out, size_t len, pid_t pid)
{
	size_t n = 0;
	int r, p[2];
	if (pipe(p)) {
		snprintf(out, len, "pipe=%s", err_name(-1));
		return;
	}
	TRY("setown_high",
	    (int)syscall(SYS_fcntl, p[0], (1ull << 32) | F_SETOWN, pid));
	TRY("setown", fcntl(p[0], F_SETOWN, pid));
	TRY("setsig", fcntl(p[0], F_SETSIG, SIGKILL));
	TRY("async", fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK));
	TRY("write", (int)write(p[1], "x", 1));
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	TRY("affinity", sched_setaffinity(pid, sizeof(one), &one));
	TRY("pdeathsig", prctl(PR_SET_PDEATHSIG, 0));
	/* a bigger pipe (charged to its uid), huge pages (to no v1 group) */
	TRY("pipe_sz", fcntl(p[0], F_SETPIPE_SZ, 1 << 20));
	TRY("memfd_huge", memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB));
	if (r >= 0)
		close(r);
	void *hm = MAP_FAILED;
	TRY("map_huge", (hm = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				   -1, 0)) == MAP_FAILED
				? -1
				: 0);
	if (hm != MAP_FAILED)
		munmap(hm, 2 << 20);
	/* socket buffers beyond the kernel's own tuning, on its pipe's
	 * place: any socket it has (stdin is /dev/null, 3 its control
	 * socket) */
	int big = 8 << 20;
	TRY("sndbuf", setsockopt(3, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)));
	TRY("rcvbuf", setsockopt(3, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
	/* a lease on a file of its own: an open by another tenant's worker
	 * (of a --cache-shared entry) waited for its break */
	char file[4096];
	snprintf(file, sizeof(file), "%s/leased",
		 getenv("HOME") ? getenv("HOME") : "/tmp");
	int fd = open(file, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	TRY("lease", fd < 0 ? -1 : fcntl(fd, F_SETLEASE, F_RDLCK));
	if (fd >= 0)
		close(fd);
	close(p[0]);
	close(p[1]);
}

/* The worker's cache directory (--worker-cache on its command line). */
static bool cache_dir(char *out, size_t size)
{
	static char cmd[65536];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i + 1 < n; i += (ssize_t)strlen(cmd + i) + 1) {
		if (!strcmp(cmd + i, "--worker-cache")) {
			i += (ssize_t)strlen(cmd + i) + 1;
			return i < n &&
			       snprintf(out, size, "%s", cmd + i) < (int)size;
		}
	}
	return false;
}

static void stay(void)
{
	for (;;)
		pause();
}

/* A grandchild that init adopts and its own child, asleep for good: "G
 * C" (their pids), or "-1". */
static void orphans(char *out, size_t len)
{
	int p[2];
	pid_t got[2] = { -1, -1 };
	if (pipe(p)) {
		snprintf(out, len, "-1");
		return;
	}
	pid_t c = fork();
	if (c == 0) {
		if (fork() == 0) {
			pid_t pair[2] = { getpid(), fork() };
			if (pair[1] == 0) {
				close(p[0]);
				close(p[1]);
				stay();
			}
			(void)!write(p[1], pair, sizeof(pair));
			close(p[0]);
			close(p[1]);
			stay();
		}
		_exit(0);
	}
	if (c > 0) {
		if (read(p[0], got, sizeof(got)) != sizeof(got))
			got[0] = -1;
		waitpid(c, NULL, 0);
	}
	close(p[0]);
	close(p[1]);
	snprintf(out, len, "%d %d", (int)got[0], (int)got[1]);
}

/* N empty files in `dir`/litter: how many were made. */
static long litter(const char *dir, long n)
{
	char p[4096];
	long made = 0;
	if (!dir || snprintf(p, sizeof(p), "%s/litter", dir) >= (int)sizeof(p))
		return 0;
	mkdir(p, 0700);
	int d = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	static long next; /* more with each call */
	for (long i = 0; d >= 0 && i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%ld", next++);
		int fd = openat(d, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			made++;
		}
	}
	/* and a chain of directories deeper than a path can name */
	for (int i = 0; d >= 0 && i < 3000; i++) {
		int sub = mkdirat(d, "d", 0700) && errno != EEXIST
				  ? -1
				  : openat(d, "d",
					   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(d);
		d = sub;
	}
	if (d >= 0)
		close(d);
	return made;
}

/* ---- a compromised worker -------------------------------------------------
 */

/* The worker's control socket to the front (the UNIX SOCK_SEQPACKET one),
 * or -1. */
static int ctl_socket(void)
{
	for (int fd = 0; fd < 1024; fd++) {
		int type;
		socklen_t l = sizeof(type);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) &&
		    type == SOCK_SEQPACKET &&
		    !getsockname(fd, (struct sockaddr *)&ss, &sl) &&
		    ss.ss_family == AF_UNIX)
			return fd;
	}
	return -1;
}

/* The client's address of TCP connection `fd` (host order) and its port
 * in *port; 0 if `fd` is not one. */
static uint32_t tcp_client(int fd, int *port)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	if (getpeername(fd, (struct sockaddr *)&a, &l) || l != sizeof(a) ||
	    a.sin_family != AF_INET)
		return 0;
	*port = ntohs(a.sin_port);
	return ntohl(a.sin_addr.s_addr);
}

/* Make `fd`'s last close wait `secs` (its client reads nothing): a small
 * send buffer, filled, SO_LINGER; then end the worker's reading of it. */
static void make_linger(int fd, int secs)
{
	static char junk[4096];
	int small = 4096;
	struct linger lg = { 1, secs };
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	while (send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	shutdown(fd, SHUT_RD);
}

static int linger_ctl(const char *arg)
{
	int port = arg ? atoi(arg) : 0, p = -1, v = -1;
	const char *s = arg ? strchr(arg, ' ') : NULL;
	for (int fd = 0; fd < 1024 && v < 0; fd++)
		if (tcp_client(fd, &p) && p == port)
			v = fd;
	int c = ctl_socket();
	if (v < 0 || c < 0)
		return VACCEL_ENOENT;
	int x = dup(v);
	if (x < 0)
		return VACCEL_EIO;
	make_linger(x, s ? atoi(s) : 30);
	/* its connection ends in this worker and in the front (their copies
	 * closed); then the copy in flight is the last */
	sleep_ms(500);
	char junk = 0;
	struct iovec iov = { &junk, 1 };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &x, sizeof(int));
	ssize_t n = sendmsg(c, &mh, MSG_NOSIGNAL);
	close(x);
	return n == 1 ? VACCEL_OK : VACCEL_EIO;
}

static int linger_conns(bool linger)
{
	int n = 0, port;
	for (int fd = 0; fd < 4096; fd++)
		if (tcp_client(fd, &port) >= 0x7f000002u) {
			if (linger)
				make_linger(fd, INT_MAX);
			n++;
		}
	return n;
}

#ifdef FAULTY_CTL
/* Op counters near 2^64 reported to the front, as a compromised worker
 * could (every op slot, the ones that are no op too): bytes sent. */
static long ctl_ops(void)
{
	int c = ctl_socket();
	struct ctl_ops *o = calloc(1, sizeof(*o));
	long r = -1;
	if (c >= 0 && o) {
		o->type = CTL_OPS;
		for (unsigned op = 0; op < OP_SLOTS; op++)
			o->ops.calls[op] = o->ops.errors[op] = UINT64_MAX - 2;
		r = send(c, o, sizeof(*o), MSG_NOSIGNAL);
	}
	free(o);
	return r;
}

static long ctl_flood(long ms)
{
	int c = ctl_socket();
	struct ctl_msg *m = calloc(1, sizeof(*m));
	struct timespec t0, t;
	long n = 0;
	if (c < 0 || !m) {
		free(m);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		m->type = (n & 1) ? 77 : CTL_CLOSED;
		m->conn = 0xdead0000u + (uint64_t)n;
		if (send(c, m, sizeof(*m), MSG_NOSIGNAL) == (ssize_t)sizeof(*m))
			n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000 <
		 ms);
	free(m);
	return n;
}

/* CTL_CLOSED for each connection id of `ids` (a lie: an audit's worker
 * kept them, past its tenant's connection limit). */
static long ctl_closed(char *ids)
{
	int c = ctl_socket();
	struct ctl_msg *m = calloc(1, sizeof(*m));
	long n = 0;
	char *save;
	if (c < 0 || !m || !ids) {
		free(m);
		return -1;
	}
	m->type = CTL_CLOSED;
	for (char *t = strtok_r(ids, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		m->conn = strtoull(t, NULL, 10);
		n += send(c, m, sizeof(*m), MSG_NOSIGNAL) ==
		     (ssize_t)sizeof(*m);
	}
	free(m);
	return n;
}
#endif

/* MiB written to a memfd kept open (the worker holds it until it ends). */
/* MiB written to `fd` (up to `mb`; none if `fd` < 0). */
static long fill(int fd, long mb)
{
	static char chunk[1 << 20];
	long n = 0;
	memset(chunk, 7, sizeof(chunk));
	while (fd >= 0 && n < mb &&
	       write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk))
		n++;
	return n;
}

static long memfd_fill(long mb)
{
	return fill(memfd_create("faulty", MFD_CLOEXEC), mb);
}

/* The same, and the memfd passed (with one byte) to every socket of this
 * worker but its control socket (3): its clients' connections. */
static long memfd_out(long mb)
{
	int fd = memfd_create("faulty-out", MFD_CLOEXEC), sent = 0;
	long n = fill(fd, mb);
	for (int s = 4; fd >= 0 && s < 1024; s++) {
		struct stat st;
		if (s == fd || fstat(s, &st) || !S_ISSOCK(st.st_mode))
			continue;
		char byte = 'M', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { &byte, 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		sent += sendmsg(s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
	}
	if (fd >= 0)
		close(fd);
	return sent ? n : -1;
}

static long log_flood(long mb)
{
	static const char forged[] = "2099-01-01T00:00:00.000 vaccel-agent[1] "
				     "error: FORGED by a worker\n";
	static char lines[64 << 10];
	long n = 0;
	for (size_t i = 0; i < sizeof(lines); i++)
		lines[i] = (i % 1024) == 1023 ? '\n' : 'y';
	int r = ftruncate(STDERR_FILENO, 0);
	ssize_t w = pwrite(STDERR_FILENO, forged, sizeof(forged) - 1, 0);
	if (w < 0) /* a pipe */
		w = write(STDERR_FILENO, forged, sizeof(forged) - 1);
	(void)r;
	n += w > 0 ? w : 0;
	for (long i = 0; i < mb * 16; i++) {
		w = write(STDERR_FILENO, lines, sizeof(lines));
		if (w <= 0)
			break;
		n += w;
	}
	return n;
}

static int faulty_classify(struct vaccel_session *sess, const void *img,
			   unsigned char *out_text, unsigned char *out_imgname,
			   size_t len_img, size_t len_out_text,
			   size_t len_out_imgname)
{
	char cmd[512] = "";
	(void)sess;
	(void)out_imgname;
	(void)len_out_imgname;
	memcpy(cmd, img, len_img < sizeof(cmd) - 1 ? len_img : sizeof(cmd) - 1);
	char *arg = strchr(cmd, ' ');
	if (arg)
		*arg++ = 0;
	if (!strcmp(cmd, "ok")) {
		answer(out_text, len_out_text, "ok");
	} else if (!strcmp(cmd, "sleep")) {
		sleep_ms(arg ? atol(arg) : 0);
		answer(out_text, len_out_text, "slept");
	} else if (!strcmp(cmd, "crash")) {
		*(volatile int *)(uintptr_t)((uint64_t)len_img >> 40) = 1;
	} else if (!strcmp(cmd, "abort")) {
		abort();
	} else if (!strcmp(cmd, "loop")) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (!strcmp(cmd, "spin")) {
		spin_ms(arg ? atol(arg) : 0);
		answer(out_text, len_out_text, "spun");
	} else if (!strcmp(cmd, "spin-threads")) {
		char n[32];
		errno = 0;
		long k = spin_threads(arg ? atol(arg) : 0);
		snprintf(n, sizeof(n), "%ld %s", k,
			 errno ? strerror(errno) : "");
		answer(out_text, len_out_text, n);
	} else if (!strcmp(cmd, "leak")) {
		long mb = arg ? atol(arg) : 0;
		for (long i = 0; i < mb; i++) {
			char *p = malloc(1 << 20);
			if (!p)
				return VACCEL_ENOMEM;
			memset(p, 1, 1 << 20);
		}
		answer(out_text, len_out_text, "leaked");
	} else if (!strcmp(cmd, "memfd")) {
		/* MB MiB held in a memfd: pages in no address space */
		char held[64];
		snprintf(held, sizeof(held), "%ld MiB held",
			 memfd_fill(arg ? atol(arg) : 0));
		answer(out_text, len_out_text, held);
	} else if (!strcmp(cmd, "memfd-out")) {
		char held[64];
		snprintf(held, sizeof(held), "%ld MiB passed out",
			 memfd_out(arg ? atol(arg) : 0));
		answer(out_text, len_out_text, held);
	} else if (!strcmp(cmd, "clone-ns")) {
		char report[512];
		clone_ns(report, sizeof(report));
		answer(out_text, len_out_text, report);
	} else if (!strcmp(cmd, "fill-dotcache")) {
		/* MB MiB in the backends' own cache ($XDG_CACHE_HOME) */
		char p[4096], made[32];
		const char *dir = getenv("XDG_CACHE_HOME");
		int fd = -1;
		if (dir &&
		    snprintf(p, sizeof(p), "%s/big", dir) < (int)sizeof(p))
			fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0600);
		long n = fill(fd, arg ? atol(arg) : 0);
		if (fd >= 0)
			close(fd);
		snprintf(made, sizeof(made), "%ld", fd >= 0 ? n : -1);
		answer(out_text, len_out_text, made);
	} else if (!strcmp(cmd, "escape")) {
		char report[1024];
		escape(report, sizeof(report), arg);
		answer(out_text, len_out_text, report);
	} else if (!strcmp(cmd, "fill")) {
		size_t n = arg ? strtoul(arg, NULL, 10) : 0;
		if (!out_text || !len_out_text)
			return VACCEL_EINVAL;
		n = n < len_out_text - 1 ? n : len_out_text - 1;
		memset(out_text, 'x', n);
		out_text[n] = 0;
	} else if (!strcmp(cmd, "litter")) {
		long n = arg ? atol(arg) : 0;
		char made[32];
		snprintf(made, sizeof(made), "%ld",
			 litter(getenv("HOME"), n) +
				 litter(getenv("XDG_CACHE_HOME"), n));
		answer(out_text, len_out_text, made);
	} else if (!strcmp(cmd, "echo-late")) {
		/* the whole "image" as the backend sees it MS ms later */
		sleep_ms(arg ? atol(arg) : 0);
		if (out_text && len_out_text) {
			size_t n = len_img < len_out_text - 1
					   ? len_img
					   : len_out_text - 1;
			memcpy(out_text, img, n);
			out_text[n] = 0;
		}
	} else if (!strcmp(cmd, "stick")) {
		/* at its exit, this worker waits for good (a destructor of
		 * tenant code could) */
		atexit(stay);
		answer(out_text, len_out_text, "ok");
	} else if (!strcmp(cmd, "plant") || !strcmp(cmd, "rewrite")) {
		/* junk under name ARG in its cache directory; rewrite: over
		 * a file of its own there, made writable again first */
		char p[4096], dir[4096];
		int fd = -1;
		if (arg && cache_dir(dir, sizeof(dir)) &&
		    snprintf(p, sizeof(p), "%s/%s", dir, arg) <
			    (int)sizeof(p) &&
		    (cmd[0] == 'p' || !chmod(p, 0644)))
			fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0644);
		if (fd < 0 || write(fd, "junk", 4) != 4)
			answer(out_text, len_out_text, err_name(-1));
		else
			answer(out_text, len_out_text, "ok");
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "write")) {
		char *text = arg ? strchr(arg, ' ') : NULL;
		int fd = -1;
		if (text) {
			*text++ = 0;
			fd = open(arg, O_WRONLY | O_CLOEXEC);
		}
		if (fd < 0 || write(fd, text, strlen(text)) < 0)
			answer(out_text, len_out_text, err_name(-1));
		else
			answer(out_text, len_out_text, "ok");
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "linger-ctl")) {
		return linger_ctl(arg);
	} else if (!strcmp(cmd, "linger-conns") || !strcmp(cmd, "tcp-conns")) {
		char n[32];
		snprintf(n, sizeof(n), "%d", linger_conns(cmd[0] == 'l'));
		answer(out_text, len_out_text, n);
#ifdef FAULTY_CTL
	} else if (!strcmp(cmd, "ctl-ops")) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", ctl_ops());
		answer(out_text, len_out_text, n);
	} else if (!strcmp(cmd, "ctl-closed")) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", ctl_closed(arg));
		answer(out_text, len_out_text, n);
	} else if (!strcmp(cmd, "ctl-flood")) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", ctl_flood(arg ? atol(arg) : 0));
		answer(out_text, len_out_text, n);
#endif
	} else if (!strcmp(cmd, "lines")) {
		char line[1001];
		memset(line, 'x', 999);
		line[999] = '\n';
		line[1000] = 0;
		for (long i = arg ? atol(arg) : 0; i > 0; i--)
			if (write(2, line, 1000) < 0)
				break;
		answer(out_text, len_out_text, "ok");
	} else if (!strcmp(cmd, "log-flood")) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", log_flood(arg ? atol(arg) : 0));
		answer(out_text, len_out_text, n);
	} else if (!strcmp(cmd, "signal")) {
		char report[512];
		send_kill(report, sizeof(report), arg ? atoi(arg) : 0);
		answer(out_text, len_out_text, report);
	} else if (!strcmp(cmd, "orphan")) {
		char pids[32];
		orphans(pids, sizeof(pids));
		answer(out_text, len_out_text, pids);
	} else if (!strcmp(cmd, "getenv")) {
		/* what a tenant's code reads in its worker's environment */
		const char *v = arg ? getenv(arg) : NULL;
		answer(out_text, len_out_text, v ? v : "(unset)");
	} else if (!strcmp(cmd, "read")) {
		/* what tenant code reads of the host: the start of a file
		 * (its lines ended by ';'), or why it cannot */
		char text[256] = "";
		int fd = arg ? open(arg, O_RDONLY | O_CLOEXEC) : -1;
		ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (n < 0) {
			answer(out_text, len_out_text, err_name(-1));
		} else {
			text[n] = 0;
			for (char *c = text; (c = strchr(c, '\n'));)
				*c = ';';
			answer(out_text, len_out_text, text);
		}
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "hide")) {
		char *mb = arg ? strchr(arg, ' ') : NULL, p[4096], made[32];
		const char *dir = !mb ? NULL
				  : !strncmp(arg, "home ", 5)
					  ? getenv("HOME")
					  : getenv("XDG_CACHE_HOME");
		long n = -1;
		if (dir && snprintf(p, sizeof(p), "%s/hidden", dir) <
				   (int)sizeof(p) - 16) {
			size_t at = strlen(p);
			mkdir(p, 0700);
			strcat(p, "/in");
			mkdir(p, 0700);
			strcat(p, "/big");
			int fd = open(p,
				      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				      0600);
			n = fill(fd, atol(mb + 1));
			if (fd >= 0)
				close(fd);
			p[at + 3] = 0;
			if (chmod(p, 0))
				n = -1;
			p[at] = 0;
			if (chmod(p, 0))
				n = -1;
		}
		snprintf(made, sizeof(made), "hidden %ld", n);
		answer(out_text, len_out_text, made);
	} else if (!strcmp(cmd, "nest")) {
		const char *dir = getenv("XDG_CACHE_HOME");
		static const char *const parts[] = { "n1", "n2", "n3", "file" };
		char p[4096] = "", text[256] = "";
		int fd = -1;
		ssize_t n = -1;
		if (dir && strlen(dir) < sizeof(p) - 32) {
			strcpy(p, dir);
			for (int i = 0; i < 4; i++) {
				if (arg && i < 3) {
					strcat(p, "/");
					strcat(p, parts[i]);
					mkdir(p, 0700);
					continue;
				}
				strcat(p, "/");
				strcat(p, parts[i]);
			}
			fd = arg ? open(p,
					O_WRONLY | O_CREAT | O_TRUNC |
						O_CLOEXEC,
					0600)
				 : open(p, O_RDONLY | O_CLOEXEC);
			n = fd < 0 ? -1
			    : arg  ? write(fd, arg, strlen(arg))
				   : read(fd, text, sizeof(text) - 1);
		}
		if (n >= 0 && !arg)
			text[n] = 0;
		answer(out_text, len_out_text,
		       n < 0 ? err_name(-1)
		       : arg ? "ok"
			     : text);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "procs")) {
		/* how many processes its /proc lists */
		DIR *d = opendir("/proc");
		struct dirent *e;
		long n = 0;
		while (d && (e = readdir(d)))
			n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
		if (d)
			closedir(d);
		char count[32];
		snprintf(count, sizeof(count), "%ld", d ? n : -1L);
		answer(out_text, len_out_text, count);
	} else if (!strcmp(cmd, "pid")) {
		char pid[32];
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		answer(out_text, len_out_text, pid);
	} else {
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

static int faulty_onnx_run(struct vaccel_session *sess,
			   const struct vaccel_resource *model,
			   struct vaccel_onnx_tensor *const *inputs,
			   int nr_inputs, struct vaccel_onnx_tensor **outputs,
			   int nr_outputs)
{
	const int64_t four = 4;
	(void)sess;
	(void)model;
	(void)inputs;
	(void)nr_inputs;
	for (int i = 0; i < nr_outputs; i++) {
		struct vaccel_onnx_tensor *t;
		if (vaccel_onnx_tensor_allocate(&t, 1, &four, VACCEL_ONNX_FLOAT,
						16))
			return VACCEL_ENOMEM;
		t->size = (size_t)1 << 30; /* a lie */
		outputs[i] = t;
	}
	return VACCEL_OK;
}

static int faulty_onnx_load(struct vaccel_session *sess,
			    struct vaccel_resource *model)
{
	(void)sess;
	(void)model;
	return VACCEL_OK;
}

static const struct vaccel_plugin_op ops[] = {
	VACCEL_PLUGIN_OP(ONNX_MODEL_LOAD, faulty_onnx_load),
	VACCEL_PLUGIN_OP(ONNX_MODEL_RUN, faulty_onnx_run),
	VACCEL_PLUGIN_OP(NOOP, faulty_noop),
	VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, faulty_classify),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "faulty", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_DEBUG | VACCEL_PLUGIN_CPU,
			 .ops = ops, .nr_ops = sizeof(ops) / sizeof(ops[0]));
