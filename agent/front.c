// SPDX-License-Identifier: Apache-2.0
/* The front: listeners, the poll loop (accepts, pre-auth reads, worker
 * messages, signals, deadlines), and SIGTERM (the peers' counts and the
 * HELLO's answer: admission.c). */

#include "cgroup.h"
#include "ctl.h"
#include "front.h"
#include "metrics.h"
#include "hello.h"
#include "msg.h"
#include "policy.h"
#include "sandbox.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vaccel.h>

static struct listener listeners[MAX_LISTEN];
static int nlisteners;

/* ---- listeners ------------------------------------------------------------
 */

static void mkdir_p(const char *dir, mode_t last)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	if (mkdir(p, last) && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
}

/* Whether another user could replace `path` or what the agent keeps in
 * it: `path` not a directory of ours (the last component no link), or
 * not ours alone, or a directory above it that another user owns or that
 * others may write without the sticky bit. The reason in `why`. An agent
 * without root and without XDG_RUNTIME_DIR took /tmp/vaccel-agent-UID
 * whoever had made it: a local user who made it first, with `tenants` a
 * link to a directory of the agent's user, had the agent's start move
 * everything in it to its trash and remove it (audit 20). */
static bool others_may_replace(const char *path, bool own_last, char *real,
			       char *why, size_t size)
{
	char p[PATH_MAX];
	struct stat st;
	uid_t me = geteuid();
	if (lstat(path, &st) || !realpath(path, p)) {
		snprintf(why, size, "%s", strerror(errno));
		return true;
	}
	if (real)
		memcpy(real, p, sizeof(p));
	if (own_last &&
	    (!S_ISDIR(st.st_mode) || st.st_uid != me || (st.st_mode & 022))) {
		snprintf(why, size,
			 "%s is %s (uid %u, mode %03o): not a directory of "
			 "this user's alone (uid %u)",
			 path, S_ISLNK(st.st_mode) ? "a link" : "not ours",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			 (unsigned)me);
		return true;
	}
	for (char *s = cfg.trust_dir_parents ? NULL : strrchr(p, '/'); s;
	     s = strrchr(p, '/')) {
		s == p ? (void)(p[1] = 0) : (void)(*s = 0);
		if (stat(p, &st))
			continue;
		if (st.st_uid != me && st.st_uid != 0) {
			snprintf(why, size, "%s above it is uid %u's", p,
				 (unsigned)st.st_uid);
			return true;
		}
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
			snprintf(why, size,
				 "others may write %s above it (mode %03o, "
				 "not sticky)",
				 p, (unsigned)(st.st_mode & 07777));
			return true;
		}
		if (!strcmp(p, "/"))
			break;
	}
	return false;
}

/* `*dir` checked, and then its real path (a link on the way, another
 * user's, could be pointed elsewhere later: audit 21). */
static void check_own_dir(const char *what, const char **dir,
			  char real[PATH_MAX])
{
	char why[PATH_MAX + 128];
	if (others_may_replace(*dir, true, real, why, sizeof(why)))
		die("%s %s: %s; another user could replace what the agent "
		    "keeps there (remove it, or give a directory of this "
		    "user's; in a container of one user, --dir-parents "
		    "trust)",
		    what, *dir, why);
	*dir = real;
}

/* ---- socket activation (systemd: LISTEN_PID, LISTEN_FDS) ------------- */

#define ACTIVATED_FIRST 3
static int nactivated;
static bool taken[MAX_LISTEN];
static struct listen_spec activated_specs[MAX_LISTEN];

/* The sockets a service manager passed (fds 3...), meant for us. */
static void find_activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || atol(pid) != (long)getpid())
		return;
	nactivated = atoi(fds);
	if (nactivated < 0 || nactivated > MAX_LISTEN)
		die("LISTEN_FDS=%s: 0 to %d sockets", fds, MAX_LISTEN);
	/* the workers must not think they were activated */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (int i = 0; i < nactivated; i++)
		fcntl(ACTIVATED_FIRST + i, F_SETFD, FD_CLOEXEC);
}

