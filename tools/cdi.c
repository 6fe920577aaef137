// SPDX-License-Identifier: Apache-2.0
/* vaccel cdi: a Container Device Interface spec that hands a container the
 * agent's socket directory and the transport plugin's environment, so that
 * `podman run --device vaccel.dev/agent=default` (or a CDI-enabled
 * containerd/CRI-O) needs no hand-written mount (docs/deploy.md "CDI"). */

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The newest version Debian 12's podman 4.3 (CDI 0.5) accepts; the fields
 * used here have not changed since. */
#define CDI_VERSION "0.5.0"
#define MAX_ENV	    32
#define TOKEN_PATH  "/run/secrets/vaccel-token"

static const char cdi_usage[] =
	"usage: vaccel cdi [OPTIONS]\n"
	"\n"
	"Write a Container Device Interface (CDI " CDI_VERSION ") spec that "
	"gives a\n"
	"container the agent's socket directory (a bind mount) and the "
	"VACCEL_*\n"
	"environment of the transport plugin:\n"
	"  vaccel cdi -o /etc/cdi/vaccel.json\n"
	"  podman run --device vaccel.dev/agent=default IMAGE classify "
	"photo.jpg\n"
	"\n"
	"Options:\n"
	"  -s, --socket PATH         the agent's UNIX socket on the host "
	"(default\n"
	"                            /run/vaccel/agent.sock); its directory "
	"is mounted,\n"
	"                            so an agent restart (a new socket) is "
	"seen\n"
	"  -c, --container-dir DIR   where that directory appears in the "
	"container\n"
	"                            (default /run/vaccel)\n"
	"  -a, --address URI         VACCEL_RPC_ADDRESS for an agent on TCP or "
	"vsock\n"
	"                            instead (no socket mount)\n"
	"  -t, --token-file FILE     the agent's token on the host: mounted "
	"read-only at\n"
	"                            " TOKEN_PATH ", named by "
	"VACCEL_RPC_TOKEN_FILE\n"
	"  -e, --env KEY=VALUE       more environment for the container "
	"(repeatable)\n"
	"  -k, --kind VENDOR/CLASS   the device kind (default "
	"vaccel.dev/agent)\n"
	"  -n, --name NAME           the device name (default: default); one "
	"spec file\n"
	"                            per device, e.g. one per agent\n"
	"  -o, --output FILE         write the spec there (replaced "
	"atomically) instead\n"
	"                            of stdout; CDI reads /etc/cdi and "
	"/var/run/cdi\n"
	"  -h, --help                this text\n"
	"\n"
	"Containers that do not run as root need the socket's group "
	"(podman\n"
	"--group-add, a pod's supplementalGroups): the spec cannot add "
	"groups.\n"
	"Exit status: 0 written, 1 the file could not be written, 2 usage "
	"errors.\n";

struct cdi_opts {
	const char *socket, *ctr_dir, *address, *token, *kind, *name, *output;
	const char *env[MAX_ENV];
	int nenv;
};

static int cdi_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "vaccel cdi: %s%s%s\n(try 'vaccel cdi --help')\n", what,
		arg ? ": " : "", arg ? arg : "");
	return 2;
}

/* A string as a JSON string literal (quotes, escapes). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

#define ALNUM                                           \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS" \
	"TUVWXYZ0123456789"

/* CDI's rules: vendor a domain-like name, class and device name
 * alphanumeric with a few separators, each starting alphanumerically. */
static const char *check_names(const struct cdi_opts *o)
{
	const char *slash = strchr(o->kind, '/');
	char vendor[256];

	if (!slash || (size_t)(slash - o->kind) >= sizeof(vendor))
		return "--kind must be VENDOR/CLASS";
	memcpy(vendor, o->kind, (size_t)(slash - o->kind));
	vendor[slash - o->kind] = '\0';
	if (!all_of(vendor, ALNUM ".-_") || !strchr(ALNUM, vendor[0]) ||
	    !strchr(ALNUM, vendor[strlen(vendor) - 1]))
		return "--kind: the vendor is letters, digits, '.', '-', '_'";
	if (!all_of(slash + 1, ALNUM "-_") || !strchr(ALNUM, slash[1]))
		return "--kind: the class is letters, digits, '-', '_'";
	if (!all_of(o->name, ALNUM "-_.:") || !strchr(ALNUM, o->name[0]))
		return "--name is letters, digits, '-', '_', '.', ':'";
	return NULL;
}

static const char *check_opts(const struct cdi_opts *o)
{
	const char *why = check_names(o);

	if (why)
		return why;
	if (o->socket[0] != '/' || !strrchr(o->socket, '/')[1])
		return "--socket must be an absolute path to a socket";
	if (o->ctr_dir[0] != '/')
		return "--container-dir must be an absolute path";
	if (o->token && o->token[0] != '/')
		return "--token-file must be an absolute path";
	if (o->address && !strstr(o->address, "://"))
		return "--address must be a URI (tcp://HOST:PORT, "
		       "vsock://CID:PORT, unix://PATH)";
	for (int i = 0; i < o->nenv; i++) {
		const char *eq = strchr(o->env[i], '=');

		if (!eq || eq == o->env[i])
			return "--env must be KEY=VALUE";
	}
	return NULL;
}

