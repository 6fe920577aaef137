// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the wire library (src/rpc): SHA-256, error table, header,
 * field codec and messages (round trips and malformed input), endpoint
 * addresses, the byte stream (padding, descriptors, deadlines), memfd
 * checks. No agent, no libvaccel. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "codec.h"
#include "msg.h"
#include "sha256.h"
#include "shm.h"
#include "stream.h"
#include "transport.h"
#include "wire.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel/error.h>
#include <vaccel/op.h>
/* after <sys/socket.h>: it uses sa_family_t without including it (a build
 * error with the arm64 and armhf multiarch kernel headers) */
#include <linux/vm_sockets.h>

/* ---- SHA-256 ------------------------------------------------------------ */

static void hex_of(const void *data, size_t len, char out[65])
{
	uint8_t d[32];
	vrpc_sha256(data, len, d);
	vrpc_sha256_hex(d, out);
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	char h[65];
	hex_of("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
			       "34ca495991b7852b855");
	hex_of("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
			       "a9cb410ff61f20015ad");
	const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
			"nopq";
	hex_of(s, strlen(s), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2"
			       "167f6ecedd419db06c1");
	/* one million 'a', in uneven pieces */
	size_t n = 1000000;
	char *m = malloc(n);
	memset(m, 'a', n);
	struct vrpc_sha256 c;
	vrpc_sha256_init(&c);
	for (size_t o = 0; o < n;) {
		size_t k = (o * 7 + 13) % 1000 + 1;
		k = k > n - o ? n - o : k;
		vrpc_sha256_update(&c, m + o, k);
		o += k;
	}
	uint8_t d[32];
	vrpc_sha256_final(&c, d);
	vrpc_sha256_hex(d, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a4972"
			       "00e046d39ccc7112cd0");
	free(m);
}

/* ---- errors ------------------------------------------------------------ */

static void test_error_table(void **state)
{
	(void)state;
	static const int codes[] = {
		VACCEL_OK,	  VACCEL_EINVAL,      VACCEL_ENOMEM,
		VACCEL_ENOTSUP,	  VACCEL_EINPROGRESS, VACCEL_EBUSY,
		VACCEL_EEXIST,	  VACCEL_ENOENT,      VACCEL_ELIBBAD,
		VACCEL_ENODEV,	  VACCEL_EIO,	      VACCEL_ESESS,
		VACCEL_EBACKEND,  VACCEL_ENOEXEC,     VACCEL_ENAMETOOLONG,
		VACCEL_EUSERS,	  VACCEL_EPERM,	      VACCEL_ELOOP,
		VACCEL_EMLINK,	  VACCEL_ENOSPC,      VACCEL_ENOTDIR,
		VACCEL_EROFS,	  VACCEL_EACCES,      VACCEL_EBADF,
		VACCEL_EREMOTEIO, VACCEL_EFAULT,      VACCEL_ERANGE,
		VACCEL_EAGAIN,	  VACCEL_ENOSYS,      VACCEL_ETIMEDOUT,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint32_t w = vrpc_err_to_wire(codes[i]);
		assert_true(w < VRPC_E_PROTO);
		assert_int_equal(vrpc_err_from_wire(w), codes[i]);
	}
	/* stable numbers */
	assert_int_equal(vrpc_err_to_wire(VACCEL_EINVAL), 1);
	assert_int_equal(vrpc_err_to_wire(VACCEL_ETIMEDOUT), 8);
	assert_int_equal(vrpc_err_to_wire(VACCEL_ESESS), 18);
	assert_int_equal(vrpc_err_to_wire(EDOM), VRPC_E_UNKNOWN);
	assert_int_equal(vrpc_err_from_wire(VRPC_E_AUTH), VACCEL_EACCES);
	assert_int_equal(vrpc_err_from_wire(12345), VACCEL_EIO);
	assert_string_equal(vrpc_err_name(VRPC_E_PROTO), "PROTO");
	assert_string_equal(vrpc_type_name(VRPC_T_OP + VACCEL_OP_MINMAX),
			    "OP_MINMAX");
	assert_null(vrpc_type_name(VRPC_T_OP + 24));
	assert_null(vrpc_type_name(VRPC_T_OP + VACCEL_OP_EXT_MAX));
	assert_string_equal(vrpc_type_name(7), "NOTICE");
	assert_string_equal(vrpc_type_name(8), "RING_OFFER");
	assert_null(vrpc_type_name(9));
}

/* ---- header ------------------------------------------------------------ */