/* An activated socket's address as a URI. 0 or -1. */
static int activated_uri(int fd, char *uri, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_UNIX) {
		snprintf(uri, size, "unix://%s",
			 ((struct sockaddr_un *)&ss)->sun_path);
	} else if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		bool v4 = ss.ss_family == AF_INET;
		const void *a =
			v4 ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
			   : (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
		unsigned port =
			ntohs(v4 ? ((struct sockaddr_in *)&ss)->sin_port
				 : ((struct sockaddr_in6 *)&ss)->sin6_port);
		inet_ntop(ss.ss_family, a, host, sizeof(host));
		snprintf(uri, size, v4 ? "tcp://%s:%u" : "tcp://[%s]:%u", host,
			 port);
	} else if (ss.ss_family == AF_VSOCK) {
		struct sockaddr_vm *v = (struct sockaddr_vm *)&ss;
		snprintf(uri, size, "vsock://%u:%u", (unsigned)v->svm_cid,
			 (unsigned)v->svm_port);
	} else {
		return -1;
	}
	return 0;
}

/* The activated socket listening where `spec` says, taken; or -1. */
static int take_activated(const struct listen_spec *spec)
{
	struct vrpc_addr want;
	char a[PATH_MAX + 32], b[PATH_MAX + 32];
	if (vrpc_addr_parse(spec->uri, &want))
		return -1;
	vrpc_addr_format(&want, a, sizeof(a));
	for (int i = 0; i < nactivated; i++) {
		if (!taken[i] &&
		    !activated_uri(ACTIVATED_FIRST + i, b, sizeof(b)) &&
		    !strcmp(a, b)) {
			taken[i] = true;
			return ACTIVATED_FIRST + i;
		}
	}
	return -1;
}

static void open_listener(const struct listen_spec *spec, struct listener *l)
{
	const char *uri = spec->uri;
	l->spec = spec;
	if (vrpc_addr_parse(uri, &l->addr) || !l->addr.t->listen)
		die("cannot listen on %s (unix://, tcp://, vsock://)", uri);
	int fd = take_activated(spec);
	if (fd >= 0) {
		l->fd = fd;
		fcntl(fd, F_SETFL, O_NONBLOCK);
		vrpc_addr_format(&l->addr, l->uri, sizeof(l->uri));
		ainfo("listening on %s (socket activation)", l->uri);
		return;
	}
	if (l->addr.t->needs_token && !cfg.nr_tokens && !cfg.insecure)
		die("%s needs --token-file or --tokens (or --insecure)", uri);
	if (l->addr.t->needs_token && !cfg.nr_tokens)
		awarn("%s: no token (--insecure): anyone who can connect can "
		      "use the backends",
		      uri);
	bool is_unix = !strcmp(l->addr.t->scheme, "unix");
	char why[PATH_MAX + 128];
	if (is_unix) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", l->addr.path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			mkdir_p(dir, 0755);
		}
		/* (a VM manager's own directory may be meant: said, not
		 * refused) */
		if (others_may_replace(slash && slash != dir ? dir : "/", false,
				       NULL, why, sizeof(why)))
			awarn("%s: %s: another user could replace the socket",
			      uri, why);
	}
	/* a UNIX socket is made with its mode (a chmod of its path after
	 * the bind would follow a link put there meanwhile) */
	mode_t mask = is_unix ? umask(0777 & ~cfg.socket_mode) : 0;
	l->fd = l->addr.t->listen(&l->addr, SOMAXCONN);
	if (is_unix)
		umask(mask);
	if (l->fd < 0)
		die("cannot listen on %s: %s", uri, vaccel_strerror(-l->fd));
	fcntl(l->fd, F_SETFL, O_NONBLOCK);
	vrpc_addr_format(&l->addr, l->uri, sizeof(l->uri));
	ainfo("listening on %s%s%s", l->uri,
	      spec->by == TENANT_CONN	 ? " (a tenant per connection)"
	      : spec->by == TENANT_FIXED ? " for tenant "
					 : "",
	      spec->by == TENANT_FIXED ? spec->tenant : "");
}

