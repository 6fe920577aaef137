// SPDX-License-Identifier: Apache-2.0
/* libvaccel-faulty.so: a deliberately faulty backend for the agent's
 * containment tests (never installed). vaccel_image_classification()'s
 * "image" is a command, and the plugin misbehaves on command:
 *   ok             answers "ok"
 *   sleep MS       answers "slept" after MS milliseconds
 *   crash          writes through a null pointer (SIGSEGV)
 *   abort          abort() (SIGABRT)
 *   loop           spins forever (the call deadline ends it)
 *   leak MB        allocates and touches MB MiB, keeps it (the memory
 *                  limit ends it)
 *   escape         tries what a sandboxed worker must not do and answers
 *                  a report "name=errno-name ..." (see tests)
 *   pid            answers its process id
 *   fill N         answers N bytes of 'x' (at most the capacity less one)
 * Any other command: VACCEL_EINVAL. vaccel_noop() works.
 * vaccel_onnx_model_run() returns an oversized output: a tensor of 4
 * floats whose size says 1 GiB (its data is 16 bytes). */

#include <vaccel.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
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

/* Each forbidden attempt: "name=result" (ok means it worked). */
static void escape(char *out, size_t len, const char *arg)
{
	size_t n = 0;
	int r;
#define TRY(name, expr)                                               \
	do {                                                          \
		errno = 0;                                            \
		r = (expr);                                           \
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, \
				      "%s=%s ", name, err_name(r));   \
	} while (0)
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
	if (arg && *arg)
		TRY("read_other", open(arg, O_RDONLY));
#undef TRY
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
	} else if (!strcmp(cmd, "leak")) {
		long mb = arg ? atol(arg) : 0;
		for (long i = 0; i < mb; i++) {
			char *p = malloc(1 << 20);
			if (!p)
				return VACCEL_ENOMEM;
			memset(p, 1, 1 << 20);
		}
		answer(out_text, len_out_text, "leaked");
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