static void test_header(void **state)
{
	(void)state;
	struct vrpc_hdr h = { VRPC_MAGIC,   1,	300,
			      VRPC_F_REPLY, 77, 0x0102030405060708ull,
			      1ull << 40 };
	uint8_t b[VRPC_HDR_SIZE], expect_magic[4] = { 'V', 'A', 'C', 'R' };
	vrpc_hdr_pack(&h, b);
	assert_memory_equal(b, expect_magic, 4);
	assert_int_equal(b[16], 8); /* little-endian */
	struct vrpc_hdr g;
	vrpc_hdr_unpack(b, &g);
	assert_memory_equal(&g, &h, sizeof(h));
	assert_int_equal(vrpc_hdr_check(&g, 1, 100, 1ull << 41), 0);
	assert_int_equal(vrpc_hdr_check(&g, 2, 100, 1ull << 41),
			 VRPC_E_VERSION);
	assert_int_equal(vrpc_hdr_check(&g, 0, 100, 1ull << 41), 0);
	assert_int_equal(vrpc_hdr_check(&g, 1, 76, 1ull << 41), VRPC_E_TOOBIG);
	g.bulk_len = 1ull << 63;
	assert_int_equal(vrpc_hdr_check(&g, 1, 100, 1ull << 41), VRPC_E_TOOBIG);
	g = h;
	g.flags |= 0x80;
	assert_int_equal(vrpc_hdr_check(&g, 1, 100, 1ull << 41), VRPC_E_PROTO);
	g = h;
	g.magic ^= 1;
	assert_int_equal(vrpc_hdr_check(&g, 1, 100, 1ull << 41), VRPC_E_PROTO);
}

/* ---- messages ---------------------------------------------------------- */

/* Encode `m`, then decode the frame into `out` (fields in `pool`); bulk
 * bytes are placed into fresh buffers from the pool. */
static uint32_t roundtrip(struct vrpc_msg *m, struct vrpc_msg *out,
			  struct vrpc_pool *pool)
{
	struct vrpc_io enc;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&enc);
	assert_int_equal(vrpc_msg_io(&enc, m), 0);
	assert_int_equal(vrpc_io_frame(&enc, m->type,
				       m->reply ? VRPC_F_REPLY : 0, 9, &iov,
				       &niov),
			 0);
	/* flatten the frame */
	size_t total = 0;
	for (size_t i = 0; i < niov; i++)
		total += iov[i].iov_len;
	uint8_t *flat = vrpc_pool_alloc(pool, total);
	for (size_t i = 0, o = 0; i < niov; i++) {
		memcpy(flat + o, iov[i].iov_base, iov[i].iov_len);
		o += iov[i].iov_len;
	}
	vrpc_io_release(&enc);

	struct vrpc_hdr h;
	vrpc_hdr_unpack(flat, &h);
	struct vrpc_limits lim;
	vrpc_limits_default(&lim);
	assert_int_equal(vrpc_hdr_check(&h, 1, lim.max_fields, lim.max_bulk),
			 0);
	struct vrpc_io dec;
	vrpc_io_init_dec(&dec, flat + VRPC_HDR_SIZE, h.fields_len, pool, &lim);
	memset(out, 0, sizeof(*out));
	out->type = h.type;
	out->reply = h.flags & VRPC_F_REPLY;
	vrpc_msg_io(&dec, out);
	uint32_t err = vrpc_io_finish_dec(&dec, h.bulk_len);
	const uint8_t *bulk = flat + VRPC_HDR_SIZE + h.fields_len;
	for (size_t i = 0; !err && i < dec.nbufs; i++) {
		if (dec.bufs[i]->kind != VRPC_BUF_INLINE)
			continue;
		dec.bufs[i]->data = (void *)bulk;
		bulk += dec.bufs[i]->len;
	}
	vrpc_io_release(&dec);
	return err;
}

