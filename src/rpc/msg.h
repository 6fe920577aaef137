// SPDX-License-Identifier: Apache-2.0
/* Every message of docs/protocol.md §4-5 as a C struct, and one visitor
 * (vrpc_msg_io) that encodes or decodes any of them. */
#pragma once

#include "codec.h"
#include "sha256.h"

struct vrpc_arg {
	uint32_t type;
	uint32_t custom_id;
	struct vrpc_buf data;
};

/* dims are int64 on the wire for every op family */
struct vrpc_tensor {
	uint32_t data_type;
	uint32_t nr_dims;
	int64_t *dims;
	struct vrpc_buf data;
};

struct vrpc_node {
	char *name;
	int32_t id;
};

struct vrpc_blobdesc {
	char *name;
	uint8_t kind; /* VRPC_BLOB_FILE / _BUFFER */
	uint64_t size;
	uint8_t sha[VRPC_SHA256_LEN];
};

struct vrpc_plugininfo {
	char *name;
	char *version;
	uint32_t type;
	uint64_t ops;
};

struct vrpc_hello {
	uint16_t major, minor;
	uint32_t flags;
	uint64_t nonce;
	char *identity;
	void *token;
	uint32_t token_len;
};

struct vrpc_hello_r {
	uint16_t major, minor;
	uint32_t flags;
	uint64_t nonce;
	uint64_t conn;
	char *version;
	uint64_t ops;
	struct vrpc_kv *limits;
	uint32_t nr_limits;
	/* with status VERSION */
	uint16_t min_major, max_major;
};

struct vrpc_info_r {
	char *version;
	uint64_t ops;
	struct vrpc_plugininfo *plugins;
	uint32_t nr_plugins;
	struct vrpc_kv *limits;
	uint32_t nr_limits;
	struct vrpc_kv *stats;
	uint32_t nr_stats;
};

struct vrpc_res_create {
	uint8_t type;
	uint8_t layout;
	struct vrpc_blobdesc *blobs;
	uint32_t nr_blobs;
	/* reply with status NEED_UPLOAD */
	uint32_t *missing;
	uint32_t nr_missing;
};

/* EXEC, EXEC_WITH_RESOURCE, OPENCV */
struct vrpc_exec {
	char *library;
	char *symbol;
	struct vrpc_arg *read;
	uint32_t nr_read;
	struct vrpc_arg *write;
	uint32_t nr_write;
};

/* IMAGE_* */
struct vrpc_image {
	struct vrpc_buf image;
	uint64_t len_text;
	uint64_t len_name;
	/* reply */
	struct vrpc_buf text, name;
};

/* *_MODEL_RUN (tf, tflite, torch, onnx) and *_MODEL_LOAD/UNLOAD */
struct vrpc_model {
	struct vrpc_buf run_options;
	struct vrpc_node *in_nodes;
	uint32_t nr_in_nodes;
	struct vrpc_tensor *in;
	uint32_t nr_in;
	struct vrpc_node *out_nodes;
	uint32_t nr_out_nodes;
	uint32_t nr_outputs;
	/* reply */
	struct vrpc_tensor *out;
	uint32_t nr_out;
	uint8_t code; /* tf status code / tflite status */
	char *status_msg;
};

/* TORCH_SGEMM */
struct vrpc_tsgemm {
	struct vrpc_tensor a, b, c;
	int32_t m, n, k;
	/* reply */
	uint8_t has_out;
	struct vrpc_tensor out;
};

/* BLAS_SGEMM */
struct vrpc_sgemm {
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
	struct vrpc_buf a, b, c;
};

/* FPGA_* and MINMAX */
struct vrpc_arrays {
	struct vrpc_buf a, b, out1, out2;
	int32_t ndata, low, high;
	/* reply (MINMAX) */
	double min, max;
};

/* Buffers of a reply: write args (EXEC...), RES_SYNC blobs */
struct vrpc_bufs {
	struct vrpc_buf *bufs;
	uint32_t nr;
};

struct vrpc_msg {
	uint16_t type;
	bool reply;
	/* replies */
	uint32_t status;
	char *message;
	/* sessions, resources and ops */
	uint64_t session;
	uint64_t resource;
	uint32_t flags; /* SESS_INIT/UPDATE flags, RES_UNREGISTER flags */
	union {
		struct vrpc_hello hello;
		struct vrpc_hello_r hello_r;
		struct vrpc_buf ping;
		struct vrpc_info_r info_r;
		struct {
			uint32_t arena;
			uint64_t size;
		} shm;
		/* RING_OFFER: the ring sizes, client to agent and back */
		struct {
			uint32_t to_agent, to_client;
		} ring;
		struct {
			uint8_t sha[VRPC_SHA256_LEN];
			struct vrpc_buf data;
		} put;
		struct vrpc_res_create rc;
		struct vrpc_bufs bufs;
		struct vrpc_exec exec;
		struct vrpc_image image;
		struct vrpc_model model;
		struct vrpc_tsgemm tsgemm;
		struct vrpc_sgemm sgemm;
		struct vrpc_arrays arrays;
	} u;
};

/* Encode or decode the fields of `m` (m->type and m->reply say which
 * message; for replies m->status decides which fields follow). Decoding
 * sets everything from the wire. Returns io->err. */
uint32_t vrpc_msg_io(struct vrpc_io *io, struct vrpc_msg *m);

/* Ops whose request runs on a backend (the agent hands the reading of the
 * connection to another thread first). */
bool vrpc_op_computes(uint16_t type);
