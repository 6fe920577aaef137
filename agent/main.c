// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent: options, libvaccel with the host's backend plugins,
 * listeners, the accept loop, SIGTERM. */

#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct agent agent = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static const char usage[] =
	"Usage: vaccel-agent --listen URI [--listen URI]... [options]\n"
	"\n"
	"Serve vAccel calls of remote clients (the libvaccel-rpc.so transport\n"
	"plugin in VMs, containers or host processes) with this host's "
	"backend\n"
	"plugins. Protocol: docs/protocol.md; threat model: docs/security.md.\n"
	"\n"
	"Endpoints:\n"
	"  -l, --listen URI          unix://PATH, tcp://HOST:PORT (port 0: any "
	"free\n"
	"                            port, see --ready-file) or "
	"vsock://CID:PORT (CID\n"
	"                            'any' to accept from every VM); "
	"repeatable, at\n"
	"                            most 8. A virtio-serial port reaches the "
	"agent\n"
	"                            through a UNIX socket given to QEMU's "
	"chardev.\n"
	"      --socket-mode MODE    file mode of UNIX sockets (octal, default "
	"0660)\n"
	"      --token-file FILE     shared secret clients send in HELLO; "
	"required on\n"
	"                            TCP and vsock endpoints (checked on UNIX "
	"ones if\n"
	"                            a client sends one)\n"
	"      --insecure            allow TCP/vsock endpoints without a "
	"token\n"
	"      --no-shm              never accept shared memory (memfd) from "
	"clients\n"
	"\n"
	"Backends:\n"
	"  -p, --plugins LIST        ':'-separated backend plugins (paths or "
	"sonames),\n"
	"                            default $VACCEL_PLUGINS\n"
	"      --backend-log-level N libvaccel's log level for the backends "
	"(1-4,\n"
	"                            default 1: errors)\n"
	"      --exec-allow DIR      enable exec ops, for libraries under DIR "
	"only\n"
	"                            (repeatable). vaccel_exec(lib) resolves "
	"lib's base\n"
	"                            name (or relative path) under these "
	"directories;\n"
	"                            exec_with_resource runs an uploaded "
	"library only\n"
	"                            if its SHA-256 equals a file's under "
	"them.\n"
	"                            Without this option exec ops are refused "
	"(EPERM).\n"
	"      --exec-allow-uploads  DANGEROUS: also run libraries that "
	"clients upload\n"
	"                            (any client can then run its own code on "
	"this\n"
	"                            host with the agent's privileges)\n"
	"\n"
	"Storage:\n"
	"      --rundir DIR          per-connection files (default "
	"/run/vaccel/agent\n"
	"                            as root, else "
	"$XDG_RUNTIME_DIR/vaccel-agent or\n"
	"                            /tmp/vaccel-agent-UID)\n"
	"      --cache-dir DIR       content-addressed cache of uploaded "
	"blobs, kept\n"
	"                            across restarts (default RUNDIR/cache)\n"
	"      --cache-max-bytes N   cache budget; unused entries are evicted, "
	"least\n"
	"                            recently used first (default 8G)\n"
	"\n"
	"Limits and quotas (per connection unless said; sizes take K, M, G):\n"
	"      --max-connections N   connections at once, all endpoints "
	"(default 64)\n"
	"      --max-sessions N      sessions (default 64)\n"
	"      --max-resources N     resources (default 256)\n"
	"      --max-stored-bytes N  bytes uploaded to the cache (default 4G)\n"
	"      --max-inflight N      requests executing at once; more wait in "
	"the\n"
	"                            socket (default 4)\n"
	"      --max-shm-bytes N     shared memory attached (default 1G)\n"
	"      --max-message-bytes N bulk bytes of one message (default 1G)\n"
	"      --max-fields-bytes N  fields bytes of one message (default 4M)\n"
	"      --max-blob-bytes N    bytes of one blob (default 1G)\n"
	"      --max-args N          args of an op, tensors of a run, blobs of "
	"a\n"
	"                            resource (default 1024)\n"
	"      --max-dims N          dimensions of a tensor (default 32)\n"
	"      --shm-threshold N     buffers from this size should go through "
	"shared\n"
	"                            memory (advice to clients, default 64K)\n"
	"      --hello-timeout MS    a new connection must say HELLO within "
	"(5000)\n"
	"      --send-timeout MS     a client that does not read a reply for "
	"this long\n"
	"                            is disconnected (30000)\n"
	"      --shutdown-timeout MS on SIGTERM, wait this long for calls in "
	"flight\n"
	"                            (30000); then exit 1\n"
	"\n"
	"Other:\n"
	"      --ready-file FILE     once listening, write the endpoints (one "
	"URI a\n"
	"                            line, real ports) and 'pid N' to FILE\n"
	"  -v, --verbose             log each connection's start and each "
	"refused\n"
	"                            request (debug level)\n"
	"      --log-level N         1 error, 2 warn, 3 info (default), 4 "
	"debug\n"
	"  -h, --help                this text\n"
	"      --version             the version\n"
	"\n"
	"Logs go to stderr: one line per connection when it ends (endpoint, "
	"peer\n"
	"credentials on UNIX sockets, client identity, requests, bytes, "
	"reason).\n"
	"SIGTERM or SIGINT: stop accepting, finish calls in flight, release "
	"every\n"
	"connection's sessions and resources, exit 0.\n";

