// SPDX-License-Identifier: Apache-2.0
/* Constants of the vAccel RPC protocol (docs/protocol.md). Shared by the
 * transport plugin and the agent through the static library vaccel-rpc.
 *
 * Naming: everything of src/rpc is prefixed vrpc_ / VRPC_. The library is
 * linked into the rpc plugin (hidden visibility) and the agent only, never
 * into libvaccel, so these names are never exported. */
#pragma once

#include <stdint.h>

#define VRPC_MAGIC    0x52434156u /* bytes "VACR" */
#define VRPC_MAJOR    1
#define VRPC_MINOR    2
#define VRPC_HDR_SIZE 32

/* header flags */
#define VRPC_F_REPLY 0x1u
#define VRPC_F_FD    0x2u
#define VRPC_F_ALL   (VRPC_F_REPLY | VRPC_F_FD)

/* Before the handshake: the only message allowed is a HELLO this small. */
#define VRPC_PREAUTH_MAX_FIELDS 4096u

/* HELLO flags */
#define VRPC_HELLO_WANT_SHM	0x1u
#define VRPC_AGENT_SHM		0x1u
#define VRPC_AGENT_EXEC		0x2u
#define VRPC_AGENT_EXEC_UPLOADS 0x4u

#define VRPC_MAX_IDENTITY 256u
/* signed: read() results (ssize_t) are compared with it, and on ILP32 an
 * unsigned int constant makes that a -Wsign-compare error */
#define VRPC_MAX_TOKEN 256

/* buf kinds */
enum vrpc_buf_kind {
	VRPC_BUF_INLINE = 0,
	VRPC_BUF_SHM = 1,
	VRPC_BUF_NONE = 2,
};

/* Message types. Op calls are VRPC_T_OP + op number. */
#define VRPC_CONTROL_TYPES(X) \
	X(1, HELLO)           \
	X(2, PING)            \
	X(3, INFO)            \
	X(4, BYE)             \
	X(5, SHM_ATTACH)      \
	X(6, SHM_DETACH)      \
	X(7, NOTICE)          \
	X(8, RING_OFFER)      \
	X(16, SESS_INIT)      \
	X(17, SESS_RELEASE)   \
	X(18, SESS_UPDATE)    \
	X(32, BLOB_PUT)       \
	X(33, RES_CREATE)     \
	X(34, RES_REGISTER)   \
	X(35, RES_UNREGISTER) \
	X(36, RES_DESTROY)    \
	X(37, RES_SYNC)

enum vrpc_type {
#define X(n, name) VRPC_T_##name = n,
	VRPC_CONTROL_TYPES(X)
#undef X
	VRPC_T_OP = 256,
};

/* RES_CREATE layouts */
enum vrpc_layout {
	VRPC_LAYOUT_FILES = 0,
	VRPC_LAYOUT_DIR = 1,
	VRPC_LAYOUT_BUFFERS = 2,
};
/* blob kinds in RES_CREATE */
#define VRPC_BLOB_FILE	 0
#define VRPC_BLOB_BUFFER 1
/* BYE flags: the stream outlives this client (vport): reset, do not close */
#define VRPC_BYE_KEEP_STREAM 0x1u
/* RES_UNREGISTER flags */
#define VRPC_UNREG_DESTROY_UNUSED 0x1u

/* Limit keys (HELLO and INFO). Never reused. */
#define VRPC_LIMITS(X)               \
	X(1, max_fields, 4u << 20)   \
	X(2, max_bulk, 1ull << 30)   \
	X(3, max_inflight, 4)        \
	X(4, max_sessions, 64)       \
	X(5, max_resources, 256)     \
	X(6, max_stored, 4ull << 30) \
	X(7, max_shm, 1ull << 30)    \
	X(8, max_blob, 1ull << 30)   \
	X(9, max_args, 1024)         \
	X(10, max_dims, 32)          \
	X(11, max_name, 4096)        \
	X(12, shm_threshold, 64u << 10)

struct vrpc_limits {
#define X(key, name, def) uint64_t name;
	VRPC_LIMITS(X)
#undef X
};