static void write_ready(void)
{
	const char *f = cfg.ready_file;
	if (!f)
		return;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f);
	FILE *fp = fopen(tmp, "w");
	if (!fp)
		die("cannot write %s: %s", tmp, strerror(errno));
	for (int i = 0; i < nlisteners; i++)
		fprintf(fp, "%s\n", listeners[i].uri);
	if (metrics_uri())
		fprintf(fp, "metrics %s\n", metrics_uri());
	fprintf(fp, "pid %d\n", (int)getpid());
	if (fclose(fp) || rename(tmp, f))
		die("cannot write %s: %s", f, strerror(errno));
}

/* New connections of one process (where the kernel names it: else its
 * uid) on the ?tenant=conn listeners (each one a tenant, a worker):
 * ACCEPT_BURST at once, then ACCEPT_RATE a second; past it a connection
 * is closed as it is accepted (no HELLO read, no reply). A process that
 * connected, said HELLO and closed in a loop made thousands of
 * connections a second, each HELLO read, refused (workers' starts have a
 * rate of their own) and answered by the one front thread. Per uid, one
 * VM's QEMU used the whole uid's and every other VM of that uid was
 * closed at accept (audit 21). Elsewhere a uid's connections are one
 * tenant's, bounded by its connection limits. */
#define ACCEPT_RATE  256
#define ACCEPT_BURST 1024

static bool accept_over(const struct vrpc_peer *peer)
{
	static struct {
		char key[48];
		int64_t due;
	} who[64];
	char key[48];
	if (strncmp(peer->key, "uid:", 4))
		return false;
	snprintf(key, sizeof(key), "%.*s/%d", (int)strcspn(peer->key, "#@"),
		 peer->key, peer->has_cred ? (int)peer->pid : 0);
	int64_t now = vrpc_now_ns(), every = 1000000000ll / ACCEPT_RATE;
	int i = 0, best = 0;
	while (i < 64 && strcmp(who[i].key, key)) {
		if (who[i].due < who[best].due)
			best = i;
		i++;
	}
	if (i == 64) {
		i = best;
		snprintf(who[i].key, sizeof(who[i].key), "%s", key);
		who[i].due = 0;
	}
	if (rate_over(who[i].due, now, ACCEPT_BURST, every))
		return true;
	rate_add(&who[i].due, now, every);
	return false;
}

static void accept_all(struct listener *l)
{
	for (int i = 0; i < 64; i++) {
		struct vrpc_peer peer = { 0 };
		int fd = l->addr.t->accept(l->fd, &peer);
		if (fd < 0) {
			/* out of descriptors: it stays readable (audit 23:
			 * the front spun at 97% of a CPU) */
			l->paused = accept_pause(errno, l->uri, &l->said,
						 vrpc_now_ns());
			return;
		}
		if (!peer.key[0])
			snprintf(peer.key, sizeof(peer.key), "%s",
				 l->addr.t->scheme);
		/* a tenant per connection (a VM's port): its peer too. The
		 * uid is QEMU's, every VM's: 8 silent ports of one kept out
		 * every other VM's (--max-preauth-per-peer) */
		if (l->spec->by == TENANT_CONN) {
			static uint64_t seq;
			char key[sizeof(peer.key)];
			snprintf(key, sizeof(key), "%.40s#%" PRIu64, peer.key,
				 ++seq);
			memcpy(peer.key, key, sizeof(key));
		} else if (l->spec->by == TENANT_FIXED) {
			/* a listener of its own (a VM's socket): a peer of
			 * its own. QEMU's uid is every VM's: four silent
			 * connections on four VMs' sockets kept out a fifth */
			char key[sizeof(peer.key)];
			snprintf(key, sizeof(key), "%.40s@listen%d", peer.key,
				 (int)(l->spec - cfg.listen));
			memcpy(peer.key, key, sizeof(key));
		}
		if (l->spec->by == TENANT_CONN && accept_over(&peer)) {
			static int64_t said;
			fcounts.refused[REFUSE_PREAUTH_PEER]++;
			if (vrpc_now_ns() - said > 1000000000ll) {
				said = vrpc_now_ns();
				awarn("closing connections on %s from %s as "
				      "they come: over %d a second",
				      l->uri, peer.desc, ACCEPT_RATE);
			}
			/* its uid's (peer_closer) */
			reaper_close(fd, peer_get(peer.key));
			continue;
		}
		char group[sizeof(peer.key)];
		peer_group(peer.key, group, sizeof(group));
		if (!preauth_room(group, l)) {
			/* what it queued is released with it */
			reaper_close(fd, peer_get(group));
			continue;
		}
		if (!strcmp(l->addr.t->scheme, "tcp")) {
			int one = 1;
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
				   sizeof(one));
		}
		preauth_add(fd, l, &peer, group);
	}
}

