// SPDX-License-Identifier: Apache-2.0
/* Paths of the build tree ($VACCEL_BUILD_ROOT) and of the fetched assets
 * ($VACCEL_DEPS), for tests and benchmarks. The strings live in a few
 * rotating thread-local buffers: use them before the next few calls. */
#pragma once

/* The build-tree path of plugin `name` ("noop"), or NULL if not built. */
/* A name with a '/' is a path in the build tree (a test plugin). */
const char *plugin_path(const char *name);
/* Build-tree path of `rel` (e.g. "examples/libmytestlib.so"). */
const char *build_path(const char *rel);
/* $VACCEL_DEPS/rel if it exists, else NULL. */
const char *deps_path(const char *rel);
