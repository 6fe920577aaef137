// SPDX-License-Identifier: Apache-2.0
/* Control messages between the front and a worker (ctl.c): one fixed-size
 * message per SOCK_SEQPACKET datagram, a descriptor with CONN. The front
 * trusts nothing a worker sends: ctl_recv checks sizes and terminates
 * every string, and the front checks every id against its own tables. */
#pragma once

#include "agent.h"
#include "codec.h"
#include "stats.h"
#include <stdint.h>

enum ctl_type {
	/* front -> worker: serve this connection (fd attached) */
	CTL_CONN = 1,
	/* front -> worker: stop reading, finish calls in flight, exit */
	CTL_EXIT,
	/* worker -> front: backends loaded (ops), serving */
	CTL_READY,
	/* worker -> front: connection `conn` ended */
	CTL_CLOSED,
	/* worker -> front: about to end, and why (`data`) */
	CTL_DYING,
	/* worker -> front, every second: a tenant's counters (`stats`) */
	CTL_TENANT,
	/* worker -> front, every second: its op counters (struct ctl_ops) */
	CTL_OPS,
};

#define CTL_DATA_MAX 1024

struct ctl_msg {
	uint32_t type;
	/* CONN: transport can pass descriptors (a UNIX socket) */
	uint8_t pass_fds;
	/* CONN: the transport requires a token (TCP, vsock) */
	uint8_t needs_token;
	/* CONN: the client may send shared memory (its HELLO asked, the
	 * transport and the agent allow) */
	uint8_t shm_ok;
	uint64_t conn;
	uint64_t ops;
	char tenant[TENANT_MAX + 1];
	char peer[160];
	char listen[160];
	/* CONN: the token that authenticated the connection (a new HELLO on
	 * the same stream must bring it again) */
	uint32_t token_len;
	uint8_t token[VRPC_MAX_TOKEN];
	/* CONN: the identity of the client's HELLO (answered by the front) */
	char identity[VRPC_MAX_IDENTITY + 1];
	/* DYING: the reason (text) */
	uint32_t data_len;
	uint8_t data[CTL_DATA_MAX];
	uint64_t stats[TS_MAX];
};

struct ctl_ops {
	uint32_t type; /* CTL_OPS */
	struct op_stats ops;
};

/* Any message, as received. */
union ctl_any {
	uint32_t type;
	struct ctl_msg m;
	struct ctl_ops o;
};

/* Send `m` with descriptor `fd` (-1: none). 0 or -1 (errno). */
int ctl_send(int sock, const struct ctl_msg *m, int fd);
int ctl_send_ops(int sock, const struct ctl_ops *o);
/* Receive one message; a descriptor that came with it goes to *fd (-1 if
 * none; the caller closes it). 1: a message (its size checked against its
 * type), 0: the peer closed, -1: an error (errno) or a malformed message
 * (errno EPROTO; its descriptor closed). */
int ctl_recv(int sock, union ctl_any *u, int *fd);
/* How ctl_recv closes the descriptors it refuses (default close(); the
 * front's must not wait on what a worker sends: reaper_drop). */
extern void (*ctl_drop)(int fd);
/* `text` as the NUL-terminated data of a message. */
void ctl_set_text(struct ctl_msg *m, const char *text);