/* As root, workers run as other uids: they must be able to go through
 * every directory above the ones they use (o+x, or g+x of the workers'
 * group), and to read their
 * plugins and the exec-allowed libraries (o+r). Checked now, with the
 * fix in the message, rather than failing in each worker. */
static void check_reachable(const char *what, const char *path, bool read)
{
	char p[PATH_MAX];
	struct stat st;
	if (geteuid() != 0 || cfg.isolation == ISOLATION_NONE ||
	    !realpath(path, p))
		return;
	for (char *s = p + 1;; s++) {
		bool last = !(s = strchr(s, '/'));
		if (!last)
			*s = 0;
		if (!stat(p, &st)) {
			mode_t need = S_ISDIR(st.st_mode) ? S_IXOTH : 0;
			if (last && read)
				need |= S_IROTH;
			/* (the roots of the workers' own directories are
			 * 0710, of their group) */
			bool group = st.st_gid == workers_shared_gid() &&
				     need == S_IXOTH && (st.st_mode & S_IXGRP);
			if (!group && (st.st_mode & need) != need)
				die("%s %s: the workers (uids from %" PRIu64
				    ") cannot %s %s (mode %03o): chmod o+%s "
				    "it, or use another place "
				    "(--isolation none runs everything as "
				    "root)",
				    what, path, cfg.worker_uid_base,
				    need & S_IROTH ? "read" : "go through", p,
				    (unsigned)(st.st_mode & 0777),
				    need & S_IROTH ? "r" : "x");
		}
		if (last)
			break;
		*s = '/';
	}
}

static void check_worker_paths(void)
{
	char buf[8192];
	check_reachable("--rundir", cfg.rundir, false);
	check_reachable("--cache-dir", cfg.cache_dir, false);
	for (int i = 0; i < cfg.nr_exec_dirs; i++)
		check_reachable("--exec-allow", cfg.exec_dirs[i], true);
	snprintf(buf, sizeof(buf), "%s", cfg.plugins);
	for (char *save, *p = strtok_r(buf, ":", &save); p;
	     p = strtok_r(NULL, ":", &save))
		if (strchr(p, '/'))
			check_reachable("plugin", p, true);
}

/* Whether any local user (and so, as root, every worker's uid) can read
 * `real`: o+r, and o+x on every directory above it. */
static bool others_read(const char *real)
{
	char p[PATH_MAX];
	struct stat st;
	str_copy(p, sizeof(p), real);
	for (char *s = p + 1;; s++) {
		bool last = !(s = strchr(s, '/'));
		if (!last)
			*s = 0;
		if (stat(p, &st) ||
		    !(st.st_mode &
		      (S_ISDIR(st.st_mode) && !last ? S_IXOTH : S_IROTH)))
			return false;
		if (last)
			return true;
		*s = '/';
	}
}

/* A token file must not be readable by the workers: they run tenants'
 * code (exec, or an exploited backend), and with another tenant's token
 * one connects as that tenant. Without root, workers share this uid and
 * what keeps them out is Landlock, which lets them read the system's
 * directories (/etc, /usr, /opt...); as root, they have uids of their own
 * and read what others may. Refused at start, with the fix. */
