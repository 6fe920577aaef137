// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent under attack and accident: isolation between connections,
 * clients killed mid-call, agents killed or hung mid-call, malformed and
 * hostile input, connection floods, concurrency, the content cache, the
 * exec policy, tokens, quotas, SIGTERM, vport resynchronisation, vsock.
 * Every case runs against a real agent process started for it. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"
#include "vaccel_rpc.h"
#include "shm.h"
#include "stream.h"
#include "transport.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

static struct agent_proc ag;

static const char *sleeplib(void)
{
	return build_path("tests/lib/exec/libtestsleep.so");
}

static const char *exec_allow[] = { "--exec-allow", NULL, NULL };

static void start(const char *plugins, const char *const *extra)
{
	const char *args[24] = { "--exec-allow", build_path("tests/lib/exec") };
	int n = 2;
	for (int i = 0; extra && extra[i] && n < 22; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	assert_int_equal(agent_start(&ag, plugins, args), 0);
}

static void stop(void)
{
	assert_int_equal(agent_stop(&ag), 0);
}

/* A raw connection that said HELLO. */
static int hello_fd(const char *uri)
{
	int fd = raw_connect(uri);
	assert_true(fd >= 0);
	assert_int_equal(raw_hello(fd, TEST_TOKEN), 0);
	return fd;
}

static uint32_t call(int fd, struct vrpc_msg *m, struct vrpc_msg *rep,
		     struct vrpc_pool *pool)
{
	static uint64_t id = 100;
	assert_int_equal(raw_call(fd, m, ++id, rep, pool), 0);
	return rep->status;
}

static uint64_t new_session(int fd)
{
	struct vrpc_msg m = { .type = VRPC_T_SESS_INIT }, r;
	struct vrpc_pool p = { 0 };
	assert_int_equal(call(fd, &m, &r, &p), 0);
	uint64_t id = r.session;
	vrpc_pool_release(&p);
	return id;
}

static uint32_t noop(int fd, uint64_t sess)
{
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_NOOP,
			      .session = sess },
			r;
	struct vrpc_pool p = { 0 };
	uint32_t st = call(fd, &m, &r, &p);
	vrpc_pool_release(&p);
	return st;
}

static uint32_t blob_put(int fd, const void *data, size_t len,
			 const uint8_t *sha)
{
	struct vrpc_msg m = { .type = VRPC_T_BLOB_PUT }, r;
	struct vrpc_pool p = { 0 };
	memcpy(m.u.put.sha, sha, 32);
	m.u.put.data =
		(struct vrpc_buf){ VRPC_BUF_INLINE, len, 0, 0, (void *)data };
	uint32_t st = call(fd, &m, &r, &p);
	vrpc_pool_release(&p);
	return st;
}

/* RES_CREATE of one blob: status, resource id in *id. */
static uint32_t res_create(int fd, uint64_t sess, const char *name,
			   uint8_t layout, const void *data, size_t len,
			   uint64_t *id)
{
	struct vrpc_blobdesc b = { (char *)name, VRPC_BLOB_FILE, len };
	struct vrpc_msg m = { .type = VRPC_T_RES_CREATE, .session = sess }, r;
	struct vrpc_pool p = { 0 };
	vrpc_sha256(data, len, b.sha);
	m.u.rc =
		(struct vrpc_res_create){ VACCEL_RESOURCE_DATA, layout, &b, 1 };
	uint32_t st = call(fd, &m, &r, &p);
	if (id)
		*id = r.resource;
	vrpc_pool_release(&p);
	return st;
}

/* Upload and create a resource of `data`. */
static uint64_t resource(int fd, uint64_t sess, const void *data, size_t len)
{
	uint8_t sha[32];
	uint64_t id = 0;
	vrpc_sha256(data, len, sha);
	if (res_create(fd, sess, "blob.bin", VRPC_LAYOUT_FILES, data, len,
		       &id) == VRPC_E_NEED_UPLOAD) {
		assert_int_equal(blob_put(fd, data, len, sha), 0);
		assert_int_equal(res_create(fd, sess, "blob.bin",
					    VRPC_LAYOUT_FILES, data, len, &id),
				 0);
	}
	return id;
}

/* The agent still serves a new client properly. */
static void still_serving(void)
{
	assert_true(agent_alive(&ag));
	int fd = hello_fd(ag.unix_uri);
	uint64_t s = new_session(fd);
	assert_int_equal(noop(fd, s), 0);
	close(fd);
}

/* ---- isolation ----------------------------------------------------------- */

static void test_isolation(void **state)
{
	(void)state;
	start("noop", NULL);
	int a = hello_fd(ag.unix_uri), b = hello_fd(ag.tcp_uri);
	uint64_t sa = new_session(a);
	char data[100] = "isolated";
	uint64_t ra = resource(a, sa, data, sizeof(data));
	struct vrpc_pool p = { 0 };
	struct vrpc_msg m, r;

	/* b cannot use, release, register or destroy a's objects */
	assert_int_equal(noop(b, sa), VRPC_E_NOENT);
	m = (struct vrpc_msg){ .type = VRPC_T_SESS_RELEASE, .session = sa };
	assert_int_equal(call(b, &m, &r, &p), VRPC_E_NOENT);
	m = (struct vrpc_msg){ .type = VRPC_T_RES_DESTROY, .resource = ra };
	assert_int_equal(call(b, &m, &r, &p), VRPC_E_NOENT);
	uint64_t sb = new_session(b);
	m = (struct vrpc_msg){ .type = VRPC_T_RES_REGISTER,
			       .resource = ra,
			       .session = sb };
	assert_int_equal(call(b, &m, &r, &p), VRPC_E_NOENT);
	m = (struct vrpc_msg){ .type = VRPC_T_RES_SYNC,
			       .resource = ra,
			       .session = sb };
	assert_int_equal(call(b, &m, &r, &p), VRPC_E_NOENT);
	/* ids are per connection: b's first session has a's number, but is
	 * b's; releasing it leaves a's alone */
	assert_int_equal(sb, sa);
	m = (struct vrpc_msg){ .type = VRPC_T_SESS_RELEASE, .session = sb };
	assert_int_equal(call(b, &m, &r, &p), 0);
	assert_int_equal(noop(a, sa), 0);
	assert_int_equal(noop(b, sb), VRPC_E_NOENT);
	/* a's resource is not registered with a's second session: EPERM */
	uint64_t sa2 = new_session(a);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_TORCH_MODEL_LOAD,
			       .session = sa2,
			       .resource = ra };
	assert_int_equal(call(a, &m, &r, &p),
			 VRPC_E_INVAL); /* DATA, not MODEL */
	m = (struct vrpc_msg){ .type = VRPC_T_RES_UNREGISTER,
			       .resource = ra,
			       .session = sa2 };
	assert_int_equal(call(a, &m, &r, &p), VRPC_E_INVAL);
	vrpc_pool_release(&p);
	close(a);
	close(b);
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 0, 3000));
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_RESOURCES, 0, 3000));
	stop();
}

