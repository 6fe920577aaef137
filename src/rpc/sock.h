// SPDX-License-Identifier: Apache-2.0
/* Helpers of the socket endpoints (ep_unix.c, ep_tcp.c, ep_vsock.c): those
 * returning an int give a descriptor or a negated VACCEL_E* code, as
 * transport.h's functions do. Also the one place that attaches a
 * descriptor to a message (the stream, the agent's control channel). */
#pragma once

#include "transport.h"
#include <stdint.h>
#include <sys/socket.h>

/* The negated VACCEL_E* code of errno value `e`. */
int vrpc_sock_err(int e);
/* A connect to an endpoint failed with errno value `e`: remembered for
 * vrpc_connect_why() (this thread's), returned as vrpc_sock_err(e). */
int vrpc_sock_conn_fail(int e);
/* Resolving a host failed with getaddrinfo() code `r`: remembered for
 * vrpc_connect_why(); returns -VACCEL_ENOENT. */
int vrpc_sock_conn_gai(int r);
/* socket() + non-blocking connect() with a deadline (monotonic ns, 0:
 * none): the connected fd, O_CLOEXEC and O_NONBLOCK. */
int vrpc_sock_connect(int family, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline);
/* socket() + bind() + listen(): the listening fd (O_CLOEXEC). */
int vrpc_sock_listen(int family, const struct sockaddr *sa, socklen_t len,
		     int backlog);
/* Larger socket buffers for bulk data (UNIX and vsock). */
void vrpc_sock_big_buffers(int fd);
/* accept4() with big buffers: the fd, -VACCEL_EAGAIN if none waits. */
int vrpc_sock_accept(int lfd);
/* Room for one descriptor in a message's control data. */
union vrpc_fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};
/* Attach descriptor `fd` to `mh` (SCM_RIGHTS), `ctl` holding it. */
void vrpc_cmsg_put_fd(struct msghdr *mh, union vrpc_fd_cmsg *ctl, int fd);
/* The most descriptors one message carries (Linux's SCM_MAX_FD). */
#define VRPC_SCM_MAX_FD 253
/* Room for every descriptor a message can carry: those that do not fit
 * are released by the kernel inside recvmsg, in the receiving thread
 * (where a release that waits would stop it). */
union vrpc_fds_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * VRPC_SCM_MAX_FD)];
	struct cmsghdr align;
};
/* The descriptors received with `mh` (SCM_RIGHTS), at most `max` into
 * `fds`, in order: how many came (those past `max` are not closed). */
size_t vrpc_cmsg_fds(struct msghdr *mh, int *fds, size_t max);
/* A decimal port (or cid) of at most `max`: 0 or VACCEL_EINVAL. */
int vrpc_sock_parse_port(const char *s, uint32_t max, uint32_t *port);
