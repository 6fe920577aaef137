// SPDX-License-Identifier: Apache-2.0
#include "remote_tu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_AGENT
#include "harness.h"

static struct agent_proc agent;
#endif
static bool have_agent;
static char served[64];

#if defined(HAVE_AGENT) && defined(__SANITIZE_ADDRESS__)
/* ASAN_OPTIONS of the processes started from now on (this one read its own
 * at start): the same, and detect_leaks=0. */
static void asan_no_leaks_for_children(void)
{
	const char *o = getenv("ASAN_OPTIONS");
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%sdetect_leaks=0", o ? o : "",
		 o && *o ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
}
#endif

int rtu_setup(const char *plugin, const char *extra,
	      const char *const *agent_args)
{
	snprintf(served, sizeof(served), "%s", plugin);
#ifdef HAVE_AGENT
	char list[256];
	const char *args[16];
	int n = 0;

	for (; agent_args && agent_args[n] && n < 12; n++)
		args[n] = agent_args[n];
#if defined(__SANITIZE_ADDRESS__)
	/* The agent's sandboxed workers and AddressSanitizer: ASan reserves
	 * terabytes of address space for its shadow (a worker under the
	 * default address-space limit fails with "ERROR: Failed to mmap"),
	 * and LeakSanitizer's exit check needs what seccomp refuses ("fatal
	 * error"). The agent's processes run without the limit and without
	 * the leak check; this process keeps both. */
	args[n++] = "--worker-memory";
	args[n++] = "0";
	asan_no_leaks_for_children();
#endif
	args[n] = NULL;
	if (agent_start(&agent, plugin, args)) {
		fprintf(stderr, "cannot start a vaccel-agent serving %s\n",
			plugin);
		return -1;
	}
	have_agent = true;
	snprintf(list, sizeof(list), "%s%s%s:rpc", plugin, extra ? ":" : "",
		 extra ? extra : "");
	if (client_bootstrap(list, agent.unix_uri)) {
		fprintf(stderr, "cannot bootstrap with %s\n", list);
		return -1;
	}
	return 0;
#else
	/* VACCEL_PLUGINS (the test's environment) names the plugins */
	(void)extra;
	(void)agent_args;
	printf("# no vaccel-agent in this build: local sessions only\n");
	return vaccel_bootstrap() ? -1 : 0;
#endif
}

void rtu_teardown(void)
{
#ifdef HAVE_AGENT
	if (have_agent && agent_stop(&agent))
		fprintf(stderr, "the agent did not exit cleanly\n");
	have_agent = false;
#endif
}

int rtu_nr_sessions(void)
{
	return have_agent ? 2 : 1;
}

const char *rtu_name(int i)
{
	return i ? "remote" : "local";
}

struct vaccel_session *rtu_session(int i)
{
	struct vaccel_session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(vaccel_session_init(s, i ? VACCEL_PLUGIN_REMOTE : 0),
			 VACCEL_OK);
	assert_true(s->is_virtio == (i != 0));
	if (!i)
		assert_string_equal(s->plugin->info->name, served);
	return s;
}

void rtu_session_free(struct vaccel_session *s)
{
	assert_int_equal(vaccel_session_release(s), VACCEL_OK);
	free(s);
}

void rtu_each(void (*fn)(struct vaccel_session *s))
{
	for (int i = 0; i < rtu_nr_sessions(); i++) {
		struct vaccel_session *s = rtu_session(i);

		printf("# %s session\n", rtu_name(i));
		fn(s);
		rtu_session_free(s);
	}
}

void rtu_check_info(const char *plugin, const char *ops)
{
	const char *b = getenv("VACCEL_BUILD_ROOT");
	char cmd[2048], out[8192] = "", want[128];
	size_t n = 0, k;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "VACCEL_PLUGINS=%s/plugins/%s/libvaccel-%s.so %s/tools/vaccel "
		 "info 2>&1",
		 b ? b : ".", plugin, plugin, b ? b : ".");
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((k = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += k;
	out[n] = 0;
	assert_int_equal(pclose(f), 0);
	printf("%s", out);
	snprintf(want, sizeof(want), "- %s ", plugin);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, ops));
}

void rtu_dump_log(void)
{
#ifdef HAVE_AGENT
	if (have_agent)
		agent_dump_log(&agent);
#endif
}
