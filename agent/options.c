// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent's command line: parsing, checks, token files, and the
 * command line of a worker (the front's own plus internal options). The
 * --help text and the option table: options_help.c. */

#include "agent.h"
#include "options_int.h"
#include "codec.h"
#include "token.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel.h>

struct agent_config cfg;

/* "123", "64K", "1M", "4G" (powers of 1024), within [min, max]. */
static uint64_t parse_size(const char *s, const char *opt, uint64_t min,
			   uint64_t max)
{
	char *end;
	errno = 0;
	if (*s == '-')
		die("bad value for %s: %s", opt, s);
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
		die("bad value for %s: %s (%" PRIu64 " to %" PRIu64 ")", opt, s,
		    min, max);
	return (uint64_t)v << shift;
}

static int parse_ms(const char *s, const char *opt, uint64_t min)
{
	return (int)parse_size(s, opt, min, 3600000);
}

static void set_limit(int opt, const char *arg)
{
	static const struct {
		const char *name;
		uint64_t min, max;
	} r[] = {
		{ "--max-sessions", 1, 1u << 20 },
		{ "--max-resources", 1, 1u << 20 },
		{ "--max-stored-bytes", 0, UINT64_MAX >> 1 },
		{ "--max-inflight", 1, 256 },
		{ "--max-shm-bytes", 0, UINT64_MAX >> 1 },
		{ "--max-message-bytes", 4096, UINT64_MAX >> 1 },
		{ "--max-fields-bytes", 4096, UINT32_MAX },
		{ "--max-blob-bytes", 1, UINT64_MAX >> 1 },
		{ "--max-args", 1, 1u << 20 },
		{ "--max-dims", 1, 1024 },
		{ "--shm-threshold", 0, UINT64_MAX >> 1 },
	};
	uint64_t *dst[] = {
		&cfg.lim.max_sessions,	&cfg.lim.max_resources,
		&cfg.lim.max_stored,	&cfg.lim.max_inflight,
		&cfg.lim.max_shm,	&cfg.lim.max_bulk,
		&cfg.lim.max_fields,	&cfg.lim.max_blob,
		&cfg.lim.max_args,	&cfg.lim.max_dims,
		&cfg.lim.shm_threshold,
	};
	int i = opt - OPT_MAX_SESSIONS;
	*dst[i] = parse_size(arg, r[i].name, r[i].min, r[i].max);
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-:", *s))
			return false;
	return true;
}

static void add_listen(const char *arg)
{
	if (cfg.nr_listen == MAX_LISTEN)
		die("at most %d --listen", MAX_LISTEN);
	struct listen_spec *l = &cfg.listen[cfg.nr_listen++];
	char *uri = strdup(arg);
	char *q = uri ? strstr(uri, "?tenant=") : NULL;
	if (!uri)
		die("out of memory");
	l->uri = uri;
	if (!q)
		return;
	*q = 0;
	q += strlen("?tenant=");
	if (!strcmp(q, "conn")) {
		/* on TCP each connection of one address would be a tenant
		 * and a peer of its own: one client took every worker, and
		 * its crash loop held every client of its address */
		if (strncmp(uri, "unix://", 7))
			die("--listen %s: ?tenant=conn is for UNIX sockets "
			    "(QEMU's end of a VM's port); on TCP a tenant is "
			    "its token's, on vsock its CID",
			    arg);
		l->by = TENANT_CONN;
	} else if (!strcmp(q, "uid")) {
		l->by = TENANT_AUTO;
	} else {
		if (!name_ok(q, TENANT_MAX - 8))
			die("--listen %s: a tenant name is 1 to %d of "
			    "[A-Za-z0-9._:-]",
			    arg, TENANT_MAX - 8);
		l->by = TENANT_FIXED;
		snprintf(l->tenant, sizeof(l->tenant), "%s", q);
	}
}

static void read_token_file(const char *f, struct token *t)
{
	int r = vrpc_token_read(f, t->bytes, &t->len);
	if (r == VACCEL_EIO)
		die("cannot read the token file %s: %s", f, strerror(errno));
	if (r || !t->len)
		die("token file %s: the token must be 1 to %u bytes", f,
		    VRPC_MAX_TOKEN);
}

static void add_token(const char *name, const uint8_t *tok, size_t len,
		      const char *where)
{
	if (cfg.nr_tokens == MAX_TOKENS)
		die("%s: at most %d tokens", where, MAX_TOKENS);
	if (!name_ok(name, 63))
		die("%s: a token name is 1 to 63 of [A-Za-z0-9._:-]", where);
	if (len < 16)
		awarn("%s: the token of %s is short (%zu bytes): use 32 random "
		      "bytes",
		      where, name, len);
	for (int i = 0; i < cfg.nr_tokens; i++) {
		if (!strcmp(cfg.tokens[i].name, name))
			die("%s: token name %s given twice", where, name);
		if (cfg.tokens[i].len == len &&
		    !memcmp(cfg.tokens[i].bytes, tok, len))
			die("%s: tokens %s and %s are the same", where,
			    cfg.tokens[i].name, name);
	}
	struct token *t = &cfg.tokens[cfg.nr_tokens++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	memcpy(t->bytes, tok, len);
	t->len = len;
}

/* "NAME TOKEN" lines; '#' starts a comment line. */
static void read_tokens(const char *f)
{
	FILE *fp = fopen(f, "re");
	char line[VRPC_MAX_TOKEN + 128];
	int lineno = 0;
	if (!fp)
		die("cannot read the tokens file %s: %s", f, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		char where[PATH_MAX + 32], name[128], tok[VRPC_MAX_TOKEN + 2];
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", f, lineno);
		if (!strchr(line, '\n') && !feof(fp))
			die("%s: line too long", where);
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		char extra[2];
		int n = sscanf(p, "%127s %257s %1s", name, tok, extra);
		if (n != 2 || strlen(tok) > VRPC_MAX_TOKEN)
			die("%s: expected 'NAME TOKEN' (token 1 to %u bytes)",
			    where, VRPC_MAX_TOKEN);
		add_token(name, (const uint8_t *)tok, strlen(tok), where);
	}
	fclose(fp);
	if (!cfg.nr_tokens)
		die("%s: no tokens", f);
}

/* Plugin paths with a '/' are made absolute: workers resolve them from
 * another working directory than the one they were given in. */
static const char *absolute_plugins(const char *list)
{
	static char out[8192];
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s", list);
	out[0] = 0;
	for (char *save, *p = strtok_r(buf, ":", &save); p;
	     p = strtok_r(NULL, ":", &save)) {
		char real[PATH_MAX];
		const char *use = p;
		if (strchr(p, '/')) {
			if (!realpath(p, real))
				die("plugin %s: %s", p, strerror(errno));
			use = real;
		}
		if (strlen(out) + strlen(use) + 2 > sizeof(out))
			die("--plugins: list too long");
		if (out[0])
			strcat(out, ":");
		strcat(out, use);
	}
	return out;
}

static char *real_dir(const char *opt, const char *dir)
{
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(dir, real) || stat(real, &st) || !S_ISDIR(st.st_mode))
		die("%s %s: not a directory", opt, dir);
	char *s = strdup(real);
	if (!s)
		die("out of memory");
	return s;
}

static void set_defaults(void)
{
	vrpc_limits_default(&cfg.lim);
	cfg.socket_mode = 0660;
	cfg.cache_max = 8ull << 30;
	cfg.max_conns = 64;
	cfg.max_preauth = 32;
	cfg.max_preauth_per_peer = 8;
	cfg.max_tenants = 32;
	cfg.conn_memory = 2ull << 30;
	cfg.hello_timeout_ms = 5000;
	cfg.frame_timeout_ms = 60000;
	cfg.send_timeout_ms = 30000;
	cfg.shutdown_timeout_ms = 30000;
	cfg.call_timeout_ms = 600000;
	cfg.worker_idle_ms = 30000;
	cfg.worker_memory = 16ull << 30;
	cfg.worker_nofile = 4096;
	cfg.worker_uid_base = 70000;
	cfg.backend_log_level = 1;
	cfg.worker_fd = -1;
	cfg.worker_uid = -1;
}

/* An on|off option's value: true for off (dies on anything else). */
static bool is_off(const char *arg, const char *name)
{
	if (strcmp(arg, "on") && strcmp(arg, "off"))
		die("%s: expected on or off, not '%s'", name, arg);
	return !strcmp(arg, "off");
}

/* Options of the front's own interface and of workers; false if `opt` is
 * none of them. */
static bool parse_agent_opt(int opt, const char *arg)
{
	switch (opt) {
	case OPT_ISOLATION:
		if (!strcmp(arg, "process"))
			cfg.isolation = ISOLATION_PROCESS;
		else if (!strcmp(arg, "none"))
			cfg.isolation = ISOLATION_NONE;
		else
			die("--isolation %s: 'process' or 'none'", arg);
		return true;
	case OPT_WORKER_IDLE:
		cfg.worker_idle_ms = parse_ms(arg, "--worker-idle", 0);
		return true;
	case OPT_CALL_TIMEOUT:
		cfg.call_timeout_ms = parse_ms(arg, "--call-timeout", 0);
		return true;
	case OPT_WORKER_MEMORY:
		cfg.worker_memory =
			parse_size(arg, "--worker-memory", 0, UINT64_MAX >> 1);
		if (cfg.worker_memory && cfg.worker_memory < (64u << 20))
			die("--worker-memory: at least 64M (or 0)");
		return true;
	case OPT_WORKER_CGROUPS:
		if (!strcmp(arg, "auto"))
			cfg.worker_cgroups = WCG_AUTO;
		else if (!strcmp(arg, "on"))
			cfg.worker_cgroups = WCG_ON;
		else if (!strcmp(arg, "off"))
			cfg.worker_cgroups = WCG_OFF;
		else
			die("--worker-cgroups %s: 'auto', 'on' or 'off'", arg);
		return true;
	case OPT_WORKER_CPU_SHARE:
		cfg.no_cpu_share = is_off(arg, "--worker-cpu-share");
		return true;
	case OPT_WORKER_FILES:
		cfg.worker_nofile =
			parse_size(arg, "--worker-files", 64, 1u << 20);
		return true;
	case OPT_WORKER_UID_BASE:
		cfg.worker_uid_base = parse_size(arg, "--worker-uid-base", 1,
						 UINT32_MAX - 65536);
		return true;
	case OPT_WORKER_UIDS:
		cfg.worker_uids = parse_size(arg, "--worker-uids", 2, 65536);
		return true;
	case OPT_WORKER_READ:
		if (cfg.nr_read_dirs == MAX_READ_DIRS)
			die("at most %d --worker-read", MAX_READ_DIRS);
		cfg.read_dirs[cfg.nr_read_dirs++] =
			real_dir("--worker-read", arg);
		return true;
	case OPT_WORKER_ENV:
		worker_env_add(arg);
		return true;
	case OPT_NO_SANDBOX:
		cfg.no_sandbox = true;
		return true;
	case OPT_WORKER_EXEC:
		cfg.worker_exec = true;
		return true;
	case OPT_MAX_CONNS:
		cfg.max_conns = parse_size(arg, "--max-connections", 1, 65536);
		return true;
	case OPT_MAX_CONNS_PEER:
		cfg.max_conns_per_peer =
			parse_size(arg, "--max-connections-per-peer", 1, 65536);
		return true;
	case OPT_MAX_CONNS_TENANT:
		cfg.max_conns_per_tenant = parse_size(
			arg, "--max-connections-per-tenant", 1, 65536);
		return true;
	case OPT_MAX_PREAUTH:
		cfg.max_preauth = parse_size(arg, "--max-preauth", 1, 4096);
		return true;
	case OPT_MAX_PREAUTH_PEER:
		cfg.max_preauth_per_peer =
			parse_size(arg, "--max-preauth-per-peer", 1, 4096);
		return true;
	case OPT_MAX_TENANTS:
		cfg.max_tenants = parse_size(arg, "--max-tenants", 1, 4096);
		return true;
	case OPT_HELLO_TIMEOUT:
		cfg.hello_timeout_ms = parse_ms(arg, "--hello-timeout", 1);
		return true;
	case OPT_FRAME_TIMEOUT:
		cfg.frame_timeout_ms = parse_ms(arg, "--frame-timeout", 1);
		return true;
	case OPT_CONN_MEMORY:
		cfg.conn_memory = parse_size(arg, "--max-conn-memory", 1u << 20,
					     UINT64_MAX >> 1);
		return true;
	case OPT_SEND_TIMEOUT:
		cfg.send_timeout_ms = parse_ms(arg, "--send-timeout", 1);
		return true;
	case OPT_SHUTDOWN_TIMEOUT:
		cfg.shutdown_timeout_ms =
			parse_ms(arg, "--shutdown-timeout", 0);
		return true;
	default:
		return false;
	}
}

/* Internal options of a worker's command line. */
static bool parse_worker_opt(int opt, const char *arg)
{
	switch (opt) {
	case OPT_WORKER:
		cfg.worker_fd = (int)parse_size(arg, "--worker", 3, 1 << 20);
		return true;
	case OPT_WORKER_DIR:
		cfg.worker_dir = arg;
		return true;
	case OPT_WORKER_CACHE:
		cfg.worker_cache = arg;
		return true;
	case OPT_WORKER_UID:
		cfg.worker_uid = (long)parse_size(arg, "--worker-uid", 0,
						  UINT32_MAX - 1);
		return true;
	case OPT_PROBE:
		cfg.probe = true;
		return true;
	default:
		return false;
	}
}

static void parse_opt(int opt, const char *arg)
{
	switch (opt) {
	case 'l':
		add_listen(arg);
		break;
	case 'p':
		cfg.plugins = arg;
		break;
	case 'v':
		alog_level = ALOG_DEBUG;
		break;
	case 'h':
		fputs(options_usage, stdout);
		exit(0);
	case OPT_VERSION:
		printf("vaccel-agent %s (protocol %d.%d)\n", VACCEL_VERSION,
		       VRPC_MAJOR, VRPC_MINOR);
		exit(0);
	case OPT_SOCKET_MODE:
		cfg.socket_mode = (unsigned)strtoul(arg, NULL, 8) & 0777;
		break;
	case OPT_TOKEN_FILE:
		cfg.token_file = arg;
		break;
	case OPT_TOKENS:
		cfg.tokens_file = arg;
		break;
	case OPT_INSECURE:
		cfg.insecure = true;
		break;
	case OPT_NO_SHM:
		cfg.no_shm = true;
		break;
	case OPT_RING:
		cfg.no_ring = is_off(arg, "--ring");
		break;
	case OPT_NEAR:
		cfg.no_near = is_off(arg, "--near");
		break;
	case OPT_BACKEND_LOG:
		cfg.backend_log_level =
			(int)parse_size(arg, "--backend-log-level", 1, 4);
		break;
	case OPT_EXEC_ALLOW:
		if (cfg.nr_exec_dirs == MAX_EXEC_DIRS)
			die("at most %d --exec-allow", MAX_EXEC_DIRS);
		cfg.exec_dirs[cfg.nr_exec_dirs++] =
			real_dir("--exec-allow", arg);
		break;
	case OPT_EXEC_UPLOADS:
		cfg.exec_allow_uploads = true;
		break;
	case OPT_RUNDIR:
		cfg.rundir = arg;
		break;
	case OPT_DIR_PARENTS:
		if (strcmp(arg, "check") && strcmp(arg, "trust"))
			die("--dir-parents %s: check or trust", arg);
		cfg.trust_dir_parents = !strcmp(arg, "trust");
		break;
	case OPT_CACHE_DIR:
		cfg.cache_dir = arg;
		break;
	case OPT_CACHE_MAX:
		cfg.cache_max = parse_size(arg, "--cache-max-bytes", 0,
					   UINT64_MAX >> 1);
		break;
	case OPT_CACHE_SHARED:
		cfg.cache_shared = true;
		break;
	case OPT_READY_FILE:
		cfg.ready_file = arg;
		break;
	case OPT_METRICS:
		cfg.metrics_listen = arg;
		break;
	case OPT_LOG_FORMAT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			die("--log-format %s: 'text' or 'json'", arg);
		alog_json = !strcmp(arg, "json");
		break;
	case OPT_LOG_LEVEL:
		alog_level = (int)parse_size(arg, "--log-level", 1, 4);
		break;
	default:
		if (opt >= OPT_MAX_SESSIONS && opt <= OPT_SHM_THRESHOLD) {
			set_limit(opt, arg);
			break;
		}
		if (parse_agent_opt(opt, arg) || parse_worker_opt(opt, arg))
			break;
		fputs("Try 'vaccel-agent --help'.\n", stderr);
		exit(2);
	}
}

static void check_options(int argc, char **argv)
{
	if (optind < argc)
		die("unexpected argument %s", argv[optind]);
	if (!cfg.nr_listen && !getenv("LISTEN_FDS") && cfg.worker_fd < 0)
		die("no --listen endpoint (see --help)");
	/* its entries are their writers' files: without root every worker
	 * has one uid, and any tenant's code could rewrite what the others
	 * use */
	if (cfg.cache_shared && geteuid() != 0 &&
	    cfg.isolation == ISOLATION_PROCESS && cfg.worker_fd < 0)
		die("--cache-shared needs root (workers of uids of their own): "
		    "as another user every worker has that user's uid, and "
		    "one tenant's code could rewrite the entries the others "
		    "use");
	if (cfg.exec_allow_uploads && !cfg.nr_exec_dirs)
		die("--exec-allow-uploads needs --exec-allow");
	/* a tenant leaving keeps its uid until its worker ends: twice the
	 * tenants at least; by default many more, so that what the kernel
	 * still counts against a uid when its worker has ended (pipe
	 * buffers, epoll watches a tenant's client keeps) reaches the next
	 * worker of that uid only after thousands of others */
	if (!cfg.worker_uids)
		cfg.worker_uids =
			2 * cfg.max_tenants > 4096 ? 2 * cfg.max_tenants : 4096;
	if (cfg.worker_uids < 2 * cfg.max_tenants)
		die("--worker-uids %" PRIu64
		    " is less than twice --max-tenants "
		    "(%" PRIu64 "): a tenant leaving keeps its worker's uid "
		    "until its worker ends",
		    cfg.worker_uids, cfg.max_tenants);
	if (!cfg.max_conns_per_peer)
		cfg.max_conns_per_peer =
			cfg.max_conns > 1 ? (cfg.max_conns + 1) / 2 : 1;
	if (cfg.max_conns_per_peer > cfg.max_conns)
		cfg.max_conns_per_peer = cfg.max_conns;
	/* a tenant with many addresses (or peers) took them all */
	if (!cfg.max_conns_per_tenant)
		cfg.max_conns_per_tenant =
			cfg.max_conns > 1 ? (cfg.max_conns + 1) / 2 : 1;
	if (cfg.max_conns_per_tenant > cfg.max_conns)
		cfg.max_conns_per_tenant = cfg.max_conns;
	if (cfg.max_preauth_per_peer > cfg.max_preauth)
		cfg.max_preauth_per_peer = cfg.max_preauth;
	const char *plugins =
		cfg.plugins ? cfg.plugins : getenv("VACCEL_PLUGINS");
	if (!plugins || !*plugins)
		die("no backend plugins (--plugins or VACCEL_PLUGINS)");
	cfg.plugins = absolute_plugins(plugins);
}

static char **saved_argv;
static int saved_argc;
/* Per argument: one a worker's command line leaves out (the token files:
 * a worker's /proc/PID/cmdline is world-readable). */
static bool *not_for_workers;

void options_parse(int argc, char **argv)
{
	int opt;
	set_defaults();
	saved_argv = argv;
	saved_argc = argc;
	not_for_workers = calloc((size_t)argc + 1, sizeof(*not_for_workers));
	if (!not_for_workers)
		die("out of memory");
	/* an option (long ones: its argument too) spans [at, optind) */
	int at = optind;
	while ((opt = getopt_long(argc, argv, "l:p:vh", options_table, NULL)) !=
	       -1) {
		if (opt == OPT_TOKEN_FILE || opt == OPT_TOKENS)
			for (int i = at; i < optind && i < argc; i++)
				not_for_workers[i] = true;
		parse_opt(opt, optarg);
		at = optind;
	}
	check_options(argc, argv);
	if (cfg.worker_fd >= 0)
		return; /* a worker needs no token: the front checks them */
	if (cfg.token_file) {
		struct token t;
		read_token_file(cfg.token_file, &t);
		add_token("default", t.bytes, t.len, cfg.token_file);
	}
	if (cfg.tokens_file)
		read_tokens(cfg.tokens_file);
}

int options_worker_argv(const char *dir, const char *cache, long uid, int fd,
			bool probe, char **out, int max, char *scratch,
			size_t size)
{
	int n = 0;
	size_t used = 0;
	if (saved_argc + 14 > max)
		return -1;
	for (int i = 0; i < saved_argc; i++)
		if (!not_for_workers[i])
			out[n++] = saved_argv[i];
	int w = snprintf(scratch, size, "%d", fd);
	if (w < 0 || (size_t)w + 24 >= size)
		return -1;
	out[n++] = "--worker";
	out[n++] = scratch;
	used = (size_t)w + 1;
	if (uid >= 0) {
		snprintf(scratch + used, size - used, "%ld", uid);
		out[n++] = "--worker-uid";
		out[n++] = scratch + used;
	}
	out[n++] = "--worker-dir";
	out[n++] = (char *)dir;
	out[n++] = "--worker-cache";
	out[n++] = (char *)cache;
	/* the plugins as the front resolved them (absolute) */
	out[n++] = "--plugins";
	out[n++] = (char *)cfg.plugins;
	if (probe)
		out[n++] = "--probe";
	out[n] = NULL;
	return 0;
}

gid_t workers_shared_gid(void)
{
	return (gid_t)(cfg.worker_uid_base + cfg.worker_uids);
}