enum {
	OPT_SOCKET_MODE = 256,
	OPT_TOKEN_FILE,
	OPT_INSECURE,
	OPT_NO_SHM,
	OPT_BACKEND_LOG,
	OPT_EXEC_ALLOW,
	OPT_EXEC_UPLOADS,
	OPT_RUNDIR,
	OPT_CACHE_DIR,
	OPT_CACHE_MAX,
	OPT_MAX_CONNS,
	OPT_MAX_SESSIONS,
	OPT_MAX_RESOURCES,
	OPT_MAX_STORED,
	OPT_MAX_INFLIGHT,
	OPT_MAX_SHM,
	OPT_MAX_MESSAGE,
	OPT_MAX_FIELDS,
	OPT_MAX_BLOB,
	OPT_MAX_ARGS,
	OPT_MAX_DIMS,
	OPT_SHM_THRESHOLD,
	OPT_HELLO_TIMEOUT,
	OPT_SEND_TIMEOUT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_READY_FILE,
	OPT_LOG_LEVEL,
	OPT_VERSION,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "plugins", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "no-shm", no_argument, NULL, OPT_NO_SHM },
	{ "backend-log-level", required_argument, NULL, OPT_BACKEND_LOG },
	{ "exec-allow", required_argument, NULL, OPT_EXEC_ALLOW },
	{ "exec-allow-uploads", no_argument, NULL, OPT_EXEC_UPLOADS },
	{ "rundir", required_argument, NULL, OPT_RUNDIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "cache-max-bytes", required_argument, NULL, OPT_CACHE_MAX },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-resources", required_argument, NULL, OPT_MAX_RESOURCES },
	{ "max-stored-bytes", required_argument, NULL, OPT_MAX_STORED },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "max-shm-bytes", required_argument, NULL, OPT_MAX_SHM },
	{ "max-message-bytes", required_argument, NULL, OPT_MAX_MESSAGE },
	{ "max-fields-bytes", required_argument, NULL, OPT_MAX_FIELDS },
	{ "max-blob-bytes", required_argument, NULL, OPT_MAX_BLOB },
	{ "max-args", required_argument, NULL, OPT_MAX_ARGS },
	{ "max-dims", required_argument, NULL, OPT_MAX_DIMS },
	{ "shm-threshold", required_argument, NULL, OPT_SHM_THRESHOLD },
	{ "hello-timeout", required_argument, NULL, OPT_HELLO_TIMEOUT },
	{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
								...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aerr("%s", msg);
	exit(2);
}

/* "123", "64K", "1M", "4G" (powers of 1024), within [min, max]. */
static uint64_t parse_size(const char *s, const char *opt, uint64_t min,
			   uint64_t max)
{
	char *end;
	errno = 0;
	if (*s == '-')
		die("bad value for %s", opt);
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10, end++;
		break;
	case 'M':
	case 'm':
		shift = 20, end++;
		break;
	case 'G':
	case 'g':
		shift = 30, end++;
		break;
	default:
		break;
	}
	if (errno || end == s || *end || (v << shift) >> shift != v ||
	    (v << shift) < min || (v << shift) > max)
		die("bad value for %s", opt);
	return (uint64_t)v << shift;
}

