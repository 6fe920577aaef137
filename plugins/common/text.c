// SPDX-License-Identifier: Apache-2.0
/* Text records for op outputs, and their bounded copy into caller buffers
 * (lengths come from the caller or, remotely, from the wire: never trust
 * them beyond `cap`). */
#include "vpc_post.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>

int vpc_lines_addf(struct vpc_lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(char *));

		if (!v)
			return VACCEL_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return VACCEL_ENOMEM;
	l->v[l->n++] = s;
	return VACCEL_OK;
}

void vpc_lines_release(struct vpc_lines *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t vpc_lines_emit(const struct vpc_lines *l, char *buf, size_t cap,
		      bool *truncated)
{
	size_t total = 0, fit = 0, used = 0, k;
	char marker[64];

	if (truncated)
		*truncated = false;
	if (!buf || !cap)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		total += strlen(l->v[i]) + 1;
	if (total < cap) {
		k = l->n;
	} else {
		if (truncated)
			*truncated = true;
		/* as many lines as fit, with room for the marker if possible */
		for (k = 0; k < l->n; k++) {
			size_t len = strlen(l->v[k]) + 1;

			snprintf(marker, sizeof(marker),
				 "# truncated %zu of %zu\n", k + 1, l->n);
			if (used + len + strlen(marker) >= cap)
				break;
			used += len;
		}
		snprintf(marker, sizeof(marker), "# truncated %zu of %zu\n", k,
			 l->n);
		fit = used + strlen(marker) < cap ? 1 : 0;
		if (!fit) {
			/* no room for the marker: plain lines only */
			for (k = 0, used = 0; k < l->n; k++) {
				size_t len = strlen(l->v[k]) + 1;

				if (used + len >= cap)
					break;
				used += len;
			}
		}
	}
	used = 0;
	for (size_t i = 0; i < k; i++) {
		size_t len = strlen(l->v[i]);

		memcpy(buf + used, l->v[i], len);
		buf[used + len] = '\n';
		used += len + 1;
	}
	if (k < l->n && fit) {
		memcpy(buf + used, marker, strlen(marker));
		used += strlen(marker);
	}
	buf[used] = '\0';
	return k;
}