static void check_token_file(const char *opt, const char *file)
{
	char real[PATH_MAX], rule[PATH_MAX];
	if (!file || cfg.isolation == ISOLATION_NONE)
		return;
	struct stat st;
	if (!realpath(file, real) || stat(real, &st))
		die("%s %s: %s", opt, file, strerror(errno));
	/* another name of the file (a hard link) may be where the workers
	 * read: what is checked below is this path. As root, a file others
	 * cannot read (o-r) is safe under any name. */
	if (st.st_nlink > 1 && (geteuid() != 0 || (st.st_mode & S_IROTH)))
		die("%s %s: it has %ju names (hard links), and the workers may "
		    "read it under another: give it one name only (copy it, "
		    "then remove every other name)",
		    opt, file, (uintmax_t)st.st_nlink);
	if (geteuid() == 0) {
		if (others_read(real))
			die("%s %s: every local user can read it, and so can "
			    "the workers, which run tenants' code: with "
			    "another tenant's token, a tenant connects as "
			    "that tenant. chmod o-r %s (0600, owned by root)",
			    opt, file, real);
		return;
	}
	if (sandbox_may_read(real, rule, sizeof(rule)))
		die("%s %s: the workers can read it (they share this uid, "
		    "uid %u, and their Landlock rules let them read %s), and "
		    "they run tenants' code: with another tenant's token, a "
		    "tenant connects as that tenant. Move it out of %s (e.g. "
		    "to a directory of its own under %s, mode 0700), or run "
		    "the agent as root (workers get uids of their own)",
		    opt, file, (unsigned)geteuid(), rule, rule,
		    "$XDG_RUNTIME_DIR or $HOME");
	if (!sandbox_confines_files())
		awarn("%s %s: the workers share this uid (uid %u) without "
		      "Landlock (--no-sandbox, a sanitizer build or a kernel "
		      "without it): tenants' code in them can read it, and "
		      "every other tenant's token with it; run the agent as "
		      "root, or with Landlock",
		      opt, file, (unsigned)geteuid());
}

/* ---- directories ----------------------------------------------------------
 */

static void setup_dirs(void)
{
	static char rundir[PATH_MAX], cache[PATH_MAX], real_run[PATH_MAX],
		real_cache[PATH_MAX];
	if (!cfg.rundir) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (geteuid() == 0)
			snprintf(rundir, sizeof(rundir), "/run/vaccel/agent");
		else if (xdg && *xdg)
			snprintf(rundir, sizeof(rundir), "%s/vaccel-agent",
				 xdg);
		else
			snprintf(rundir, sizeof(rundir), "/tmp/vaccel-agent-%u",
				 (unsigned)geteuid());
		cfg.rundir = rundir;
	}
	/* workers (other uids, as root) go through it to their own */
	mkdir_p(cfg.rundir, geteuid() == 0 ? 0711 : 0700);
	check_own_dir("--rundir", &cfg.rundir, real_run);
	if (geteuid() == 0)
		chmod(cfg.rundir, 0711);
	if (!cfg.cache_dir) {
		snprintf(cache, sizeof(cache), "%s/cache", cfg.rundir);
		cfg.cache_dir = cache;
	}
	mkdir_p(cfg.cache_dir, geteuid() == 0 ? 0711 : 0700);
	check_own_dir("--cache-dir", &cfg.cache_dir, real_cache);
	check_worker_paths();
	check_token_file("--token-file", cfg.token_file);
	check_token_file("--tokens", cfg.tokens_file);
}

/* ---- the loop -------------------------------------------------------------
 */

static int signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die("signalfd: %s", strerror(errno));
	return sfd;
}

/* Returns false once a stop signal came. */
static bool on_signals(int sfd)
{
	struct signalfd_siginfo si;
	bool go_on = true;
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			workers_reap();
		} else if (si.ssi_signo != SIGHUP) {
			ainfo("signal %u: stopping", si.ssi_signo);
			go_on = false;
		}
	}
	return go_on;
}

