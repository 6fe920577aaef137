// SPDX-License-Identifier: Apache-2.0
/* Run a plugin's test cases twice: on a local session and on a session of a
 * real vaccel-agent that serves the same plugin (tests/agent/harness.c
 * starts it on a temporary UNIX socket). Used by the opencl, opencv and
 * tflite tests. Built with HAVE_AGENT when the agent and the rpc plugin
 * are; without them only the local session runs (and the output says so). */
#pragma once

#include <stdbool.h>

#include <vaccel.h>

/* Start the agent serving `plugin` (a build-tree plugin name) with the
 * options `agent_args` (NULL-terminated, or NULL) and bootstrap this
 * process with `plugin`, then `extra` (':'-separated names, NULL for none:
 * plugins the test needs locally) and the rpc transport. Without an agent,
 * the test's VACCEL_PLUGINS is loaded as it is. 0, or -1 after printing
 * why. */
int rtu_setup(const char *plugin, const char *extra,
	      const char *const *agent_args);
/* Stop the agent (its log is printed when it did not exit cleanly). */
void rtu_teardown(void);
/* How many sessions each case runs on: 2 with an agent, else 1. */
int rtu_nr_sessions(void);
/* A new session on the heap (a failing test then leaks it rather than
 * leaving a dead stack object in the library's list): i = 0 local, 1
 * remote. Asserts that it was made and what serves it. */
struct vaccel_session *rtu_session(int i);
/* Release and free it. */
void rtu_session_free(struct vaccel_session *s);
/* Run fn on a new session of each kind (local, then remote), printing
 * which. */
void rtu_each(void (*fn)(struct vaccel_session *s));
/* "local" or "remote" for messages */
const char *rtu_name(int i);
/* `vaccel info` (the build tree's CLI) with only `plugin` loaded lists it
 * with the `ops` line given (e.g. "ops: opencv"). */
void rtu_check_info(const char *plugin, const char *ops);
/* Print the agent's log (after a failure). */
void rtu_dump_log(void);