/* ---- clients and agents that die ------------------------------------------
 */

static int exec_sleep(struct vaccel_session *s, int32_t ms)
{
	int32_t done = 0;
	struct vaccel_arg rd = { &ms, 4, VACCEL_ARG_INT32, 0, false };
	struct vaccel_arg wr = { &done, 4, VACCEL_ARG_INT32, 0, false };
	int ret = vaccel_exec(s, sleeplib(), "sleep_ms", &rd, 1, &wr, 1);
	return ret ? ret : (done == 1 ? 0 : -1);
}

/* Count the entries of the agent's per-connection directories. */
static int conn_dirs(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "ls -d %s/run/tenants/*/conn.* 2>/dev/null | grep -c conn",
		 ag.dir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

static void test_client_killed(void **state)
{
	(void)state;
	start("exec", NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vaccel_session s;
		struct vaccel_resource res;
		static char big[1 << 20];
		memset(big, 7, sizeof(big));
		if (client_bootstrap("rpc", ag.unix_uri) ||
		    vaccel_session_init(&s, 0) ||
		    vaccel_resource_init_from_buf(&res, big, sizeof(big),
						  VACCEL_RESOURCE_DATA, "x",
						  false) ||
		    vaccel_resource_register(&res, &s))
			_exit(3);
		exec_sleep(&s, 3000); /* killed during this */
		_exit(4);
	}
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_RESOURCES, 1, 5000));
	usleep(300000); /* in the middle of the call */
	assert_true(conn_dirs() >= 1);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	/* the call finishes on the agent, then everything is freed */
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 0, 6000));
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_RESOURCES, 0, 3000));
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_CONNS, 1, 3000));
	assert_int_equal(conn_dirs(), 0);
	still_serving();
	stop();
}

struct killer {
	pid_t pid;
	int sig;
	int ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;
	usleep((useconds_t)k->ms * 1000);
	kill(k->pid, k->sig);
	return NULL;
}