#define MAX_POLL 4096

static int poll_once(int sfd)
{
	static struct pollfd pf[MAX_POLL];
	int n = 0;
	int64_t deadline = 0;
	pf[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	int64_t now = vrpc_now_ns();
	for (int i = 0; i < nlisteners; i++) {
		bool paused = listeners[i].paused > now;
		pf[n++] = (struct pollfd){ .fd = listeners[i].fd,
					   .events = paused ? 0 : POLLIN };
		if (paused)
			deadline_min(&deadline, listeners[i].paused);
	}
	int first_w = n;
	n += workers_pollfds(pf + n, MAX_POLL - n, &deadline);
	int first_p = n;
	n += preauth_pollfds(pf + n, MAX_POLL - n, &deadline);
	int first_m = n;
	n += metrics_pollfds(pf + n, MAX_POLL - n, &deadline);
	deadline_min(&deadline, reaper_due());
	if (poll(pf, (nfds_t)n, vrpc_ms_left(deadline)) < 0 && errno != EINTR)
		die("poll: %s", strerror(errno));
	if (pf[0].revents && !on_signals(sfd))
		return 0;
	for (int i = 0; i < nlisteners; i++)
		if (pf[1 + i].revents)
			accept_all(&listeners[i]);
	for (int i = first_w; i < first_p; i++)
		if (pf[i].revents)
			workers_event(pf[i].fd, pf[i].revents);
	for (int i = first_p; i < first_m; i++)
		if (pf[i].revents)
			preauth_event(pf[i].fd, pf[i].revents);
	for (int i = first_m; i < n; i++)
		if (pf[i].revents)
			metrics_event(pf[i].fd, pf[i].revents);
	preauth_expire();
	metrics_expire();
	workers_tick();
	peers_sweep();
	return 1;
}

int front_main(void)
{
	int sfd = signals();
	ctl_drop = reaper_drop;
	reaper_closer = peer_closer;
	setup_dirs();
	workers_init();
	find_activated();
	for (int i = 0; i < cfg.nr_listen; i++)
		open_listener(&cfg.listen[i], &listeners[nlisteners++]);
	/* activated sockets no --listen named: as they are */
	for (int i = 0; i < nactivated && nlisteners < MAX_LISTEN; i++) {
		char uri[PATH_MAX + 32];
		if (taken[i] ||
		    activated_uri(ACTIVATED_FIRST + i, uri, sizeof(uri)))
			continue;
		activated_specs[i].uri = strdup(uri);
		if (!activated_specs[i].uri)
			die("out of memory");
		open_listener(&activated_specs[i], &listeners[nlisteners++]);
	}
	if (!nlisteners)
		die("no --listen endpoint and no activated socket (see "
		    "--help)");
	metrics_open();
	if (cfg.isolation == ISOLATION_NONE)
		ainfo("isolation: none: every tenant in this process, without "
		      "a sandbox");
	else
		ainfo("isolation: a sandboxed worker process per tenant (%s; "
		      "workers see %s; control groups: %s)",
		      sandbox_describe(), sandbox_view_describe(),
		      wcg_describe());
	write_ready();
	die_serving = true;
	while (poll_once(sfd))
		;
	for (int i = 0; i < nlisteners; i++) {
		bool activated = listeners[i].fd >= ACTIVATED_FIRST &&
				 listeners[i].fd < ACTIVATED_FIRST + nactivated;
		close(listeners[i].fd);
		/* an activated socket's file is the service manager's */
		if (!activated && listeners[i].addr.t->unlisten)
			listeners[i].addr.t->unlisten(&listeners[i].addr);
	}
	preauth_drop_all();
	fcounts.stopping = true;
	bool in_time = workers_stop();
	wcg_fini();
	metrics_close();
	if (cfg.ready_file)
		unlink(cfg.ready_file);
	if (!in_time) {
		aerr("calls still running after %d ms: exiting anyway",
		     cfg.shutdown_timeout_ms);
		return 1;
	}
	ainfo("stopped");
	return 0;
}
