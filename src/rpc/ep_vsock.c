// SPDX-License-Identifier: Apache-2.0
/* vsock://CID:PORT (CID any, host, local or a number): the agent
 * requires its token. */

#include "sock.h"
#include <errno.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel/error.h>

static int vsock_parse(const char *rest, struct vrpc_addr *a)
{
	const char *colon = strchr(rest, ':');
	char cid[32];
	if (!colon || (size_t)(colon - rest) >= sizeof(cid) || colon == rest)
		return VACCEL_EINVAL;
	memcpy(cid, rest, (size_t)(colon - rest));
	cid[colon - rest] = 0;
	if (!strcmp(cid, "any"))
		a->cid = VMADDR_CID_ANY;
	else if (!strcmp(cid, "host"))
		a->cid = VMADDR_CID_HOST;
	else if (!strcmp(cid, "local"))
		a->cid = 1; /* VMADDR_CID_LOCAL */
	else if (vrpc_sock_parse_port(cid, UINT32_MAX - 1, &a->cid))
		return VACCEL_EINVAL;
	/* port -1 (VMADDR_PORT_ANY) is only meaningful for bind */
	return vrpc_sock_parse_port(colon + 1, UINT32_MAX - 1, &a->port);
}

static socklen_t vsock_sa(const struct vrpc_addr *a, struct sockaddr_vm *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->svm_family = AF_VSOCK;
	sa->svm_cid = a->cid;
	sa->svm_port = a->port;
	return sizeof(*sa);
}

static int vsock_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct sockaddr_vm sa;
	if (a->cid == VMADDR_CID_ANY)
		return -VACCEL_EINVAL;
	socklen_t len = vsock_sa(a, &sa);
	return vrpc_sock_connect(AF_VSOCK, (struct sockaddr *)&sa, len,
				 deadline);
}

static int vsock_listen(struct vrpc_addr *a, int backlog)
{
	struct sockaddr_vm sa;
	socklen_t len = vsock_sa(a, &sa);
	return vrpc_sock_listen(AF_VSOCK, (struct sockaddr *)&sa, len, backlog);
}

static int vsock_accept(int lfd, struct vrpc_peer *peer)
{
	struct sockaddr_vm sa;
	socklen_t len = sizeof(sa);
	int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return vrpc_sock_err(errno == EINTR ? EAGAIN : errno);
	snprintf(peer->desc, sizeof(peer->desc), "vsock cid=%u port=%u",
		 (unsigned)sa.svm_cid, (unsigned)sa.svm_port);
	snprintf(peer->key, sizeof(peer->key), "cid:%u", (unsigned)sa.svm_cid);
	return fd;
}

const struct vrpc_transport vrpc_transport_vsock = {
	.scheme = "vsock",
	.parse = vsock_parse,
	.connect = vsock_connect,
	.listen = vsock_listen,
	.accept = vsock_accept,
	.needs_token = true,
};
