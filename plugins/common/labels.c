// SPDX-License-Identifier: Apache-2.0
/* Label lists: a labels file (one label a line) or a description's
 * `labels` key. */
#include "vpc_desc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>

void vpc_labels_free(char **labels, size_t nr_labels)
{
	if (!labels)
		return;
	for (size_t i = 0; i < nr_labels; i++)
		free(labels[i]);
	free(labels);
}

int vpc_labels_parse(const char *text, size_t len, char ***labels,
		     size_t *nr_labels)
{
	size_t cap = 0, n = 0, pos = 0;
	char **v = NULL;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s;

		while (ll && isspace((unsigned char)text[pos + ll - 1]))
			ll--;
		if (ll) {
			if (n == cap) {
				char **nv = realloc(v, (cap ? cap * 2 : 64) *
							       sizeof(char *));

				if (!nv)
					goto nomem;
				v = nv;
				cap = cap ? cap * 2 : 64;
			}
			s = strndup(text + pos, ll);
			if (!s)
				goto nomem;
			for (char *p = s; *p; p++)
				if (isspace((unsigned char)*p) || !*p)
					*p = '_';
			v[n++] = s;
		}
		pos += (nl ? (size_t)(nl - (text + pos)) : len - pos) + 1;
	}
	*labels = v;
	*nr_labels = n;
	return VACCEL_OK;
nomem:
	vpc_labels_free(v, n);
	return VACCEL_ENOMEM;
}
