// SPDX-License-Identifier: Apache-2.0
/* The endpoint schemes (a row each, ep_<scheme>.c): parsing and formatting
 * addresses. A new transport is a file of its own and a row here. */

#include "transport.h"
#include <stdio.h>
#include <string.h>
#include <vaccel/error.h>

static const struct vrpc_transport *const transports[] = {
	&vrpc_transport_unix,
	&vrpc_transport_tcp,
	&vrpc_transport_vsock,
	&vrpc_transport_vport,
};

int vrpc_addr_parse(const char *uri, struct vrpc_addr *a)
{
	memset(a, 0, sizeof(*a));
	const char *sep = uri ? strstr(uri, "://") : NULL;
	if (!sep)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]);
	     i++) {
		const struct vrpc_transport *t = transports[i];
		if (strlen(t->scheme) == (size_t)(sep - uri) &&
		    !strncmp(uri, t->scheme, (size_t)(sep - uri))) {
			a->t = t;
			return t->parse(sep + 3, a);
		}
	}
	return VACCEL_EINVAL;
}

void vrpc_addr_format(const struct vrpc_addr *a, char *buf, size_t size)
{
	const char *s = a->t ? a->t->scheme : "?";
	if (a->t == &vrpc_transport_tcp)
		snprintf(buf, size,
			 strchr(a->host, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
			 s, a->host, (unsigned)a->port);
	else if (a->t == &vrpc_transport_vsock)
		snprintf(buf, size, "%s://%u:%u", s, (unsigned)a->cid,
			 (unsigned)a->port);
	else
		snprintf(buf, size, "%s://%s", s, a->path);
}
