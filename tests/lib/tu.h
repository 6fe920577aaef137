// SPDX-License-Identifier: Apache-2.0
/* The helpers of the tests (tests/lib, one library with harness.h and
 * refs.h): temporary files, output capture, child processes with a
 * deadline, a throw-away HTTP server, bootstrapping libvaccel. files.c
 * needs neither cmocka nor libvaccel; fixtures.c needs both. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "files.h"
#include "paths.h"

struct vaccel_session;

/* ---- files ---- */

/* cmocka group setup/teardown: $TMPDIR becomes a fresh directory for the
 * whole program (tu_mkdtemp() makes its directories there, and child
 * processes inherit it), removed at the end even when tests failed half
 * way. */
int tu_group_setup(void **state);
int tu_group_teardown(void **state);
/* tu_read_file, a test failure when the file cannot be read. */
void *tu_read_all(const char *path, size_t *len);

/* ---- per-test fixture ---- */

/* A fresh directory and the path of a log file in it (not created). */
struct tu_dir {
	char *dir;
	char *log;
};
/* cmocka setup: *state becomes a struct tu_dir. */
int tu_dir_setup(void **state);
/* cmocka teardown: vaccel_cleanup(), then the directory is removed. */
int tu_dir_teardown(void **state);

/* ---- output capture (fd 1 or 2 redirected to a file) ---- */

struct tu_capture {
	int fd;
	int saved;
	char *path;
};

void tu_capture_start(struct tu_capture *c, int fd);
/* Restore the fd and return what was written (the caller frees it). */
char *tu_capture_stop(struct tu_capture *c);

/* ---- child processes ---- */

#define TU_CHILD_TIMEOUT (-2)
#define TU_CHILD_SIGNAL	 (-3)

/* Run fn(arg) in a forked child that leaves with _exit(fn(arg)) (no atexit
 * handlers, no library destructors). Returns the exit status, or
 * TU_CHILD_TIMEOUT when it ran past `timeout_s` (it is killed), or
 * TU_CHILD_SIGNAL when it died of a signal. Used for scenarios that may hang
 * or crash because of a core bug, so that the test reports it and goes on. */
int tu_run_in_child(int (*fn)(void *), void *arg, unsigned timeout_s);

/* ---- HTTP server (python3 -m http.server on 127.0.0.1) ---- */

struct tu_http {
	pid_t pid;
	int port;
	/* the server's stdout, kept open while it runs (it would die of
	 * SIGPIPE when writing to a closed pipe) */
	int out_fd;
};

/* Serve `dir` on a free port of 127.0.0.1. Returns 0, or -1 if python3 is
 * missing or the server did not start within 10 s (the test skips). */
int tu_http_start(struct tu_http *h, const char *dir);
void tu_http_stop(struct tu_http *h);

/* ---- vAccel ---- */

/* vaccel_bootstrap_with_config() with these settings. */
int tu_bootstrap(const char *plugins, int log_level, const char *log_file,
		 bool profiling);
/* The exported state of a loaded test plugin (tests/unit/plugins/tp_state.h),
 * or NULL if it is not loaded. */
struct tp_state *tu_plugin_state(const char *plugin_path);
/* A session on the heap, asserted to be served by plugin `plugin` ("onnx"):
 * a failing test (cmocka jumps out of it) then leaks one rather than
 * leaving a dead stack object in the library's list of sessions. */
struct vaccel_session *tu_new_sess(const char *plugin);
