// SPDX-License-Identifier: Apache-2.0
/* tcp://HOST:PORT ([HOST] for IPv6): the agent requires its token. */

#include "sock.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel/error.h>

static int tcp_parse(const char *rest, struct vrpc_addr *a)
{
	const char *colon, *host = rest;
	size_t hlen;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close || close[1] != ':')
			return VACCEL_EINVAL;
		host = rest + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon || memchr(rest, ':', (size_t)(colon - rest)))
			return VACCEL_EINVAL;
		hlen = (size_t)(colon - rest);
	}
	if (!hlen || hlen >= sizeof(a->host))
		return VACCEL_EINVAL;
	memcpy(a->host, host, hlen);
	a->host[hlen] = 0;
	return vrpc_sock_parse_port(colon + 1, 65535, &a->port);
}

static int tcp_resolve(const struct vrpc_addr *a, bool passive,
		       struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	char port[16];
	snprintf(port, sizeof(port), "%u", (unsigned)a->port);
	int r = getaddrinfo(a->host, port, &hints, res);
	return r ? vrpc_sock_conn_gai(r) : 0;
}

static void tcp_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int tcp_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct addrinfo *res, *ai;
	int fd = tcp_resolve(a, false, &res);
	if (fd < 0)
		return fd;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = vrpc_sock_connect(ai->ai_family, ai->ai_addr,
				       ai->ai_addrlen, deadline);
		if (fd >= 0 || fd == -VACCEL_ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		tcp_nodelay(fd);
	return fd;
}

static int tcp_listen(struct vrpc_addr *a, int backlog)
{
	struct addrinfo *res;
	int fd = tcp_resolve(a, true, &res);
	if (fd < 0)
		return fd;
	fd = vrpc_sock_listen(res->ai_family, res->ai_addr, res->ai_addrlen,
			      backlog);
	freeaddrinfo(res);
	if (fd >= 0 && a->port == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			a->port = ntohs(ss.ss_family == AF_INET6
						? ((struct sockaddr_in6 *)&ss)
							  ->sin6_port
						: ((struct sockaddr_in *)&ss)
							  ->sin_port);
	}
	return fd;
}

static int tcp_accept(int lfd, struct vrpc_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return vrpc_sock_err(errno == EINTR ? EAGAIN : errno);
	tcp_nodelay(fd);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(peer->desc, sizeof(peer->desc), "tcp %s:%u", host, port);
	snprintf(peer->key, sizeof(peer->key), "ip:%s", host);
	return fd;
}

const struct vrpc_transport vrpc_transport_tcp = {
	.scheme = "tcp",
	.parse = tcp_parse,
	.connect = tcp_connect,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.needs_token = true,
};
