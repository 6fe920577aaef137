// SPDX-License-Identifier: Apache-2.0
/* A worker's confinement (sandbox.h). What each layer blocks, and what a
 * compromised worker can still reach: docs/security.md. */

#include "sandbox.h"
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

/* A sanitizer build reserves terabytes of address space (no --worker-
 * memory then), its leak checker stops the world with ptrace from a forked
 * tracer (no seccomp filter then) and reads files named in its options (no
 * Landlock then): such builds test memory safety; the normal build tests
 * the sandbox. The uid and the limits on files apply to both. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

/* ---- limits, uid ----------------------------------------------------------
 */

static int limit(int res, uint64_t v, const char *what)
{
	struct rlimit rl = { (rlim_t)v, (rlim_t)v };
	if (!setrlimit(res, &rl))
		return 0;
	aerr("worker: cannot limit %s to %llu: %s", what, (unsigned long long)v,
	     strerror(errno));
	return -1;
}

static int set_limits(bool own_uid)
{
	if (limit(RLIMIT_CORE, 0, "core dumps") ||
	    limit(RLIMIT_NOFILE, cfg.worker_nofile, "open files"))
		return -1;
	if (cfg.worker_memory && !SANITIZER_BUILD &&
	    limit(RLIMIT_AS, cfg.worker_memory, "address space"))
		return -1;
	/* threads of this uid: it is the tenant's alone */
	if (own_uid && limit(RLIMIT_NPROC, 4096, "threads"))
		return -1;
	return 0;
}

static int drop_uid(long uid)
{
	uid_t u = (uid_t)uid;
	/* the workers' group: the roots of their directories (0710) and
	 * --cache-shared's shared directory */
	gid_t shared = workers_shared_gid();
	if (setgroups(1, &shared) || setresgid(u, u, u) || setresuid(u, u, u)) {
		aerr("worker: cannot become uid %ld: %s", uid, strerror(errno));
		return -1;
	}
	uid_t r, e, s;
	if (getresuid(&r, &e, &s) || r != u || e != u || s != u) {
		aerr("worker: still not uid %ld", uid);
		return -1;
	}
	return 0;
}

/* Directories the worker writes, and where libvaccel and the backends
 * put their files. */
