// SPDX-License-Identifier: Apache-2.0
/* Sessions (api-reference.md §2.3, §3.1, §3.2): ids, run directories,
 * hints and plugin selection (test plugins of different type bits, a fake
 * remote plugin with is_virtio that sets remote ids, one without hooks),
 * the plugin's session hooks, update, get_by_id, new/delete, the
 * deprecated aliases, the 1024-session limit, cleanup; and plugin
 * introspection / run-time loading. */

#include "tu.h"
#include "plugins/tp_state.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

static void boot(struct tu_dir *c, const char *plugins)
{
	assert_int_equal(tu_bootstrap(plugins, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
}

static const char *plugin_name(const struct vaccel_session *s)
{
	return s->plugin->info->name;
}

static void test_ids_and_rundir(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s1, s2, s3;

	boot(c, TU_NOOP_PLUGIN);
	assert_int_equal(vaccel_session_init(&s1, 0), VACCEL_OK);
	assert_int_equal(s1.id, 1);
	assert_int_equal(vaccel_session_init(&s2, 0), VACCEL_OK);
	assert_int_equal(s2.id, 2);
	assert_false(s1.is_virtio);
	assert_int_equal(s1.hint, 0);
	assert_non_null(s1.plugin);
	assert_string_equal(plugin_name(&s1), "noop");

	char *rd =
		tu_strf("%s/session.%lld", vaccel_rundir(), (long long)s1.id);
	assert_string_equal(s1.rundir, rd);
	assert_true(tu_is_dir(rd));
	assert_int_equal(vaccel_session_release(&s1), VACCEL_OK);
	assert_false(tu_exists(rd));
	assert_int_equal(s1.id, 0);
	assert_null(s1.plugin);
	free(rd);

	/* released ids are not reused right away; a failed init (no virtio
	 * plugin) does not make the next id repeat either */
	assert_int_equal(vaccel_session_init(&s3, VACCEL_PLUGIN_REMOTE),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_session_init(&s1, 0), VACCEL_OK);
	assert_true(s1.id > 2);
	assert_int_equal(vaccel_session_release(&s1), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s2), VACCEL_OK);
	/* released twice / never initialized */
	assert_int_equal(vaccel_session_release(&s2), VACCEL_EINVAL);
	static struct vaccel_session zero = { 0 };
	assert_int_equal(vaccel_session_release(&zero), VACCEL_EINVAL);
	assert_int_equal(vaccel_session_release(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_session_init(NULL, 0), VACCEL_EINVAL);
}

static void test_hint_kept(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, TU_NOOP_PLUGIN);
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_DEBUG |
							 VACCEL_PLUGIN_CPU),
			 VACCEL_OK);
	assert_int_equal(s.hint, VACCEL_PLUGIN_DEBUG | VACCEL_PLUGIN_CPU);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
}

struct pick {
	uint32_t flags;
	int ret;
	const char *plugin;
	bool is_virtio;
};