static void test_msg_hello(void **state)
{
	(void)state;
	struct vrpc_pool pool = { 0 };
	struct vrpc_msg m = { .type = VRPC_T_HELLO }, r;
	m.u.hello = (struct vrpc_hello){ 1,  0,		 VRPC_HELLO_WANT_SHM,
					 42, "app[1]@h", "sekrit",
					 6 };
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.u.hello.nonce, 42);
	assert_string_equal(r.u.hello.identity, "app[1]@h");
	assert_int_equal(r.u.hello.token_len, 6);
	assert_memory_equal(r.u.hello.token, "sekrit", 6);

	struct vrpc_limits lim;
	struct vrpc_kv kv[VRPC_NR_LIMITS];
	vrpc_limits_default(&lim);
	lim.max_sessions = 3;
	m = (struct vrpc_msg){ .type = VRPC_T_HELLO, .reply = true };
	m.u.hello_r = (struct vrpc_hello_r){
		.major = 1,
		.nonce = 42,
		.conn = 7,
		.version = "0.7.1",
		.ops = 0x1234,
		.limits = kv,
		.nr_limits = (uint32_t)vrpc_limits_to_kv(&lim, kv)
	};
	assert_int_equal(m.u.hello_r.nr_limits, VRPC_NR_LIMITS);
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	struct vrpc_limits got;
	memset(&got, 0, sizeof(got));
	vrpc_limits_from_kv(&got, r.u.hello_r.limits, r.u.hello_r.nr_limits);
	assert_memory_equal(&got, &lim, sizeof(lim));
	assert_string_equal(r.u.hello_r.version, "0.7.1");

	/* a VERSION error carries the supported range */
	m = (struct vrpc_msg){ .type = VRPC_T_HELLO,
			       .reply = true,
			       .status = VRPC_E_VERSION,
			       .message = "no" };
	m.u.hello_r.min_major = 1;
	m.u.hello_r.max_major = 1;
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.status, VRPC_E_VERSION);
	assert_string_equal(r.message, "no");
	assert_int_equal(r.u.hello_r.max_major, 1);
	vrpc_pool_release(&pool);
}

static void test_msg_exec(void **state)
{
	(void)state;
	struct vrpc_pool pool = { 0 };
	int32_t in = 10, out = 0;
	char big[3000];
	memset(big, 'x', sizeof(big));
	struct vrpc_arg rd[2] = {
		{ 5, 0, { VRPC_BUF_INLINE, 4, 0, 0, &in } },
		{ 28, 0, { VRPC_BUF_INLINE, sizeof(big), 0, 0, big } },
	};
	struct vrpc_arg wr[1] = {
		{ 5, 0, { VRPC_BUF_INLINE, 4, 0, 0, &out } }
	};
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_EXEC,
			      .session = 3 },
			r;
	m.u.exec = (struct vrpc_exec){
		"libmytestlib.so", "mytestfunc", rd, 2, wr, 1
	};
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.session, 3);
	assert_string_equal(r.u.exec.library, "libmytestlib.so");
	assert_int_equal(r.u.exec.nr_read, 2);
	assert_int_equal(r.u.exec.read[1].data.len, sizeof(big));
	assert_memory_equal(r.u.exec.read[1].data.data, big, sizeof(big));
	assert_memory_equal(r.u.exec.read[0].data.data, &in, 4);
	assert_int_equal(r.u.exec.write[0].type, 5);

	/* exec_with_resource has a resource and no library */
	m.type = VRPC_T_OP + VACCEL_OP_EXEC_WITH_RESOURCE;
	m.resource = 11;
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.resource, 11);
	assert_null(r.u.exec.library);

	/* an SHM buf keeps arena and offset and has no bulk */
	struct vrpc_msg p = { .type = VRPC_T_PING };
	p.u.ping = (struct vrpc_buf){ VRPC_BUF_SHM, 1 << 20, 2, 4096, NULL };
	assert_int_equal(roundtrip(&p, &r, &pool), 0);
	assert_int_equal(r.u.ping.kind, VRPC_BUF_SHM);
	assert_int_equal(r.u.ping.arena, 2);
	assert_int_equal(r.u.ping.off, 4096);
	vrpc_pool_release(&pool);
}

/* A seeded pool serves its first allocations from the caller's storage,
 * zeroed (also after a release: a reused request must not show the last
 * one's bytes), and the rest from the heap; a message with more buffers
 * than the decoder keeps inline decodes whole. */
