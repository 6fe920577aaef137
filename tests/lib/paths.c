// SPDX-License-Identifier: Apache-2.0
/* Where the build tree's programs and plugins and the fetched assets are
 * (paths.h). */

#include "paths.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

const char *build_path(const char *rel)
{
	static __thread char p[8][1024];
	static __thread int i;
	char *s = p[i++ % 8];
	snprintf(s, 1024, "%s/%s", env_or("VACCEL_BUILD_ROOT", "."), rel);
	return s;
}

const char *plugin_path(const char *name)
{
	char rel[256];
	/* a test plugin: "tests/lib/faulty/libvaccel-faulty.so" */
	if (strchr(name, '/'))
		snprintf(rel, sizeof(rel), "%s", name);
	else
		snprintf(rel, sizeof(rel), "plugins/%s/libvaccel-%s.so", name,
			 name);
	const char *p = build_path(rel);
	return access(p, R_OK) == 0 ? p : NULL;
}

const char *deps_path(const char *rel)
{
	static __thread char p[4][1024];
	static __thread int i;
	char *s = p[i++ % 4];
	snprintf(s, 1024, "%s/%s", env_or("VACCEL_DEPS", "/opt/vaccel-deps"),
		 rel);
	return access(s, R_OK) == 0 ? s : NULL;
}