static void check_picks(struct tu_dir *c, const char *plugins,
			const struct pick *p, size_t n)
{
	boot(c, plugins);
	for (size_t i = 0; i < n; i++) {
		static struct vaccel_session s;
		int ret = vaccel_session_init(&s, p[i].flags);
		if (ret != p[i].ret)
			fail_msg("flags 0x%x: got %d, expected %d", p[i].flags,
				 ret, p[i].ret);
		if (ret)
			continue;
		if (strcmp(plugin_name(&s), p[i].plugin))
			fail_msg("flags 0x%x: got plugin %s, expected %s",
				 p[i].flags, plugin_name(&s), p[i].plugin);
		assert_int_equal(s.is_virtio, p[i].is_virtio);
		assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	}
	vaccel_cleanup();
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_selection(void **state)
{
	struct tu_dir *c = *state;
	enum {
		CPU = VACCEL_PLUGIN_CPU,
		GPU = VACCEL_PLUGIN_GPU,
		TORCH = VACCEL_PLUGIN_TORCH,
		FPGA = VACCEL_PLUGIN_FPGA,
		GENERIC = VACCEL_PLUGIN_GENERIC,
		DEBUG = VACCEL_PLUGIN_DEBUG,
		REMOTE = VACCEL_PLUGIN_REMOTE
	};

	/* cpu (CPU), gpu (GPU|TORCH), remote (virtio, GENERIC) */
	static const struct pick three[] = {
		{ 0, 0, "test-cpu", false },	     /* first local */
		{ GPU, 0, "test-gpu", false },	     /* by type */
		{ TORCH, 0, "test-gpu", false },     /* any common bit */
		{ CPU | GPU, 0, "test-cpu", false }, /* first in load order */
		{ FPGA, 0, "test-cpu", false },	     /* no match: fallback */
		{ DEBUG, 0, "test-cpu", false },
		{ REMOTE, 0, "test-remote", true },
		{ REMOTE | GPU, 0, "test-remote", true }, /* REMOTE first */
		/* the type step may pick a virtio plugin (local session) */
		{ GENERIC, 0, "test-remote", false },
	};
	check_picks(c, TU_PLUGIN_CPU ":" TU_PLUGIN_GPU ":" TU_PLUGIN_REMOTE,
		    three, N(three));

	/* the debug plugin by hint; the first local one without */
	static const struct pick noop_cpu[] = {
		{ DEBUG, 0, "noop", false },
		{ 0, 0, "noop", false },
		{ CPU, 0, "test-cpu", false },
		{ REMOTE, VACCEL_ENOTSUP, NULL, false }, /* no virtio plugin */
	};
	check_picks(c, TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU, noop_cpu, N(noop_cpu));

	/* exactly one plugin, and it is virtio: sessions are remote */
	static const struct pick only_remote[] = {
		{ 0, 0, "test-remote", true },
		{ CPU, 0, "test-remote", true },
		{ REMOTE, 0, "test-remote", true },
	};
	check_picks(c, TU_PLUGIN_REMOTE, only_remote, N(only_remote));

	/* a virtio plugin without session hooks cannot serve sessions */
	static const struct pick bare[] = {
		{ 0, VACCEL_ENOTSUP, NULL, false },
		{ REMOTE, VACCEL_ENOTSUP, NULL, false },
	};
	check_picks(c, TU_PLUGIN_REMOTE_BARE, bare, N(bare));
	static const struct pick cpu_bare[] = {
		{ 0, 0, "test-cpu", false },
		{ REMOTE, VACCEL_ENOTSUP, NULL, false },
	};
	check_picks(c, TU_PLUGIN_CPU ":" TU_PLUGIN_REMOTE_BARE, cpu_bare,
		    N(cpu_bare));

	/* only virtio plugins (two): no local plugin for flags 0 */
	static const struct pick two_remote[] = {
		{ 0, VACCEL_ENOTSUP, NULL, false },
		{ REMOTE, 0, "test-remote", true }, /* the first virtio */
	};
	check_picks(c, TU_PLUGIN_REMOTE ":" TU_PLUGIN_REMOTE_BARE, two_remote,
		    N(two_remote));

	/* no plugins at all */
	static const struct pick none[] = {
		{ 0, VACCEL_ENOTSUP, NULL, false },
		{ CPU, VACCEL_ENOTSUP, NULL, false },
		{ REMOTE, VACCEL_ENOTSUP, NULL, false },
	};
	check_picks(c, NULL, none, N(none));
}

static void test_remote_session(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, TU_NOOP_PLUGIN ":" TU_PLUGIN_REMOTE);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_REMOTE);
	assert_non_null(st);
	assert_int_equal(st->init, 1);
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_REMOTE |
							 VACCEL_PLUGIN_GPU),
			 VACCEL_OK);
	assert_true(s.is_virtio);
	assert_true(s.plugin->info->is_virtio);
	assert_int_equal(s.remote_id, TP_REMOTE_SESS_BASE + s.id);
	assert_int_equal(st->session_init, 1);
	/* the plugin gets the flags without the REMOTE bit; the session
	 * keeps them all */
	assert_int_equal(st->last_flags, VACCEL_PLUGIN_GPU);
	assert_int_equal(s.hint, VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_GPU);

	/* update goes to the plugin */
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_REMOTE |
							   VACCEL_PLUGIN_CPU),
			 VACCEL_OK);
	assert_int_equal(st->session_update, 1);
	assert_int_equal(st->last_flags, VACCEL_PLUGIN_CPU);
	assert_int_equal(s.hint, VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_CPU);

	/* a failing release hook is only a warning */
	st->fail_session_release = VACCEL_EIO;
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(st->session_release, 1);
	assert_int_equal(s.id, 0);
	st->fail_session_release = 0;
}

