// SPDX-License-Identifier: Apache-2.0
/* What the application asked for comes back to it (issue 11), with the
 * onnx, blas, torch and exec plugins in one process or one agent:
 *
 *   test-agent-results MODE        (local | unix | tcp)
 *
 * local: the four plugins are loaded in this process; unix, tcp: a real
 * vaccel-agent serves them (exec ops not allowed) and this process has
 * only the rpc transport. In every mode:
 *  - one session (hint 0) runs classify (onnx), sgemm (blas) and a
 *    TorchScript model (torch), with the torch model registered first
 *    (the image ops do not take it for theirs), and the plugins' op masks
 *    offer exactly those ops;
 *  - segment returns the person mask as a PNG after its records;
 *  - each bad input gives its reason through vaccel_last_error(): an image
 *    that cannot be decoded, a model file of garbage, a pose model given to
 *    detect, exec on an agent that does not allow it;
 *  - remote only: connection failures name their cause (refused, no such
 *    socket) and an unreadable VACCEL_RPC_TOKEN_FILE fails the session with
 *    its reason. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "files.h"
#include "harness.h"
#include "paths.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel.h>

#define PLUGINS "onnx:blas:torch:exec"

static const char *mode;
static struct agent_proc agent;

static bool remote(void)
{
	return strcmp(mode, "local") != 0;
}

static const char *uri(void)
{
	return strcmp(mode, "tcp") ? agent.unix_uri : agent.tcp_uri;
}

static const char *need(const char *rel)
{
	const char *p = deps_path(rel);
	if (!p) {
		printf("# %s missing: skipped\n", rel);
		skip();
	}
	return p;
}

/* The bytes of $VACCEL_DEPS/rel (skipped when absent). */
static void *input(const char *rel, size_t *len)
{
	void *p = tu_read_file(need(rel), len);
	assert_non_null(p);
	return p;
}

static struct vaccel_session *new_session(void)
{
	struct vaccel_session *s = NULL;
	assert_int_equal(vaccel_session_new(&s, 0), VACCEL_OK);
	assert_int_equal(s->is_virtio, remote());
	return s;
}

