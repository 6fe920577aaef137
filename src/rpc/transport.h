// SPDX-License-Identifier: Apache-2.0
/* Endpoints: one byte-stream abstraction for unix://, tcp://, vsock:// and
 * vport:// (docs/protocol.md §1). Each scheme is a row of a table: a struct
 * of typed functions with a contract per member. Everything above this
 * layer only sees a file descriptor carrying a byte stream. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vrpc_transport;

struct vrpc_addr {
	const struct vrpc_transport *t;
	/* unix: socket path; vport: device (or stand-in socket) path */
	char path[PATH_MAX];
	/* tcp: host name or address (without brackets) */
	char host[256];
	/* tcp and vsock */
	uint32_t port;
	/* vsock */
	uint32_t cid;
};

/* Who is at the other end of an accepted connection: `desc` for logs,
 * `key` for what its connections count against ("uid:1000",
 * "ip:10.0.0.7", "cid:3"). */
struct vrpc_peer {
	char desc[160];
	char key[64];
	bool has_cred;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

struct vrpc_transport {
	const char *scheme;
	/* Parse what follows "scheme://" into `a` (which is zeroed and has
	 * `t` set). Returns 0 or VACCEL_EINVAL; never touches the system. */
	int (*parse)(const char *rest, struct vrpc_addr *a);
	/* Connect to `a`, giving up at `deadline` (monotonic ns, 0: none).
	 * Returns a connected fd, O_CLOEXEC and O_NONBLOCK, or -VACCEL_E*. */
	int (*connect)(const struct vrpc_addr *a, int64_t deadline);
	/* Listen on `a` (port 0 is replaced by the port chosen). Returns a
	 * listening fd (O_CLOEXEC) or -VACCEL_E*. NULL: cannot listen. */
	int (*listen)(struct vrpc_addr *a, int backlog);
	/* Accept one connection of a listening fd; the fd returned is
	 * blocking and O_CLOEXEC. Fills `peer`. -VACCEL_E* on error
	 * (-VACCEL_EAGAIN: nothing to accept). */
	int (*accept)(int lfd, struct vrpc_peer *peer);
	/* After the listening fd of `a` was closed (removes a socket file).
	 * May be NULL. */
	void (*unlisten)(const struct vrpc_addr *a);
	/* SCM_RIGHTS works: shared memory may be offered */
	bool pass_fds;
	/* a network-like endpoint: the agent requires its token */
	bool needs_token;
	/* the stream outlives its users (virtio-serial): the client
	 * resynchronises when it opens it (protocol.md §4.3) */
	bool resync;
};

/* The schemes (ep_unix.c, ep_tcp.c, ep_vsock.c, ep_vport.c). */
extern const struct vrpc_transport vrpc_transport_unix;
extern const struct vrpc_transport vrpc_transport_tcp;
extern const struct vrpc_transport vrpc_transport_vsock;
extern const struct vrpc_transport vrpc_transport_vport;

/* Why the last failed `connect` of this thread (to `a`) failed, and what
 * to check, as one line: "connection refused (nothing listens there: ...)",
 * "no such file (no such socket: ...)", "timed out (...)", "permission
 * denied (...)", "cannot resolve host ...". */
void vrpc_connect_why(const struct vrpc_addr *a, char *buf, size_t size);

/* Parse "scheme://rest". Returns 0 or VACCEL_EINVAL (unknown scheme,
 * malformed address). */
int vrpc_addr_parse(const char *uri, struct vrpc_addr *a);
/* "unix:///run/x.sock", "tcp://127.0.0.1:5555", ... */
void vrpc_addr_format(const struct vrpc_addr *a, char *buf, size_t size);

/* Monotonic time in ns, and a deadline `ms` from now (0 if ms <= 0). */
int64_t vrpc_now_ns(void);
int64_t vrpc_deadline(int64_t ms);
/* Milliseconds left until `deadline` for poll(): -1 if none, 0 if past. */
int vrpc_ms_left(int64_t deadline);
