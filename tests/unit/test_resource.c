// SPDX-License-Identifier: Apache-2.0
/* Resources (api-reference.md §3.1, §3.3, §3.4 and our deliberate
 * differences): creation from a path, several paths, a directory
 * (recursive), a buffer (mem_only and persisted), blobs (FILE, BUFFER,
 * MAPPED) and an http URL (a python3 http.server of our own on 127.0.0.1);
 * registration many-to-many, refcounts, the plugin hooks (local and remote
 * sessions), unregister of a non-registered resource, sync rules, lookups,
 * vaccel_resource_directory(), ids, and every NULL/invalid argument.
 *
 * Plugins: noop (flags 0), test-cpu (hint CPU, local hooks) and the fake
 * transport test-remote (hint REMOTE: is_virtio, sets remote ids). */

#include "tu.h"
#include "plugins/tp_state.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel.h>

#define PLUGINS TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU ":" TU_PLUGIN_REMOTE

struct ctx {
	char *dir;
	char *log;
	char *f1, *f2; /* two files */
	char *tree;    /* a directory tree with 3 files */
	struct vaccel_session local, cpu, remote;
	struct tp_state *cpu_st, *remote_st;
};

static struct ctx *C;

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	c->dir = tu_mkdtemp();
	c->log = tu_strf("%s/vaccel.log", c->dir);
	c->f1 = tu_strf("%s/one.bin", c->dir);
	c->f2 = tu_strf("%s/two.bin", c->dir);
	tu_write_file(c->f1, "first file", 10);
	tu_write_file(c->f2, "second file", 11);
	c->tree = tu_strf("%s/tree", c->dir);
	char *p;
	mkdir(c->tree, 0700);
	p = tu_strf("%s/a.txt", c->tree);
	tu_write_file(p, "a", 1);
	free(p);
	p = tu_strf("%s/sub", c->tree);
	mkdir(p, 0700);
	free(p);
	p = tu_strf("%s/sub/b.txt", c->tree);
	tu_write_file(p, "bb", 2);
	free(p);
	p = tu_strf("%s/sub/deeper", c->tree);
	mkdir(p, 0700);
	free(p);
	p = tu_strf("%s/sub/deeper/c.txt", c->tree);
	tu_write_file(p, "ccc", 3);
	free(p);
	p = tu_strf("%s/empty", c->tree);
	mkdir(p, 0700);
	free(p);

	if (tu_bootstrap(PLUGINS, VACCEL_LOG_ERROR, c->log, false))
		goto fail;
	if (vaccel_session_init(&c->local, 0) ||
	    vaccel_session_init(&c->cpu, VACCEL_PLUGIN_CPU) ||
	    vaccel_session_init(&c->remote, VACCEL_PLUGIN_REMOTE))
		goto fail;
	c->cpu_st = tu_plugin_state(TU_PLUGIN_CPU);
	c->remote_st = tu_plugin_state(TU_PLUGIN_REMOTE);
	if (!c->cpu_st || !c->remote_st)
		goto fail;
	*state = C = c;
	return 0;
fail:
	/* cmocka does not call the teardown of a failed setup */
	print_message("setup failed (is the noop plugin built?)\n");
	vaccel_cleanup();
	tu_rm_rf(c->dir);
	return -1;
}

struct http_ctx;
static struct http_ctx *active_http;
static void http_teardown(struct http_ctx *h);

static int teardown(void **state)
{
	struct ctx *c = *state;
	if (active_http)
		http_teardown(active_http); /* a test failed half-way */
	vaccel_cleanup();
	tu_rm_rf(c->dir);
	free(c->dir);
	free(c->log);
	free(c->f1);
	free(c->f2);
	free(c->tree);
	free(c);
	return 0;
}

static char *resource_dir(vaccel_id_t id)
{
	return tu_strf("%s/resource.%lld", vaccel_rundir(), (long long)id);
}

/* ---- creation ---- */

static void test_init_path(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;

	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_true(r.id > 0);
	assert_int_equal(r.remote_id, 0);
	assert_int_equal(r.type, VACCEL_RESOURCE_MODEL);
	assert_int_equal(r.path_type, VACCEL_PATH_LOCAL_FILE);
	assert_int_equal(r.nr_paths, 1);
	assert_string_equal(r.paths[0], c->f1);
	/* no I/O at init */
	assert_null(r.blobs);
	assert_int_equal(r.nr_blobs, 0);
	assert_null(r.rundir);
	assert_null(r.plugin_priv);
	assert_int_equal(vaccel_resource_refcount(&r), 0);

	/* registration builds the blobs (local session: not read) */
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(r.nr_blobs, 1);
	assert_int_equal(r.blobs[0]->type, VACCEL_BLOB_FILE);
	assert_string_equal(r.blobs[0]->path, c->f1);
	assert_string_equal(r.blobs[0]->name, "one.bin");
	assert_false(r.blobs[0]->path_owned);
	assert_null(r.blobs[0]->data);
	assert_int_equal(vaccel_resource_refcount(&r), 1);
	assert_true(vaccel_session_has_resource(&c->local, &r));
	/* again: OK (a warning), nothing changes */
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r), 1);
	assert_int_equal(r.nr_blobs, 1);

	vaccel_id_t id = r.id;
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_int_equal(r.id, 0);
	assert_false(vaccel_session_has_resource(&c->local, &r));
	assert_true(tu_exists(c->f1)); /* the user's file stays */
	static struct vaccel_resource *found;
	assert_int_equal(vaccel_resource_get_by_id(&found, id), VACCEL_ENOENT);
	/* released twice */
	assert_int_equal(vaccel_resource_release(&r), VACCEL_EINVAL);
}