static void model(struct vaccel_resource *res, struct vaccel_session *s,
		  const char *path)
{
	assert_int_equal(vaccel_resource_init(res, path, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(res, s), VACCEL_OK);
}

static void drop(struct vaccel_resource *res, struct vaccel_session *s)
{
	assert_int_equal(vaccel_resource_unregister(res, s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(res), VACCEL_OK);
}

/* ---- one session, three backends -------------------------------------- */

static uint64_t all_ops(void)
{
	uint64_t all = 0, m;
	for (size_t i = 0;
	     !vaccel_plugin_get_info(i, NULL, NULL, NULL, NULL, &m); i++)
		all |= m;
	return all;
}

static void classify(struct vaccel_session *s)
{
	size_t len;
	void *img = input("images/text/text0_180.jpg", &len);
	unsigned char text[256] = { 0 }, name[256] = { 0 };
	assert_int_equal(vaccel_image_classification(s, img, text, name, len,
						     sizeof(text),
						     sizeof(name)),
			 VACCEL_OK);
	printf("# classify text0_180.jpg: %s", text);
	assert_int_equal(strncmp((char *)text, "180 ", 4), 0);
	free(img);
}

static void sgemm(struct vaccel_session *s)
{
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 }, c[4] = { 0 };
	assert_int_equal(vaccel_sgemm(s, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2),
			 VACCEL_OK);
	assert_true(c[0] == 19 && c[1] == 22 && c[2] == 43 && c[3] == 50);
}

static void torch_run(struct vaccel_session *s, struct vaccel_resource *res)
{
	int64_t dims[2] = { 1, 4 };
	float x[4] = { 1, 2, 3, 4 };
	struct vaccel_torch_tensor in = { .data = x,
					  .size = sizeof(x),
					  .nr_dims = 2,
					  .dims = dims,
					  .data_type = VACCEL_TORCH_FLOAT };
	struct vaccel_torch_tensor *pin = &in, *out = NULL;
	assert_int_equal(vaccel_torch_model_run(s, res, NULL, &pin, 1, &out, 1),
			 VACCEL_OK);
	const float *y = out->data;
	/* W = [[1,0,-1,2],[0,1,1,0],[3,-2,0,1]], b = [1,-1,0.5] */
	assert_true(y[0] == 7.0f && y[1] == 4.0f && y[2] == 3.5f);
	vaccel_torch_tensor_delete(out);
}

static void test_three_backends(void **state)
{
	static const vaccel_op_type_t ops[] = { VACCEL_OP_IMAGE_CLASSIFY,
						VACCEL_OP_BLAS_SGEMM,
						VACCEL_OP_TORCH_MODEL_RUN };
	struct vaccel_resource pt;
	const char *pt_path = need("models/converted/linear_fixed.pt");
	for (size_t i = 0; i < 3; i++)
		assert_true(all_ops() & (UINT64_C(1) << ops[i]));
	assert_false(all_ops() & (UINT64_C(1) << VACCEL_OP_TF_MODEL_LOAD));
	struct vaccel_session *s = new_session();
	model(&pt, s, pt_path);
	classify(s);
	sgemm(s);
	torch_run(s, &pt);
	drop(&pt, s);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- results as data --------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void test_mask_as_png(void **state)
{
	size_t len, cap = 4u << 20;
	void *img = input("images/sample4.jpg", &len);
	unsigned char *out = calloc(1, cap);
	struct vaccel_session *s = new_session();
	assert_int_equal(vaccel_image_segmentation(s, img, out, len, cap),
			 VACCEL_OK);
	int w, h;
	unsigned long long n;
	const char *rec = strstr((char *)out, "\npng ");
	assert_int_equal(sscanf((char *)out, "mask %d %d", &w, &h), 2);
	assert_non_null(rec);
	assert_int_equal(sscanf(rec, "\npng %llu", &n), 1);
	const unsigned char *png = out + strlen((char *)out) + 1;
	printf("# segment sample4.jpg: %dx%d mask, PNG of %llu bytes\n", w, h,
	       n);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	/* IHDR: width and height are those of the mask record */
	assert_memory_equal(png + 12, "IHDR", 4);
	assert_true(be32(png + 16) == (uint32_t)w &&
		    be32(png + 20) == (uint32_t)h);
	assert_memory_equal(png + n - 8, "IEND\xae\x42\x60\x82", 8);
	assert_int_equal(png[n], 0);
	free(out);
	free(img);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- reasons ----------------------------------------------------------- */

/* The reason of a failed call, through the agent prefixed by the rpc
 * client's "[rpc] the agent failed OP: ". An agent that still sends only
 * the error code's name (agent/conn.c reply_ret before it forwards
 * vaccel_last_error()) cannot carry the backend's reason: then only the
 * prefix is checked, and the gap is printed. */
static void reason_is(const char *op, const char *want)
{
	const char *why = vaccel_last_error();
	printf("# reason: %s\n", why);
	if (!remote()) {
		assert_non_null(strstr(why, want));
		return;
	}
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "[rpc] the agent failed %s: ", op);
	assert_int_equal(strncmp(why, prefix, strlen(prefix)), 0);
	if (!strstr(why, want))
		fail_msg("the agent's reason \"%s\" lacks \"%s\"", why, want);
}

static void test_reason_bad_image(void **state)
{
	struct vaccel_session *s = new_session();
	unsigned char out[256];
	assert_int_equal(vaccel_image_detection(s, "0123456789abcdefg", out, 17,
						sizeof(out)),
			 VACCEL_EINVAL);
	reason_is("IMAGE_DETECT", "cannot decode 17 bytes: unknown image type");
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

static void detect_with(struct vaccel_session *s, struct vaccel_resource *m)
{
	size_t len;
	void *img = input("images/dog.jpg", &len);
	unsigned char out[1024];
	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_EINVAL);
	free(img);
}

static void test_reason_wrong_models(void **state)
{
	static const char garbage[] = "this is no ONNX network";
	struct vaccel_session *s = new_session();
	struct vaccel_resource m;
	assert_int_equal(vaccel_resource_init_from_buf(
				 &m, garbage, sizeof(garbage),
				 VACCEL_RESOURCE_MODEL, "garbage.onnx", false),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&m, s), VACCEL_OK);
	detect_with(s, &m);
	reason_is("IMAGE_DETECT", "(garbage.onnx) cannot be loaded");
	drop(&m, s);
	model(&m, s, need("models/converted/movenet.onnx"));
	detect_with(s, &m);
	reason_is("IMAGE_DETECT", "(movenet.onnx) is the pose model movenet");
	drop(&m, s);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* exec: the agent (without --exec-allow) refuses it with its own reason;
 * locally the exec plugin cannot load a library that does not exist. */
static void test_reason_exec(void **state)
{
	struct vaccel_session *s = new_session();
	int32_t in = 1, out = 0;
	struct vaccel_arg rd, wr;
	vaccel_arg_init_from_buf(&rd, &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&wr, &out, sizeof(out), VACCEL_ARG_INT32, 0);
	int ret = vaccel_exec(s, "/nonexistent/libx.so", "f", &rd, 1, &wr, 1);
	printf("# reason: %s\n", vaccel_last_error());
	if (remote()) {
		assert_int_equal(ret, VACCEL_EPERM);
		assert_string_equal(vaccel_last_error(),
				    "[rpc] the agent failed EXEC: exec is "
				    "disabled on this agent");
	} else {
		assert_int_equal(ret, VACCEL_EINVAL);
		assert_non_null(strstr(vaccel_last_error(),
				       "Cannot load /nonexistent/libx.so"));
	}
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- connection failures (remote modes) -------------------------------- */

/* Bootstrap the rpc transport for `address` and try a session: its
 * failure's reason must contain `want`. */
static void session_fails(const char *address, const char *want)
{
	struct vaccel_session s;
	assert_int_equal(client_bootstrap("rpc", address), VACCEL_OK);
	unsetenv("VACCEL_RPC_TOKEN"); /* the file, when set, is used */
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_not_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	printf("# %s: %s\n", address, vaccel_last_error());
	assert_non_null(strstr(vaccel_last_error(), want));
}

/* A TCP port that refuses connections: bound, never listened on. */
static int refusing_port(int *fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

static void test_connection_reasons(void **state)
{
	char address[600];
	int fd;
	if (!remote())
		skip();
	snprintf(address, sizeof(address), "tcp://127.0.0.1:%d",
		 refusing_port(&fd));
	session_fails(address, "connection refused");
	close(fd);
	snprintf(address, sizeof(address), "unix://%s/none.sock", agent.dir);
	session_fails(address, "no such socket");
	snprintf(address, sizeof(address), "%s/no-token", agent.dir);
	setenv("VACCEL_RPC_TOKEN_FILE", address, 1);
	session_fails(uri(), "cannot read VACCEL_RPC_TOKEN_FILE");
	unsetenv("VACCEL_RPC_TOKEN_FILE");
	assert_int_equal(client_bootstrap("rpc", uri()), VACCEL_OK);
}

/* ---- setup --------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	if (!remote())
		return client_bootstrap(PLUGINS, NULL) ? -1 : 0;
	if (agent_start(&agent, PLUGINS, NULL)) {
		fprintf(stderr, "cannot start the agent\n");
		return -1;
	}
	return client_bootstrap("rpc", uri()) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	vaccel_cleanup();
	return remote() && agent_stop(&agent) ? -1 : 0;
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "local";
	const char *names[] = { "onnx", "blas", "torch", "exec", "rpc" };
	for (size_t i = 0; i < 5; i++) {
		if (!plugin_path(names[i])) {
			printf("skipped: plugin %s not built\n", names[i]);
			return 77;
		}
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_backends),
		cmocka_unit_test(test_mask_as_png),
		cmocka_unit_test(test_reason_bad_image),
		cmocka_unit_test(test_reason_wrong_models),
		cmocka_unit_test(test_reason_exec),
		cmocka_unit_test(test_connection_reasons),
	};
	char name[64];
	snprintf(name, sizeof(name), "results-%s", mode);
	return cmocka_run_group_tests_name(name, tests, setup, teardown);
}