static int set_env(void)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/tmp", cfg.worker_dir);
	if ((mkdir(p, 0700) && errno != EEXIST) || setenv("TMPDIR", p, 1) ||
	    setenv("HOME", cfg.worker_dir, 1) ||
	    setenv("VACCEL_RUNDIR", cfg.worker_dir, 1)) {
		aerr("worker: cannot use %s: %s", p, strerror(errno));
		return -1;
	}
	/* backends' own caches (pocl's compiled kernels) persist with the
	 * tenant's cache, for its next worker; with --cache-shared they are
	 * the worker's own (in one .cache for all, the first tenant's code
	 * decided what the others' backends read) */
	snprintf(p, sizeof(p), "%s/.cache",
		 cfg.cache_shared ? cfg.worker_dir : cfg.worker_cache);
	if ((mkdir(p, 0700) && errno != EEXIST) ||
	    setenv("XDG_CACHE_HOME", p, 1)) {
		aerr("worker: cannot use %s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- Landlock --------------------------------------------------------------
 */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define FS_READ                                                      \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE                                                       \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int landlock_abi = -1;

static uint64_t handled_fs(int abi)
{
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/* A rule: `access` beneath `path` (each worker's Landlock ruleset, or
 * the front's check of what they can read). */
typedef int (*rule_fn)(void *ctx, const char *path, uint64_t access);

/* Allow `access` (within what is handled) beneath `path` in ruleset
 * `*ctx`; a path that does not exist is skipped. */
static int allow(void *ctx, const char *path, uint64_t access)
{
	int ruleset = *(int *)ctx;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == EACCES ? 0 : -1;
	if (!fstat(fd, &st) && !S_ISDIR(st.st_mode))
		access &= FS_FILE;
	struct landlock_path_beneath_attr pb = {
		.allowed_access = access & handled_fs(landlock_abi),
		.parent_fd = fd,
	};
	long r = syscall(SYS_landlock_add_rule, ruleset,
			 LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	if (r)
		aerr("worker: landlock rule for %s: %s", path, strerror(errno));
	return r ? -1 : 0;
}

/* The directory of each ':'-separated entry of `list` that has one. */
static int dirs_of(rule_fn fn, void *ctx, const char *list)
{
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *save, *p = strtok_r(buf, ":", &save); p;
	     p = strtok_r(NULL, ":", &save)) {
		char *slash = strrchr(p, '/');
		struct stat st;
		if (!stat(p, &st) && S_ISDIR(st.st_mode))
			slash = NULL; /* a directory (LD_LIBRARY_PATH) */
		else if (!slash)
			continue;
		if (slash == p)
			continue;
		if (slash)
			*slash = 0;
		if (fn(ctx, p, FS_READ))
			return -1;
	}
	return 0;
}

/* Every rule of a worker's ruleset, `rw` the access to its own
 * directories (those the front does not know are skipped). */
static int each_rule(rule_fn fn, void *ctx, uint64_t rw)
{
	static const char *const sys[] = {
		"/usr",	 "/lib",  "/lib64",	  "/lib32",
		"/bin",	 "/sbin", "/etc",	  "/opt",
		"/proc", "/sys",  "/dev/urandom", "/dev/random"
	};
	int err = 0;
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		err |= fn(ctx, sys[i], FS_READ);
	err |= fn(ctx, "/dev/null", FS_FILE);
	err |= fn(ctx, "/dev/zero", FS_READ);
	err |= dirs_of(fn, ctx, cfg.plugins);
	err |= dirs_of(fn, ctx, getenv("LD_LIBRARY_PATH"));
	err |= dirs_of(fn, ctx, getenv("VACCEL_DEPS"));
	for (int i = 0; i < cfg.nr_exec_dirs; i++)
		err |= fn(ctx, cfg.exec_dirs[i], FS_READ);
	for (int i = 0; i < cfg.nr_read_dirs; i++)
		err |= fn(ctx, cfg.read_dirs[i], FS_READ);
	if (cfg.worker_dir)
		err |= fn(ctx, cfg.worker_dir, rw);
	if (cfg.worker_cache)
		err |= fn(ctx, cfg.worker_cache, rw);
	return err;
}

static int landlock_rules(int rs)
{
	return each_rule(allow, &rs, handled_fs(landlock_abi));
}

struct beneath {
	const char *file; /* a real path */
	char *rule;
	size_t size;
};

/* Whether `path` is (or holds) the file of `*ctx`: it is found (1). */
static int find_beneath(void *ctx, const char *path, uint64_t access)
{
	struct beneath *b = ctx;
	char real[PATH_MAX];
	(void)access;
	if (b->rule[0] || !realpath(path, real))
		return 0;
	size_t n = strlen(real);
	if (strncmp(b->file, real, n) ||
	    (b->file[n] != '/' && b->file[n] != 0 && strcmp(real, "/")))
		return 0;
	str_copy(b->rule, b->size, path);
	return 0;
}

bool sandbox_may_read(const char *file, char *rule, size_t size)
{
	char real[PATH_MAX];
	if (!realpath(file, real) || !size)
		return false;
	rule[0] = 0;
	struct beneath b = { real, rule, size };
	each_rule(find_beneath, &b, 0);
	return rule[0] != 0;
}

bool sandbox_confines_files(void)
{
	return !cfg.no_sandbox && !SANITIZER_BUILD &&
	       syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION) > 0;
}

/* LANDLOCK_SCOPE_* (ABI 6) */
#define SCOPE_ABSTRACT_UNIX (1ull << 0)
#define SCOPE_SIGNAL	    (1ull << 1)

static int enter_landlock(void)
{
	landlock_abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
				    LANDLOCK_CREATE_RULESET_VERSION);
	if (landlock_abi < 1) {
		adebug("landlock: not offered by this kernel (%s): files are "
		       "guarded by the worker's uid only",
		       strerror(errno));
		landlock_abi = 0;
		return 0;
	}
	/* the kernel's struct as of ABI 6 (this system's header may be
	 * older); a kernel that knows less wants the rest zero */
	struct {
		uint64_t handled_access_fs, handled_access_net, scoped;
	} ra = {
		.handled_access_fs = handled_fs(landlock_abi),
		/* no signal (kill, or SIGIO through F_SETOWN) to a process
		 * outside this worker's domain: without root every worker and
		 * the front share one uid, and a tenant's code killed them */
		.scoped = landlock_abi >= 6 ? SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX
					    : 0,
	};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (rs < 0) {
		aerr("worker: landlock ruleset: %s", strerror(errno));
		return -1;
	}
	int err = landlock_rules(rs);
	if (!err && syscall(SYS_landlock_restrict_self, rs, 0)) {
		aerr("worker: landlock: %s", strerror(errno));
		err = -1;
	}
	close(rs);
	return err;
}

int sandbox_enter(pid_t front)
{
	bool own_uid = cfg.worker_uid >= 0 && geteuid() == 0;
	setsid(); /* no signal to the front's process group reaches it */
	if (set_limits(own_uid) || (own_uid && drop_uid(cfg.worker_uid)))
		return -1;
	/* after the uid change, which clears it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != front ||
	    prctl(PR_SET_DUMPABLE, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		aerr("worker: cannot confine itself (or the front is gone): %s",
		     strerror(errno));
		return -1;
	}
	if (set_env())
		return -1;
	return cfg.no_sandbox || SANITIZER_BUILD ? 0 : enter_landlock();
}

/* ---- a worker's view of the host -------------------------------------------
 */

/* 0: workers get their view; EINVAL: not tried (no uids of their own,
 * --no-sandbox); else the errno that kept a child of the front from
 * making it */
static int view_err = EINVAL;

/* The host's global tables in that /proc and /sys, which no backend
 * reads: every process's file locks (their inodes and pids), the key
 * users' counts, the System V objects, the timers' owners, and the
 * uevent sequence number, which moves with each network namespace made
 * (so with other tenants' workers' starts): audit 18. Each is covered
 * with an empty one (/dev/null, an empty read-only tmpfs); one this
 * kernel lacks is left. */
static const char *const masked[] = { "/proc/locks",
				      "/proc/key-users",
				      "/proc/keys",
				      "/proc/timer_list",
				      "/proc/sched_debug",
				      "/proc/latency_stats",
				      "/sys/kernel/uevent_seqnum",
				      NULL };

static int mask_tables(void)
{
	for (int i = 0; masked[i]; i++)
		if (mount("/dev/null", masked[i], NULL, MS_BIND, NULL) &&
		    errno != ENOENT)
			return errno;
	if (mount("tmpfs", "/proc/sysvipc", "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=1,mode=0555") &&
	    errno != ENOENT)
		return errno;
	return 0;
}

int sandbox_view_enter(void)
{
	/* a mount namespace whose /proc shows only the processes the
	 * worker's uid may trace (its own: every tenant has its uid), and a
	 * network namespace of its own (/proc/net lists the host's
	 * connections, other tenants' addresses among them; the worker opens
	 * no socket, and those it is handed keep working). No IPC one: no
	 * worker can make a System V object (its filter), and the host's
	 * are masked (mask_tables) */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "hidepid=invisible"))
		return errno ? errno : EPERM;
	/* and a /sys of its own, read-only: its network devices are the new
	 * namespace's (the host's interfaces and their traffic counters,
	 * other tenants' calls on lo among them: an audit), and the mounts
	 * below the host's /sys (the cgroup hierarchies: the agent's groups'
	 * counters, every tenant's summed) are not there. The devices and
	 * CPUs the backends look for are */
	if (mount("sysfs", "/sys", "sysfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return errno ? errno : EPERM;
	return mask_tables();
}

bool sandbox_view_probe(bool own_uids)
{
	view_err = EINVAL;
	if (!own_uids || cfg.no_sandbox)
		return false;
	pid_t pid = fork();
	int st = 0;
	if (pid == 0)
		_exit(sandbox_view_enter() & 0xff);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	view_err = pid < 0 ? errno : WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
	return !view_err;
}

bool sandbox_view(void)
{
	return !view_err;
}

/* Whether the agent's /proc already hides the processes a worker's uid
 * may not trace (a service manager's ProtectProc=invisible: hidepid). */
static bool proc_hides(void)
{
	char line[1024];
	bool hides = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && !hides && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT POINT ... - TYPE SOURCE OPTIONS */
		char point[16], *opts = strstr(line, " - proc ");
		hides = opts &&
			sscanf(line, "%*s %*s %*s %*s %15s", point) == 1 &&
			!strcmp(point, "/proc") &&
			(strstr(opts, "hidepid=invisible") ||
			 strstr(opts, "hidepid=2") ||
			 strstr(opts, "hidepid=ptraceable"));
	}
	if (f)
		fclose(f);
	return hides;
}

const char *sandbox_view_describe(void)
{
	static char d[160];
	if (!view_err)
		return "their own processes in /proc, no network, no cgroups";
	const char *why = view_err != EINVAL ? strerror(view_err)
			  : cfg.no_sandbox   ? "--no-sandbox"
					     : "workers share the agent's uid";
	if (view_err != EINVAL && proc_hides())
		snprintf(d, sizeof(d),
			 "their own processes in /proc (its hidepid), the "
			 "host's network (no namespaces: %s)",
			 why);
	else
		snprintf(d, sizeof(d),
			 "every process in /proc and the host's network (no "
			 "namespaces: %s)",
			 why);
	return d;
}

/* ---- seccomp ---------------------------------------------------------------
 */

#ifdef HAVE_SECCOMP
/* Everything a backend (glibc, libstdc++, OpenBLAS, ONNX Runtime,
 * libtorch) does while serving calls: file and memory work, threads,
 * time, waiting, the existing sockets. Not here (EPERM): socket, connect,
 * bind, fork and exec, ptrace and other processes' memory, mounts and
 * namespaces, keys, BPF, io_uring, modules. */
static const char *const allowed[] = {
	"read",
	"write",
	"readv",
	"writev",
	"pread64",
	"pwrite64",
	"preadv",
	"pwritev",
	"preadv2",
	"pwritev2",
	"lseek",
	"close",
	"close_range",
	"dup",
	"dup2",
	"dup3",
	"flock",
	"fsync",
	"fdatasync",
	"ftruncate",
	"fallocate",
	"fadvise64",
	"stat",
	"fstat",
	"lstat",
	"newfstatat",
	"statx",
	"fstatfs",
	"statfs",
	"access",
	"faccessat",
	"faccessat2",
	"readlink",
	"readlinkat",
	"getdents64",
	"getdents",
	"getcwd",
	"chdir",
	"fchdir",
	"rmdir",
	"unlink",
	"unlinkat",
	"rename",
	"renameat",
	"renameat2",
	"link",
	"linkat",
	"symlink",
	"symlinkat",
	"utimensat",
	"munmap",
	"mprotect",
	"mremap",
	"madvise",
	"brk",
	"msync",
	"mincore",
	"mlock",
	"munlock",
	"mlock2",
	"membarrier",
	"get_mempolicy",
	"set_mempolicy",
	"mbind",
	"futex",
	"futex_waitv",
	"set_robust_list",
	"get_robust_list",
	"rseq",
	"exit",
	"exit_group",
	"set_tid_address",
	"gettid",
	"getpid",
	"getppid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"getresuid",
	"getresgid",
	"getgroups",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"rt_sigtimedwait",
	"rt_sigsuspend",
	"sigaltstack",
	"restart_syscall",
	"nanosleep",
	"clock_nanosleep",
	"clock_gettime",
	"clock_getres",
	"gettimeofday",
	"time",
	"sched_yield",
	"sched_getaffinity",
	"sched_getparam",
	"sched_getscheduler",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"getpriority",
	"getcpu",
	"poll",
	"ppoll",
	"select",
	"pselect6",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_wait",
	"epoll_pwait",
	"epoll_pwait2",
	"eventfd",
	"eventfd2",
	"pipe",
	"pipe2",
	"recvmsg",
	"sendmsg",
	"recvfrom",
	"sendto",
	"recvmmsg",
	"sendmmsg",
	"shutdown",
	"getsockname",
	"getpeername",
	"getsockopt",
	"uname",
	"sysinfo",
	"getrlimit",
	"getrusage",
	"times",
	"arch_prctl",
	"getrandom",
	"capget",
	"timer_create",
	"timer_settime",
	"timer_gettime",
	"timer_delete",
	"timerfd_create",
	"timerfd_settime",
	"timerfd_gettime",
	"sendfile",
	"copy_file_range",
};

static int rule(scmp_filter_ctx f, uint32_t act, const char *name, unsigned n,
		const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a system call of this architecture */
	int r = seccomp_rule_add_array(f, act, nr, n, cmp);
	if (r)
		aerr("seccomp: rule for %s: %s", name, strerror(-r));
	return r;
}

/* Refused values of an argument: each from lo to hi, both included. */
struct span {
	uint32_t lo, hi;
};

/* Allow `name` for every value of its argument `arg` but those in `no`.
 * The kernel reads that argument as 32 bits (an int, an unsigned int)
 * where the filter sees 64: a comparison of the whole (arg != X) passes
 * X + 2^32, which the kernel takes for X. So the allowed values are
 * covered by aligned blocks of the low 32 bits, each matched with the
 * high 32 bits zero or all ones (a negative int widened), and nothing
 * else is allowed: about 32 rules for each refused value or span. */
static int allow_but(scmp_filter_ctx f, const char *name, unsigned arg,
		     const struct span *no, size_t nno, uint64_t start,
		     unsigned bits)
{
	uint64_t size = 1ull << bits, end = start + size - 1;
	bool hit = false, all = false;
	for (size_t i = 0; i < nno && !all; i++) {
		hit |= no[i].lo <= end && no[i].hi >= start;
		all = no[i].lo <= start && no[i].hi >= end;
	}
	if (all)
		return 0; /* refused values only */
	if (hit)
		return allow_but(f, name, arg, no, nno, start, bits - 1) |
		       allow_but(f, name, arg, no, nno, start + size / 2,
				 bits - 1);
	int err = 0;
	for (int high = 0; high < 2; high++) {
		uint64_t mask =
			0xffffffff00000000ull | (~(size - 1) & 0xffffffffull);
		uint64_t val = (high ? 0xffffffff00000000ull : 0) | start;
		struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, mask, val };
		err |= rule(f, SCMP_ACT_ALLOW, name, 1, &c);
	}
	return err;
}

