// SPDX-License-Identifier: Apache-2.0
/* Reading a token file (token.h). */

#include "token.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <vaccel/error.h>

int vrpc_token_read(const char *path, uint8_t token[VRPC_MAX_TOKEN],
		    size_t *len)
{
	/* two bytes more than a token: room for its final newline, and a
	 * longer file is seen to be one */
	uint8_t buf[VRPC_MAX_TOKEN + 2];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VACCEL_EIO;
	while (n < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return VACCEL_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	while (n &&
	       (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n > VRPC_MAX_TOKEN)
		return VACCEL_EINVAL;
	memcpy(token, buf, n);
	*len = n;
	return 0;
}
