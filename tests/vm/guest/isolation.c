// SPDX-License-Identifier: Apache-2.0
/* isolation: a guest program of the VM tier's isolation and fault scenario
 * (tests/vm/run-tests.sh, "vm-two-vms-isolation-kill"). Public API only
 * (<vaccel.h>, libvaccel + the rpc transport plugin).
 *
 *   isolation serve --ctl PORT --image IMG --model M.onnx --busy-model B.onnx
 *                   [--skip N] [--sessions K]
 *   isolation print IMG             classify IMG once, print the records
 *
 * serve: burns N sessions (created and released, so that this connection's
 * ids start after N), creates K sessions, and one more that holds a MODEL
 * resource (K + 1 sessions on the agent), checks each with a classify, prints
 *   ISO-READY sessions=ID,ID,... resource=ID (remote ids, on the agent)
 * and then runs the commands it reads, one per line, from PORT (the guest
 * end of a virtio-serial control port, written by tests/vm/ctl-server.py):
 *   forge ID...  use ids this process did not get from the agent, as if they
 *                were its own: classify on session ID, onnx_model_load of
 *                resource ID, release of session ID. The agent must refuse
 *                the first two with ENOENT (another connection's ids do not
 *                exist here); a release always succeeds locally
 *                (vaccel_session_release returns 0), so the host checks the
 *                agent's refusal in its log and that the owner's sessions
 *                still work. Each forged release costs one throwaway session
 *                of our own (left on the agent until the process leaves).
 *   check        classify on every own session (same records as the first
 *                one), onnx_model_load of the own resource
 *   loop N       N rounds of check (keeps this VM busy while the host
 *                kills the other one)
 *   print        classify once and print its records as "OUT iso-classify: "
 *   busy [MS]    register B.onnx with the second session (an upload the
 *                agent must free too), open a session with the hint
 *                VACCEL_PLUGIN_SOFTWARE (the agent's mbench plugin) and
 *                call mbench for MS ms (default 3000) in a loop, forever:
 *                the host kills the VM in the middle of such a call
 *   quit         release everything, exit
 * After each command: "ISO-DONE <cmd> ok" or "ISO-DONE <cmd> FAIL <why>".
 * Exit: 0 after quit, 1 on a failed setup or EOF on PORT, 2 usage. */
#define _POSIX_C_SOURCE 200809L
#include <vaccel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESS 16
#define OUT_LEN	 1024

static struct vaccel_session sess[MAX_SESS];
static int nsess;
/* the session that holds the MODEL resource: a session with a registered
 * network that has no model description does not classify (the default
 * model runs only on sessions without one), so the K classify sessions
 * hold none */
static struct vaccel_session msess;
static struct vaccel_resource model, busy_model;
static void *img;
static size_t img_len;
static char first_result[OUT_LEN];

static int read_file(const char *path, void **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = n > 0 ? malloc((size_t)n) : NULL;
	int ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	*len = ok ? (size_t)n : 0;
	return ok ? 0 : -1;
}

static int classify(struct vaccel_session *s, char *text)
{
	unsigned char name[OUT_LEN];
	memset(text, 0, OUT_LEN);
	return vaccel_image_classification(s, img, (unsigned char *)text, name,
					   img_len, OUT_LEN, sizeof(name));
}

static void print_records(const char *prefix, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("%s%.*s\n", prefix, n, p);
		p += n + (nl ? 1 : 0);
	}
	fflush(stdout);
}