static void set_limit(int opt, const char *arg)
{
	struct vrpc_limits *l = &agent.cfg.lim;
	const uint64_t G64 = UINT64_MAX >> 1;
	switch (opt) {
	case OPT_MAX_SESSIONS:
		l->max_sessions =
			parse_size(arg, "--max-sessions", 1, 1u << 20);
		break;
	case OPT_MAX_RESOURCES:
		l->max_resources =
			parse_size(arg, "--max-resources", 1, 1u << 20);
		break;
	case OPT_MAX_STORED:
		l->max_stored = parse_size(arg, "--max-stored-bytes", 0, G64);
		break;
	case OPT_MAX_INFLIGHT:
		l->max_inflight = parse_size(arg, "--max-inflight", 1, 256);
		break;
	case OPT_MAX_SHM:
		l->max_shm = parse_size(arg, "--max-shm-bytes", 0, G64);
		break;
	case OPT_MAX_MESSAGE:
		l->max_bulk = parse_size(arg, "--max-message-bytes", 4096, G64);
		break;
	case OPT_MAX_FIELDS:
		l->max_fields =
			parse_size(arg, "--max-fields-bytes", 4096, UINT32_MAX);
		break;
	case OPT_MAX_BLOB:
		l->max_blob = parse_size(arg, "--max-blob-bytes", 1, G64);
		break;
	case OPT_MAX_ARGS:
		l->max_args = parse_size(arg, "--max-args", 1, 1u << 20);
		break;
	case OPT_MAX_DIMS:
		l->max_dims = parse_size(arg, "--max-dims", 1, 1024);
		break;
	case OPT_SHM_THRESHOLD:
		l->shm_threshold = parse_size(arg, "--shm-threshold", 0, G64);
		break;
	default:
		break;
	}
}