/* INFO stats keys */
enum vrpc_stat {
	VRPC_STAT_CONNS = 1,
	VRPC_STAT_CONNS_TOTAL = 2,
	VRPC_STAT_CACHE_ENTRIES = 3,
	VRPC_STAT_CACHE_BYTES = 4,
	VRPC_STAT_UPLOADS = 5,
	VRPC_STAT_UPLOAD_BYTES = 6,
	VRPC_STAT_CACHE_HITS = 7,
	VRPC_STAT_SESSIONS = 8,
	VRPC_STAT_RESOURCES = 9,
	VRPC_STAT_SHM_BYTES = 10,
	VRPC_STAT_REQUESTS = 11,
	VRPC_STAT_MAX = 12,
};

/* Wire error codes: (code, name, VACCEL_E* it maps to). Stable numbers. */
#define VRPC_ERRORS(X)                          \
	X(0, OK, VACCEL_OK)                     \
	X(1, INVAL, VACCEL_EINVAL)              \
	X(2, NOMEM, VACCEL_ENOMEM)              \
	X(3, NOTSUP, VACCEL_ENOTSUP)            \
	X(4, NOENT, VACCEL_ENOENT)              \
	X(5, PERM, VACCEL_EPERM)                \
	X(6, IO, VACCEL_EIO)                    \
	X(7, BACKEND, VACCEL_EBACKEND)          \
	X(8, TIMEDOUT, VACCEL_ETIMEDOUT)        \
	X(9, BUSY, VACCEL_EBUSY)                \
	X(10, EXIST, VACCEL_EEXIST)             \
	X(11, NOSPC, VACCEL_ENOSPC)             \
	X(12, ACCES, VACCEL_EACCES)             \
	X(13, RANGE, VACCEL_ERANGE)             \
	X(14, AGAIN, VACCEL_EAGAIN)             \
	X(15, NOSYS, VACCEL_ENOSYS)             \
	X(16, LIBBAD, VACCEL_ELIBBAD)           \
	X(17, NODEV, VACCEL_ENODEV)             \
	X(18, SESS, VACCEL_ESESS)               \
	X(19, NOEXEC, VACCEL_ENOEXEC)           \
	X(20, NAMETOOLONG, VACCEL_ENAMETOOLONG) \
	X(21, USERS, VACCEL_EUSERS)             \
	X(22, LOOP, VACCEL_ELOOP)               \
	X(23, MLINK, VACCEL_EMLINK)             \
	X(24, NOTDIR, VACCEL_ENOTDIR)           \
	X(25, ROFS, VACCEL_EROFS)               \
	X(26, BADF, VACCEL_EBADF)               \
	X(27, REMOTEIO, VACCEL_EREMOTEIO)       \
	X(28, FAULT, VACCEL_EFAULT)             \
	X(29, INPROGRESS, VACCEL_EINPROGRESS)   \
	X(64, PROTO, VACCEL_EINVAL)             \
	X(65, VERSION, VACCEL_ENOTSUP)          \
	X(66, AUTH, VACCEL_EACCES)              \
	X(67, TOOBIG, VACCEL_ERANGE)            \
	X(68, NEED_UPLOAD, VACCEL_EAGAIN)       \
	X(69, HASH_MISMATCH, VACCEL_EIO)        \
	X(70, SHUTDOWN, VACCEL_EAGAIN)          \
	X(127, UNKNOWN, VACCEL_EIO)

enum vrpc_err {
#define X(code, name, vaccel) VRPC_E_##name = code,
	VRPC_ERRORS(X)
#undef X
};

/* VACCEL_E* (or any errno) -> wire code; UNKNOWN if none. */
uint32_t vrpc_err_to_wire(int err);
/* wire code -> VACCEL_E*; VACCEL_EIO for codes this version does not know. */
int vrpc_err_from_wire(uint32_t code);
/* "PROTO", ... or "?" */
const char *vrpc_err_name(uint32_t code);
/* "HELLO", "OP_IMAGE_CLASSIFY", ... or NULL for an unknown type */
const char *vrpc_type_name(uint32_t type);