static void test_session_init_hook_fails(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s, *found;

	boot(c, TU_PLUGIN_CPU);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	st->fail_session_init = VACCEL_EBUSY;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_EBUSY);
	assert_int_equal(st->session_init, 1);
	assert_int_equal(s.id, 0);
	assert_null(s.plugin);
	/* nothing left behind */
	assert_int_equal(vaccel_session_get_by_id(&found, 1), VACCEL_ENOENT);
	char *rd = tu_strf("%s/session.1", vaccel_rundir());
	assert_false(tu_exists(rd));
	free(rd);
	st->fail_session_init = 0;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(st->last_flags, 0);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(st->session_release, 1);
}

static void test_update_local(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	static struct vaccel_resource r;

	boot(c, TU_NOOP_PLUGIN ":" TU_PLUGIN_GPU);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_string_equal(plugin_name(&s), "noop");
	/* re-selects the plugin */
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_GPU),
			 VACCEL_OK);
	assert_string_equal(plugin_name(&s), "test-gpu");
	assert_int_equal(s.hint, VACCEL_PLUGIN_GPU);
	assert_int_equal(vaccel_sess_update(&s, VACCEL_PLUGIN_DEBUG),
			 VACCEL_OK);
	assert_string_equal(plugin_name(&s), "noop");
	/* no plugin for the flags: ENOTSUP, binding kept */
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_REMOTE),
			 VACCEL_ENOTSUP);
	assert_string_equal(plugin_name(&s), "noop");
	/* not with registered resources */
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &s), VACCEL_OK);
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_GPU),
			 VACCEL_ENOTSUP);
	assert_string_equal(plugin_name(&s), "noop");
	assert_int_equal(vaccel_resource_unregister(&r, &s), VACCEL_OK);
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_GPU),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);

	assert_int_equal(vaccel_session_update(NULL, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_session_update(&s, 0), VACCEL_EINVAL);
}

/* vaccel_session_update() moves a local session to another plugin. The
 * plugins' session hooks must stay balanced: the plugin that gets the
 * session has session_init() called before it sees session_release(), and
 * the plugin that loses it gets its session_release() (it may keep state in
 * sess->priv). (Regression test: update used to only swap sess->plugin, so
 * the new plugin got session_release() for a session it never saw, with the
 * old plugin's priv; fixed in 73aa089.) */
static void test_update_hooks_balanced(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	assert_non_null(st);

	/* noop -> test-cpu */
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_CPU),
			 VACCEL_OK);
	assert_string_equal(plugin_name(&s), "test-cpu");
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	int init1 = st->session_init, rel1 = st->session_release;

	/* test-cpu -> noop */
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_CPU), VACCEL_OK);
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_DEBUG),
			 VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	int init2 = st->session_init - init1;
	int rel2 = st->session_release - rel1;

	if (init1 != rel1 || init2 != rel2)
		fail_msg("session hooks unbalanced across "
			 "vaccel_session_update(): noop->cpu gave %d "
			 "session_init / %d session_release on test-cpu, "
			 "cpu->noop gave %d / %d",
			 init1, rel1, init2, rel2);
}

