// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent's command line: --help, parsing, checks, token files, and
 * the command line of a worker (the front's own plus internal options). */

#include "agent.h"
#include "codec.h"
#include "sha256.h"
#include "token.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel.h>

struct agent_config cfg;

static const char usage[] =
	"Usage: vaccel-agent --listen URI [--listen URI]... [options]\n"
	"\n"
	"Serve vAccel calls of remote clients (the libvaccel-rpc.so transport\n"
	"plugin in VMs, containers or host processes) with this host's "
	"backend\n"
	"plugins. Each tenant's calls run in a sandboxed worker process of "
	"its own;\n"
	"this process (the front) only accepts, authenticates and admits.\n"
	"Protocol: docs/protocol.md; threat model: docs/security.md.\n"
	"\n"
	"Endpoints and tenants:\n"
	"  -l, --listen URI          unix://PATH, tcp://HOST:PORT (port 0: any "
	"free\n"
	"                            port, see --ready-file) or "
	"vsock://CID:PORT (CID\n"
	"                            'any' to accept from every VM); "
	"repeatable, at\n"
	"                            most 8. A suffix ?tenant=conn makes "
	"every\n"
	"                            connection a tenant of its own (a UNIX "
	"socket\n"
	"                            given to QEMU for a virtio-serial port: "
	"one VM),\n"
	"                            ?tenant=NAME makes every connection "
	"tenant NAME\n"
	"                            (a listener dedicated to one tenant). "
	"Otherwise\n"
	"                            the tenant is the peer's uid on UNIX "
	"sockets,\n"
	"                            the token's name on TCP, the CID on "
	"vsock.\n"
	"                            Sockets passed by a service manager "
	"(systemd\n"
	"                            socket activation: LISTEN_FDS, "
	"LISTEN_PID) are\n"
	"                            used for the --listen of their address, "
	"or as they\n"
	"                            are when no --listen names them.\n"
	"      --socket-mode MODE    file mode of UNIX sockets (octal, default "
	"0660)\n"
	"      --token-file FILE     shared secret clients send in HELLO "
	"(tenant\n"
	"                            'default' on TCP); required on TCP and "
	"vsock\n"
	"                            endpoints (checked on UNIX ones if a "
	"client\n"
	"                            sends one)\n"
	"      --tokens FILE         several named tokens, one 'NAME TOKEN' a "
	"line\n"
	"                            ('#' comments): on TCP the name is the "
	"tenant\n"
	"      --insecure            allow TCP/vsock endpoints without a "
	"token\n"
	"      --no-shm              never accept shared memory (memfd) from "
	"clients\n"
	"\n"
	"Backends:\n"
	"  -p, --plugins LIST        ':'-separated backend plugins (paths or "
	"sonames),\n"
	"                            default $VACCEL_PLUGINS; loaded by the "
	"workers\n"
	"                            only (checked once at start)\n"
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
	"them. Only\n"
	"                            functions the library itself defines "
	"run.\n"
	"                            Without this option exec ops are refused "
	"(EPERM).\n"
	"      --exec-allow-uploads  DANGEROUS: also run libraries that "
	"clients upload\n"
	"                            (in the tenant's sandboxed worker)\n"
	"\n"
	"Isolation (docs/security.md):\n"
	"      --isolation MODE      process (default): a sandboxed worker "
	"process per\n"
	"                            tenant; none: every tenant in this "
	"process (a\n"
	"                            single-tenant host, benchmarks)\n"
	"      --worker-idle MS      a worker without connections ends after "
	"(30000)\n"
	"      --call-timeout MS     a call running longer ends its tenant's "
	"worker,\n"
	"                            failing that tenant's calls with the "
	"reason\n"
	"                            (600000; 0: no limit)\n"
	"      --worker-memory N     address-space limit of a worker "
	"(default 16G;\n"
	"                            0: none)\n"
	"      --worker-files N      open-file limit of a worker (default "
	"4096)\n"
	"      --worker-uid-base UID as root, workers run as UID+slot, a uid "
	"per live\n"
	"                            tenant (default 70000; each owns its "
	"directories\n"
	"                            only while its worker runs)\n"
	"      --worker-read DIR     workers may also read DIR (repeatable; "
	"models\n"
	"                            outside /usr, /opt, the plugins' "
	"directories)\n"
	"      --worker-exec         let workers start programs (fork, exec: "
	"pocl\n"
	"                            runs a linker to build OpenCL kernels); "
	"they run\n"
	"                            in the worker's sandbox, with its uid, "
	"filter,\n"
	"                            Landlock rules and limits\n"
	"      --no-sandbox          debugging: workers without seccomp and "
	"Landlock\n"
	"\n"
	"Storage:\n"
	"      --rundir DIR          per-tenant files (default "
	"/run/vaccel/agent as\n"
	"                            root, else $XDG_RUNTIME_DIR/vaccel-agent "
	"or\n"
	"                            /tmp/vaccel-agent-UID); its parents must "
	"be\n"
	"                            searchable (o+x) by the workers' uids\n"
	"      --cache-dir DIR       content-addressed caches of uploaded "
	"blobs, one\n"
	"                            per tenant, kept across restarts "
	"(default\n"
	"                            RUNDIR/cache)\n"
	"      --cache-max-bytes N   each tenant's cache budget; unused "
	"entries are\n"
	"                            evicted, least recently used first "
	"(default 8G)\n"
	"      --cache-shared        share uploads between tenants (one "
	"tenant's\n"
	"                            upload is not sent again by another; "
	"tenants can\n"
	"                            then tell what others uploaded)\n"
	"\n"
	"Admission:\n"
	"      --max-connections N   authenticated connections at once, all "
	"tenants\n"
	"                            (default 64)\n"
	"      --max-connections-per-peer N\n"
	"                            of them from one peer (uid, address, "
	"CID;\n"
	"                            default half of --max-connections)\n"
	"      --max-preauth N       connections still before their HELLO "
	"(32)\n"
	"      --max-preauth-per-peer N\n"
	"                            of them from one peer (8)\n"
	"      --max-tenants N       tenants with a worker at once (32)\n"
	"      --hello-timeout MS    a connection must complete its HELLO "
	"within this\n"
	"                            long of being accepted (5000)\n"
	"      --frame-timeout MS    a started message must arrive whole "
	"within this\n"
	"                            long (60000)\n"
	"\n"
	"Limits and quotas (per connection unless said; sizes take K, M, G):\n"
	"      --max-sessions N      sessions (default 64)\n"
	"      --max-resources N     resources (default 256)\n"
	"      --max-stored-bytes N  bytes uploaded to the cache (default 4G)\n"
	"      --max-inflight N      requests executing at once; more wait in "
	"the\n"
	"                            socket (default 4)\n"
	"      --max-shm-bytes N     shared memory attached (default 1G)\n"
	"      --max-conn-memory N   agent memory of requests in flight: "
	"bytes\n"
	"                            received and outputs (default 2G)\n"
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
	"      --send-timeout MS     a client that does not read a reply for "
	"this long\n"
	"                            is disconnected (30000)\n"
	"      --shutdown-timeout MS on SIGTERM, wait this long for calls in "
	"flight\n"
	"                            (30000); then exit 1\n"
	"\n"
	"Operations:\n"
	"      --metrics-listen URI  serve Prometheus metrics (/metrics) and "
	"health\n"
	"                            (/healthz, /readyz) over HTTP on "
	"tcp://HOST:PORT\n"
	"                            or unix://PATH\n"
	"      --log-format FORMAT   text (default) or json (one object a "
	"line)\n"
	"      --ready-file FILE     once listening, write the endpoints (one "
	"URI a\n"
	"                            line, real ports; 'metrics URI') and "
	"'pid N'\n"
	"                            to FILE\n"
	"\n"
	"Other:\n"
	"  -v, --verbose             log each connection's start and each "
	"refused\n"
	"                            request (debug level)\n"
	"      --log-level N         1 error, 2 warn, 3 info (default), 4 "
	"debug\n"
	"  -h, --help                this text\n"
	"      --version             the version\n"
	"\n"
	"Logs go to stderr: one line per connection when it ends (endpoint, "
	"tenant,\n"
	"peer credentials on UNIX sockets, client identity, requests, bytes, "
	"reason),\n"
	"one per worker start and end. SIGTERM or SIGINT: stop accepting, "
	"finish\n"
	"calls in flight, release every connection's sessions and resources, "
	"exit 0.\n";

enum {
	OPT_SOCKET_MODE = 256,
	OPT_TOKEN_FILE,
	OPT_TOKENS,
	OPT_INSECURE,
	OPT_NO_SHM,
	OPT_BACKEND_LOG,
	OPT_EXEC_ALLOW,
	OPT_EXEC_UPLOADS,
	OPT_ISOLATION,
	OPT_WORKER_IDLE,
	OPT_CALL_TIMEOUT,
	OPT_WORKER_MEMORY,
	OPT_WORKER_FILES,
	OPT_WORKER_UID_BASE,
	OPT_WORKER_READ,
	OPT_NO_SANDBOX,
	OPT_WORKER_EXEC,
	OPT_RUNDIR,
	OPT_CACHE_DIR,
	OPT_CACHE_MAX,
	OPT_CACHE_SHARED,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_PEER,
	OPT_MAX_PREAUTH,
	OPT_MAX_PREAUTH_PEER,
	OPT_MAX_TENANTS,
	OPT_HELLO_TIMEOUT,
	OPT_FRAME_TIMEOUT,
	OPT_CONN_MEMORY,
	/* the wire limits, in this order (set_limit) */
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
	OPT_SEND_TIMEOUT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_READY_FILE,
	OPT_METRICS,
	OPT_LOG_FORMAT,
	OPT_LOG_LEVEL,
	OPT_VERSION,
	/* internal: a worker's command line (workers.c) */
	OPT_WORKER,
	OPT_WORKER_TENANT,
	OPT_WORKER_DIR,
	OPT_WORKER_CACHE,
	OPT_WORKER_UID,
	OPT_PROBE,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "plugins", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "no-shm", no_argument, NULL, OPT_NO_SHM },
	{ "backend-log-level", required_argument, NULL, OPT_BACKEND_LOG },
	{ "exec-allow", required_argument, NULL, OPT_EXEC_ALLOW },
	{ "exec-allow-uploads", no_argument, NULL, OPT_EXEC_UPLOADS },
	{ "isolation", required_argument, NULL, OPT_ISOLATION },
	{ "worker-idle", required_argument, NULL, OPT_WORKER_IDLE },
	{ "call-timeout", required_argument, NULL, OPT_CALL_TIMEOUT },
	{ "worker-memory", required_argument, NULL, OPT_WORKER_MEMORY },
	{ "worker-files", required_argument, NULL, OPT_WORKER_FILES },
	{ "worker-uid-base", required_argument, NULL, OPT_WORKER_UID_BASE },
	{ "worker-read", required_argument, NULL, OPT_WORKER_READ },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "worker-exec", no_argument, NULL, OPT_WORKER_EXEC },
	{ "rundir", required_argument, NULL, OPT_RUNDIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "cache-max-bytes", required_argument, NULL, OPT_CACHE_MAX },
	{ "cache-shared", no_argument, NULL, OPT_CACHE_SHARED },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-connections-per-peer", required_argument, NULL,
	  OPT_MAX_CONNS_PEER },
	{ "max-preauth", required_argument, NULL, OPT_MAX_PREAUTH },
	{ "max-preauth-per-peer", required_argument, NULL,
	  OPT_MAX_PREAUTH_PEER },
	{ "max-tenants", required_argument, NULL, OPT_MAX_TENANTS },
	{ "hello-timeout", required_argument, NULL, OPT_HELLO_TIMEOUT },
	{ "frame-timeout", required_argument, NULL, OPT_FRAME_TIMEOUT },
	{ "max-conn-memory", required_argument, NULL, OPT_CONN_MEMORY },
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
	{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "worker", required_argument, NULL, OPT_WORKER },
	{ "worker-tenant", required_argument, NULL, OPT_WORKER_TENANT },
	{ "worker-dir", required_argument, NULL, OPT_WORKER_DIR },
	{ "worker-cache", required_argument, NULL, OPT_WORKER_CACHE },
	{ "worker-uid", required_argument, NULL, OPT_WORKER_UID },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ NULL, 0, NULL, 0 },
};