static int cmd_forge(char *args, char *why, size_t whylen)
{
	int bad = 0;
	for (char *tok = strtok(args, " \t"); tok; tok = strtok(NULL, " \t")) {
		long id = strtol(tok, NULL, 10);
		for (int i = 0; i < nsess; i++)
			if (sess[i].remote_id == id) {
				snprintf(why, whylen, "id %ld is ours", id);
				return -1;
			}
		char text[OUT_LEN];
		vaccel_id_t own = sess[0].remote_id;
		sess[0].remote_id = id;
		int c = classify(&sess[0], text);
		sess[0].remote_id = own;

		vaccel_id_t own_res = model.remote_id;
		model.remote_id = id;
		int m = vaccel_onnx_model_load(&msess, &model);
		model.remote_id = own_res;

		/* a throwaway session of ours whose release names `id` */
		struct vaccel_session t;
		int r = vaccel_session_init(&t, 0);
		vaccel_id_t throwaway = t.remote_id;
		if (!r) {
			t.remote_id = id;
			r = vaccel_session_release(&t);
		}
		printf("ISO-FORGE id=%ld classify=%d model_load=%d "
		       "release=%d (throwaway session %ld left on the agent)\n",
		       id, c, m, r, (long)throwaway);
		if (c != VACCEL_ENOENT || m != VACCEL_ENOENT) {
			snprintf(why, whylen,
				 "id %ld: classify %d, model_load %d "
				 "(want ENOENT %d)",
				 id, c, m, VACCEL_ENOENT);
			bad = 1;
		}
	}
	fflush(stdout);
	return bad ? -1 : 0;
}

static int cmd_check(char *why, size_t whylen)
{
	for (int i = 0; i < nsess; i++) {
		char text[OUT_LEN];
		int c = classify(&sess[i], text);
		if (c || strcmp(text, first_result)) {
			snprintf(why, whylen, "session %ld: classify %d%s",
				 (long)sess[i].remote_id, c,
				 c ? "" : ", records differ");
			return -1;
		}
	}
	int m = vaccel_onnx_model_load(&msess, &model);
	if (m) {
		snprintf(why, whylen, "model_load of own resource %ld: %d",
			 (long)model.remote_id, m);
		return -1;
	}
	return 0;
}

static void cmd_busy(int ms)
{
	struct vaccel_session spin;
	if (nsess < 2 || vaccel_resource_register(&busy_model, &sess[1]) ||
	    vaccel_session_init(&spin, VACCEL_PLUGIN_SOFTWARE)) {
		printf("ISO-DONE busy FAIL cannot register the busy model or "
		       "open the mbench session\n");
		fflush(stdout);
		return;
	}
	printf("ISO-BUSY registered resource %ld, mbench session %ld\n",
	       (long)busy_model.remote_id, (long)spin.remote_id);
	fflush(stdout);
	char msbuf[16];
	static char payload[4096];
	snprintf(msbuf, sizeof(msbuf), "%d", ms);
	struct vaccel_arg args[2] = {
		{ .buf = msbuf, .size = strlen(msbuf) },
		{ .buf = payload, .size = sizeof(payload) },
	};
	for (unsigned long n = 1;; n++) {
		printf("ISO-BUSY call %lu start (%d ms)\n", n, ms);
		fflush(stdout);
		int r = vaccel_exec(&spin, "mbench", "mbench", args, 2, NULL,
				    0);
		printf("ISO-BUSY call %lu rc=%d\n", n, r);
		fflush(stdout);
	}
}

