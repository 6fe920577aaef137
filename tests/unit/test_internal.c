// SPDX-License-Identifier: Apache-2.0
/* Internals of the core, through the static library with every internal
 * symbol (vaccel_internal_dep): id pools, file helpers, URL detection, and
 * the plugin registry fed with in-process descriptors (no dlopen: this
 * program must never load a plugin, which would bring in libvaccel.so and a
 * second core). */

#include "tu.h"
#include "internal.h"
#include "op_list.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- id pools ---- */

static void test_id_pool(void **state)
{
	struct vaccel__id_pool p;

	assert_int_equal(vaccel__id_pool_init(&p, 4), VACCEL_OK);
	assert_int_equal(vaccel__id_pool_get(&p), 1);
	assert_int_equal(vaccel__id_pool_get(&p), 2);
	vaccel__id_pool_put(&p, 1);
	/* not reused before the wrap */
	assert_int_equal(vaccel__id_pool_get(&p), 3);
	assert_int_equal(vaccel__id_pool_get(&p), 4);
	/* wrap: the lowest free one */
	assert_int_equal(vaccel__id_pool_get(&p), 1);
	assert_int_equal(vaccel__id_pool_get(&p), -VACCEL_EUSERS);
	vaccel__id_pool_put(&p, 3);
	assert_int_equal(vaccel__id_pool_get(&p), 3);
	/* out-of-range puts are ignored */
	vaccel__id_pool_put(&p, 0);
	vaccel__id_pool_put(&p, 5);
	vaccel__id_pool_put(&p, -1);
	assert_int_equal(vaccel__id_pool_get(&p), -VACCEL_EUSERS);
	vaccel__id_pool_release(&p);
	assert_int_equal(vaccel__id_pool_get(&p), -VACCEL_EINVAL);
	vaccel__id_pool_release(&p); /* twice */
	assert_int_equal(vaccel__id_pool_init(&p, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel__id_pool_init(NULL, 3), VACCEL_EINVAL);
	assert_int_equal(vaccel__id_pool_get(NULL), -VACCEL_EINVAL);
}

/* ---- files ---- */

static int collect(const char *path, void *ctx)
{
	int *n = ctx;
	(*n)++;
	return strstr(path, "stop") ? ECANCELED : VACCEL_OK;
}

static void test_fs(void **state)
{
	char *dir = tu_mkdtemp();
	char *deep = tu_strf("%s/a/b/c", dir);
	char *file = tu_strf("%s/f", dir);
	char *under_file = tu_strf("%s/f/x", dir);

	assert_string_equal(vaccel__fs_basename("/x/y/z.so"), "z.so");
	assert_string_equal(vaccel__fs_basename("z.so"), "z.so");
	assert_string_equal(vaccel__fs_basename("/x/"), "");

	assert_int_equal(vaccel__fs_mkdir_p(deep, 0700, 0700), VACCEL_OK);
	assert_true(tu_is_dir(deep));
	assert_int_equal(vaccel__fs_mkdir_p(deep, 0700, 0700),
			 VACCEL_OK); /* exists */
	tu_write_file(file, "0123", 4);
	assert_int_not_equal(vaccel__fs_mkdir_p(file, 0700, 0700), VACCEL_OK);
	assert_int_not_equal(vaccel__fs_mkdir_p(under_file, 0700, 0700),
			     VACCEL_OK);
	assert_int_not_equal(vaccel__fs_mkdir_p("", 0700, 0700), VACCEL_OK);

	void *data;
	size_t size;
	assert_int_equal(vaccel__fs_read(file, &data, &size), VACCEL_OK);
	assert_int_equal(size, 4);
	assert_memory_equal(data, "0123", 4);
	free(data);
	assert_int_equal(vaccel__fs_map(file, &data, &size), VACCEL_OK);
	assert_memory_equal(data, "0123", 4);
	munmap(data, size);
	assert_int_equal(vaccel__fs_read(under_file, &data, &size), VACCEL_EIO);
	char *missing = tu_strf("%s/missing", dir);
	assert_int_equal(vaccel__fs_read(missing, &data, &size), VACCEL_ENOENT);
	char *empty = tu_strf("%s/empty", dir);
	tu_write_file(empty, "", 0);
	assert_int_equal(vaccel__fs_read(empty, &data, &size), VACCEL_EINVAL);
	assert_int_equal(vaccel__fs_map(empty, &data, &size), VACCEL_EINVAL);
	assert_int_equal(vaccel__fs_read(dir, &data, &size), VACCEL_EINVAL);

	/* write_new: exact, collision, randomize, bad names */
	char *p1 = NULL, *p2 = NULL, *p3 = NULL;
	assert_int_equal(
		vaccel__fs_write_new(dir, "m.onnx", false, "ab", 2, &p1),
		VACCEL_OK);
	char *want = tu_strf("%s/m.onnx", dir);
	assert_string_equal(p1, want);
	assert_int_equal(
		vaccel__fs_write_new(dir, "m.onnx", false, "cd", 2, &p2),
		VACCEL_OK);
	assert_string_not_equal(p2, p1);
	assert_string_equal(p2 + strlen(p2) - 5, ".onnx");
	assert_int_equal(vaccel__fs_write_new(dir, "noext", true, "ef", 2, &p3),
			 VACCEL_OK);
	assert_int_equal(strlen(vaccel__fs_basename(p3)),
			 strlen("noext_XXXXXX"));
	char *back = tu_read_file(p2, NULL);
	assert_string_equal(back, "cd");
	free(back);
	char *px = NULL;
	assert_int_equal(vaccel__fs_write_new(dir, "a/b", false, "x", 1, &px),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel__fs_write_new(dir, "..", false, "x", 1, &px),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel__fs_write_new(missing, "x", false, "x", 1, &px),
			 VACCEL_EIO);
	assert_null(px);

	/* walk: recursive; a callback error stops it */
	int n = 0;
	assert_int_equal(vaccel__fs_walk(dir, collect, &n), VACCEL_OK);
	assert_int_equal(n, 5); /* f, empty, m.onnx, m_X.onnx, noext_X */
	char *stop = tu_strf("%s/a/b/stop", dir);
	tu_write_file(stop, "s", 1);
	n = 0;
	assert_int_equal(vaccel__fs_walk(dir, collect, &n), ECANCELED);
	assert_int_equal(vaccel__fs_walk(missing, collect, &n), VACCEL_ENOENT);

	/* rm -rf */
	char *a = tu_strf("%s/a", dir);
	assert_int_equal(vaccel__fs_rm_rf(a), VACCEL_OK);
	assert_false(tu_exists(a));
	assert_int_equal(vaccel__fs_rm_rf(missing), VACCEL_OK);
	assert_int_equal(vaccel__fs_rm_rf(dir), VACCEL_OK);
	assert_false(tu_exists(dir));

	free(p1);
	free(p2);
	free(p3);
	free(want);
	free(a);
	free(stop);
	free(missing);
	free(empty);
	free(dir);
	free(deep);
	free(file);
	free(under_file);
}

/* mkdir -p's modes; rm -rf never follows a symlink (in the tree or at
 * its top). */
static void test_dirtree(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp();
	char *parent = tu_strf("%s/p", dir), *leaf = tu_strf("%s/p/q", dir);
	mode_t old = umask(022);
	assert_int_equal(vaccel__fs_mkdir_p(leaf, 0755, 0700), VACCEL_OK);
	char *other = tu_strf("%s/p/r", dir);
	assert_int_equal(vaccel__fs_mkdir_p(other, 0755, 0711), VACCEL_OK);
	umask(old);
	struct stat st;
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(stat(leaf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0711);
	free(other);

	char *keep = tu_strf("%s/keep", dir), *kept = tu_strf("%s/keep/x", dir);
	char *tree = tu_strf("%s/t", dir), *in_tree = tu_strf("%s/t/l", dir);
	char *top = tu_strf("%s/top", dir);
	assert_int_equal(vaccel__fs_mkdir_p(tree, 0700, 0700), VACCEL_OK);
	assert_int_equal(vaccel__fs_mkdir_p(keep, 0700, 0700), VACCEL_OK);
	tu_write_file(kept, "k", 1);
	assert_int_equal(symlink(keep, in_tree), 0);
	assert_int_equal(symlink(keep, top), 0);
	assert_int_equal(vaccel__fs_rm_rf(tree), VACCEL_OK);
	assert_int_equal(vaccel__fs_rm_rf(top), VACCEL_OK);
	assert_false(tu_exists(tree));
	assert_int_equal(lstat(top, &st), -1);
	assert_true(tu_exists(kept));
	assert_int_equal(vaccel__fs_rm_rf(dir), VACCEL_OK);
	assert_false(tu_exists(dir));
	free(dir), free(parent), free(leaf), free(keep), free(kept);
	free(tree), free(in_tree), free(top);
}

static void test_net_is_url(void **state)
{
	assert_true(vaccel__net_is_url("http://host/x"));
	assert_true(vaccel__net_is_url("https://host/x"));
	assert_true(vaccel__net_is_url("ftp://host/x"));
	assert_false(vaccel__net_is_url("http://"));
	assert_false(vaccel__net_is_url("file:///x"));
	assert_false(vaccel__net_is_url("s3://b/x"));
	assert_false(vaccel__net_is_url("httpx://host"));
	assert_false(vaccel__net_is_url("/local/http://x"));
	assert_false(vaccel__net_is_url("host/x"));
}

static void test_strdup_opt(void **state)
{
	char *out = (char *)1;
	assert_true(vaccel__strdup_opt(NULL, &out));
	assert_null(out);
	assert_true(vaccel__strdup_opt("abc", &out));
	assert_string_equal(out, "abc");
	free(out);
}

/* ---- the plugin registry, with in-process descriptors ---- */

static int calls_init, calls_fini;

static int p_init(void)
{
	calls_init++;
	return VACCEL_OK;
}

static int p_init_fail(void)
{
	return VACCEL_ENODEV;
}

static int p_fini(void)
{
	calls_fini++;
	return VACCEL_OK;
}

static int p_noop(struct vaccel_session *s)
{
	return 77;
}

static int p_sess_init(struct vaccel_session *s, uint32_t flags)
{
	s->remote_id = 99;
	return VACCEL_OK;
}

static uint64_t p_mask_none(void)
{
	return 0;
}

static const struct vaccel_plugin_op p_ops[] = {
	VACCEL_PLUGIN_OP(NOOP, p_noop),
};

#define DESC(...)                                               \
	{                                                       \
		.abi_version = VACCEL_PLUGIN_ABI_VERSION,       \
		.desc_size = sizeof(struct vaccel_plugin_desc), \
		.version = "1", __VA_ARGS__                     \
	}
#define OPS .ops = p_ops, .nr_ops = 1

static const struct vaccel_plugin_desc d_cpu =
	DESC(.name = "cpu", .type = VACCEL_PLUGIN_CPU, .init = p_init,
	     .fini = p_fini, OPS);
static const struct vaccel_plugin_desc d_gpu =
	DESC(.name = "gpu", .type = VACCEL_PLUGIN_GPU, .ops_mask = p_mask_none,
	     OPS);
static const struct vaccel_plugin_desc d_remote =
	DESC(.name = "remote", .type = VACCEL_PLUGIN_GENERIC, .is_virtio = true,
	     .session_init = p_sess_init, OPS);
static const struct vaccel_plugin_desc d_fail =
	DESC(.name = "fail", .init = p_init_fail, OPS);
static const struct vaccel_plugin_desc d_abi = {
	.abi_version = 7,
	.desc_size = sizeof(struct vaccel_plugin_desc),
	.name = "abi",
};
static const struct vaccel_plugin_desc d_size = {
	.abi_version = VACCEL_PLUGIN_ABI_VERSION,
	.desc_size = 16,
	.name = "size",
};
static const struct vaccel_plugin_op bad_ops[] = {
	{ .type = (vaccel_op_type_t)29, .fn = { .NOOP = p_noop } },
};
static const struct vaccel_plugin_desc d_badop =
	DESC(.name = "badop", .ops = bad_ops, .nr_ops = 1);
static const struct vaccel_plugin_desc d_noname = DESC(.name = "", OPS);
static const struct vaccel_plugin_desc d_nullops =
	DESC(.name = "nullops", .nr_ops = 3);

/* The op list, its name table and its validity agree for every number a
 * mask can hold; every op has a family and a shape. */
static void test_op_list(void **state)
{
	(void)state;
	int n = 0;
	for (long op = -1; op < 70; op++) {
		const char *name = vaccel_op_type_name((vaccel_op_type_t)op);
		bool named = strcmp(name, "VACCEL_OP_MAX") != 0;
		assert_int_equal(vaccel__op_valid(op), named);
		if (!named)
			continue;
		n++;
		assert_true(op < 64);
		assert_int_not_equal(vaccel__op_family((unsigned long)op),
				     VACCEL__FAMILY_NONE);
		assert_int_not_equal(vaccel__op_shape((unsigned long)op),
				     VACCEL__SHAPE_NONE);
	}
	assert_int_equal(n, __builtin_popcountll(VACCEL__OPS_ALL));
	assert_int_equal(vaccel__op_family(VACCEL_OP_IMAGE_DEPTH),
			 VACCEL__FAMILY_IMAGE);
	assert_int_equal(vaccel__op_shape(VACCEL_OP_OPENCV),
			 VACCEL__SHAPE_EXEC_ARGS);
	assert_int_equal(vaccel__op_family(24), VACCEL__FAMILY_NONE);
	assert_true(VACCEL__OPS_ALL >> VACCEL_OP_ONNX_MODEL_UNLOAD & 1);
	assert_false(VACCEL__OPS_ALL >> VACCEL_OP_MAX & 1);
}

static void test_registry(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);
	static struct vaccel_session s;

	calls_init = calls_fini = 0;
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, log, false),
			 VACCEL_OK);
	assert_null(vaccel__plugin_select(0)); /* none registered */
	assert_int_equal(vaccel__plugin_register_desc(NULL, NULL, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel__plugin_register_desc(&d_abi, NULL, "abi"),
			 VACCEL_ELIBBAD);
	assert_int_equal(vaccel__plugin_register_desc(&d_size, NULL, "size"),
			 VACCEL_ELIBBAD);
	assert_int_equal(vaccel__plugin_register_desc(&d_badop, NULL, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel__plugin_register_desc(&d_noname, NULL, NULL),
			 VACCEL_ELIBBAD);
	assert_int_equal(vaccel__plugin_register_desc(&d_nullops, NULL, NULL),
			 VACCEL_ELIBBAD);
	assert_int_equal(vaccel__plugin_register_desc(&d_fail, NULL, NULL),
			 VACCEL_ENODEV);
	assert_int_equal(vaccel__plugins_count(), 0);

	assert_int_equal(vaccel__plugin_register_desc(&d_cpu, NULL, NULL),
			 VACCEL_OK);
	assert_int_equal(calls_init, 1);
	assert_int_equal(vaccel__plugin_register_desc(&d_cpu, NULL, NULL),
			 VACCEL_EEXIST);
	assert_int_equal(calls_init, 1);
	assert_int_equal(vaccel__plugin_register_desc(&d_gpu, NULL, NULL),
			 VACCEL_OK);
	assert_int_equal(vaccel__plugin_register_desc(&d_remote, NULL, NULL),
			 VACCEL_OK);
	assert_int_equal(vaccel__plugins_count(), 3);
	assert_int_equal(vaccel_plugin_count(), 3);

	assert_string_equal(vaccel__plugin_select(0)->info->name, "cpu");
	assert_string_equal(
		vaccel__plugin_select(VACCEL_PLUGIN_GPU)->info->name, "gpu");
	assert_string_equal(
		vaccel__plugin_select(VACCEL_PLUGIN_REMOTE)->info->name,
		"remote");
	assert_string_equal(
		vaccel__plugin_select(VACCEL_PLUGIN_GENERIC)->info->name,
		"remote");

	/* sessions and op lookup on in-process plugins */
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), 77);
	assert_non_null(vaccel__op_func(&s, VACCEL_OP_NOOP));
	assert_null(vaccel__op_func(&s, VACCEL_OP_EXEC));
	assert_null(vaccel__op_func(&s, VACCEL_OP_EXT_MAX));
	assert_null(vaccel__op_func(&s, (vaccel_op_type_t)200));
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	/* gpu's ops_mask() serves nothing */
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_REMOTE),
			 VACCEL_OK);
	assert_true(s.is_virtio);
	assert_int_equal(s.remote_id, 99);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);

	vaccel_cleanup();
	assert_int_equal(calls_fini, 1);
	assert_int_equal(vaccel__plugins_count(), 0);
	/* not bootstrapped: no registry to add to */
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_pool),
		cmocka_unit_test(test_fs),
		cmocka_unit_test(test_dirtree),
		cmocka_unit_test(test_net_is_url),
		cmocka_unit_test(test_strdup_opt),
		cmocka_unit_test(test_op_list),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
