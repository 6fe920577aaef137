// SPDX-License-Identifier: Apache-2.0
/* Write valid frames of many message types into DIR (the fuzzer's seed
 * corpus): usage: fuzz-frame-seeds DIR */
#include "codec.h"
#include "msg.h"
#include "wire.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <vaccel/op.h>
#include <vaccel/resource.h>

static int n;

static void save(const char *dir, struct vrpc_msg *m)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	char path[1024];
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, m);
	if (vrpc_io_frame(&io, m->type, m->reply ? VRPC_F_REPLY : 0, 1, &iov,
			  &niov))
		return;
	snprintf(path, sizeof(path), "%s/seed-%03d", dir, n++);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	/* header and fields only (one iovec, or two): the bulk is not
	 * decoded */
	size_t left = VRPC_HDR_SIZE + io.len;
	for (size_t i = 0; i < niov && left; i++) {
		size_t part = iov[i].iov_len < left ? iov[i].iov_len : left;
		fwrite(iov[i].iov_base, 1, part, f);
		left -= part;
	}
	fclose(f);
	vrpc_io_release(&io);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *d = argv[1];
	mkdir(d, 0755);
	static char data[64] = "some bytes";
	int64_t dims[3] = { 1, 2, 8 };
	struct vrpc_buf b = { VRPC_BUF_INLINE, 16, 0, 0, data };
	struct vrpc_arg a[2] = { { 5, 0, b }, { 28, 0, b } };
	struct vrpc_tensor t = { 1, 3, dims, b };
	struct vrpc_node nd = { "in", 0 };
	struct vrpc_blobdesc bl = { "model.onnx", 0, 100 };
	struct vrpc_kv kv[2] = { { 1, 4096 }, { 3, 4 } };
	struct vrpc_msg m;

	m = (struct vrpc_msg){ .type = VRPC_T_HELLO };
	m.u.hello = (struct vrpc_hello){ 1, 0, 1, 9, "seed", "token", 5 };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_HELLO, .reply = true };
	m.u.hello_r = (struct vrpc_hello_r){ 1, 0, 1, 9, 1, "0.7", 7, kv, 2 };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_PING };
	m.u.ping = b;
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_RES_CREATE, .session = 1 };
	m.u.rc = (struct vrpc_res_create){ 2, 1, &bl, 1 };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_EXEC,
			       .session = 1 };
	m.u.exec = (struct vrpc_exec){ "lib.so", "fn", a, 2, a, 1 };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_TF_MODEL_RUN,
			       .session = 1,
			       .resource = 2 };
	m.u.model = (struct vrpc_model){ .in_nodes = &nd,
					 .nr_in_nodes = 1,
					 .in = &t,
					 .nr_in = 1,
					 .out_nodes = &nd,
					 .nr_out_nodes = 1 };
	m.u.model.run_options.kind = VRPC_BUF_NONE;
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_ONNX_MODEL_RUN,
			       .reply = true };
	m.u.model.out = &t;
	m.u.model.nr_out = 1;
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_BLAS_SGEMM };
	m.u.sgemm = (struct vrpc_sgemm){ 2, 2, 2, 2, 2, 2, 1, 0, b, b, b };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_MINMAX };
	m.u.arrays = (struct vrpc_arrays){ .a = b, .out1 = b, .ndata = 2 };
	save(d, &m);
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY };
	m.u.image = (struct vrpc_image){ .image = b,
					 .len_text = 10,
					 .len_name = 10 };
	save(d, &m);
	printf("%d seeds in %s\n", n, d);
	return 0;
}