static void json_mount(FILE *f, const char *host, const char *ctr,
		       const char *opts, bool last)
{
	fputs("          {\"hostPath\": ", f);
	json_str(f, host);
	fputs(", \"containerPath\": ", f);
	json_str(f, ctr);
	fprintf(f, ", \"type\": \"bind\", \"options\": [%s]}%s\n", opts,
		last ? "" : ",");
}

static void write_spec(FILE *f, const struct cdi_opts *o)
{
	const char *base = strrchr(o->socket, '/') + 1;
	size_t dirlen = (size_t)(base - o->socket) - 1;
	char dir[4096], addr[4200];

	snprintf(dir, sizeof(dir), "%.*s", (int)(dirlen ? dirlen : 1),
		 o->socket);
	if (o->address)
		snprintf(addr, sizeof(addr), "VACCEL_RPC_ADDRESS=%s",
			 o->address);
	else
		snprintf(addr, sizeof(addr), "VACCEL_RPC_ADDRESS=unix://%s%s%s",
			 o->ctr_dir, strcmp(o->ctr_dir, "/") ? "/" : "", base);

	fprintf(f, "{\n  \"cdiVersion\": \"%s\",\n  \"kind\": ", CDI_VERSION);
	json_str(f, o->kind);
	fputs(",\n  \"devices\": [\n    {\n      \"name\": ", f);
	json_str(f, o->name);
	fputs(",\n      \"containerEdits\": {\n        \"env\": [\n", f);
	fputs("          \"VACCEL_PLUGINS=libvaccel-rpc.so\",\n          ", f);
	json_str(f, addr);
	if (o->token)
		fputs(",\n          \"VACCEL_RPC_TOKEN_FILE=" TOKEN_PATH "\"",
		      f);
	for (int i = 0; i < o->nenv; i++) {
		fputs(",\n          ", f);
		json_str(f, o->env[i]);
	}
	fputs("\n        ],\n        \"mounts\": [\n", f);
	if (!o->address)
		json_mount(f, dir, o->ctr_dir,
			   "\"rbind\", \"rw\", \"nosuid\", \"nodev\", "
			   "\"noexec\"",
			   !o->token);
	if (o->token)
		json_mount(f, o->token, TOKEN_PATH,
			   "\"bind\", \"ro\", \"nosuid\", \"nodev\", "
			   "\"noexec\"",
			   true);
	fputs("        ]\n      }\n    }\n  ]\n}\n", f);
}

/* Write to OUTPUT.tmp.PID and rename it over OUTPUT: a reader (the
 * container engine) never sees half a spec. */
static int write_file(const struct cdi_opts *o)
{
	char tmp[4200];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", o->output,
		     (long)getpid()) >= (int)sizeof(tmp))
		return cdi_usage_error("--output path too long", NULL);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "vaccel cdi: cannot create %s: %s\n", tmp,
			strerror(errno));
		return 1;
	}
	write_spec(f, o);
	bool bad = fflush(f) || ferror(f) || fsync(fileno(f));

	if (fclose(f) || bad) {
		fprintf(stderr, "vaccel cdi: cannot write %s: %s\n", tmp,
			strerror(errno));
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, o->output)) {
		fprintf(stderr, "vaccel cdi: cannot rename %s to %s: %s\n", tmp,
			o->output, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

int vaccel_cli_cdi(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "container-dir", required_argument, NULL, 'c' },
		{ "address", required_argument, NULL, 'a' },
		{ "token-file", required_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "kind", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cdi_opts o = {
		.socket = "/run/vaccel/agent.sock",
		.ctr_dir = "/run/vaccel",
		.kind = "vaccel.dev/agent",
		.name = "default",
	};
	const char *why;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c:a:t:e:k:n:o:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket = optarg;
			break;
		case 'c':
			o.ctr_dir = optarg;
			break;
		case 'a':
			o.address = optarg;
			break;
		case 't':
			o.token = optarg;
			break;
		case 'k':
			o.kind = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'e':
			if (o.nenv == MAX_ENV)
				return cdi_usage_error("too many --env", NULL);
			o.env[o.nenv++] = optarg;
			break;
		case 'h':
			fputs(cdi_usage, stdout);
			return 0;
		default:
			return cdi_usage_error("bad option", NULL);
		}
	}
	if (optind < argc)
		return cdi_usage_error("unexpected argument", argv[optind]);
	if ((why = check_opts(&o)))
		return cdi_usage_error(why, NULL);
	if (!o.output) {
		write_spec(stdout, &o);
		return fflush(stdout) ? 1 : 0;
	}
	return write_file(&o);
}