/* Calls allowed with some arguments only. */
static int filtered(scmp_filter_ctx f)
{
	pid_t self = getpid();
	struct scmp_arg_cmp own = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self);
	/* threads: clone with CLONE_THREAD; clone3 answers ENOSYS so that
	 * glibc falls back to clone, whose flags can be checked */
	struct scmp_arg_cmp thread =
		SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	struct scmp_arg_cmp zero = SCMP_A0(SCMP_CMP_EQ, 0);
	int err = rule(f, SCMP_ACT_ALLOW, "kill", 1, &own) |
		  rule(f, SCMP_ACT_ALLOW, "tgkill", 1, &own) |
		  rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL) |
		  rule(f, SCMP_ACT_ALLOW, "prlimit64", 1, &zero) |
		  /* its own CPUs only (a tenant's code pinned the front) */
		  rule(f, SCMP_ACT_ALLOW, "sched_setaffinity", 1, &zero) |
		  rule(f, SCMP_ACT_ALLOW, "sched_setaffinity", 1, &own);
	/* a file's owner is who gets its SIGIO, with the signal of F_SETSIG:
	 * a tenant's code had SIGKILL sent to the front and to other
	 * tenants' workers (one uid without root); Landlock's signal scope
	 * (ABI 6) blocks that too, where the kernel has it. And leases: one
	 * on a --cache-shared entry stopped another tenant's worker that
	 * opened it for the lease's break time (45 s) */
	static const struct span fcntl_no[] = { { F_SETOWN, F_SETOWN },
						{ F_SETSIG, F_SETSIG },
						{ F_SETOWN_EX, F_SETOWN_EX },
						{ F_SETLEASE, F_SETLEASE },
						{ F_SETPIPE_SZ,
						  F_SETPIPE_SZ } };
	/* the same through ioctl (FIOSETOWN, SIOCSPGRP), typing into a
	 * terminal (the worker has none since setsid; this holds if it finds
	 * one), and every socket ioctl of the 0x89 and the wireless 0x8b
	 * ranges: on the sockets it holds, made in the host's network
	 * namespace, they read the host's interfaces, addresses, neighbours
	 * and NIC counters (other tenants' traffic), and SIOCETHTOOL takes
	 * the host's network lock (an audit slowed the making of network
	 * namespaces fourfold); the worker's own ioctls on sockets are
	 * FIONREAD-like, outside them */
	static const struct span ioctl_no[] = { { TIOCSTI, TIOCSTI },
						{ 0x8900, 0x89ff },
						{ 0x8b00, 0x8bff } };
	/* outliving the front (its death signal cleared), and being traced */
	static const struct span prctl_no[] = {
		{ PR_SET_PDEATHSIG, PR_SET_PDEATHSIG },
		{ PR_SET_DUMPABLE, PR_SET_DUMPABLE },
		{ PR_SET_PTRACER, PR_SET_PTRACER }
	};