static void test_agent_killed(void **state)
{
	(void)state;
	start("exec", NULL);
	setenv("VACCEL_RPC_TIMEOUT_MS", "10000", 1);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(exec_sleep(&s, 1), 0);
	struct killer k = { ag.pid, SIGKILL, 300 };
	pthread_t th;
	pthread_create(&th, NULL, kill_later, &k);
	int64_t t0 = vrpc_now_ns();
	int ret = exec_sleep(&s, 5000);
	double secs = (double)(vrpc_now_ns() - t0) / 1e9;
	pthread_join(th, NULL);
	printf("# agent killed mid-call: %s after %.3f s\n",
	       vaccel_strerror(ret), secs);
	assert_int_equal(ret, VACCEL_EIO);
	assert_true(secs < 1.5);
	/* the session went with the connection */
	assert_int_equal(vaccel_noop(&s), VACCEL_ESESS);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	/* and nothing answers now */
	assert_int_not_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	/* an agent back on the same address: the next call reconnects */
	assert_int_equal(agent_restart(&ag, "exec", exec_allow), 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(exec_sleep(&s, 1), 0);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	agent_kill(&ag);
	agent_stop(&ag);

	/* a new agent on a new address: the client connects again */
	start("exec", NULL);
	setenv("VACCEL_RPC_TIMEOUT_MS", "1000", 1);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	/* a hung agent (the worker serving this client): the deadline */
	pid_t worker;
	assert_int_equal(agent_workers(&ag, &worker, 1), 1);
	k = (struct killer){ worker, SIGSTOP, 100 };
	pthread_create(&th, NULL, kill_later, &k);
	t0 = vrpc_now_ns();
	ret = vaccel_noop(&s);
	pthread_join(th, NULL);
	usleep(200000);
	t0 = vrpc_now_ns();
	ret = vaccel_noop(&s);
	secs = (double)(vrpc_now_ns() - t0) / 1e9;
	printf("# agent stopped (SIGSTOP): %s after %.3f s\n",
	       vaccel_strerror(ret), secs);
	assert_int_equal(ret, VACCEL_ETIMEDOUT);
	assert_true(secs >= 0.9 && secs < 2.0);
	kill(worker, SIGCONT);
	/* the late reply is skipped; the connection goes on */
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	unsetenv("VACCEL_RPC_TIMEOUT_MS");
	stop();
}

/* ---- malformed input ------------------------------------------------------
 */

static void hdr(uint8_t *b, uint16_t version, uint16_t type, uint32_t flags,
		uint32_t fields, uint64_t id, uint64_t bulk)
{
	struct vrpc_hdr h = {
		VRPC_MAGIC, version, type, flags, fields, id, bulk
	};
	vrpc_hdr_pack(&h, b);
}

/* Send `bytes` on a fresh connection (after HELLO if `hello`) and expect
 * the agent to close it. */
static void expect_closed(bool hello, const void *bytes, size_t len)
{
	int fd = hello ? hello_fd(ag.unix_uri) : raw_connect(ag.unix_uri);
	assert_true(fd >= 0);
	raw_write(fd, bytes, len);
	assert_true(raw_closed(fd, 3000));
	close(fd);
}

static void test_malformed(void **state)
{
	(void)state;
	start("noop", NULL);
	uint8_t b[256];
	memset(b, 0, sizeof(b));

	/* a truncated header, then the connection closes */
	int fd = raw_connect(ag.unix_uri);
	hdr(b, 1, VRPC_T_HELLO, 0, 40, 0, 0);
	raw_write(fd, b, 10);
	close(fd);
	/* a header, half the fields, close */
	fd = raw_connect(ag.unix_uri);
	raw_write(fd, b, 32 + 10);
	close(fd);
	/* anything but HELLO first */
	hdr(b, 1, VRPC_T_OP, 0, 8, 1, 0);
	expect_closed(false, b, 40);
	/* HELLO larger than allowed before the handshake */
	hdr(b, 1, VRPC_T_HELLO, 0, 100000, 1, 0);
	expect_closed(false, b, 32);
	/* random bytes */
	for (int i = 0; i < 256; i++)
		b[i] = (uint8_t)(i * 37 + 11) | 1;
	expect_closed(false, b, sizeof(b));
	expect_closed(true, b, sizeof(b));
	/* lengths of 2^63, 2^32-1 */
	hdr(b, 1, VRPC_T_OP, 0, 8, 1, 1ull << 63);
	expect_closed(true, b, 32);
	hdr(b, 1, VRPC_T_OP, 0, 0xffffffffu, 1, 0);
	expect_closed(true, b, 32);
	/* wrong version after the handshake, unknown flag bits, a reply */
	hdr(b, 2, VRPC_T_OP, 0, 8, 1, 0);
	expect_closed(true, b, 40);
	hdr(b, 1, VRPC_T_OP, 0x100, 8, 1, 0);
	expect_closed(true, b, 40);
	hdr(b, 1, VRPC_T_OP, VRPC_F_REPLY, 8, 1, 0);
	expect_closed(true, b, 40);

	/* HELLO of another major version: VERSION with the range, closed */
	fd = raw_connect(ag.unix_uri);
	memset(b, 0, sizeof(b));
	hdr(b, 7, VRPC_T_HELLO, 0, 20, 0, 0);
	raw_write(fd, b, 52);
	uint8_t rb[VRPC_HDR_SIZE];
	assert_int_equal(read(fd, rb, sizeof(rb)), (ssize_t)sizeof(rb));
	struct vrpc_hdr h;
	vrpc_hdr_unpack(rb, &h);
	assert_int_equal(h.version, 1);
	assert_true(h.flags & VRPC_F_REPLY);
	uint8_t f[256];
	assert_int_equal(read(fd, f, h.fields_len), (ssize_t)h.fields_len);
	assert_int_equal(f[0], VRPC_E_VERSION);
	assert_true(raw_closed(fd, 3000));
	close(fd);

	/* message-level errors get a reply; the connection goes on */
	fd = hello_fd(ag.unix_uri);
	uint64_t s = new_session(fd);
	struct vrpc_pool p = { 0 };
	struct vrpc_msg r;
	/* an unknown type with bulk, garbage after a valid header */
	memset(b, 0xee, sizeof(b));
	hdr(b, 1, 999, 0, 16, 5, 64);
	raw_write(fd, b, 32 + 16 + 64);
	struct vrpc_msg ping = { .type = VRPC_T_PING };
	ping.u.ping = (struct vrpc_buf){ VRPC_BUF_INLINE, 4, 0, 0, "ping" };
	/* the error reply to id 5 comes first */
	assert_int_equal(read(fd, rb, 32), 32);
	vrpc_hdr_unpack(rb, &h);
	assert_int_equal(h.id, 5);
	assert_int_equal(read(fd, f, h.fields_len), (ssize_t)h.fields_len);
	assert_int_equal(f[0], VRPC_E_PROTO);
	memset(b, 0xee, sizeof(b));
	hdr(b, 1, VRPC_T_OP + VACCEL_OP_EXEC, 0, 100, 6, 0);
	raw_write(fd, b, 132);
	assert_int_equal(read(fd, rb, 32), 32);
	vrpc_hdr_unpack(rb, &h);
	assert_int_equal(h.id, 6);
	assert_int_equal(read(fd, f, h.fields_len), (ssize_t)h.fields_len);
	assert_int_not_equal(f[0], 0);
	/* zero padding between frames is fine */
	memset(b, 0, 200);
	raw_write(fd, b, 200);
	assert_int_equal(call(fd, &ping, &r, &p), 0);
	assert_memory_equal(r.u.ping.data, "ping", 4);
	/* a huge arg count */
	uint8_t ex[32 + 64] = { 0 };
	uint8_t *q = ex + 32;
	memcpy(q, &s, 8);
	q[8] = 1, q[12] = 'l', q[13] = 1, q[17] = 'f';
	memset(q + 18, 0xff, 4);
	hdr(ex, 1, VRPC_T_OP + VACCEL_OP_EXEC, 0, 22, 8, 0);
	raw_write(fd, ex, 32 + 22);
	assert_int_equal(read(fd, rb, 32), 32);
	vrpc_hdr_unpack(rb, &h);
	assert_int_equal(read(fd, f, h.fields_len), (ssize_t)h.fields_len);
	assert_int_equal(f[0], VRPC_E_TOOBIG);
	/* a tensor whose data is smaller than its dims, an sgemm whose
	 * matrices are too small: refused before any backend reads them */
	int64_t dims[2] = { 1000, 1000 };
	float x[4] = { 0 };
	struct vrpc_tensor t = { VACCEL_ONNX_FLOAT,
				 2,
				 dims,
				 { VRPC_BUF_INLINE, sizeof(x), 0, 0, x } };
	uint64_t rid = resource(fd, s, "model", 5);
	struct vrpc_msg run = { .type = VRPC_T_OP + VACCEL_OP_ONNX_MODEL_RUN,
				.session = s,
				.resource = rid };
	run.u.model.in = &t;
	run.u.model.nr_in = 1;
	run.u.model.nr_outputs = 1;
	assert_int_equal(call(fd, &run, &r, &p), VRPC_E_INVAL);
	struct vrpc_msg g = { .type = VRPC_T_OP + VACCEL_OP_BLAS_SGEMM,
			      .session = s };
	g.u.sgemm = (struct vrpc_sgemm){ 100,
					 100,
					 100,
					 100,
					 100,
					 100,
					 1,
					 0,
					 { VRPC_BUF_INLINE, 16, 0, 0, x },
					 { VRPC_BUF_INLINE, 16, 0, 0, x },
					 { VRPC_BUF_INLINE, 16, 0, 0, x } };
	assert_int_equal(call(fd, &g, &r, &p), VRPC_E_INVAL);
	/* an output capacity over the limit */
	struct vrpc_msg im = { .type = VRPC_T_OP + VACCEL_OP_IMAGE_DETECT,
			       .session = s };
	im.u.image.image = (struct vrpc_buf){ VRPC_BUF_INLINE, 4, 0, 0, x };
	im.u.image.len_name = 1ull << 62;
	assert_int_equal(call(fd, &im, &r, &p), VRPC_E_TOOBIG);
	/* shared memory: without a descriptor, with a pipe */
	struct vrpc_msg sh = { .type = VRPC_T_SHM_ATTACH };
	sh.u.shm.arena = 1;
	sh.u.shm.size = 4096;
	assert_int_not_equal(call(fd, &sh, &r, &p), 0);
	/* a reference to an arena that is not there */
	struct vrpc_msg pg = { .type = VRPC_T_PING };
	pg.u.ping = (struct vrpc_buf){ VRPC_BUF_SHM, 100, 9, 0, NULL };
	assert_int_equal(call(fd, &pg, &r, &p), VRPC_E_INVAL);
	assert_int_equal(noop(fd, s), 0);
	vrpc_pool_release(&p);
	close(fd);

	/* descriptors nobody asked for, many of them */
	fd = hello_fd(ag.unix_uri);
	int sv[2], fds[16];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	for (int i = 0; i < 16; i++)
		fds[i] = sv[0];
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { b, 32 + 8 };
	hdr(b, 1, VRPC_T_OP, 0, 8, 9, 0);
	memcpy(b + 32, &s, 8);
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	sendmsg(fd, &mh, MSG_NOSIGNAL);
	assert_true(raw_closed(fd, 3000));
	close(fd);
	close(sv[0]);
	close(sv[1]);

	still_serving();
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 0, 3000));
	stop();
}