static void test_init_file_uri(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	char *uri = tu_strf("file://%s", c->f2);

	assert_int_equal(vaccel_resource_init(&r, uri, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_string_equal(r.paths[0], c->f2); /* prefix stripped */
	assert_int_equal(r.path_type, VACCEL_PATH_LOCAL_FILE);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(uri);
}

static void test_init_invalid(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	char *missing = tu_strf("%s/missing", c->dir);
	char *missing_uri = tu_strf("file://%s", missing);
	char *longp = malloc(PATH_MAX + 10);
	memset(longp, 'a', PATH_MAX + 9);
	longp[0] = '/';
	longp[PATH_MAX + 9] = '\0';

	assert_int_equal(vaccel_resource_init(&r, missing, VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init(&r, missing_uri, VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init(&r, "s3://bucket/x", VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init(&r, "http://", VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init(&r, "/dev/null", VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL); /* neither file nor directory */
	assert_int_equal(vaccel_resource_init(&r, longp, VACCEL_RESOURCE_LIB),
			 VACCEL_ENAMETOOLONG);
	assert_int_equal(vaccel_resource_init(&r, NULL, VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init(NULL, c->f1, VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_MAX),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init(&r, c->f1, (vaccel_resource_type_t)-1),
		VACCEL_EINVAL);
	/* nothing was left behind */
	static struct vaccel_resource **all;
	size_t n = 7;
	assert_int_equal(
		vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_LIB),
		VACCEL_ENOENT);
	assert_int_equal(n, 0);
	free(missing);
	free(missing_uri);
	free(longp);
}

static void test_init_multi(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	const char *two[] = { c->f1, c->f2 };

	assert_int_equal(
		vaccel_resource_init_multi(&r, two, 2, VACCEL_RESOURCE_LIB),
		VACCEL_OK);
	assert_int_equal(r.nr_paths, 2);
	assert_string_equal(r.paths[1], c->f2);
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(r.nr_blobs, 2);
	assert_string_equal(r.blobs[0]->path, c->f1);
	assert_string_equal(r.blobs[1]->path, c->f2);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);

	const char *file_dir[] = { c->f1, c->tree };
	const char *dir_file[] = { c->tree, c->f1 };
	const char *dir_dir[] = { c->tree, c->tree };
	const char *file_url[] = { c->f1, "http://127.0.0.1:1/x" };
	const char *with_null[] = { c->f1, NULL };
	assert_int_equal(vaccel_resource_init_multi(&r, file_dir, 2,
						    VACCEL_RESOURCE_LIB),
			 VACCEL_ENOTSUP);
	assert_int_equal(
		vaccel_resource_init_multi(&r, dir_dir, 2, VACCEL_RESOURCE_LIB),
		VACCEL_ENOTSUP);
	assert_int_equal(vaccel_resource_init_multi(&r, dir_file, 2,
						    VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_multi(&r, file_url, 2,
						    VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_multi(&r, with_null, 2,
						    VACCEL_RESOURCE_LIB),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init_multi(&r, two, 0, VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init_multi(&r, NULL, 2, VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_init_multi(NULL, two, 2, VACCEL_RESOURCE_LIB),
		VACCEL_EINVAL);
}

static bool has_blob(const struct vaccel_resource *r, const char *path)
{
	for (size_t i = 0; i < r->nr_blobs; i++)
		if (!strcmp(r->blobs[i]->path, path))
			return true;
	return false;
}

static void test_directory(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	char out[PATH_MAX];
	char *alloc = NULL;

	assert_int_equal(
		vaccel_resource_init(&r, c->tree, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(r.path_type, VACCEL_PATH_LOCAL_DIR);
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	/* every regular file below, recursively */
	assert_int_equal(r.nr_blobs, 3);
	char *a = tu_strf("%s/a.txt", c->tree);
	char *b = tu_strf("%s/sub/b.txt", c->tree);
	char *cc = tu_strf("%s/sub/deeper/c.txt", c->tree);
	assert_true(has_blob(&r, a));
	assert_true(has_blob(&r, b));
	assert_true(has_blob(&r, cc));
	for (size_t i = 0; i < r.nr_blobs; i++)
		assert_int_equal(r.blobs[i]->type, VACCEL_BLOB_FILE);
	/* directory resources never get a run directory */
	assert_null(r.rundir);

	assert_int_equal(vaccel_resource_directory(&r, out, sizeof(out), NULL),
			 VACCEL_OK);
	assert_string_equal(out, c->tree);
	assert_int_equal(vaccel_resource_directory(&r, NULL, 0, &alloc),
			 VACCEL_OK);
	assert_string_equal(alloc, c->tree);
	free(alloc);
	assert_int_equal(
		vaccel_resource_directory(&r, out, strlen(c->tree), NULL),
		VACCEL_EINVAL); /* no room for the NUL */
	assert_int_equal(vaccel_resource_directory(&r, NULL, 10, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_directory(&r, out, 0, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_directory(NULL, out, sizeof(out), NULL),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	/* nothing of the user's tree is removed */
	assert_true(tu_exists(a));
	assert_true(tu_exists(cc));

	/* not a directory resource */
	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_directory(&r, out, sizeof(out), NULL),
			 VACCEL_ENOTSUP);
	vaccel_resource_release(&r);
	free(a);
	free(b);
	free(cc);
}

/* A symlink in a directory resource that points back up the tree: each
 * regular file gives one blob, links are not followed (upstream lists
 * regular files by readdir d_type). (Regression test: the walk used to
 * follow symlinked directories, so one file behind a loop gave 41 blobs,
 * one per level up to ELOOP, and a link to / would have walked the whole
 * file system; fixed in 73aa089.) */
static void test_directory_symlink_loop(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	char *root = tu_strf("%s/loop", c->dir);
	char *sub = tu_strf("%s/sub", root);
	char *file = tu_strf("%s/only.txt", root);
	char *link = tu_strf("%s/up", sub);

	mkdir(root, 0700);
	mkdir(sub, 0700);
	tu_write_file(file, "x", 1);
	assert_int_equal(symlink("..", link), 0);
	assert_int_equal(vaccel_resource_init(&r, root, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	size_t n = r.nr_blobs;
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	if (n != 1)
		fail_msg("a directory with one file and a "
			 "symlink loop gave %zu blobs (expected 1)",
			 n);
	free(root);
	free(sub);
	free(file);
	free(link);
}

static void test_from_buf_mem_only(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r, n;
	char buf[] = "in memory";

	assert_int_equal(vaccel_resource_init_from_buf(&r, buf, sizeof(buf),
						       VACCEL_RESOURCE_DATA,
						       "name.bin", true),
			 VACCEL_OK);
	assert_int_equal(r.path_type, VACCEL_PATH_LOCAL_FILE);
	assert_null(r.paths);
	assert_int_equal(r.nr_paths, 0);
	assert_null(r.rundir); /* no file, no directory */
	assert_int_equal(r.nr_blobs, 1);
	struct vaccel_blob *b = r.blobs[0];
	assert_int_equal(b->type, VACCEL_BLOB_BUFFER);
	assert_ptr_equal(b->data, buf); /* referenced, not copied */
	assert_false(b->data_owned);
	assert_null(b->path);
	assert_string_equal(b->name, "name.bin");
	assert_int_equal(b->size, sizeof(buf));
	char *rd = resource_dir(r.id);
	assert_false(tu_exists(rd));
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(r.nr_blobs, 1);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_string_equal(buf, "in memory");
	free(rd);

	/* without a name: "file" */
	assert_int_equal(vaccel_resource_init_from_buf(&n, buf, sizeof(buf),
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	assert_string_equal(n.blobs[0]->name, "file");
	assert_int_equal(vaccel_resource_release(&n), VACCEL_OK);

	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, NULL, 4, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, buf, 0, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_buf(NULL, buf, 4,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, buf, 4, VACCEL_RESOURCE_MAX, NULL, true),
			 VACCEL_EINVAL);
}

static void test_from_buf_persisted(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r, n;
	const char lib[] = "\177ELF pretend";

	assert_int_equal(vaccel_resource_init_from_buf(&r, lib, sizeof(lib),
						       VACCEL_RESOURCE_LIB,
						       "lib.so", false),
			 VACCEL_OK);
	char *rd = resource_dir(r.id);
	assert_non_null(r.rundir);
	assert_string_equal(r.rundir, rd);
	assert_true(tu_is_dir(rd));
	struct vaccel_blob *b = r.blobs[0];
	assert_int_equal(b->type, VACCEL_BLOB_MAPPED);
	assert_true(b->path_owned);
	assert_string_equal(b->name, "lib.so");
	char *file = tu_strf("%s/lib.so", rd);
	assert_string_equal(b->path, file);
	size_t len;
	char *on_disk = tu_read_file(file, &len);
	assert_int_equal(len, sizeof(lib));
	assert_memory_equal(on_disk, lib, sizeof(lib));
	free(on_disk);
	assert_memory_equal(b->data, lib, sizeof(lib));

	/* without a name: file_XXXXXX */
	assert_int_equal(vaccel_resource_init_from_buf(&n, lib, sizeof(lib),
						       VACCEL_RESOURCE_LIB,
						       NULL, false),
			 VACCEL_OK);
	assert_int_equal(strncmp(n.blobs[0]->name, "file_", 5), 0);
	assert_int_equal(strlen(n.blobs[0]->name), strlen("file_XXXXXX"));
	char *nfile = strdup(n.blobs[0]->path);
	char *nrd = strdup(n.rundir);

	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	/* the file and the resource's directory are gone */
	assert_false(tu_exists(file));
	assert_false(tu_exists(rd));
	assert_int_equal(vaccel_resource_release(&n), VACCEL_OK);
	assert_false(tu_exists(nfile));
	assert_false(tu_exists(nrd));
	free(rd);
	free(file);
	free(nfile);
	free(nrd);
}

static void test_from_blobs(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob file, owned, ref, mapped;
	static struct vaccel_resource r;
	uint8_t data[5] = { 5, 4, 3, 2, 1 };

	assert_int_equal(vaccel_blob_init(&file, c->f1), VACCEL_OK);
	assert_int_equal(vaccel_blob_init_from_buf(&owned, data, sizeof(data),
						   true, "owned", NULL, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_blob_init_from_buf(&ref, data, sizeof(data),
						   false, "ref", NULL, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_blob_init_from_buf(&mapped, data, sizeof(data),
						   true, "mapped.bin", c->dir,
						   false),
			 VACCEL_OK);
	const struct vaccel_blob *blobs[] = { &file, &owned, &ref, &mapped };

	assert_int_equal(vaccel_resource_init_from_blobs(&r, blobs, 4,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(r.nr_blobs, 4);
	assert_null(r.paths);
	assert_int_equal(r.path_type, VACCEL_PATH_LOCAL_FILE);
	/* FILE: a new blob of the same path (not copied) */
	assert_ptr_not_equal(r.blobs[0], &file);
	assert_int_equal(r.blobs[0]->type, VACCEL_BLOB_FILE);
	assert_string_equal(r.blobs[0]->path, c->f1);
	assert_false(r.blobs[0]->path_owned);
	/* BUFFER owned: copied */
	assert_int_equal(r.blobs[1]->type, VACCEL_BLOB_BUFFER);
	assert_ptr_not_equal(r.blobs[1]->data, owned.data);
	assert_true(r.blobs[1]->data_owned);
	assert_memory_equal(r.blobs[1]->data, data, sizeof(data));
	/* BUFFER not owned: referenced */
	assert_ptr_equal(r.blobs[2]->data, data);
	assert_false(r.blobs[2]->data_owned);
	/* MAPPED: persisted into the resource's directory, same name */
	assert_non_null(r.rundir);
	assert_int_equal(r.blobs[3]->type, VACCEL_BLOB_MAPPED);
	assert_string_equal(r.blobs[3]->name, "mapped.bin");
	assert_int_equal(strncmp(r.blobs[3]->path, r.rundir, strlen(r.rundir)),
			 0);
	assert_memory_equal(r.blobs[3]->data, data, sizeof(data));
	char *copy = strdup(r.blobs[3]->path);

	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_false(tu_exists(copy));
	/* the caller's blobs are intact */
	assert_true(tu_exists(mapped.path));
	assert_memory_equal(owned.data, data, sizeof(data));
	assert_true(vaccel_blob_valid(&file));
	free(copy);

	/* invalid blobs */
	struct vaccel_blob bad = { .type = VACCEL_BLOB_MAX };
	const struct vaccel_blob *with_bad[] = { &file, &bad };
	const struct vaccel_blob *with_null[] = { &file, NULL };
	assert_int_equal(vaccel_resource_init_from_blobs(&r, with_bad, 2,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_blobs(&r, with_null, 2,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_blobs(&r, blobs, 0,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_blobs(&r, NULL, 1,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_blobs(NULL, blobs, 1,
							 VACCEL_RESOURCE_DATA),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_init_from_blobs(&r, blobs, 1,
							 VACCEL_RESOURCE_MAX),
			 VACCEL_EINVAL);

	vaccel_blob_release(&file);
	vaccel_blob_release(&owned);
	vaccel_blob_release(&ref);
	vaccel_blob_release(&mapped);
}

static void test_new_delete(void **state)
{
	struct ctx *c = *state;
	struct vaccel_resource *r = NULL;
	const char *two[] = { c->f1, c->f2 };
	struct vaccel_blob blob;
	vaccel_blob_init(&blob, c->f1);
	const struct vaccel_blob *blobs[] = { &blob };

	assert_int_equal(vaccel_resource_new(&r, c->f1, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_delete(r), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_multi_new(&r, two, 2, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_int_equal(r->nr_paths, 2);
	assert_int_equal(vaccel_resource_delete(r), VACCEL_OK);
	assert_int_equal(vaccel_resource_from_buf(&r, "xy", 2,
						  VACCEL_RESOURCE_DATA, "xy",
						  false),
			 VACCEL_OK);
	assert_int_equal(r->blobs[0]->type, VACCEL_BLOB_MAPPED);
	assert_int_equal(vaccel_resource_delete(r), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_from_blobs(&r, blobs, 1, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_delete(r), VACCEL_OK);
	vaccel_blob_release(&blob);

	r = NULL;
	assert_int_equal(vaccel_resource_new(&r, "/no/such", 0), VACCEL_EINVAL);
	assert_null(r);
	assert_int_equal(vaccel_resource_new(NULL, c->f1, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_multi_new(NULL, two, 2, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_from_buf(NULL, "x", 1, 0, NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_from_blobs(NULL, blobs, 1, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_delete(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_release(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_refcount(NULL), -VACCEL_EINVAL);
}

/* ---- registration ---- */

static void test_many_to_many(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_session s1, s2;
	static struct vaccel_resource r1, r2, r3, *found, **list;
	size_t n;

	assert_int_equal(vaccel_session_init(&s1, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s2, 0), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_init(&r1, c->f1, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(
		vaccel_resource_init(&r2, c->f2, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_init(&r3, c->f2, VACCEL_RESOURCE_LIB),
			 VACCEL_OK);

	assert_int_equal(vaccel_resource_register(&r1, &s1), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r1, &s2), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r2, &s1), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r3, &s1), VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r1), 2);
	assert_int_equal(vaccel_resource_refcount(&r2), 1);
	assert_int_equal(r1.nr_blobs, 1); /* built once */

	/* session queries */
	assert_true(vaccel_session_has_resource(&s2, &r1));
	assert_false(vaccel_session_has_resource(&s2, &r2));
	assert_int_equal(vaccel_session_resource_by_id(&s1, &found, r2.id),
			 VACCEL_OK);
	assert_ptr_equal(found, &r2);
	assert_int_equal(vaccel_session_resource_by_id(&s2, &found, r2.id),
			 VACCEL_ENOENT);
	assert_int_equal(vaccel_session_resource_by_type(&s1, &found,
							 VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_ptr_equal(found, &r1); /* the first registered */
	assert_int_equal(vaccel_session_resource_by_type(&s2, &found,
							 VACCEL_RESOURCE_LIB),
			 VACCEL_ENOENT);
	assert_int_equal(vaccel_session_resources_by_type(
				 &s1, &list, &n, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(n, 2);
	assert_ptr_equal(list[0], &r1);
	assert_ptr_equal(list[1], &r2);
	free(list);
	list = (void *)1;
	assert_int_equal(vaccel_session_resources_by_type(&s2, &list, &n,
							  VACCEL_RESOURCE_DATA),
			 VACCEL_ENOENT);
	assert_int_equal(n, 0);
	assert_null(list);

	/* unregister a pair that is not registered: EINVAL */
	assert_int_equal(vaccel_resource_unregister(&r2, &s2), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_unregister(&r1, &s2), VACCEL_OK);
	assert_int_equal(vaccel_resource_unregister(&r1, &s2), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_refcount(&r1), 1);
	assert_false(vaccel_session_has_resource(&s2, &r1));

	/* releasing a resource unregisters it from every session */
	assert_int_equal(vaccel_resource_register(&r2, &s2), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r2), VACCEL_OK);
	assert_int_equal(vaccel_session_resources_by_type(
				 &s1, &list, &n, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(n, 1);
	assert_ptr_equal(list[0], &r1);
	free(list);
	assert_int_equal(vaccel_session_resource_by_type(&s2, &found,
							 VACCEL_RESOURCE_MODEL),
			 VACCEL_ENOENT);

	/* releasing a session unregisters its resources */
	assert_int_equal(vaccel_session_release(&s1), VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r1), 0);
	assert_int_equal(vaccel_resource_refcount(&r3), 0);
	/* and they can be registered again elsewhere */
	assert_int_equal(vaccel_resource_register(&r3, &s2), VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r3), 1);

	assert_int_equal(vaccel_resource_release(&r1), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r3), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s2), VACCEL_OK);
}

static void test_register_invalid(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	static struct vaccel_session dead = { 0 };

	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(NULL, &c->local),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_register(&r, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_register(&r, &dead), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_unregister(NULL, &c->local),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_unregister(&r, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_unregister(&r, &dead), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_sync(NULL, &c->local), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_sync(&r, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	/* a released resource */
	assert_int_equal(vaccel_resource_register(&r, &c->local),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_unregister(&r, &c->local),
			 VACCEL_EINVAL);

	/* a file removed between init and register */
	char *gone = tu_strf("%s/gone", c->dir);
	tu_write_file(gone, "x", 1);
	assert_int_equal(vaccel_resource_init(&r, gone, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	unlink(gone);
	assert_int_not_equal(vaccel_resource_register(&r, &c->local),
			     VACCEL_OK);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(gone);
}

static void test_sync(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource file, buf;
	char data[] = "sync me";

	assert_int_equal(
		vaccel_resource_init(&file, c->f1, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(&buf, data, sizeof(data),
						       VACCEL_RESOURCE_DATA,
						       "d", true),
			 VACCEL_OK);
	/* not registered: EPERM */
	assert_int_equal(vaccel_resource_sync(&buf, &c->local), VACCEL_EPERM);
	assert_int_equal(vaccel_resource_register(&file, &c->local), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&buf, &c->local), VACCEL_OK);
	/* only BUFFER resources can be synchronised */
	assert_int_equal(vaccel_resource_sync(&file, &c->local), VACCEL_EINVAL);
	/* local plugin without a hook: OK */
	assert_int_equal(vaccel_resource_sync(&buf, &c->local), VACCEL_OK);
	/* with a hook: it is called */
	assert_int_equal(vaccel_resource_register(&buf, &c->cpu), VACCEL_OK);
	int before = c->cpu_st->resource_sync;
	assert_int_equal(vaccel_resource_sync(&buf, &c->cpu), VACCEL_OK);
	assert_int_equal(c->cpu_st->resource_sync, before + 1);
	assert_int_equal(vaccel_resource_release(&file), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&buf), VACCEL_OK);
}

/* A local plugin's hooks: called on register/unregister, their errors
 * returned. */
static void test_local_hooks(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r;
	struct tp_state *st = c->cpu_st;

	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	st->fail_register = VACCEL_EBACKEND;
	assert_int_equal(vaccel_resource_register(&r, &c->cpu),
			 VACCEL_EBACKEND);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	assert_false(vaccel_session_has_resource(&c->cpu, &r));
	st->fail_register = 0;

	int before = st->resource_register;
	assert_int_equal(vaccel_resource_register(&r, &c->cpu), VACCEL_OK);
	assert_int_equal(st->resource_register, before + 1);
	assert_int_equal(st->last_res_id, r.id);
	assert_int_equal(st->last_nr_blobs, 1); /* blobs exist at the hook */
	assert_int_equal(st->last_blobs_in_memory, 0); /* local: not read */
	assert_int_equal(r.remote_id, 0);
	/* already registered: the hook is not called again */
	assert_int_equal(vaccel_resource_register(&r, &c->cpu), VACCEL_OK);
	assert_int_equal(st->resource_register, before + 1);

	/* unregister: unlinked first, then the hook, whose error comes back */
	st->fail_unregister = VACCEL_EIO;
	int ub = st->resource_unregister;
	assert_int_equal(vaccel_resource_unregister(&r, &c->cpu), VACCEL_EIO);
	assert_int_equal(st->resource_unregister, ub + 1);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	assert_false(vaccel_session_has_resource(&c->cpu, &r));
	st->fail_unregister = 0;

	/* release of a registered resource calls the hook */
	assert_int_equal(vaccel_resource_register(&r, &c->cpu), VACCEL_OK);
	ub = st->resource_unregister;
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_int_equal(st->resource_unregister, ub + 1);
}

static void test_remote_hooks(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r, d;
	struct tp_state *st = c->remote_st;

	assert_true(c->remote.is_virtio);
	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &c->remote), VACCEL_OK);
	/* the plugin set the remote id; the data was mapped for it */
	assert_int_equal(r.remote_id, TP_REMOTE_RES_BASE + r.id);
	assert_int_equal(st->last_blobs_in_memory, 1);
	assert_int_equal(r.blobs[0]->type, VACCEL_BLOB_MAPPED);
	assert_memory_equal(r.blobs[0]->data, "first file", 10);
	assert_int_equal(r.blobs[0]->size, 10);

	/* a hook error, and a hook that sets no remote id (EINVAL) */
	assert_int_equal(vaccel_resource_init(&d, c->f2, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	st->fail_register = VACCEL_EREMOTEIO;
	assert_int_equal(vaccel_resource_register(&d, &c->remote),
			 VACCEL_EREMOTEIO);
	st->fail_register = 0;
	st->no_remote_id = 1;
	assert_int_equal(vaccel_resource_register(&d, &c->remote),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_refcount(&d), 0);
	st->no_remote_id = 0;
	assert_int_equal(vaccel_resource_register(&d, &c->remote), VACCEL_OK);

	/* sync of a non-buffer resource is refused before the hook */
	int sb = st->resource_sync;
	assert_int_equal(vaccel_resource_sync(&d, &c->remote), VACCEL_EINVAL);
	assert_int_equal(st->resource_sync, sb);

	int ub = st->resource_unregister;
	assert_int_equal(vaccel_resource_unregister(&d, &c->remote), VACCEL_OK);
	assert_int_equal(st->resource_unregister, ub + 1);
	assert_int_equal(vaccel_resource_release(&d), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_int_equal(st->resource_unregister, ub + 2);
}

/* The session's release unregisters everything, even when the plugin's
 * resource_unregister hook fails for one of them. (Regression test: the
 * core used to stop at the first hook error, leaving the next resource of
 * that type registered with the released session, and releasing that
 * resource then looped forever; fixed in 676cf88.) Run in a child with a
 * deadline so that a hang is reported, not suffered. */
static int child_hook_error_on_release(void *arg)
{
	struct ctx *c = C;
	static struct vaccel_session s;
	static struct vaccel_resource r1, r2;

	if (vaccel_session_init(&s, VACCEL_PLUGIN_CPU) ||
	    vaccel_resource_init(&r1, c->f1, VACCEL_RESOURCE_DATA) ||
	    vaccel_resource_init(&r2, c->f2, VACCEL_RESOURCE_DATA) ||
	    vaccel_resource_register(&r1, &s) ||
	    vaccel_resource_register(&r2, &s))
		return 10;
	c->cpu_st->fail_unregister = VACCEL_EBACKEND;
	if (vaccel_session_release(&s))
		return 11;
	c->cpu_st->fail_unregister = 0;
	if (vaccel_resource_refcount(&r1) != 0)
		return 12;
	if (vaccel_resource_refcount(&r2) != 0)
		return 13; /* the bug: r2 is still registered */
	if (vaccel_resource_release(&r1) || vaccel_resource_release(&r2))
		return 14;
	return 0;
}

static void test_session_release_hook_error(void **state)
{
	int rc = tu_run_in_child(child_hook_error_on_release, NULL, 3);
	if (rc == 13)
		fail_msg("a resource stayed registered with a released "
			 "session after a resource_unregister hook error "
			 "(refcount 1)");
	if (rc == TU_CHILD_TIMEOUT)
		fail_msg("vaccel_resource_release() hangs");
	assert_int_equal(rc, 0);
}

/* The same stale registration, observed through cleanup. */
static int child_hook_error_cleanup(void *arg)
{
	struct ctx *c = C;
	static struct vaccel_session s;
	static struct vaccel_resource r1, r2;

	if (vaccel_session_init(&s, VACCEL_PLUGIN_CPU) ||
	    vaccel_resource_init(&r1, c->f1, VACCEL_RESOURCE_DATA) ||
	    vaccel_resource_init(&r2, c->f2, VACCEL_RESOURCE_DATA) ||
	    vaccel_resource_register(&r1, &s) ||
	    vaccel_resource_register(&r2, &s))
		return 10;
	c->cpu_st->fail_unregister = VACCEL_EBACKEND;
	vaccel_session_release(&s);
	c->cpu_st->fail_unregister = 0;
	/* cleanup releases every resource: must come back */
	return vaccel_cleanup() == VACCEL_OK ? 0 : 11;
}

static void test_cleanup_after_hook_error(void **state)
{
	int rc = tu_run_in_child(child_hook_error_cleanup, NULL, 3);
	if (rc == TU_CHILD_TIMEOUT)
		fail_msg("vaccel_cleanup() hangs on a resource left "
			 "registered with a released session");
	assert_int_equal(rc, 0);
}

/* ---- lookups and ids ---- */

static void test_lookups(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource a, b, m, *found, **all;
	size_t n;

	assert_int_equal(vaccel_resource_init(&a, c->f1, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_init(&b, c->f2, VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_init(&m, c->f2, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	/* global lists: no registration needed */
	assert_int_equal(vaccel_resource_get_by_id(&found, b.id), VACCEL_OK);
	assert_ptr_equal(found, &b);
	assert_int_equal(vaccel_resource_get_by_id(&found, 9999),
			 VACCEL_ENOENT);
	assert_int_equal(vaccel_resource_get_by_id(&found, 0), VACCEL_ENOENT);
	assert_int_equal(
		vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_ptr_equal(found, &a); /* the first created */
	assert_int_equal(
		vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_LIB),
		VACCEL_ENOENT);
	assert_int_equal(
		vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_int_equal(n, 2);
	assert_ptr_equal(all[0], &a);
	assert_ptr_equal(all[1], &b);
	free(all);
	assert_int_equal(
		vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_LIB),
		VACCEL_ENOENT);
	assert_int_equal(n, 0);

	assert_int_equal(vaccel_resource_get_by_id(NULL, a.id), VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_get_by_type(NULL, 0), VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_MAX),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_get_all_by_type(NULL, &n, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_get_all_by_type(&all, NULL, 0),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_MAX),
		VACCEL_EINVAL);

	assert_int_equal(vaccel_resource_release(&a), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_ptr_equal(found, &b);
	vaccel_resource_release(&b);
	vaccel_resource_release(&m);

	/* session-side queries: bad arguments */
	assert_false(vaccel_session_has_resource(NULL, &m));
	assert_false(vaccel_session_has_resource(&c->local, NULL));
	assert_int_equal(vaccel_session_resource_by_id(&c->local, &found, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resource_by_id(&c->local, NULL, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resource_by_id(NULL, &found, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resource_by_type(&c->local, &found,
							 VACCEL_RESOURCE_MAX),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resource_by_type(NULL, &found, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resource_by_type(&c->local, NULL, 0),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_session_resources_by_type(&c->local, &all, NULL, 0),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_session_resources_by_type(&c->local, NULL, &n, 0),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resources_by_type(&c->local, &all, &n,
							  VACCEL_RESOURCE_MAX),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_resources_by_type(NULL, &all, &n, 0),
			 VACCEL_EINVAL);
}

/* Ids go up from 1 and are not reused until the pool (2048) wraps; when
 * every id is taken: VACCEL_EUSERS. */
static void test_ids(void **state)
{
	enum {
		MAX = 2048
	};
	struct vaccel_resource *rs = calloc(MAX + 1, sizeof(*rs));
	char b = 'x';

	assert_non_null(rs);
	/* fresh bootstrap: ids start at 1 */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vaccel_resource_init_from_buf(
					 &rs[i], &b, 1, VACCEL_RESOURCE_DATA,
					 NULL, true),
				 VACCEL_OK);
		assert_int_equal(rs[i].id, i + 1);
	}
	/* a failed init does not take an id for good; released ids are
	 * not handed out again before the wrap */
	assert_int_equal(vaccel_resource_release(&rs[1]), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(&rs[1], &b, 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	assert_int_equal(rs[1].id, 4);
	for (int i = 3; i < MAX - 1; i++)
		assert_int_equal(vaccel_resource_init_from_buf(
					 &rs[i], &b, 1, VACCEL_RESOURCE_DATA,
					 NULL, true),
				 VACCEL_OK);
	/* 2047 live, ids 1, 3..2048 used: the wrap reclaims 2 */
	assert_int_equal(vaccel_resource_init_from_buf(&rs[MAX - 1], &b, 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	assert_int_equal(rs[MAX - 1].id, 2);
	/* full */
	assert_int_equal(vaccel_resource_init_from_buf(&rs[MAX], &b, 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_EUSERS);
	assert_int_equal(vaccel_resource_release(&rs[10]), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(&rs[MAX], &b, 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	for (int i = 0; i <= MAX; i++)
		if (i != 10)
			assert_int_equal(vaccel_resource_release(&rs[i]),
					 VACCEL_OK);
	free(rs);
}

/* ---- URLs ---- */

struct http_ctx {
	char *root;
	struct tu_http srv;
	char *url, *url_404, *url_same_name;
};

static bool http_setup(struct http_ctx *h)
{
	h->root = tu_mkdtemp();
	char *p = tu_strf("%s/model.bin", h->root);
	tu_write_file(p, "remote model bytes", 18);
	free(p);
	p = tu_strf("%s/other", h->root);
	mkdir(p, 0700);
	free(p);
	p = tu_strf("%s/other/model.bin", h->root);
	tu_write_file(p, "other", 5);
	free(p);
	if (tu_http_start(&h->srv, h->root)) {
		tu_rm_rf(h->root);
		free(h->root);
		return false;
	}
	h->url = tu_strf("http://127.0.0.1:%d/model.bin", h->srv.port);
	h->url_404 = tu_strf("http://127.0.0.1:%d/missing.bin", h->srv.port);
	h->url_same_name =
		tu_strf("http://127.0.0.1:%d/other/model.bin", h->srv.port);
	active_http = h;
	return true;
}

static void http_teardown(struct http_ctx *h)
{
	active_http = NULL;
	tu_http_stop(&h->srv);
	tu_rm_rf(h->root);
	free(h->root);
	free(h->url);
	free(h->url_404);
	free(h->url_same_name);
}

static void test_url(void **state)
{
	struct ctx *c = *state;
	static struct http_ctx h;
	static struct vaccel_resource r;

	if (!http_setup(&h)) {
		print_message("skipped: cannot start python3 http.server\n");
		skip();
	}
	assert_int_equal(vaccel_resource_init(&r, h.url, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(r.path_type, VACCEL_PATH_REMOTE_FILE);
	assert_string_equal(r.paths[0], h.url);
	char *rd = resource_dir(r.id);
	assert_false(tu_exists(rd)); /* nothing downloaded yet */
	int ret = vaccel_resource_register(&r, &c->local);
	if (ret == VACCEL_ENOTSUP) {
		vaccel_resource_release(&r);
		http_teardown(&h);
		free(rd);
		print_message("skipped: no libcurl\n");
		skip();
	}
	if (ret) {
		char *text = tu_read_file(c->log, NULL);
		fail_msg("register of %s: %d; log:\n%s", h.url, ret, text);
	}
	char *dest = tu_strf("%s/model.bin", rd);
	assert_int_equal(r.nr_blobs, 1);
	assert_int_equal(r.blobs[0]->type, VACCEL_BLOB_FILE);
	assert_string_equal(r.blobs[0]->path, dest);
	assert_true(r.blobs[0]->path_owned);
	size_t len;
	char *got = tu_read_file(dest, &len);
	assert_int_equal(len, 18);
	assert_memory_equal(got, "remote model bytes", 18);
	free(got);
	/* a second session: no second download */
	assert_int_equal(vaccel_resource_register(&r, &c->cpu), VACCEL_OK);
	assert_int_equal(tu_count_entries(rd), 1);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	assert_false(tu_exists(dest));
	assert_false(tu_exists(rd));
	free(dest);
	free(rd);

	/* remote sessions: downloaded by the core too, and mapped */
	assert_int_equal(vaccel_resource_init(&r, h.url, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &c->remote), VACCEL_OK);
	assert_int_equal(r.nr_blobs, 1);
	assert_int_equal(r.blobs[0]->type, VACCEL_BLOB_MAPPED);
	assert_memory_equal(r.blobs[0]->data, "remote model bytes", 18);
	assert_true(r.remote_id > 0);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	http_teardown(&h);
}

static void test_url_errors(void **state)
{
	struct ctx *c = *state;
	static struct http_ctx h;
	static struct vaccel_resource r;

	if (!http_setup(&h)) {
		print_message("skipped: cannot start python3 http.server\n");
		skip();
	}
	/* 404: EREMOTEIO, no partial file left */
	assert_int_equal(
		vaccel_resource_init(&r, h.url_404, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	int ret = vaccel_resource_register(&r, &c->local);
	if (ret == VACCEL_ENOTSUP) {
		vaccel_resource_release(&r);
		http_teardown(&h);
		skip();
	}
	assert_int_equal(ret, VACCEL_EREMOTEIO);
	assert_int_equal(r.nr_blobs, 0);
	assert_int_equal(vaccel_resource_refcount(&r), 0);
	char *rd = resource_dir(r.id);
	assert_true(tu_count_entries(rd) <= 0);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(rd);

	/* the destination exists: EEXIST (the file is not overwritten) */
	assert_int_equal(vaccel_resource_init(&r, h.url, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	rd = resource_dir(r.id);
	mkdir(rd, 0700);
	char *dest = tu_strf("%s/model.bin", rd);
	tu_write_file(dest, "mine", 4);
	assert_int_equal(vaccel_resource_register(&r, &c->local),
			 VACCEL_EEXIST);
	char *still = tu_read_file(dest, NULL);
	assert_string_equal(still, "mine");
	free(still);
	unlink(dest);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(dest);
	free(rd);

	/* two URLs with one file name: the second one collides */
	const char *two[] = { h.url, h.url_same_name };
	assert_int_equal(
		vaccel_resource_init_multi(&r, two, 2, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &c->local),
			 VACCEL_EEXIST);
	rd = resource_dir(r.id);
	assert_true(tu_count_entries(rd) <= 0); /* the first one removed */
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(rd);

	/* a port nobody listens on */
	char *dead = tu_strf("http://127.0.0.1:%d/x", 1);
	assert_int_equal(vaccel_resource_init(&r, dead, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &c->local),
			 VACCEL_EREMOTEIO);
	assert_int_equal(vaccel_resource_release(&r), VACCEL_OK);
	free(dead);
	http_teardown(&h);
}

/* ---- not bootstrapped ---- */

static void test_not_bootstrapped(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource r, *found, **all;
	size_t n;

	vaccel_cleanup();
	assert_int_equal(vaccel_resource_init(&r, c->f1, VACCEL_RESOURCE_DATA),
			 VACCEL_EPERM);
	const char *paths[] = { c->f1 };
	assert_int_equal(
		vaccel_resource_init_multi(&r, paths, 1, VACCEL_RESOURCE_DATA),
		VACCEL_EPERM);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_EPERM);
	assert_int_equal(vaccel_resource_get_by_id(&found, 1), VACCEL_EPERM);
	assert_int_equal(vaccel_resource_get_by_type(&found, 0), VACCEL_EPERM);
	assert_int_equal(vaccel_resource_get_all_by_type(&all, &n, 0),
			 VACCEL_EPERM);
	r.id = 1;
	assert_int_equal(vaccel_resource_release(&r), VACCEL_EPERM);
	assert_int_equal(vaccel_resource_register(&r, &c->local), VACCEL_EPERM);
	assert_int_equal(vaccel_resource_unregister(&r, &c->local),
			 VACCEL_EPERM);
	assert_int_equal(vaccel_resource_sync(&r, &c->local), VACCEL_EPERM);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_path),
		T(test_init_file_uri),
		T(test_init_invalid),
		T(test_init_multi),
		T(test_directory),
		T(test_directory_symlink_loop),
		T(test_from_buf_mem_only),
		T(test_from_buf_persisted),
		T(test_from_blobs),
		T(test_new_delete),
		T(test_many_to_many),
		T(test_register_invalid),
		T(test_sync),
		T(test_local_hooks),
		T(test_remote_hooks),
		T(test_session_release_hook_error),
		T(test_cleanup_after_hook_error),
		T(test_lookups),
		T(test_ids),
		T(test_url),
		T(test_url_errors),
		T(test_not_bootstrapped),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
