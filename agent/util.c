// SPDX-License-Identifier: Apache-2.0
/* Small helpers of every part of the agent (agent.h): dying with a
 * message, bounded string copies and joins, a tenant's directory name. */

#include "agent.h"
#include "sha256.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aerr("%s", msg);
	exit(2);
}

void tenant_dirname(const char *tenant, char out[19])
{
	uint8_t sha[VRPC_SHA256_LEN];
	char hex[65];
	vrpc_sha256(tenant, strlen(tenant), sha);
	vrpc_sha256_hex(sha, hex);
	snprintf(out, 19, "t-%.16s", hex);
}

void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

bool path_join(char *dst, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb + 2 > size)
		return false;
	memcpy(dst, a, la);
	dst[la] = '/';
	memcpy(dst + la + 1, b, lb + 1);
	return true;
}