#define ALLOW_BUT(name, arg, no) \
	allow_but(f, name, arg, no, sizeof(no) / sizeof(*no), 0, 32)
	/* socket buffers beyond what the kernel tunes for itself: on its
	 * clients' TCP connections they are memory its cgroup does not
	 * count (an audit: 32 connections filled to 255 MiB with a 5 MiB
	 * group). The option's number is refused at every level: the
	 * worker opens no socket, and the few it has need none of them */
	static const struct span sockopt_no[] = {
		{ SO_SNDBUF, SO_RCVBUF },	   /* 7, 8 */
		{ SO_SNDBUFFORCE, SO_RCVBUFFORCE } /* 32, 33 */
	};
	/* huge pages: a v1 memory cgroup does not count them, and one
	 * tenant could take the host's whole pool (an audit, from the code:
	 * the pool is empty here). Bigger pipes (F_SETPIPE_SZ, above) were
	 * charged to the worker's uid, which the next tenant given that uid
	 * slot inherits (its pipes fell from 4096 KiB to 32 KiB) */
	struct scmp_arg_cmp no_huge_memfd =
				    SCMP_A1(SCMP_CMP_MASKED_EQ, MFD_HUGETLB, 0),
			    no_huge_map =
				    SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_HUGETLB, 0);
	err |= rule(f, SCMP_ACT_ALLOW, "memfd_create", 1, &no_huge_memfd) |
	       rule(f, SCMP_ACT_ALLOW, "mmap", 1, &no_huge_map);
	err |= ALLOW_BUT("fcntl", 1, fcntl_no) |
	       ALLOW_BUT("ioctl", 1, ioctl_no) |
	       ALLOW_BUT("prctl", 0, prctl_no) |
	       ALLOW_BUT("setsockopt", 2, sockopt_no);
