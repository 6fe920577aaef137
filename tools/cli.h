/* SPDX-License-Identifier: Apache-2.0 */
/* The vaccel CLI's commands and helpers that live outside vaccel.c. */
#ifndef VACCEL_CLI_H
#define VACCEL_CLI_H

#include <stdint.h>
#include <vaccel.h>

/* vaccel cdi [OPTIONS] (cdi.c): argv[0] is "cdi". */
int vaccel_cli_cdi(int argc, char **argv);

/* Uploads from this size on show progress when stderr is a terminal. */
#define CLI_PROGRESS_MIN (UINT64_C(64) << 20)

/* A progress line on stderr while a call moves TOTAL bytes (progress.c);
 * NULL (nothing shown) below CLI_PROGRESS_MIN or when stderr is not a
 * terminal. progress_end prints the summary (ret: the call's result). */
struct progress;
struct progress *progress_begin(const char *what, uint64_t total);
void progress_end(struct progress *p, int ret);

/* vaccel_resource_register(RES, S) for RES made of PATHS, with a progress
 * line when they are large. */
int cli_register(struct vaccel_resource *res, struct vaccel_session *s,
		 const char **paths, size_t n);

/* vaccel upload FILE... (upload.c), after the bootstrap: register the files
 * as one resource with a new session and release it (the agent keeps
 * them in its content cache). */
int vaccel_cli_upload(uint32_t hint, int argc, char **argv);

#endif