/* A flood of idle connections: established clients keep being served,
 * and new ones are again once the flood is gone. */
static void test_flood(void **state)
{
	(void)state;
	const char *extra[] = { "--max-connections", "32", "--hello-timeout",
				"1000", NULL };
	start("noop", extra);
	int good = hello_fd(ag.unix_uri);
	uint64_t s = new_session(good);
	int flood[300], n = 0;
	for (int i = 0; i < 300; i++) {
		flood[n] = raw_connect(i % 2 ? ag.tcp_uri : ag.unix_uri);
		if (flood[n] >= 0)
			n++;
		if (i % 50 == 0)
			assert_int_equal(noop(good, s), 0);
	}
	for (int i = 0; i < 100; i++)
		assert_int_equal(noop(good, s), 0);
	for (int i = 0; i < n; i++)
		close(flood[i]);
	/* idle connections that never said HELLO are dropped anyway */
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_CONNS, 2, 5000));
	still_serving();
	assert_int_equal(noop(good, s), 0);
	close(good);
	stop();
}

/* ---- concurrency ------------------------------------------------------------
 */

/* One client process: `calls` execs with distinct values, some with a
 * 100 KiB buffer (shared memory on UNIX). Exit 0 if every result is
 * right. */
static int client_work(const char *uri, int id, int calls)
{
	struct vaccel_session s;
	if (client_bootstrap("rpc", uri) || vaccel_session_init(&s, 0))
		return 2;
	static uint8_t in[100 << 10], out[100 << 10];
	for (int i = 0; i < calls; i++) {
		int32_t v = id * 100000 + i, w = -1;
		struct vaccel_arg rd[2] = { { &v, 4, VACCEL_ARG_INT32, 0,
					      false },
					    { in, i % 10 ? 64 : sizeof(in),
					      VACCEL_ARG_RAW, 0, false } };
		struct vaccel_arg wr[2] = {
			{ &w, 4, VACCEL_ARG_INT32, 0, false },
			{ out, rd[1].size, VACCEL_ARG_RAW, 0, false }
		};
		memset(in, (int)(v & 0xff), rd[1].size);
		if (vaccel_exec(&s, sleeplib(), "echo", rd, 2, wr, 2) ||
		    w != v || memcmp(in, out, rd[1].size))
			return 3;
	}
	vaccel_session_release(&s);
	return 0;
}

static void *thread_work(void *arg)
{
	struct vaccel_session *s = arg;
	for (int i = 0; i < 200; i++) {
		int32_t v = (int32_t)(s->id * 1000 + i), w = 0;
		struct vaccel_arg rd = { &v, 4, VACCEL_ARG_INT32, 0, false };
		struct vaccel_arg wr = { &w, 4, VACCEL_ARG_INT32, 0, false };
		if (vaccel_exec(s, sleeplib(), "echo", &rd, 1, &wr, 1) ||
		    w != v)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrency(void **state)
{
	(void)state;
	start("exec", NULL);
	pid_t pids[8];
	int64_t t0 = vrpc_now_ns();
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(client_work(i % 2 ? ag.tcp_uri : ag.unix_uri, i,
					  200));
	}
	for (int i = 0; i < 8; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	printf("# 8 clients x 200 calls: %.2f s\n",
	       (double)(vrpc_now_ns() - t0) / 1e9);
	/* 4 threads of one process share its connection */
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_session s[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(vaccel_session_init(&s[i], 0), VACCEL_OK);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, thread_work, &s[i]);
	for (int i = 0; i < 4; i++) {
		void *res;
		pthread_join(th[i], &res);
		assert_null(res);
	}
	for (int i = 0; i < 4; i++)
		vaccel_session_release(&s[i]);
	vaccel_cleanup();
	stop();
}

/* Two sleeping calls of one connection run at once (max_inflight). */
static void *sleep_thread(void *arg)
{
	return (void *)(intptr_t)exec_sleep(arg, 600);
}

static void test_parallel_calls(void **state)
{
	(void)state;
	start("exec", NULL);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_session s[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(vaccel_session_init(&s[i], 0), VACCEL_OK);
	pthread_t th;
	int64_t t0 = vrpc_now_ns();
	pthread_create(&th, NULL, sleep_thread, &s[1]);
	assert_int_equal(exec_sleep(&s[0], 600), 0);
	void *res;
	pthread_join(th, &res);
	double secs = (double)(vrpc_now_ns() - t0) / 1e9;
	printf("# two 600 ms calls on one connection: %.3f s\n", secs);
	assert_null(res);
	assert_true(secs < 1.0);
	/* a noop is answered while both sleep */
	pthread_create(&th, NULL, sleep_thread, &s[1]);
	usleep(100000);
	t0 = vrpc_now_ns();
	assert_int_equal(vaccel_noop(&s[0]), VACCEL_OK);
	secs = (double)(vrpc_now_ns() - t0) / 1e9;
	printf("# noop during a sleeping call: %.6f s\n", secs);
	assert_true(secs < 0.3);
	pthread_join(th, &res);
	for (int i = 0; i < 2; i++)
		vaccel_session_release(&s[i]);
	vaccel_cleanup();
	stop();
}

/* A session released right after an op's reply is never BUSY: the agent
 * lets go of a request's objects before it sends the reply. */
static void test_release_after_call(void **state)
{
	(void)state;
	start("exec", NULL);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	for (int i = 0; i < 100; i++) {
		struct vaccel_session s;
		struct vaccel_resource r;
		char data[] = "x";
		assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
		assert_int_equal(vaccel_resource_init_from_buf(
					 &r, data, sizeof(data),
					 VACCEL_RESOURCE_DATA, "d", true),
				 VACCEL_OK);
		assert_int_equal(vaccel_resource_register(&r, &s), VACCEL_OK);
		/* 1 ms: long enough to be handed to another agent thread */
		assert_int_equal(exec_sleep(&s, 1), 0);
		assert_int_equal(vaccel_resource_unregister(&r, &s), VACCEL_OK);
		assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
		assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	}
	vaccel_cleanup();
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 0, 3000));
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_RESOURCES, 0, 3000));
	stop();
}

struct shm_call {
	struct vaccel_session *s;
	void *buf;
	int ret;
};