static void test_pool_seed(void **state)
{
	(void)state;
	_Alignas(16) uint8_t seed[256];
	memset(seed, 0xaa, sizeof(seed));
	struct vrpc_pool pool = { 0 };
	vrpc_pool_seed(&pool, seed, sizeof(seed));
	uint8_t *a = vrpc_pool_alloc(&pool, 10);
	uint8_t *b = vrpc_pool_alloc(&pool, 200);
	uint8_t *c = vrpc_pool_alloc(&pool, 40);
	assert_ptr_equal(a, seed);
	assert_ptr_equal(b, seed + 16);
	assert_true(c && (c + 40 <= seed || c >= seed + sizeof(seed)));
	assert_int_equal((uintptr_t)c % 16, 0);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(b[i], 0);
	memset(a, 0x55, 16);
	memset(b, 0x55, 200);
	memset(c, 0x55, 40);
	vrpc_pool_release(&pool);
	uint8_t *d = vrpc_pool_alloc(&pool, 256);
	assert_ptr_equal(d, seed);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(d[i], 0);
	vrpc_pool_release(&pool);

	/* 20 read args: more than the decoder's inline slots */
	int32_t v[20];
	struct vrpc_arg rd[20];
	for (int i = 0; i < 20; i++) {
		v[i] = 1000 + i;
		rd[i] = (struct vrpc_arg){
			5, 0, { VRPC_BUF_INLINE, 4, 0, 0, &v[i] }
		};
	}
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_EXEC,
			      .session = 3 },
			r;
	m.u.exec = (struct vrpc_exec){ "lib.so", "f", rd, 20, NULL, 0 };
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.u.exec.nr_read, 20);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(r.u.exec.read[i].data.len, 4);
		assert_memory_equal(r.u.exec.read[i].data.data, &v[i], 4);
	}
	assert_string_equal(r.u.exec.symbol, "f");
	vrpc_pool_release(&pool);
}

static void test_msg_model(void **state)
{
	(void)state;
	struct vrpc_pool pool = { 0 };
	int64_t dims[4] = { 1, 3, 2, 2 };
	float data[12] = { 1, 2, 3 };
	struct vrpc_tensor t = {
		1, 4, dims, { VRPC_BUF_INLINE, sizeof(data), 0, 0, data }
	};
	struct vrpc_node nodes[1] = { { "serving_default", 0 } };
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_TF_MODEL_RUN,
			      .session = 1,
			      .resource = 2 },
			r;
	m.u.model.in_nodes = nodes;
	m.u.model.nr_in_nodes = 1;
	m.u.model.in = &t;
	m.u.model.nr_in = 1;
	m.u.model.out_nodes = nodes;
	m.u.model.nr_out_nodes = 1;
	m.u.model.run_options.kind = VRPC_BUF_NONE;
	assert_int_equal(roundtrip(&m, &r, &pool), 0);
	assert_int_equal(r.u.model.nr_outputs, 1);
	assert_int_equal(r.u.model.in[0].nr_dims, 4);
	assert_int_equal(r.u.model.in[0].dims[3], 2);
	assert_memory_equal(r.u.model.in[0].data.data, data, sizeof(data));

	/* a failed TF run still carries its status */
	struct vrpc_msg e = { .type = VRPC_T_OP + VACCEL_OP_TF_MODEL_RUN,
			      .reply = true,
			      .status = VRPC_E_BACKEND };
	e.u.model.code = 3;
	e.u.model.status_msg = "bad input";
	assert_int_equal(roundtrip(&e, &r, &pool), 0);
	assert_int_equal(r.u.model.code, 3);
	assert_string_equal(r.u.model.status_msg, "bad input");
	assert_int_equal(r.u.model.nr_out, 0);

	/* RES_CREATE and its NEED_UPLOAD reply */
	struct vrpc_blobdesc b[2] = { { "model.onnx", VRPC_BLOB_FILE, 100 },
				      { "labels.txt", VRPC_BLOB_FILE, 7 } };
	memset(b[1].sha, 0xab, 32);
	struct vrpc_msg c = { .type = VRPC_T_RES_CREATE, .session = 4 };
	c.u.rc = (struct vrpc_res_create){ 2, VRPC_LAYOUT_FILES, b, 2 };
	assert_int_equal(roundtrip(&c, &r, &pool), 0);
	assert_int_equal(r.u.rc.nr_blobs, 2);
	assert_memory_equal(r.u.rc.blobs[1].sha, b[1].sha, 32);
	uint32_t missing[1] = { 1 };
	c = (struct vrpc_msg){ .type = VRPC_T_RES_CREATE,
			       .reply = true,
			       .status = VRPC_E_NEED_UPLOAD };
	c.u.rc.missing = missing;
	c.u.rc.nr_missing = 1;
	assert_int_equal(roundtrip(&c, &r, &pool), 0);
	assert_int_equal(r.u.rc.nr_missing, 1);
	assert_int_equal(r.u.rc.missing[0], 1);
	vrpc_pool_release(&pool);
}