static int serve(int argc, char **argv)
{
	const char *ctl = NULL, *image = NULL, *mpath = NULL, *bpath = NULL;
	int skip = 0, want = 3;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ctl"))
			ctl = argv[i + 1];
		else if (!strcmp(argv[i], "--image"))
			image = argv[i + 1];
		else if (!strcmp(argv[i], "--model"))
			mpath = argv[i + 1];
		else if (!strcmp(argv[i], "--busy-model"))
			bpath = argv[i + 1];
		else if (!strcmp(argv[i], "--skip"))
			skip = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--sessions"))
			want = atoi(argv[i + 1]);
		else
			return fprintf(stderr, "bad option %s\n", argv[i]), 2;
	}
	if (!ctl || !image || !mpath || !bpath || want < 2 || want > MAX_SESS ||
	    skip < 0)
		return fprintf(stderr, "serve: missing or bad options\n"), 2;
	if (read_file(image, &img, &img_len))
		return fprintf(stderr, "cannot read %s\n", image), 1;

	/* the control port: /init links it; wait a little for it */
	FILE *in = NULL;
	for (int i = 0; i < 100 && !(in = fopen(ctl, "r")); i++)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	if (!in)
		return fprintf(stderr, "cannot open %s: %s\n", ctl,
			       strerror(errno)),
		       1;

	for (int i = 0; i < skip; i++) {
		struct vaccel_session t;
		if (vaccel_session_init(&t, 0) || vaccel_session_release(&t))
			return fprintf(stderr, "burning session %d failed\n",
				       i),
			       1;
	}
	for (nsess = 0; nsess < want; nsess++)
		if (vaccel_session_init(&sess[nsess], 0))
			return fprintf(stderr, "session %d failed\n", nsess), 1;
	if (vaccel_session_init(&msess, 0) ||
	    vaccel_resource_init(&model, mpath, VACCEL_RESOURCE_MODEL) ||
	    vaccel_resource_register(&model, &msess) ||
	    vaccel_resource_init(&busy_model, bpath, VACCEL_RESOURCE_MODEL))
		return fprintf(stderr, "model resource failed\n"), 1;
	if (classify(&sess[0], first_result))
		return fprintf(stderr, "first classify failed\n"), 1;
	char why[256] = "";
	if (cmd_check(why, sizeof(why)))
		return fprintf(stderr, "own sessions: %s\n", why), 1;
	printf("ISO-READY sessions=");
	for (int i = 0; i < nsess; i++)
		printf("%s%ld", i ? "," : "", (long)sess[i].remote_id);
	printf(" resource=%ld\n", (long)model.remote_id);
	fflush(stdout);

	char line[1024];
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\r\n")] = 0;
		char *args = strchr(line, ' ');
		if (args)
			*args++ = 0;
		int r = 0;
		why[0] = 0;
		if (!strcmp(line, "forge"))
			r = cmd_forge(args ? args : (char *)"", why,
				      sizeof(why));
		else if (!strcmp(line, "check"))
			r = cmd_check(why, sizeof(why));
		else if (!strcmp(line, "loop")) {
			int n = args ? atoi(args) : 1;
			for (int i = 0; i < n && !r; i++)
				r = cmd_check(why, sizeof(why));
		} else if (!strcmp(line, "print")) {
			char text[OUT_LEN];
			r = classify(&sess[0], text);
			if (r)
				snprintf(why, sizeof(why), "classify %d", r);
			else
				print_records("OUT iso-classify: ", text);
		} else if (!strcmp(line, "busy")) {
			cmd_busy(args ? atoi(args) : 3000);
			r = -1;
			snprintf(why, sizeof(why), "busy loop ended");
		} else if (!strcmp(line, "quit")) {
			int e = vaccel_resource_unregister(&model, &msess);
			e |= vaccel_resource_release(&model);
			e |= vaccel_resource_release(&busy_model);
			for (int i = 0; i < nsess; i++)
				e |= vaccel_session_release(&sess[i]);
			e |= vaccel_session_release(&msess);
			printf("ISO-DONE quit %s\n", e ? "FAIL release" : "ok");
			fflush(stdout);
			return e ? 1 : 0;
		} else if (!line[0]) {
			continue;
		} else {
			r = -1;
			snprintf(why, sizeof(why), "unknown command");
		}
		printf("ISO-DONE %s %s%s%s\n", line, r ? "FAIL" : "ok",
		       r ? " " : "", why);
		fflush(stdout);
	}
	fprintf(stderr, "EOF on %s\n", ctl);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "print")) {
		char text[OUT_LEN];
		if (read_file(argv[2], &img, &img_len))
			return fprintf(stderr, "cannot read %s\n", argv[2]), 1;
		if (vaccel_session_init(&sess[0], 0))
			return fprintf(stderr, "no session\n"), 1;
		int r = classify(&sess[0], text);
		if (!r)
			print_records("OUT iso-classify: ", text);
		vaccel_session_release(&sess[0]);
		return r ? 1 : 0;
	}
	fprintf(stderr, "usage: isolation serve --ctl PORT --image IMG "
			"--model M.onnx --busy-model B.onnx [--skip N] "
			"[--sessions K]\n"
			"       isolation print IMG\n");
	return 2;
}