#undef ALLOW_BUT
	if (cfg.worker_exec) {
		/* --worker-exec: programs, in this same sandbox (the filter,
		 * Landlock, the uid and the limits are inherited) */
		static const char *const exec[] = { "fork",   "vfork",
						    "execve", "execveat",
						    "wait4",  "waitid" };
		for (size_t i = 0; i < sizeof(exec) / sizeof(exec[0]); i++)
			err |= rule(f, SCMP_ACT_ALLOW, exec[i], 0, NULL);
		/* but no namespaces (a user namespace's root, a PID, net,
		 * mount one: kernel surface the sandbox otherwise closes),
		 * and no child of the front's (CLONE_PARENT). The kernel
		 * reads the low 32 bits of the flags, where these are */
		struct scmp_arg_cmp plain = SCMP_A0(
			SCMP_CMP_MASKED_EQ,
			CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
				CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
				CLONE_NEWNET | CLONE_PARENT,
			0);
		err |= rule(f, SCMP_ACT_ALLOW, "clone", 1, &plain);
	} else {
		err |= rule(f, SCMP_ACT_ALLOW, "clone", 1, &thread);
	}
	/* modes without write for group and others, and a umask that keeps
	 * them out: a tenant's code made its directories 0777 and changed
	 * them from outside the sandbox (its own process on the host, with a
	 * descriptor kept from then) while the front's root code walked them.
	 * No set-user-ID or set-group-ID file either, made or changed: a
	 * tenant's code left a setuid copy of a shell, its host process kept
	 * a descriptor to it, and when the worker's uid went to another
	 * tenant, ran it as that tenant's worker (an audit: read and
	 * poisoned its cache, killed its worker). open and openat are
	 * checked only where they make a file (O_CREAT, O_TMPFILE: else
	 * their mode is not read); openat2's mode is in memory the filter
	 * cannot read: ENOSYS, which libraries take for an older kernel */
	const uint64_t ids = S_ISUID | S_ISGID, bad = ids | 022;
	/* (a new file's mode loses 022 to the umask: 0666 and 0777 are what
	 * libraries pass) */
	struct scmp_arg_cmp mode1 = SCMP_A1(SCMP_CMP_MASKED_EQ, bad, 0),
			    mode2 = SCMP_A2(SCMP_CMP_MASKED_EQ, bad, 0),
			    make1 = SCMP_A1(SCMP_CMP_MASKED_EQ, ids, 0),
			    make2 = SCMP_A2(SCMP_CMP_MASKED_EQ, ids, 0),
			    make3 = SCMP_A3(SCMP_CMP_MASKED_EQ, ids, 0),
			    no_make1 = SCMP_A1(SCMP_CMP_MASKED_EQ,
					       O_CREAT | __O_TMPFILE, 0),
			    no_make2 = SCMP_A2(SCMP_CMP_MASKED_EQ,
					       O_CREAT | __O_TMPFILE, 0),
			    mask0 = SCMP_A0(SCMP_CMP_MASKED_EQ, 022, 022);
	return err | rule(f, SCMP_ACT_ALLOW, "chmod", 1, &mode1) |
	       rule(f, SCMP_ACT_ALLOW, "fchmod", 1, &mode1) |
	       rule(f, SCMP_ACT_ALLOW, "fchmodat", 1, &mode2) |
	       rule(f, SCMP_ACT_ALLOW, "mkdir", 1, &make1) |
	       rule(f, SCMP_ACT_ALLOW, "mkdirat", 1, &make2) |
	       rule(f, SCMP_ACT_ALLOW, "open", 1, &no_make1) |
	       rule(f, SCMP_ACT_ALLOW, "open", 1, &make2) |
	       rule(f, SCMP_ACT_ALLOW, "openat", 1, &no_make2) |
	       rule(f, SCMP_ACT_ALLOW, "openat", 1, &make3) |
	       rule(f, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL) |
	       rule(f, SCMP_ACT_ALLOW, "umask", 1, &mask0);
}

int sandbox_seal(void)
{
	if (cfg.no_sandbox || SANITIZER_BUILD)
		return 0;
	umask(umask(022) | 022);
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!f) {
		aerr("seccomp: cannot set up a filter");
		return -1;
	}
	int err = 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		err |= rule(f, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
	err |= filtered(f);
	if (!err && (err = seccomp_load(f)))
		aerr("seccomp: cannot load the filter: %s", strerror(-err));
	seccomp_release(f);
	return err ? -1 : 0;
}
#else
int sandbox_seal(void)
{
	if (!cfg.no_sandbox)
		adebug("seccomp: not in this build (no libseccomp)");
	return 0;
}
#endif

const char *sandbox_describe(void)
{
	static char d[96];
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	snprintf(d, sizeof(d), "landlock %s, seccomp %s",
		 SANITIZER_BUILD ? "off in a sanitizer build"
		 : abi > 0	 ? "yes"
				 : "not offered by the kernel",
		 SANITIZER_BUILD ? "off in a sanitizer build"
#ifdef HAVE_SECCOMP
				 : "yes"
#else
				 : "not in this build"
#endif
	);
	return d;
}
