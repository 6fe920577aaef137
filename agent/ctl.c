// SPDX-License-Identifier: Apache-2.0
/* Control messages between the front and its workers (ctl.h). */

#include "ctl.h"
#include "sock.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_bytes(int sock, const void *p, size_t len, int fd);

static void drop_close(int fd)
{
	close(fd);
}

void (*ctl_drop)(int fd) = drop_close;

int ctl_send(int sock, const struct ctl_msg *m, int fd)
{
	return send_bytes(sock, m, sizeof(*m), fd);
}

int ctl_send_ops(int sock, const struct ctl_ops *o)
{
	return send_bytes(sock, o, sizeof(*o), -1);
}

static int send_bytes(int sock, const void *p, size_t len, int fd)
{
	struct iovec iov = { (void *)p, len };
	union vrpc_fd_cmsg ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0)
		vrpc_cmsg_put_fd(&mh, &ctl, fd);
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* The descriptors of a message: the first to *fd, any other closed.
 * false if more than one came (or the control data was cut). */
static bool take_fds(struct msghdr *mh, int *fd)
{
	int fds[VRPC_SCM_MAX_FD];
	size_t n = vrpc_cmsg_fds(mh, fds, VRPC_SCM_MAX_FD);
	for (size_t i = 1; i < n && i < VRPC_SCM_MAX_FD; i++)
		ctl_drop(fds[i]);
	if (n)
		*fd = fds[0];
	return n <= 1 && !(mh->msg_flags & MSG_CTRUNC);
}

int ctl_recv(int sock, union ctl_any *u, int *fd)
{
	struct iovec iov = { u, sizeof(*u) };
	union vrpc_fds_cmsg ctl;
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;
	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return -1;
	struct ctl_msg *m = &u->m;
	size_t want = n >= 4 && u->type == CTL_OPS ? sizeof(struct ctl_ops)
						   : sizeof(*m);
	bool ok = take_fds(&mh, fd) && n == (ssize_t)want &&
		  !(mh.msg_flags & MSG_TRUNC) &&
		  (u->type == CTL_OPS || (m->token_len <= sizeof(m->token) &&
					  m->data_len <= sizeof(m->data)));
	if (!ok) {
		if (*fd >= 0)
			ctl_drop(*fd);
		*fd = -1;
		errno = EPROTO;
		return -1;
	}
	if (u->type != CTL_OPS) {
		m->tenant[sizeof(m->tenant) - 1] = 0;
		m->peer[sizeof(m->peer) - 1] = 0;
		m->listen[sizeof(m->listen) - 1] = 0;
		m->identity[sizeof(m->identity) - 1] = 0;
		m->data[sizeof(m->data) - 1] = 0;
	}
	return 1;
}

void ctl_set_text(struct ctl_msg *m, const char *text)
{
	size_t n = strlen(text);
	if (n >= sizeof(m->data))
		n = sizeof(m->data) - 1;
	memcpy(m->data, text, n);
	m->data[n] = 0;
	m->data_len = (uint32_t)n + 1;
}