static void *shm_sleep(void *arg)
{
	struct shm_call *c = arg;
	int32_t ms = 400;
	struct vaccel_arg rd[2] = { { &ms, 4, VACCEL_ARG_INT32, 0, false },
				    { c->buf, 1 << 20, VACCEL_ARG_RAW, 0,
				      false } };
	c->ret = vaccel_exec(c->s, sleeplib(), "sleep_ms", rd, 2, NULL, 0);
	return NULL;
}

/* Shared memory detached (freed by the application) while a call uses it:
 * the agent keeps its mapping until the call is over, nothing faults. */
static void test_shm_detach_busy(void **state)
{
	(void)state;
	start("exec", NULL);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_rpc_shm_api api = { NULL, NULL };
	assert_int_equal(vaccel_rpc_shm_api(&api), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	struct shm_call c = { &s, api.alloc(1 << 20), -1 };
	assert_non_null(c.buf);
	memset(c.buf, 5, 1 << 20);
	pthread_t th;
	pthread_create(&th, NULL, shm_sleep, &c);
	usleep(150000);
	api.free(c.buf);
	pthread_join(th, NULL);
	assert_int_equal(c.ret, VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	vaccel_session_release(&s);
	vaccel_cleanup();
	still_serving();
	stop();
}

/* After fork() the child does not use the parent's connection: the
 * parent's sessions are lost in the child (ESESS), new ones work, and the
 * parent's connection is untouched. */
static void test_fork(void **state)
{
	(void)state;
	start("noop", NULL);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	pid_t pid = fork();
	if (pid == 0) {
		struct vaccel_session c;
		if (vaccel_noop(&s) != VACCEL_ESESS)
			_exit(2);
		if (vaccel_session_init(&c, 0) || vaccel_noop(&c) ||
		    vaccel_session_release(&c))
			_exit(3);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	stop();
}

/* ---- the content cache --------------------------------------------- */

static int register_file(const char *uri, const char *path)
{
	struct vaccel_session s;
	struct vaccel_resource r;
	if (client_bootstrap("rpc", uri) || vaccel_session_init(&s, 0) ||
	    vaccel_resource_init(&r, path, VACCEL_RESOURCE_MODEL) ||
	    vaccel_resource_register(&r, &s))
		return 1;
	vaccel_resource_unregister(&r, &s);
	vaccel_resource_release(&r);
	vaccel_session_release(&s);
	vaccel_cleanup();
	return 0;
}

/* register_file in a child process: 0 if it worked. */
static int register_in_child(const char *uri, const char *path)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(register_file(uri, path));
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_upload_once(void **state)
{
	(void)state;
	start("noop", NULL);
	char path[300];
	snprintf(path, sizeof(path), "%s/model.bin", ag.dir);
	FILE *f = fopen(path, "w");
	unsigned seed = 42;
	for (int i = 0; i < (1 << 20); i++)
		fputc(rand_r(&seed) & 0xff, f);
	fclose(f);
	/* two processes (two connections) of one tenant (the UNIX peer
	 * uid) register the same model: it is sent once */
	for (int i = 0; i < 2; i++)
		assert_int_equal(register_in_child(ag.unix_uri, path), 0);
	uint64_t st[VRPC_STAT_MAX];
	assert_int_equal(raw_stats(ag.unix_uri, st), 0);
	printf("# uploads %llu (%llu bytes), cache hits %llu\n",
	       (unsigned long long)st[VRPC_STAT_UPLOADS],
	       (unsigned long long)st[VRPC_STAT_UPLOAD_BYTES],
	       (unsigned long long)st[VRPC_STAT_CACHE_HITS]);
	assert_int_equal(st[VRPC_STAT_UPLOADS], 1);
	assert_int_equal(st[VRPC_STAT_UPLOAD_BYTES], 1 << 20);
	assert_true(st[VRPC_STAT_CACHE_HITS] >= 1);
	assert_int_equal(st[VRPC_STAT_CACHE_ENTRIES], 1);
	/* another tenant (the TCP token) uploads it again: whether a tenant
	 * uploaded something is never visible to another */
	assert_int_equal(register_in_child(ag.tcp_uri, path), 0);
	assert_int_equal(raw_stats(ag.tcp_uri, st), 0);
	assert_int_equal(st[VRPC_STAT_UPLOADS], 1);
	assert_int_equal(st[VRPC_STAT_CACHE_HITS], 0);

	/* a lying upload poisons nothing: the agent checks the hash */
	int fd = hello_fd(ag.unix_uri);
	uint8_t claimed[32], other[4096];
	const char good[] = "the real model";
	vrpc_sha256(good, sizeof(good), claimed);
	memset(other, 1, sizeof(other));
	assert_int_equal(blob_put(fd, other, sizeof(other), claimed),
			 VRPC_E_HASH_MISMATCH);
	uint64_t s = new_session(fd), id;
	assert_int_equal(res_create(fd, s, "m", VRPC_LAYOUT_FILES, good,
				    sizeof(good), &id),
			 VRPC_E_NEED_UPLOAD);
	/* and a size that does not match the cached entry is refused */
	assert_int_equal(blob_put(fd, good, sizeof(good), claimed), 0);
	struct vrpc_blobdesc b = { "m", VRPC_BLOB_FILE, sizeof(good) + 1 };
	memcpy(b.sha, claimed, 32);
	struct vrpc_msg m = { .type = VRPC_T_RES_CREATE, .session = s }, r;
	struct vrpc_pool p = { 0 };
	m.u.rc = (struct vrpc_res_create){ VACCEL_RESOURCE_DATA,
					   VRPC_LAYOUT_FILES, &b, 1 };
	assert_int_equal(call(fd, &m, &r, &p), VRPC_E_NEED_UPLOAD);
	vrpc_pool_release(&p);
	close(fd);
	stop();
}

/* Client names never leave the resource's directory. */
static void test_names(void **state)
{
	(void)state;
	start("noop", NULL);
	int fd = hello_fd(ag.unix_uri);
	uint64_t s = new_session(fd), id;
	const char d[] = "data";
	resource(fd, s, d, sizeof(d));
	static const char *const bad[] = {
		"../../etc/passwd", "/etc/passwd", "..",       ".", "",
		"a/../../b",	    "x\ny",	   "trailing/"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(res_create(fd, s, bad[i], VRPC_LAYOUT_DIR, d,
					    sizeof(d), &id),
				 VRPC_E_INVAL);
	/* a '/' is not allowed in a file name, only in directory layouts */
	assert_int_equal(res_create(fd, s, "sub/x.bin", VRPC_LAYOUT_FILES, d,
				    sizeof(d), &id),
			 VRPC_E_INVAL);
	assert_int_equal(res_create(fd, s, "sub/x y$.bin", VRPC_LAYOUT_DIR, d,
				    sizeof(d), &id),
			 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd),
		 "test -f %s/run/tenants/*/conn.*/res.%llu/sub/x_y_.bin",
		 ag.dir, (unsigned long long)id);
	assert_int_equal(system(cmd), 0);
	close(fd);
	stop();
}

/* ---- exec policy --------------------------------------------------- */

static int exec_lib(struct vaccel_session *s, const char *lib)
{
	int32_t in = 2, out = 0;
	struct vaccel_arg rd = { &in, 4, VACCEL_ARG_INT32, 0, false };
	struct vaccel_arg wr = { &out, 4, VACCEL_ARG_INT32, 0, false };
	return vaccel_exec(s, lib, "echo", &rd, 1, &wr, 1);
}

static int exec_res_path(struct vaccel_session *s, const char *path)
{
	struct vaccel_resource r;
	int32_t in = 3, out = 0;
	struct vaccel_arg rd = { &in, 4, VACCEL_ARG_INT32, 0, false };
	struct vaccel_arg wr = { &out, 4, VACCEL_ARG_INT32, 0, false };
	assert_int_equal(vaccel_resource_init(&r, path, VACCEL_RESOURCE_LIB),
			 VACCEL_OK);
	int ret = vaccel_resource_register(&r, s);
	if (!ret)
		ret = vaccel_exec_with_resource(s, &r, "echo", &rd, 1, &wr, 1);
	if (!ret && out != 3)
		ret = -1;
	vaccel_resource_release(&r);
	return ret;
}

static void test_exec_policy(void **state)
{
	(void)state;
	/* off unless enabled */
	assert_int_equal(agent_start(&ag, "exec", NULL), 0);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(exec_lib(&s, sleeplib()), VACCEL_EPERM);
	assert_int_equal(exec_res_path(&s, sleeplib()), VACCEL_EPERM);
	vaccel_session_release(&s);
	vaccel_cleanup();
	stop();

	start("exec", NULL);
	assert_int_equal(client_bootstrap("rpc", ag.unix_uri), 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	/* by name under the allowlist; a guest path counts by base name */
	assert_int_equal(exec_lib(&s, sleeplib()), VACCEL_OK);
	assert_int_equal(exec_lib(&s, "libtestsleep.so"), VACCEL_OK);
	assert_int_equal(exec_lib(&s, "/guest/usr/lib/libtestsleep.so"),
			 VACCEL_OK);
	/* outside: system libraries, relative escapes, symlinks out */
	assert_int_equal(exec_lib(&s, "libc.so.6"), VACCEL_EPERM);
	assert_int_equal(
		exec_lib(&s, "../../../lib/x86_64-linux-gnu/libc.so.6"),
		VACCEL_EPERM);
	char link[512];
	snprintf(link, sizeof(link), "%s/escape.so",
		 build_path("tests/lib/exec"));
	unlink(link);
	assert_int_equal(symlink("/lib/x86_64-linux-gnu/libc.so.6", link), 0);
	assert_int_equal(exec_lib(&s, "escape.so"), VACCEL_EPERM);
	unlink(link);
	/* uploaded libraries run only if their bytes are an allowlisted
	 * library's: a copy elsewhere is fine, anything else is refused */
	char copy[512], cmd[1200];
	snprintf(copy, sizeof(copy), "%s/copy.so", ag.dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", sleeplib(), copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(exec_res_path(&s, copy), VACCEL_OK);
	assert_int_equal(
		exec_res_path(&s, build_path("examples/libmytestlib.so")),
		VACCEL_EPERM);
	vaccel_session_release(&s);
	vaccel_cleanup();
	stop();
}

/* ---- tokens and quotas --------------------------------------------- */

static void test_token(void **state)
{
	(void)state;
	/* TCP without a token or --insecure: the agent refuses to start */
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(build_path("agent/vaccel-agent"), "vaccel-agent",
		      "--listen", "tcp://127.0.0.1:0", "--plugins",
		      plugin_path("noop"), (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	/* ?tenant=conn on TCP: each connection of one address would be a
	 * tenant and a peer of its own (one client took every worker, and
	 * its crash loop held its address's other clients): refused */
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(build_path("agent/vaccel-agent"), "vaccel-agent",
		      "--listen", "tcp://127.0.0.1:0?tenant=conn", "--insecure",
		      "--plugins", plugin_path("noop"), (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);

	start("noop", NULL);
	int fd = raw_connect(ag.tcp_uri);
	assert_int_equal(raw_hello(fd, NULL), VRPC_E_AUTH);
	close(fd);
	fd = raw_connect(ag.tcp_uri);
	assert_int_equal(raw_hello(fd, "0123456789abcdef0123456789abcdeX"),
			 VRPC_E_AUTH);
	assert_true(raw_closed(fd, 2000));
	close(fd);
	/* UNIX sockets rely on file modes; a wrong token is still refused */
	fd = raw_connect(ag.unix_uri);
	assert_int_equal(raw_hello(fd, NULL), 0);
	close(fd);
	fd = raw_connect(ag.unix_uri);
	assert_int_equal(raw_hello(fd, "wrong"), VRPC_E_AUTH);
	close(fd);
	/* through the plugin: the application sees EACCES */
	assert_int_equal(client_bootstrap("rpc", ag.tcp_uri), 0);
	setenv("VACCEL_RPC_TOKEN", "nope", 1);
	assert_int_equal(vaccel_bootstrap(), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_EACCES);
	vaccel_cleanup();
	stop();
}

static void test_quotas(void **state)
{
	(void)state;
	const char *extra[] = { "--max-sessions",
				"2",
				"--max-resources",
				"1",
				"--max-stored-bytes",
				"8K",
				"--max-blob-bytes",
				"6K",
				NULL };
	start("noop", extra);
	int fd = hello_fd(ag.unix_uri);
	uint64_t s = new_session(fd);
	new_session(fd);
	struct vrpc_msg m = { .type = VRPC_T_SESS_INIT }, r;
	struct vrpc_pool p = { 0 };
	assert_int_equal(call(fd, &m, &r, &p), VRPC_E_USERS);
	static uint8_t a[5000], b[5000], big[7000];
	uint8_t sha[32];
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	resource(fd, s, a, sizeof(a));
	uint64_t id;
	assert_int_equal(
		res_create(fd, s, "x", VRPC_LAYOUT_FILES, a, sizeof(a), &id),
		VRPC_E_USERS);
	/* a blob over max_blob, then over the stored-bytes quota */
	vrpc_sha256(big, sizeof(big), sha);
	assert_int_equal(blob_put(fd, big, sizeof(big), sha), VRPC_E_TOOBIG);
	vrpc_sha256(b, sizeof(b), sha);
	assert_int_equal(blob_put(fd, b, sizeof(b), sha), VRPC_E_NOSPC);
	/* the connection still works */
	assert_int_equal(noop(fd, s), 0);
	vrpc_pool_release(&p);
	close(fd);
	/* quotas are per connection */
	still_serving();
	stop();
}

/* ---- SIGTERM ------------------------------------------------------- */

static void test_sigterm_drain(void **state)
{
	(void)state;
	start("exec", NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct vaccel_session s;
		if (client_bootstrap("rpc", ag.unix_uri) ||
		    vaccel_session_init(&s, 0))
			_exit(2);
		_exit(exec_sleep(&s, 1500) ? 3 : 0);
	}
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 1, 5000));
	usleep(300000);
	int64_t t0 = vrpc_now_ns();
	int ret = agent_stop(&ag);
	double secs = (double)(vrpc_now_ns() - t0) / 1e9;
	int st;
	waitpid(pid, &st, 0);
	printf("# SIGTERM during a call: agent exit %d after %.2f s, call %s\n",
	       ret, secs, WEXITSTATUS(st) ? "failed" : "completed");
	assert_int_equal(ret, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- vport --------------------------------------------------------- */

/* QEMU's side of a virtio-serial port, in small: one long-lived connection
 * to the agent's socket ("the chardev") that outlives the guest processes
 * opening the port (here: connecting to the port socket). While no guest
 * has the port open, nothing is read from the agent. */
struct vport {
	char path[320];
	const char *agent_sock;
	int lfd;
	atomic_bool stop;
	pthread_t th;
};

static void pump(int guest, int up)
{
	struct pollfd p[2] = { { guest, POLLIN, 0 }, { up, POLLIN, 0 } };
	char buf[65536];
	for (;;) {
		if (poll(p, 2, 100) < 0)
			return;
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return; /* the guest closed: keep `up` */
			if (raw_write(p[1 - i].fd, buf, (size_t)n))
				return;
		}
	}
}

static void *vport_thread(void *arg)
{
	struct vport *v = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(v->agent_sock) >= sizeof(sa.sun_path))
		return NULL;
	memcpy(sa.sun_path, v->agent_sock, strlen(v->agent_sock));
	int up = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(up, (struct sockaddr *)&sa, sizeof(sa)))
		return NULL;
	while (!v->stop) {
		struct pollfd p = { v->lfd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int g = accept(v->lfd, NULL, NULL);
		if (g < 0)
			continue;
		pump(g, up);
		close(g);
	}
	close(up);
	return NULL;
}

static void vport_start(struct vport *v)
{
	snprintf(v->path, sizeof(v->path), "%s/port0", ag.dir);
	v->agent_sock = ag.sock;
	v->stop = false;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(v->path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, v->path, strlen(v->path));
	v->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(v->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(v->lfd, 1), 0);
	pthread_create(&v->th, NULL, vport_thread, v);
}

static void vport_stop(struct vport *v)
{
	v->stop = true;
	pthread_join(v->th, NULL);
	close(v->lfd);
}

static void test_vport_resync(void **state)
{
	(void)state;
	start("noop", NULL);
	struct vport v;
	vport_start(&v);
	char uri[400];
	snprintf(uri, sizeof(uri), "vport://%s", v.path);

	/* guest process 1: a session, then killed in the middle of a 2 MiB
	 * upload (half of it sent) */
	int g = raw_connect(uri);
	assert_true(g >= 0);
	assert_int_equal(raw_hello(g, NULL), 0);
	assert_true(new_session(g) > 0);
	uint8_t b[VRPC_HDR_SIZE + 41];
	static uint8_t half[1 << 20];
	memset(b, 0, sizeof(b));
	hdr(b, 1, VRPC_T_BLOB_PUT, 0, 32 + 9, 77, 2 << 20);
	b[32 + 32] = VRPC_BUF_INLINE;
	uint64_t len = 2 << 20;
	memcpy(b + 32 + 33, &len, 8);
	raw_write(g, b, sizeof(b));
	raw_write(g, half, sizeof(half));
	close(g);
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 1, 3000));

	/* guest process 2 opens the port: its padding completes the dead
	 * upload, its HELLO resets the stream's state */
	setenv("VACCEL_RPC_CONNECT_TIMEOUT_MS", "20000", 1);
	assert_int_equal(client_bootstrap("rpc", uri), 0);
	struct vaccel_session s;
	int64_t t0 = vrpc_now_ns();
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	printf("# vport resynchronised in %.2f s\n",
	       (double)(vrpc_now_ns() - t0) / 1e9);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	/* only guest 2's session is left */
	assert_true(wait_stat(ag.unix_uri, VRPC_STAT_SESSIONS, 1, 3000));
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	/* guest 3 after a clean exit of guest 2 (no half frame) */
	assert_int_equal(client_bootstrap("rpc", uri), 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	unsetenv("VACCEL_RPC_CONNECT_TIMEOUT_MS");
	vport_stop(&v);
	stop();
}

/* ---- a lying worker ----------------------------------------------------
 * A worker runs its tenant's code: its replies are not the agent's to
 * vouch for. A fake agent here answers HELLO and SESS_INIT, then torch
 * sgemm with an output tensor whose dims say 4x4 floats (64 bytes) and
 * whose data is 4 bytes: the client gave the application that tensor, and
 * an application reading what its dims say read past the data. Now the
 * call fails (EIO); the same reply with 1x1 dims is taken. */

static atomic_int lie_dims; /* the dims' side of the output: 4 or 1 */

static void *liar(void *arg)
{
	int lst = *(int *)arg, fd = accept(lst, NULL, NULL);
	for (;;) {
		uint8_t hb[VRPC_HDR_SIZE];
		struct vrpc_hdr h;
		struct vrpc_pool pool = { 0 };
		struct vrpc_io io;
		struct vrpc_msg m = { 0 };
		if (fd < 0 || raw_read(fd, hb, sizeof(hb)))
			break;
		vrpc_hdr_unpack(hb, &h);
		uint8_t *f = vrpc_pool_alloc(&pool, h.fields_len + 1);
		if (h.fields_len > (1u << 20) || !f ||
		    raw_read(fd, f, h.fields_len))
			break;
		m.type = h.type;
		vrpc_io_init_dec(&io, f, h.fields_len, &pool, NULL);
		vrpc_msg_io(&io, &m);
		int bad = vrpc_io_finish_dec(&io, h.bulk_len) ? -1 : 0;
		for (size_t i = 0; !bad && i < io.nbufs; i++) {
			struct vrpc_buf *b = io.bufs[i];
			if (b->kind != VRPC_BUF_INLINE)
				continue;
			b->data = vrpc_pool_alloc(&pool, b->len + 1);
			bad = !b->data || raw_read(fd, b->data, b->len);
		}
		vrpc_io_release(&io);
		if (bad)
			break;
		struct vrpc_msg r = { .type = h.type, .reply = true };
		static float one = 1;
		static int64_t dims[2];
		if (h.type == VRPC_T_HELLO) {
			r.u.hello_r =
				(struct vrpc_hello_r){ .major = VRPC_MAJOR,
						       .minor = 1,
						       .nonce = m.u.hello.nonce,
						       .conn = 1,
						       .version = "liar",
						       .ops = ~0ull };
		} else if (h.type == VRPC_T_SESS_INIT) {
			r.session = 7;
		} else if (h.type == VRPC_T_OP + VACCEL_OP_TORCH_SGEMM) {
			dims[0] = dims[1] = atomic_load(&lie_dims);
			r.u.tsgemm.has_out = 1;
			r.u.tsgemm.out = (struct vrpc_tensor){
				VACCEL_TORCH_FLOAT,
				2,
				dims,
				{ VRPC_BUF_INLINE, sizeof(one), 0, 0, &one }
			};
		}
		struct iovec *iov;
		size_t niov;
		vrpc_io_init_enc(&io);
		vrpc_msg_io(&io, &r);
		bad = vrpc_io_frame(&io, h.type, VRPC_F_REPLY, h.id, &iov,
				    &niov) != 0;
		for (size_t i = 0; !bad && i < niov; i++)
			bad = raw_write(fd, iov[i].iov_base, iov[i].iov_len);
		vrpc_io_release(&io);
		vrpc_pool_release(&pool);
		if (bad)
			break;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void test_lying_worker(void **state)
{
	(void)state;
	char path[108], uri[120];
	snprintf(path, sizeof(path), "/tmp/vaccel-liar-%d.sock", (int)getpid());
	snprintf(uri, sizeof(uri), "unix://%s", path);
	unlink(path);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int lst = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lst, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lst, 4), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, liar, &lst), 0);
	setenv("VACCEL_RPC_RING", "0", 1);
	assert_int_equal(client_bootstrap("rpc", uri), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	int64_t d[2] = { 1, 1 };
	float x = 2, y = 3, z = 0;
	struct vaccel_torch_tensor
		ta = { &x, 4, false, 2, d, VACCEL_TORCH_FLOAT },
		tb = { &y, 4, false, 2, d, VACCEL_TORCH_FLOAT },
		tc = { &z, 4, false, 2, d, VACCEL_TORCH_FLOAT };
	struct vaccel_torch_tensor *pa = &ta, *pb = &tb, *pc = &tc, *out = NULL;
	atomic_store(&lie_dims, 4);
	assert_int_equal(vaccel_torch_sgemm(&s, &pa, &pb, &pc, 1, 1, 1, &out),
			 VACCEL_EIO);
	assert_null(out);
	atomic_store(&lie_dims, 1);
	assert_int_equal(vaccel_torch_sgemm(&s, &pa, &pb, &pc, 1, 1, 1, &out),
			 VACCEL_OK);
	assert_non_null(out);
	assert_int_equal(out->size, 4);
	assert_true(*(float *)out->data == 1.0f);
	vaccel_torch_tensor_delete(out);
	vaccel_session_release(&s);
	vaccel_cleanup();
	unsetenv("VACCEL_RPC_RING");
	shutdown(lst, SHUT_RDWR);
	close(lst);
	pthread_join(th, NULL);
	unlink(path);
}
#pragma GCC diagnostic pop

/* ---- vsock --------------------------------------------------------- */

static void test_vsock(void **state)
{
	(void)state;
	/* The end-to-end test needs a vsock transport between the agent and
	 * a client: a VM (vhost-vsock) or the vsock loopback. */
	struct vrpc_addr a;
	assert_int_equal(vrpc_addr_parse("vsock://any:0", &a), 0);
	a.port = 20000 + (uint32_t)getpid() % 10000;
	int l = a.t->listen(&a, 1);
	int c = -1;
	if (l >= 0) {
		struct vrpc_addr to = a;
		to.cid = 1; /* loopback only; never the host CID 2 */
		c = to.t->connect(&to, vrpc_deadline(500));
		close(l);
	}
	if (c < 0) {
		printf("skipped: no vsock transport here (no /dev/vhost-vsock "
		       "for a VM, vsock loopback unavailable): vsock "
		       "addresses and sockets are unit-tested in rpc-wire\n");
		skip();
	}
	close(c);
	start("noop",
	      (const char *const[]){ "--listen", "vsock://any:20999", NULL });
	assert_int_equal(client_bootstrap("rpc", "vsock://local:20999"), 0);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	vaccel_session_release(&s);
	vaccel_cleanup();
	stop();
}

static int teardown(void **state)
{
	(void)state;
	vaccel_cleanup();
	if (ag.pid)
		agent_kill(&ag);
	agent_stop(&ag);
	return 0;
}

/* usage: test-agent-faults [PATTERN]: only the cases matching PATTERN
 * (cmocka's wildcards), e.g. "*concurrency*". */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	exec_allow[1] = strdup(build_path("tests/lib/exec"));
	if (!plugin_path("rpc") || !plugin_path("noop") ||
	    !plugin_path("exec")) {
		printf("skipped: the rpc, noop and exec plugins are needed\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_isolation, teardown),
		cmocka_unit_test_teardown(test_client_killed, teardown),
		cmocka_unit_test_teardown(test_agent_killed, teardown),
		cmocka_unit_test_teardown(test_malformed, teardown),
		cmocka_unit_test_teardown(test_flood, teardown),
		cmocka_unit_test_teardown(test_concurrency, teardown),
		cmocka_unit_test_teardown(test_parallel_calls, teardown),
		cmocka_unit_test_teardown(test_release_after_call, teardown),
		cmocka_unit_test_teardown(test_shm_detach_busy, teardown),
		cmocka_unit_test_teardown(test_fork, teardown),
		cmocka_unit_test_teardown(test_upload_once, teardown),
		cmocka_unit_test_teardown(test_names, teardown),
		cmocka_unit_test_teardown(test_exec_policy, teardown),
		cmocka_unit_test_teardown(test_token, teardown),
		cmocka_unit_test_teardown(test_quotas, teardown),
		cmocka_unit_test_teardown(test_sigterm_drain, teardown),
		cmocka_unit_test_teardown(test_vport_resync, teardown),
		cmocka_unit_test_teardown(test_vsock, teardown),
		cmocka_unit_test_teardown(test_lying_worker, teardown),
	};
	return cmocka_run_group_tests_name("agent-faults", tests, NULL, NULL);
}