/* Decode `fields` as a request of `type`; returns the error. */
static uint32_t decode(uint16_t type, const void *fields, size_t len,
		       uint64_t bulk)
{
	struct vrpc_pool pool = { 0 };
	struct vrpc_limits lim;
	vrpc_limits_default(&lim);
	lim.max_args = 16;
	struct vrpc_io dec;
	struct vrpc_msg m = { .type = type };
	vrpc_io_init_dec(&dec, fields, len, &pool, &lim);
	vrpc_msg_io(&dec, &m);
	uint32_t err = vrpc_io_finish_dec(&dec, bulk);
	vrpc_io_release(&dec);
	vrpc_pool_release(&pool);
	return err;
}

/* Every prefix of a valid message is refused, and so is every message with
 * extra bytes or a wrong bulk total. */
static void test_msg_malformed(void **state)
{
	(void)state;
	int32_t in = 1;
	struct vrpc_arg rd = { 5, 0, { VRPC_BUF_INLINE, 4, 0, 0, &in } };
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_EXEC };
	m.u.exec = (struct vrpc_exec){ "lib", "fn", &rd, 1, NULL, 0 };
	struct vrpc_io enc;
	vrpc_io_init_enc(&enc);
	assert_int_equal(vrpc_msg_io(&enc, &m), 0);
	size_t len = enc.len;
	uint8_t *f = malloc(len + 1);
	memcpy(f, enc.out, len);
	vrpc_io_release(&enc);

	assert_int_equal(decode(m.type, f, len, 4), 0);
	for (size_t i = 0; i < len; i++)
		assert_int_not_equal(decode(m.type, f, i, 4), 0);
	f[len] = 0;
	assert_int_equal(decode(m.type, f, len + 1, 4), VRPC_E_PROTO);
	assert_int_equal(decode(m.type, f, len, 5), VRPC_E_PROTO);
	assert_int_equal(decode(m.type, f, len, 0), VRPC_E_PROTO);
	assert_int_equal(decode(999, f, len, 4), VRPC_E_PROTO);

	/* an arg count over the limit, a huge count, a huge buf */
	uint8_t hdr[16] = { 0 };
	memcpy(hdr, "\1\0\0\0\0\0\0\0", 8); /* session 1 */
	uint8_t big[64] = { 0 };
	memcpy(big, hdr, 8);
	big[8] = 1, big[12] = 'l';  /* str "l" */
	big[13] = 1, big[17] = 'f'; /* str "f" */
	memset(big + 18, 0xff, 4);  /* read count 2^32-1 */
	assert_int_equal(decode(m.type, big, 22, 0), VRPC_E_TOOBIG);
	big[18] = 17, big[19] = big[20] = big[21] = 0; /* 17 > max_args */
	assert_int_equal(decode(m.type, big, 22, 0), VRPC_E_TOOBIG);
	big[18] = 3; /* 3 args but no bytes for them */
	assert_int_equal(decode(m.type, big, 22, 0), VRPC_E_PROTO);
	/* one arg whose INLINE buf claims 2^63 bytes */
	big[18] = 1;
	memset(big + 22, 0, 8); /* type, custom id */
	big[30] = VRPC_BUF_INLINE;
	memset(big + 31, 0, 8);
	big[38] = 0x80;		/* len 2^63 */
	memset(big + 39, 0, 4); /* write count 0 */
	assert_int_equal(decode(m.type, big, 43, 0), VRPC_E_TOOBIG);
	big[30] = 9; /* unknown buf kind */
	assert_int_equal(decode(m.type, big, 43, 0), VRPC_E_PROTO);
	/* a string with a NUL inside */
	big[30] = VRPC_BUF_NONE;
	big[38] = 0;
	assert_int_equal(decode(m.type, big, 43, 0), 0);
	big[12] = 0;
	assert_int_equal(decode(m.type, big, 43, 0), VRPC_E_PROTO);
	free(f);
}

/* Random bytes never crash a decoder of any type (a tiny fuzz pass; the
 * libFuzzer target in tests/fuzz goes further). */
static void test_msg_random(void **state)
{
	(void)state;
	uint8_t buf[256];
	unsigned seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rand_r(&seed) & 0x0f ? rand_r(&seed)
								: 0);
		uint16_t type = (uint16_t)(rand_r(&seed) % 300);
		decode(type, buf, len, (uint64_t)(rand_r(&seed) % 64));
	}
}

/* ---- addresses --------------------------------------------------------- */