static void parse_options(int argc, char **argv)
{
	struct agent_config *c = &agent.cfg;
	int opt;
	while ((opt = getopt_long(argc, argv, "l:p:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (c->nr_listen == MAX_LISTEN)
				die("at most %s --listen", "8");
			c->listen[c->nr_listen++] = optarg;
			break;
		case 'p':
			c->plugins = optarg;
			break;
		case 'v':
			alog_level = ALOG_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("vaccel-agent %s (protocol %d.%d)\n",
			       VACCEL_VERSION, VRPC_MAJOR, VRPC_MINOR);
			exit(0);
		case OPT_SOCKET_MODE:
			c->socket_mode =
				(unsigned)strtoul(optarg, NULL, 8) & 0777;
			break;
		case OPT_TOKEN_FILE:
			c->token_file = optarg;
			break;
		case OPT_INSECURE:
			c->insecure = true;
			break;
		case OPT_NO_SHM:
			c->no_shm = true;
			break;
		case OPT_BACKEND_LOG:
			c->backend_log_level = (int)parse_size(
				optarg, "--backend-log-level", 1, 4);
			break;
		case OPT_EXEC_ALLOW: {
			char real[PATH_MAX];
			struct stat st;
			if (c->nr_exec_dirs == MAX_EXEC_DIRS)
				die("at most %s --exec-allow", "16");
			if (!realpath(optarg, real) || stat(real, &st) ||
			    !S_ISDIR(st.st_mode))
				die("--exec-allow %s: not a directory", optarg);
			c->exec_dirs[c->nr_exec_dirs++] = strdup(real);
			break;
		}
		case OPT_EXEC_UPLOADS:
			c->exec_allow_uploads = true;
			break;
		case OPT_RUNDIR:
			c->rundir = optarg;
			break;
		case OPT_CACHE_DIR:
			c->cache_dir = optarg;
			break;
		case OPT_CACHE_MAX:
			c->cache_max = parse_size(optarg, "--cache-max-bytes",
						  0, UINT64_MAX >> 1);
			break;
		case OPT_MAX_CONNS:
			c->max_conns = parse_size(optarg, "--max-connections",
						  1, 65536);
			break;
		case OPT_HELLO_TIMEOUT:
			c->hello_timeout_ms = (int)parse_size(
				optarg, "--hello-timeout", 1, 3600000);
			break;
		case OPT_SEND_TIMEOUT:
			c->send_timeout_ms = (int)parse_size(
				optarg, "--send-timeout", 1, 3600000);
			break;
		case OPT_SHUTDOWN_TIMEOUT:
			c->shutdown_timeout_ms = (int)parse_size(
				optarg, "--shutdown-timeout", 0, 3600000);
			break;
		case OPT_READY_FILE:
			c->ready_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			alog_level =
				(int)parse_size(optarg, "--log-level", 1, 4);
			break;
		default:
			if (opt >= OPT_MAX_SESSIONS &&
			    opt <= OPT_SHM_THRESHOLD) {
				set_limit(opt, optarg);
				break;
			}
			fputs("Try 'vaccel-agent --help'.\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument %s", argv[optind]);
	if (!c->nr_listen)
		die("no --listen endpoint%s (see --help)", "");
	if (c->exec_allow_uploads && !c->nr_exec_dirs)
		die("--exec-allow-uploads needs --exec-allow%s", "");
}

static void read_token(void)
{
	const char *f = agent.cfg.token_file;
	if (!f)
		return;
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	uint8_t buf[VRPC_MAX_TOKEN + 2];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	if (n < 0)
		die("cannot read the token file %s", f);
	while (n > 0 &&
	       (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n <= 0 || n > VRPC_MAX_TOKEN)
		die("token file %s: the token must be 1 to 256 bytes", f);
	if (n < 16)
		awarn("the token of %s is short (%zd bytes): use 32 random "
		      "bytes",
		      f, n);
	memcpy(agent.token, buf, (size_t)n);
	agent.token_len = (size_t)n;
}

static void mkdir_p(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		die("cannot create %s", dir);
}

static void setup_dirs(void)
{
	struct agent_config *c = &agent.cfg;
	static char rundir[PATH_MAX], cache[PATH_MAX];
	if (!c->rundir) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (geteuid() == 0)
			snprintf(rundir, sizeof(rundir), "/run/vaccel/agent");
		else if (xdg && *xdg)
			snprintf(rundir, sizeof(rundir), "%s/vaccel-agent",
				 xdg);
		else
			snprintf(rundir, sizeof(rundir), "/tmp/vaccel-agent-%u",
				 (unsigned)geteuid());
		c->rundir = rundir;
	}
	mkdir_p(c->rundir);
	if (!c->cache_dir) {
		snprintf(cache, sizeof(cache), "%s/cache", c->rundir);
		c->cache_dir = cache;
	}
	if (cache_init(c->cache_dir, c->cache_max))
		die("cannot use the cache directory %s", c->cache_dir);
	snprintf(agent.conn_root, sizeof(agent.conn_root), "%s/conns.%d",
		 c->rundir, (int)getpid());
	policy_rm_rf(agent.conn_root);
	if (mkdir(agent.conn_root, 0700))
		die("cannot create %s", agent.conn_root);
}

static void setup_backends(void)
{
	struct agent_config *c = &agent.cfg;
	const char *plugins =
		c->plugins ? c->plugins : getenv("VACCEL_PLUGINS");
	struct vaccel_config vc;
	if (!plugins || !*plugins)
		die("no backend plugins (--plugins or VACCEL_PLUGINS)%s", "");
	if (vaccel_config_init(&vc, plugins,
			       (vaccel_log_level_t)c->backend_log_level, NULL,
			       false, false) ||
	    vaccel_bootstrap_with_config(&vc))
		die("cannot load the backend plugins %s", plugins);
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
		ainfo("backend %s %s, ops 0x%" PRIx64, name, version, ops);
	}
	agent.ops = agent_ops_mask();
}

struct listener {
	struct vrpc_addr addr;
	char uri[PATH_MAX + 32];
	int fd;
};

static int open_listener(const char *uri, struct listener *l)
{
	struct agent_config *c = &agent.cfg;
	if (vrpc_addr_parse(uri, &l->addr) || !l->addr.t->listen)
		die("cannot listen on %s (unix://, tcp://, vsock://)", uri);
	if (l->addr.t->needs_token && !agent.token_len && !c->insecure)
		die("%s needs --token-file (or --insecure)", uri);
	if (!l->addr.t->pass_fds && l->addr.t->needs_token && c->insecure &&
	    !agent.token_len)
		awarn("%s: no token (--insecure): anyone who can connect can "
		      "use the backends",
		      uri);
	if (!strcmp(l->addr.t->scheme, "unix")) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", l->addr.path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			mkdir_p(dir);
			chmod(dir, 0755);
		}
	}
	l->fd = l->addr.t->listen(&l->addr, 128);
	if (l->fd < 0) {
		aerr("cannot listen on %s: %s", uri, vaccel_strerror(-l->fd));
		return -1;
	}
	if (!strcmp(l->addr.t->scheme, "unix"))
		chmod(l->addr.path, c->socket_mode);
	vrpc_addr_format(&l->addr, l->uri, sizeof(l->uri));
	ainfo("listening on %s", l->uri);
	return 0;
}