static void test_get_by_id(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s1, s2, *found = NULL;

	boot(c, TU_NOOP_PLUGIN);
	assert_int_equal(vaccel_session_init(&s1, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s2, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_get_by_id(&found, s2.id), VACCEL_OK);
	assert_ptr_equal(found, &s2);
	assert_int_equal(vaccel_session_get_by_id(&found, s1.id), VACCEL_OK);
	assert_ptr_equal(found, &s1);
	assert_int_equal(vaccel_session_get_by_id(&found, 999), VACCEL_ENOENT);
	assert_int_equal(vaccel_session_get_by_id(&found, 0), VACCEL_ENOENT);
	assert_int_equal(vaccel_session_get_by_id(NULL, s1.id), VACCEL_EINVAL);
	vaccel_id_t id = s1.id;
	assert_int_equal(vaccel_session_release(&s1), VACCEL_OK);
	assert_int_equal(vaccel_session_get_by_id(&found, id), VACCEL_ENOENT);
	assert_int_equal(vaccel_session_release(&s2), VACCEL_OK);
	vaccel_cleanup();
	assert_int_equal(vaccel_session_get_by_id(&found, 1), VACCEL_EPERM);
}

static void test_new_delete_aliases(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_session *s = NULL;
	static struct vaccel_session t;
	static struct vaccel_resource r;

	boot(c, TU_NOOP_PLUGIN);
	assert_int_equal(vaccel_session_new(&s, VACCEL_PLUGIN_DEBUG),
			 VACCEL_OK);
	assert_true(s->id > 0);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_session_new(NULL, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_session_delete(NULL), VACCEL_EINVAL);
	s = NULL;
	assert_int_equal(vaccel_session_new(&s, VACCEL_PLUGIN_REMOTE),
			 VACCEL_ENOTSUP);
	assert_null(s);

	/* the deprecated aliases */
	assert_int_equal(vaccel_sess_init(&t, 0), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_OK);
	assert_false(vaccel_sess_has_resource(&t, &r));
	assert_int_equal(vaccel_resource_register(&r, &t), VACCEL_OK);
	assert_true(vaccel_sess_has_resource(&t, &r));
	assert_int_equal(vaccel_sess_free(&t), VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
}

/* The struct fields applications and plugins read. */
static void test_visible_fields(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, TU_PLUGIN_GPU);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	const struct vaccel_plugin_info *i = s.plugin->info;
	assert_string_equal(i->name, "test-gpu");
	assert_string_equal(i->version, "9.8.7");
	assert_string_equal(i->vaccel_version, VACCEL_VERSION);
	assert_int_equal(i->type, VACCEL_PLUGIN_GPU | VACCEL_PLUGIN_TORCH);
	assert_false(i->is_virtio);
	assert_non_null(i->init);
	assert_non_null(i->fini);
	assert_null(i->session_init);
	assert_null(i->resource_register);
	assert_non_null(s.plugin->dl_handle);
	assert_null(s.priv);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
}

/* At most 1024 live sessions: then VACCEL_EUSERS. */
static void test_limit(void **state)
{
	struct tu_dir *c = *state;
	enum {
		MAX = 1024
	};
	struct vaccel_session *s = calloc(MAX + 1, sizeof(*s));

	boot(c, TU_NOOP_PLUGIN);
	for (int i = 0; i < MAX; i++)
		assert_int_equal(vaccel_session_init(&s[i], 0), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s[MAX], 0), VACCEL_EUSERS);
	assert_int_equal(vaccel_session_release(&s[5]), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s[MAX], 0), VACCEL_OK);
	assert_int_equal(s[MAX].id, 6); /* the wrap reclaims the free id */
	for (int i = 0; i <= MAX; i++)
		if (i != 5)
			assert_int_equal(vaccel_session_release(&s[i]),
					 VACCEL_OK);
	free(s);
}

/* Cleanup releases what the application left, and resets the structs. */
static void test_cleanup_releases(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	static struct vaccel_resource r;

	boot(c, TU_PLUGIN_CPU);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, NULL, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &s), VACCEL_OK);
	char *rundir = strdup(vaccel_rundir());
	assert_int_equal(st->fini, 0);
	assert_int_equal(vaccel_cleanup(), VACCEL_OK);
	assert_int_equal(s.id, 0);
	assert_int_equal(r.id, 0);
	assert_false(tu_exists(rundir));
	free(rundir);
	/* hooks: resource unregistered, then session released (the plugin
	 * is unloaded afterwards, so its state is not readable here) */
	assert_false(vaccel_is_initialized());
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_ESESS);
}

/* ---- plugins ---- */