static void test_addr_parse(void **state)
{
	(void)state;
	struct vrpc_addr a;
	char s[PATH_MAX + 32];
	assert_int_equal(vrpc_addr_parse("unix:///run/vaccel/agent.sock", &a),
			 0);
	assert_string_equal(a.t->scheme, "unix");
	assert_string_equal(a.path, "/run/vaccel/agent.sock");
	assert_true(a.t->pass_fds);
	assert_false(a.t->needs_token);

	assert_int_equal(vrpc_addr_parse("tcp://127.0.0.1:5555", &a), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 5555);
	assert_true(a.t->needs_token);
	assert_int_equal(vrpc_addr_parse("tcp://[::1]:80", &a), 0);
	assert_string_equal(a.host, "::1");
	vrpc_addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "tcp://[::1]:80");
	assert_int_equal(vrpc_addr_parse("tcp://localhost:0", &a), 0);
	assert_int_equal(vrpc_addr_parse("tcp://h:65536", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("tcp://h:-1", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("tcp://h", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("tcp://:5", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("tcp://::1:5", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("tcp://[::1]5", &a), VACCEL_EINVAL);

	assert_int_equal(vrpc_addr_parse("vsock://3:1024", &a), 0);
	assert_int_equal(a.cid, 3);
	assert_int_equal(a.port, 1024);
	assert_true(a.t->needs_token);
	vrpc_addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "vsock://3:1024");
	assert_int_equal(vrpc_addr_parse("vsock://host:2048", &a), 0);
	assert_int_equal(a.cid, VMADDR_CID_HOST);
	assert_int_equal(vrpc_addr_parse("vsock://any:2048", &a), 0);
	assert_int_equal(a.cid, VMADDR_CID_ANY);
	assert_int_equal(vrpc_addr_parse("vsock://local:1", &a), 0);
	assert_int_equal(a.cid, 1);
	assert_int_equal(vrpc_addr_parse("vsock://3", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vsock://:3", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vsock://x:3", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vsock://3:4294967296", &a),
			 VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vsock://3:99x", &a), VACCEL_EINVAL);

	assert_int_equal(vrpc_addr_parse("vport://org.vaccel.agent.0", &a), 0);
	assert_string_equal(a.path, "/dev/virtio-ports/org.vaccel.agent.0");
	assert_true(a.t->resync);
	assert_false(a.t->pass_fds);
	assert_int_equal(vrpc_addr_parse("vport:///dev/vport0p1", &a), 0);
	assert_string_equal(a.path, "/dev/vport0p1");
	assert_int_equal(vrpc_addr_parse("vport://../x", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vport://..", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("vport://", &a), VACCEL_EINVAL);

	assert_int_equal(vrpc_addr_parse("http://x", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("/run/x.sock", &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse("unix://", &a), VACCEL_EINVAL);
	memset(s, 'a', 200);
	memcpy(s, "unix://", 7);
	s[200] = 0;
	assert_int_equal(vrpc_addr_parse(s, &a), VACCEL_EINVAL);
	assert_int_equal(vrpc_addr_parse(NULL, &a), VACCEL_EINVAL);
}

/* vsock: the socket is created and bound to any CID; no connection is
 * ever attempted (there is no vhost-vsock here, and CID 2 is off limits). */
static void test_vsock_socket(void **state)
{
	(void)state;
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("skipped: AF_VSOCK sockets unavailable (%s)\n",
		       strerror(errno));
		skip();
	}
	close(fd);
	struct vrpc_addr a;
	assert_int_equal(vrpc_addr_parse("vsock://any:0", &a), 0);
	a.port = VMADDR_PORT_ANY;
	fd = a.t->listen(&a, 4);
	if (fd < 0) {
		printf("note: vsock listen refused (error %d): no "
		       "transport\n",
		       -fd);
		assert_true(fd == -VACCEL_ENODEV || fd == -VACCEL_EIO ||
			    fd == -VACCEL_EBUSY);
		return;
	}
	close(fd);
}

/* ---- stream and endpoints ---------------------------------------------- */

static void test_stream_socketpair(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct vrpc_stream a, b;
	assert_int_equal(vrpc_stream_init(&a, sv[0], 64), 0);
	assert_int_equal(vrpc_stream_init(&b, sv[1], 64), 0);
	assert_true(a.pass_fds && a.is_socket);

	/* padding, a header with a descriptor, then a large payload read
	 * straight to its destination */
	uint8_t pad[100] = { 0 };
	struct vrpc_hdr h = { VRPC_MAGIC, 1,   VRPC_T_SHM_ATTACH, VRPC_F_FD, 0,
			      5,	  1000 };
	uint8_t hb[VRPC_HDR_SIZE];
	vrpc_hdr_pack(&h, hb);
	uint8_t payload[1000];
	for (int i = 0; i < 1000; i++)
		payload[i] = (uint8_t)i;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct iovec iov[3] = { { pad, sizeof(pad) },
				{ hb, sizeof(hb) },
				{ payload, sizeof(payload) } };
	assert_int_equal(vrpc_stream_writev(&a, iov, 3, pfd[0], 0), 0);
	close(pfd[0]);
	struct vrpc_hdr g;
	assert_int_equal(vrpc_stream_read_hdr(&b, &g, 0), 0);
	assert_int_equal(g.id, 5);
	uint8_t got[1000];
	assert_int_equal(vrpc_stream_read(&b, got, sizeof(got), 0), 0);
	assert_memory_equal(got, payload, sizeof(got));
	int fd = vrpc_stream_take_fd(&b);
	assert_true(fd >= 0);
	assert_int_equal(vrpc_stream_take_fd(&b), -1);
	assert_int_equal(write(pfd[1], "z", 1), 1);
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'z');
	close(fd);
	close(pfd[1]);

	/* nothing to read: the deadline is honoured on a non-blocking fd */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	b.nonblock = true;
	int64_t t0 = vrpc_now_ns();
	assert_int_equal(vrpc_stream_read(&b, got, 1, vrpc_deadline(50)),
			 VACCEL_ETIMEDOUT);
	assert_true(vrpc_now_ns() - t0 >= 45000000);
	/* end of stream */
	vrpc_stream_release(&a);
	assert_int_equal(vrpc_stream_read(&b, got, 1, vrpc_deadline(1000)),
			 VACCEL_EIO);
	vrpc_stream_release(&b);
}

static int send_with_fds(int sock, const char *bytes, int n)
{
	int fds[VRPC_STREAM_MAX_FDS + 1];
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} ctl;
	for (int i = 0; i < n; i++)
		fds[i] = dup(0);
	struct iovec iov = { (void *)bytes, strlen(bytes) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	ssize_t r = sendmsg(sock, &mh, 0);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return r == (ssize_t)strlen(bytes) ? 0 : -1;
}

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* A client polling for its reply (vrpc_stream_ready_by, as the rpc
 * plugin does around a short call) reads the bytes and descriptors as
 * they come; a read that fails there fails the next fill and read. */
static void test_stream_ready_by(void **state)
{
	(void)state;
	int base = open_fds();
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct vrpc_stream b;
	assert_int_equal(vrpc_stream_init(&b, sv[1], 64), 0);
	assert_true(b.pass_fds);

	/* nothing comes: false once the spin ends */
	int64_t t0 = vrpc_now_ns();
	assert_false(vrpc_stream_ready_by(&b, 0, t0 + 2000000));
	assert_true(vrpc_now_ns() - t0 >= 2000000);

	/* bytes and a descriptor: buffered by the poll itself */
	assert_int_equal(send_with_fds(sv[0], "reply", 1), 0);
	assert_true(vrpc_stream_ready_by(&b, 0, vrpc_now_ns() + 1000000000));
	assert_int_equal(b.rlen - b.rpos, 5);
	assert_int_equal(b.nfds, 1);
	assert_int_equal(vrpc_stream_fill(&b, vrpc_deadline(100)), 0);
	char got[8] = { 0 };
	assert_int_equal(vrpc_stream_read(&b, got, 5, vrpc_deadline(100)), 0);
	assert_string_equal(got, "reply");
	int fd = vrpc_stream_take_fd(&b);
	assert_true(fd >= 0);
	close(fd);

	/* more descriptors than a stream keeps unclaimed (as many as it
	 * keeps, then one more: not a truncated control message, which
	 * qemu-user does not report): the poll says ready, and the fill and
	 * the read that follow fail (the connection is dead) */
	assert_int_equal(send_with_fds(sv[0], "x", VRPC_STREAM_MAX_FDS), 0);
	assert_true(vrpc_stream_ready_by(&b, 0, vrpc_now_ns() + 1000000000));
	assert_int_equal(b.nfds, VRPC_STREAM_MAX_FDS);
	assert_int_equal(vrpc_stream_read(&b, got, 1, vrpc_deadline(100)), 0);
	assert_int_equal(send_with_fds(sv[0], "y", 1), 0);
	assert_true(vrpc_stream_ready_by(&b, 0, vrpc_now_ns() + 1000000000));
	assert_int_equal(vrpc_stream_fill(&b, vrpc_deadline(100)), VACCEL_EIO);
	assert_int_equal(vrpc_stream_read(&b, got, 1, vrpc_deadline(100)),
			 VACCEL_EIO);
	close(sv[0]);
	vrpc_stream_release(&b);
	assert_int_equal(open_fds(), base);
}

static void test_endpoints_connect(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vrpc-test-%d.sock", (int)getpid());
	char uri[128];
	snprintf(uri, sizeof(uri), "unix://%s", path);
	struct vrpc_addr a;
	assert_int_equal(vrpc_addr_parse(uri, &a), 0);
	int l = a.t->listen(&a, 4);
	assert_true(l >= 0);
	/* a second listener on a live socket is refused */
	assert_int_equal(a.t->listen(&a, 4), -VACCEL_EBUSY);
	int c = a.t->connect(&a, vrpc_deadline(1000));
	assert_true(c >= 0);
	assert_true(fcntl(c, F_GETFL) & O_NONBLOCK);
	struct vrpc_peer peer = { 0 };
	int s = a.t->accept(l, &peer);
	assert_true(s >= 0);
	assert_true(peer.has_cred);
	assert_int_equal(peer.pid, getpid());
	close(s);
	close(c);
	close(l);
	/* a stale socket file is replaced */
	l = a.t->listen(&a, 4);
	assert_true(l >= 0);
	close(l);
	a.t->unlisten(&a);
	assert_int_equal(a.t->connect(&a, vrpc_deadline(100)), -VACCEL_ENOENT);

	/* vport falls back to a UNIX socket standing in for the port */
	assert_int_equal(vrpc_addr_parse(uri, &a), 0);
	l = a.t->listen(&a, 4);
	snprintf(uri, sizeof(uri), "vport://%s", path);
	struct vrpc_addr v;
	assert_int_equal(vrpc_addr_parse(uri, &v), 0);
	c = v.t->connect(&v, vrpc_deadline(1000));
	assert_true(c >= 0);
	close(c);
	close(l);
	a.t->unlisten(&a);
	assert_int_equal(vrpc_addr_parse("vport://no-such-port-here", &v), 0);
	assert_int_equal(v.t->connect(&v, vrpc_deadline(100)), -VACCEL_ENOENT);

	/* tcp with port 0: the port chosen is reported */
	assert_int_equal(vrpc_addr_parse("tcp://127.0.0.1:0", &a), 0);
	l = a.t->listen(&a, 4);
	assert_true(l >= 0);
	assert_true(a.port > 0);
	c = a.t->connect(&a, vrpc_deadline(1000));
	assert_true(c >= 0);
	s = a.t->accept(l, &peer);
	assert_true(s >= 0);
	assert_non_null(strstr(peer.desc, "127.0.0.1"));
	close(s);
	close(c);
	close(l);
	/* nobody listening */
	assert_true(a.t->connect(&a, vrpc_deadline(1000)) < 0);
}

static void test_shm(void **state)
{
	(void)state;
	int fd;
	void *map;
	assert_int_equal(vrpc_shm_create(1 << 20, &fd, &map), 0);
	memset(map, 7, 1 << 20);
	void *peer;
	assert_int_equal(vrpc_shm_map_peer(fd, 1 << 20, &peer), 0);
	assert_int_equal(((uint8_t *)peer)[12345], 7);
	/* it cannot shrink */
	assert_int_not_equal(ftruncate(fd, 4096), 0);
	/* a larger size than the memfd is refused */
	assert_int_equal(vrpc_shm_map_peer(fd, 2 << 20, &peer), VACCEL_EINVAL);
	munmap(map, 1 << 20);
	close(fd);
	/* an unsealed memfd, a pipe: refused */
	fd = memfd_create("x", MFD_CLOEXEC);
	assert_int_equal(ftruncate(fd, 4096), 0);
	assert_int_equal(vrpc_shm_map_peer(fd, 4096, &peer), VACCEL_EPERM);
	close(fd);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vrpc_shm_map_peer(p[0], 4096, &peer), VACCEL_EPERM);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_msg_hello),
		cmocka_unit_test(test_msg_exec),
		cmocka_unit_test(test_pool_seed),
		cmocka_unit_test(test_msg_model),
		cmocka_unit_test(test_msg_malformed),
		cmocka_unit_test(test_msg_random),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_vsock_socket),
		cmocka_unit_test(test_stream_socketpair),
		cmocka_unit_test(test_stream_ready_by),
		cmocka_unit_test(test_endpoints_connect),
		cmocka_unit_test(test_shm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