static void write_ready(struct listener *ls, int n)
{
	const char *f = agent.cfg.ready_file;
	if (!f)
		return;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f);
	FILE *fp = fopen(tmp, "w");
	if (!fp)
		die("cannot write %s", tmp);
	for (int i = 0; i < n; i++)
		fprintf(fp, "%s\n", ls[i].uri);
	fprintf(fp, "pid %d\n", (int)getpid());
	if (fclose(fp) || rename(tmp, f))
		die("cannot write %s", f);
}

static void accept_one(struct listener *l)
{
	struct vrpc_peer peer = { 0 };
	int fd = l->addr.t->accept(l->fd, &peer);
	if (fd < 0)
		return;
	pthread_mutex_lock(&agent.lock);
	bool full = agent.nconns >= agent.cfg.max_conns;
	pthread_mutex_unlock(&agent.lock);
	if (full) {
		static int64_t last;
		int64_t now = vrpc_now_ns();
		if (now - last > 1000000000) {
			awarn("refusing a connection on %s from %s: %" PRIu64
			      " connections (--max-connections)",
			      l->uri, peer.desc, agent.cfg.max_conns);
			last = now;
		}
		close(fd);
		return;
	}
	conn_start(fd, l->addr.t, &peer, l->uri);
}

/* Wait for the connections to end, at most the shutdown timeout. */
static bool drain(void)
{
	int64_t deadline = vrpc_deadline(agent.cfg.shutdown_timeout_ms);
	pthread_mutex_lock(&agent.lock);
	while (agent.nconns) {
		int ms = vrpc_ms_left(deadline);
		if (ms == 0)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 0;
		ts.tv_nsec += 50 * 1000000;
		if (ts.tv_nsec >= 1000000000)
			ts.tv_sec++, ts.tv_nsec -= 1000000000;
		pthread_cond_timedwait(&agent.cv, &agent.lock, &ts);
	}
	bool done = agent.nconns == 0;
	pthread_mutex_unlock(&agent.lock);
	return done;
}

int main(int argc, char **argv)
{
	struct agent_config *c = &agent.cfg;
	vrpc_limits_default(&c->lim);
	c->socket_mode = 0660;
	c->cache_max = 8ull << 30;
	c->max_conns = 64;
	c->hello_timeout_ms = 5000;
	c->send_timeout_ms = 30000;
	c->shutdown_timeout_ms = 30000;
	c->backend_log_level = 1;
	parse_options(argc, argv);
	read_token();

	/* signals are read from a signalfd by this thread only */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);

	setup_dirs();
	setup_backends();
	struct listener ls[MAX_LISTEN];
	for (int i = 0; i < c->nr_listen; i++)
		if (open_listener(c->listen[i], &ls[i]))
			return 1;
	write_ready(ls, c->nr_listen);

	struct pollfd pf[MAX_LISTEN + 1];
	for (int i = 0; i < c->nr_listen; i++)
		pf[i] = (struct pollfd){ .fd = ls[i].fd, .events = POLLIN };
	pf[c->nr_listen] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pf, (nfds_t)c->nr_listen + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[c->nr_listen].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo == SIGHUP)
				continue;
			ainfo("signal %u: stopping", si.ssi_signo);
			break;
		}
		for (int i = 0; i < c->nr_listen; i++)
			if (pf[i].revents)
				accept_one(&ls[i]);
	}

	for (int i = 0; i < c->nr_listen; i++) {
		close(ls[i].fd);
		if (ls[i].addr.t->unlisten)
			ls[i].addr.t->unlisten(&ls[i].addr);
	}
	pthread_mutex_lock(&agent.lock);
	agent.stopping = true;
	pthread_mutex_unlock(&agent.lock);
	conn_stop_all();
	if (!drain()) {
		aerr("calls still running after %d ms: exiting anyway",
		     c->shutdown_timeout_ms);
		_exit(1);
	}
	vaccel_cleanup();
	cache_fini();
	policy_rm_rf(agent.conn_root);
	if (c->ready_file)
		unlink(c->ready_file);
	ainfo("stopped");
	return 0;
}