static void test_introspection(void **state)
{
	struct tu_dir *c = *state;
	const char *name, *version;
	uint32_t type;
	bool remote;
	uint64_t mask;

	boot(c, TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU ":" TU_PLUGIN_GPU
			       ":" TU_PLUGIN_REMOTE);
	assert_int_equal(vaccel_plugin_count(), 4);
	assert_int_equal(vaccel_plugin_get_info(0, &name, &version, &type,
						&remote, &mask),
			 VACCEL_OK);
	assert_string_equal(name, "noop");
	assert_string_equal(version, VACCEL_VERSION);
	assert_int_equal(type, VACCEL_PLUGIN_DEBUG);
	assert_false(remote);
	/* noop serves every op: 0..23 and the ONNX extensions 32..34 */
	assert_true(mask == (((UINT64_C(1) << 24) - 1) | (UINT64_C(7) << 32)));

	uint64_t few = (UINT64_C(1) << VACCEL_OP_NOOP) |
		       (UINT64_C(1) << VACCEL_OP_EXEC) |
		       (UINT64_C(1) << VACCEL_OP_EXEC_WITH_RESOURCE);
	assert_int_equal(
		vaccel_plugin_get_info(1, &name, NULL, &type, NULL, &mask),
		VACCEL_OK);
	assert_string_equal(name, "test-cpu");
	assert_int_equal(type, VACCEL_PLUGIN_CPU);
	assert_true(mask == few);
	/* gpu lists IMAGE_CLASSIFY but its ops_mask() drops it */
	assert_int_equal(
		vaccel_plugin_get_info(2, &name, NULL, NULL, NULL, &mask),
		VACCEL_OK);
	assert_string_equal(name, "test-gpu");
	assert_true(mask == few);
	assert_int_equal(
		vaccel_plugin_get_info(3, &name, NULL, NULL, &remote, NULL),
		VACCEL_OK);
	assert_string_equal(name, "test-remote");
	assert_true(remote);
	assert_int_equal(
		vaccel_plugin_get_info(4, &name, NULL, NULL, NULL, NULL),
		VACCEL_ENOENT);
	assert_int_equal(
		vaccel_plugin_get_info(0, NULL, NULL, NULL, NULL, NULL),
		VACCEL_OK);

	vaccel_cleanup();
	assert_int_equal(vaccel_plugin_count(), 0);
	assert_int_equal(
		vaccel_plugin_get_info(0, &name, NULL, NULL, NULL, NULL),
		VACCEL_ENOENT);
}

static void test_load_at_run_time(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, NULL);
	assert_int_equal(vaccel_plugin_count(), 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_plugin_load(TU_PLUGIN_CPU), VACCEL_OK);
	assert_int_equal(vaccel_plugin_count(), 1);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_string_equal(plugin_name(&s), "test-cpu");
	/* the same plugin again */
	assert_int_equal(vaccel_plugin_load(TU_PLUGIN_CPU), VACCEL_EEXIST);
	assert_int_equal(vaccel_plugin_count(), 1);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK); /* still usable */
	/* a list with empty entries */
	assert_int_equal(vaccel_plugin_parse_and_load(":" TU_PLUGIN_GPU "::"),
			 VACCEL_OK);
	assert_int_equal(vaccel_plugin_count(), 2);
	assert_int_equal(vaccel_plugin_parse_and_load(""), VACCEL_OK);
	assert_int_equal(vaccel_plugin_load(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_plugin_load(""), VACCEL_EINVAL);
	assert_int_equal(vaccel_plugin_parse_and_load(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	/* not bootstrapped */
	assert_int_equal(vaccel_plugin_load(TU_PLUGIN_CPU), VACCEL_EBACKEND);
}

static int dummy_fn(struct vaccel_session *s)
{
	return 0;
}

/* Upstream's untyped registration is not supported by our ABI. */
static void test_register_ops_unsupported(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_op op = { VACCEL_OP_NOOP, (void *)dummy_fn, NULL };

	boot(c, NULL);
	assert_int_equal(vaccel_plugin_register_ops(&op, 1), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_plugin_register_op(&op), VACCEL_ENOTSUP);
	assert_int_equal(register_plugin_function(&op), VACCEL_ENOTSUP);
	assert_int_equal(register_plugin_functions(&op, 1), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_plugin_register_ops(NULL, 0), VACCEL_ENOTSUP);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_int_equal(tu_count(text, "vaccel_plugin_register_ops()"), 5);
	free(text);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_dir_setup, tu_dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ids_and_rundir),
		T(test_hint_kept),
		T(test_selection),
		T(test_remote_session),
		T(test_session_init_hook_fails),
		T(test_update_local),
		T(test_update_hooks_balanced),
		T(test_get_by_id),
		T(test_new_delete_aliases),
		T(test_visible_fields),
		T(test_limit),
		T(test_cleanup_releases),
		T(test_introspection),
		T(test_load_at_run_time),
		T(test_register_ops_unsupported),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