void die(const char *fmt, ...)
{
	char msg[1024];
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
	case OPT_WORKER_FILES:
		cfg.worker_nofile =
			parse_size(arg, "--worker-files", 64, 1u << 20);
		return true;
	case OPT_WORKER_UID_BASE:
		cfg.worker_uid_base = parse_size(arg, "--worker-uid-base", 1,
						 UINT32_MAX - 65536);
		return true;
	case OPT_WORKER_READ:
		if (cfg.nr_read_dirs == MAX_READ_DIRS)
			die("at most %d --worker-read", MAX_READ_DIRS);
		cfg.read_dirs[cfg.nr_read_dirs++] =
			real_dir("--worker-read", arg);
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
	case OPT_WORKER_TENANT:
		cfg.worker_tenant = arg;
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
		fputs(usage, stdout);
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
	if (cfg.exec_allow_uploads && !cfg.nr_exec_dirs)
		die("--exec-allow-uploads needs --exec-allow");
	if (!cfg.max_conns_per_peer)
		cfg.max_conns_per_peer =
			cfg.max_conns > 1 ? (cfg.max_conns + 1) / 2 : 1;
	if (cfg.max_conns_per_peer > cfg.max_conns)
		cfg.max_conns_per_peer = cfg.max_conns;
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

void options_parse(int argc, char **argv)
{
	int opt;
	set_defaults();
	saved_argv = argv;
	saved_argc = argc;
	while ((opt = getopt_long(argc, argv, "l:p:vh", options, NULL)) != -1)
		parse_opt(opt, optarg);
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

int options_worker_argv(const char *tenant, const char *dir, const char *cache,
			long uid, int fd, bool probe, char **out, int max,
			char *scratch, size_t size)
{
	int n = 0;
	size_t used = 0;
	if (saved_argc + 14 > max)
		return -1;
	for (int i = 0; i < saved_argc; i++)
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
	out[n++] = "--worker-tenant";
	out[n++] = (char *)tenant;
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

void tenant_dirname(const char *tenant, char out[19])
{
	uint8_t sha[VRPC_SHA256_LEN];
	char hex[65];
	vrpc_sha256(tenant, strlen(tenant), sha);
	vrpc_sha256_hex(sha, hex);
	snprintf(out, 19, "t-%.16s", hex);
}

void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

bool path_join(char *dst, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb + 2 > size)
		return false;
	memcpy(dst, a, la);
	dst[la] = '/';
	memcpy(dst + la + 1, b, lb + 1);
	return true;
}
