// SPDX-License-Identifier: Apache-2.0
/* vport://NAME or vport:///PATH: a virtio-serial port; its stream
 * outlives the processes using it (the client resynchronises). */

#include "sock.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel/error.h>

#define VPORT_DIR "/dev/virtio-ports/"

static int vport_parse(const char *rest, struct vrpc_addr *a)
{
	if (!*rest)
		return VACCEL_EINVAL;
	if (*rest == '/') {
		if (strlen(rest) >= sizeof(a->path))
			return VACCEL_EINVAL;
		strcpy(a->path, rest);
		return 0;
	}
	/* a port name: no directories */
	if (strchr(rest, '/') || !strcmp(rest, ".") || !strcmp(rest, "..") ||
	    strlen(rest) > 255)
		return VACCEL_EINVAL;
	snprintf(a->path, sizeof(a->path), VPORT_DIR "%s", rest);
	return 0;
}

/* Open the port. A UNIX socket at the path stands in for the port (tests,
 * and hosts that expose a port's backend socket): it is connected to. */
static int vport_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct stat st;
	if (stat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
		return vrpc_transport_unix.connect(a, deadline);
	int fd = open(a->path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	return fd < 0 ? vrpc_sock_conn_fail(errno) : fd;
}

const struct vrpc_transport vrpc_transport_vport = {
	.scheme = "vport",
	.parse = vport_parse,
	.connect = vport_connect,
	.resync = true,
};
