// SPDX-License-Identifier: Apache-2.0
/* Registering files as a resource, with progress for large ones, and
 * `vaccel upload`, which does only that: through the rpc plugin the files
 * land in the agent's content cache, so later runs that name the same
 * content do not send it again (docs/protocol.md §5.3). */

#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t total_size(const char **paths, size_t n)
{
	uint64_t total = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (!stat(paths[i], &st) && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	return total;
}

int cli_register(struct vaccel_resource *res, struct vaccel_session *s,
		 const char **paths, size_t n)
{
	struct progress *p =
		progress_begin("vaccel: uploading", total_size(paths, n));
	int ret = vaccel_resource_register(res, s);

	progress_end(p, ret);
	return ret;
}

/* libvaccel's reason of the failure, else the code's text. */
static const char *reason(int ret)
{
	const char *why = vaccel_last_error();

	return why && *why ? why : vaccel_strerror(ret);
}

/* One resource of PATHS registered with S, then released again. */
static int upload(struct vaccel_session *s, const char **paths, size_t n)
{
	struct vaccel_resource res;
	int ret = vaccel_resource_init_multi(&res, paths, n,
					     VACCEL_RESOURCE_MODEL);

	if (ret)
		return ret;
	ret = cli_register(&res, s, paths, n);
	if (!ret) {
		printf("uploaded %zu file%s, %.1f MiB\n", n, n == 1 ? "" : "s",
		       (double)total_size(paths, n) / (1024.0 * 1024.0));
		vaccel_resource_unregister(&res, s);
	}
	vaccel_resource_release(&res);
	return ret;
}

int vaccel_cli_upload(uint32_t hint, int argc, char **argv)
{
	struct vaccel_session s;
	int ret;

	if (argc < 1) {
		fprintf(stderr, "vaccel: upload needs FILE...\n(try 'vaccel "
				"--help')\n");
		return 2;
	}
	if (!vaccel_plugin_count()) {
		fprintf(stderr, "vaccel: no plugins loaded (set VACCEL_PLUGINS "
				"or use --plugins)\n");
		return VACCEL_ENOTSUP;
	}
	ret = vaccel_session_init(&s, hint);
	if (!ret) {
		ret = upload(&s, (const char **)argv, (size_t)argc);
		if (ret)
			fprintf(stderr, "vaccel: upload failed: %s\n",
				reason(ret));
		vaccel_session_release(&s);
	} else {
		fprintf(stderr, "vaccel: no session: %s\n", reason(ret));
	}
	return ret;
}
