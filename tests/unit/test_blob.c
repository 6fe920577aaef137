// SPDX-License-Identifier: Apache-2.0
/* Blobs (api-reference.md §3.5 and our deliberate differences): from a
 * file, from a buffer (owned copy or reference), persisted to a directory
 * (exact name, collisions and randomisation), read/data/path/valid, and
 * release (owned files removed, mappings unmapped). No bootstrap needed. */

#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel.h>

struct ctx {
	char *dir;
	char *file; /* 10 bytes "0123456789" */
	char *empty;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	c->dir = tu_mkdtemp();
	c->file = tu_strf("%s/data.bin", c->dir);
	c->empty = tu_strf("%s/empty", c->dir);
	tu_write_file(c->file, "0123456789", 10);
	tu_write_file(c->empty, "", 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	tu_rm_rf(c->dir);
	free(c->dir);
	free(c->file);
	free(c->empty);
	free(c);
	return 0;
}

static void test_init_file(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob b;

	assert_int_equal(vaccel_blob_init(&b, c->file), VACCEL_OK);
	assert_int_equal(b.type, VACCEL_BLOB_FILE);
	assert_string_equal(b.path, c->file);
	assert_ptr_not_equal(b.path, c->file);
	assert_string_equal(b.name, "data.bin");
	assert_false(b.path_owned);
	assert_null(b.data);
	assert_false(b.data_owned);
	assert_true(vaccel_blob_valid(&b));
	assert_string_equal(vaccel_blob_path(&b), c->file);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	assert_int_equal(b.type, VACCEL_BLOB_MAX);
	assert_null(b.name);
	assert_null(b.path);
	assert_true(tu_exists(c->file)); /* not ours: kept */
	/* released twice */
	assert_int_equal(vaccel_blob_release(&b), VACCEL_EINVAL);

	char *missing = tu_strf("%s/missing", c->dir);
	assert_int_equal(vaccel_blob_init(&b, missing), VACCEL_EINVAL);
	assert_int_equal(b.type, VACCEL_BLOB_MAX);
	assert_int_equal(vaccel_blob_init(&b, c->dir), VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_init(&b, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_init(NULL, c->file), VACCEL_EINVAL);
	free(missing);
}

static void test_new_delete(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob *b = NULL;

	assert_int_equal(vaccel_blob_new(&b, c->file), VACCEL_OK);
	assert_int_equal(b->type, VACCEL_BLOB_FILE);
	assert_int_equal(vaccel_blob_delete(b), VACCEL_OK);
	assert_int_equal(vaccel_blob_new(&b, "/nonexistent/x"), VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_new(NULL, c->file), VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_delete(NULL), VACCEL_EINVAL);

	assert_int_equal(vaccel_blob_from_buf(&b, (const uint8_t *)"abc", 3,
					      true, "abc.txt", NULL, false),
			 VACCEL_OK);
	assert_int_equal(b->type, VACCEL_BLOB_BUFFER);
	assert_int_equal(vaccel_blob_delete(b), VACCEL_OK);
	assert_int_equal(
		vaccel_blob_from_buf(&b, NULL, 3, true, "x", NULL, false),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_from_buf(NULL, (const uint8_t *)"a", 1,
					      true, "x", NULL, false),
			 VACCEL_EINVAL);
}

static void test_buffer_owned_and_ref(void **state)
{
	struct vaccel_blob b;
	uint8_t buf[6] = "hello";

	/* own: a copy the blob frees */
	assert_int_equal(vaccel_blob_init_from_buf(&b, buf, sizeof(buf), true,
						   "greeting", NULL, false),
			 VACCEL_OK);
	assert_int_equal(b.type, VACCEL_BLOB_BUFFER);
	assert_ptr_not_equal(b.data, buf);
	assert_memory_equal(b.data, buf, sizeof(buf));
	assert_true(b.data_owned);
	assert_null(b.path);
	assert_false(b.path_owned);
	assert_string_equal(b.name, "greeting");
	assert_int_equal(b.size, sizeof(buf));
	assert_true(vaccel_blob_valid(&b));
	assert_null(vaccel_blob_path(&b)); /* buffers have no path */
	size_t n = 0;
	assert_ptr_equal(vaccel_blob_data(&b, &n), b.data);
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(vaccel_blob_read(&b), VACCEL_OK); /* already there */
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);

	/* not own: a reference to the caller's buffer */
	assert_int_equal(vaccel_blob_init_from_buf(&b, buf, sizeof(buf), false,
						   "ref", NULL, false),
			 VACCEL_OK);
	assert_ptr_equal(b.data, buf);
	assert_false(b.data_owned);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	assert_string_equal((char *)buf, "hello");

	/* invalid */
	assert_int_equal(
		vaccel_blob_init_from_buf(&b, NULL, 6, true, "x", NULL, false),
		VACCEL_EINVAL);
	assert_int_equal(b.type, VACCEL_BLOB_MAX);
	assert_int_equal(
		vaccel_blob_init_from_buf(&b, buf, 0, true, "x", NULL, false),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_blob_init_from_buf(&b, buf, 6, true, NULL, NULL, false),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_blob_init_from_buf(NULL, buf, 6, true, "x", NULL, false),
		VACCEL_EINVAL);
	assert_false(vaccel_blob_valid(&b));
}

static void assert_persisted(struct vaccel_blob *b, const char *dir,
			     const void *data, size_t size)
{
	assert_int_equal(b->type, VACCEL_BLOB_MAPPED);
	assert_true(b->path_owned);
	assert_true(b->data_owned);
	assert_int_equal(b->size, size);
	assert_memory_equal(b->data, data, size);
	assert_non_null(b->path);
	assert_int_equal(strncmp(b->path, dir, strlen(dir)), 0);
	assert_string_equal(strrchr(b->path, '/') + 1, b->name);
	size_t len;
	char *on_disk = tu_read_file(b->path, &len);
	assert_int_equal(len, size);
	assert_memory_equal(on_disk, data, size);
	free(on_disk);
	assert_true(vaccel_blob_valid(b));
	assert_string_equal(vaccel_blob_path(b), b->path);
}

static void test_persist_from_buf(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob a, b, r;
	const uint8_t data[] = "model bytes";

	/* the exact name */
	assert_int_equal(vaccel_blob_init_from_buf(&a, data, sizeof(data), true,
						   "model.onnx", c->dir, false),
			 VACCEL_OK);
	assert_persisted(&a, c->dir, data, sizeof(data));
	assert_string_equal(a.name, "model.onnx");

	/* a collision: a random suffix before the extension */
	assert_int_equal(vaccel_blob_init_from_buf(&b, data, sizeof(data),
						   false, "model.onnx", c->dir,
						   false),
			 VACCEL_OK);
	assert_persisted(&b, c->dir, data, sizeof(data));
	assert_string_not_equal(b.name, "model.onnx");
	assert_int_equal(strncmp(b.name, "model_", 6), 0);
	assert_int_equal(strlen(b.name), strlen("model_XXXXXX.onnx"));
	assert_string_equal(b.name + strlen(b.name) - 5, ".onnx");

	/* randomize without a collision */
	assert_int_equal(vaccel_blob_init_from_buf(&r, data, sizeof(data), true,
						   "lib.so", c->dir, true),
			 VACCEL_OK);
	assert_persisted(&r, c->dir, data, sizeof(data));
	assert_int_equal(strncmp(r.name, "lib_", 4), 0);
	assert_string_equal(r.name + strlen(r.name) - 3, ".so");
	assert_int_equal(strlen(r.name), strlen("lib_XXXXXX.so"));

	/* a name without extension */
	struct vaccel_blob n;
	assert_int_equal(vaccel_blob_init_from_buf(&n, data, sizeof(data), true,
						   "file", c->dir, true),
			 VACCEL_OK);
	assert_int_equal(strlen(n.name), strlen("file_XXXXXX"));

	char *pa = strdup(a.path), *pb = strdup(b.path), *pr = strdup(r.path);
	char *pn = strdup(n.path);
	/* release removes the files it owns */
	assert_int_equal(vaccel_blob_release(&a), VACCEL_OK);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	assert_int_equal(vaccel_blob_release(&r), VACCEL_OK);
	assert_int_equal(vaccel_blob_release(&n), VACCEL_OK);
	assert_false(tu_exists(pa));
	assert_false(tu_exists(pb));
	assert_false(tu_exists(pr));
	assert_false(tu_exists(pn));
	free(pa);
	free(pb);
	free(pr);
	free(pn);
	assert_int_equal(tu_count_entries(c->dir), 2); /* data.bin, empty */

	/* bad directory or name */
	char *missing = tu_strf("%s/missing", c->dir);
	assert_int_equal(vaccel_blob_init_from_buf(&a, data, sizeof(data), true,
						   "m", missing, false),
			 VACCEL_ENOENT);
	assert_int_equal(a.type, VACCEL_BLOB_MAX);
	assert_int_equal(vaccel_blob_init_from_buf(&a, data, sizeof(data), true,
						   "m", c->file, false),
			 VACCEL_ENOENT); /* a file, not a directory */
	assert_int_equal(vaccel_blob_init_from_buf(&a, data, sizeof(data), true,
						   "../escape", c->dir, false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_init_from_buf(&a, data, sizeof(data), true,
						   "..", c->dir, false),
			 VACCEL_EINVAL);
	assert_int_equal(tu_count_entries(c->dir), 2);
	free(missing);
}

static void test_persist(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob b, f;
	uint8_t data[4] = { 1, 2, 3, 4 };

	assert_int_equal(vaccel_blob_init_from_buf(&b, data, sizeof(data), true,
						   "x", NULL, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_blob_persist(&b, c->dir, NULL, false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_persist(&b, NULL, "p.bin", false),
			 VACCEL_EINVAL);
	char *missing = tu_strf("%s/missing", c->dir);
	assert_int_equal(vaccel_blob_persist(&b, missing, "p.bin", false),
			 VACCEL_ENOENT);
	free(missing);
	assert_int_equal(b.type, VACCEL_BLOB_BUFFER); /* unchanged */
	assert_int_equal(vaccel_blob_persist(&b, c->dir, "p.bin", false),
			 VACCEL_OK);
	assert_persisted(&b, c->dir, data, sizeof(data));
	assert_string_equal(b.name, "p.bin");
	/* already a file */
	assert_int_equal(vaccel_blob_persist(&b, c->dir, "q.bin", false),
			 VACCEL_EEXIST);
	char *p = strdup(b.path);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	assert_false(tu_exists(p));
	free(p);

	/* a FILE blob has no data to persist */
	assert_int_equal(vaccel_blob_init(&f, c->file), VACCEL_OK);
	assert_int_equal(vaccel_blob_persist(&f, c->dir, "f", false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_persist(NULL, c->dir, "f", false),
			 VACCEL_EINVAL);
	vaccel_blob_release(&f);
}

static void test_read_data(void **state)
{
	struct ctx *c = *state;
	struct vaccel_blob b;
	size_t n = 0;

	assert_int_equal(vaccel_blob_init(&b, c->file), VACCEL_OK);
	assert_int_equal(vaccel_blob_read(&b), VACCEL_OK);
	assert_int_equal(b.type, VACCEL_BLOB_MAPPED);
	assert_non_null(b.data);
	assert_int_equal(b.size, 10);
	assert_memory_equal(b.data, "0123456789", 10);
	/* owned mapping (ours: unmapped on release) */
	assert_true(b.data_owned);
	assert_false(b.path_owned);
	uint8_t *first = b.data;
	assert_int_equal(vaccel_blob_read(&b), VACCEL_OK); /* no-op */
	assert_ptr_equal(b.data, first);
	assert_string_equal(vaccel_blob_path(&b), c->file);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	assert_true(tu_exists(c->file));

	/* data() reads on demand */
	assert_int_equal(vaccel_blob_init(&b, c->file), VACCEL_OK);
	uint8_t *d = vaccel_blob_data(&b, &n);
	assert_non_null(d);
	assert_int_equal(n, 10);
	assert_memory_equal(d, "0123456789", 10);
	assert_non_null(vaccel_blob_data(&b, NULL));
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);

	/* an empty file cannot be read */
	assert_int_equal(vaccel_blob_init(&b, c->empty), VACCEL_OK);
	assert_int_equal(vaccel_blob_read(&b), VACCEL_EINVAL);
	assert_null(vaccel_blob_data(&b, &n));
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);

	/* the file went away after init */
	char *gone = tu_strf("%s/gone", c->dir);
	tu_write_file(gone, "x", 1);
	assert_int_equal(vaccel_blob_init(&b, gone), VACCEL_OK);
	unlink(gone);
	assert_int_not_equal(vaccel_blob_read(&b), VACCEL_OK);
	assert_int_equal(vaccel_blob_release(&b), VACCEL_OK);
	free(gone);

	assert_int_equal(vaccel_blob_read(NULL), VACCEL_EINVAL);
	assert_null(vaccel_blob_data(NULL, &n));
	assert_null(vaccel_blob_path(NULL));
	/* neither data nor path */
	struct vaccel_blob z = { .type = VACCEL_BLOB_BUFFER, .name = "z" };
	assert_int_equal(vaccel_blob_read(&z), VACCEL_EINVAL);
	struct vaccel_blob u = { .type = VACCEL_BLOB_MAX };
	assert_int_equal(vaccel_blob_read(&u), VACCEL_EINVAL);
}

static void test_valid(void **state)
{
	uint8_t d[1] = { 1 };
	struct vaccel_blob b = {
		.type = VACCEL_BLOB_BUFFER, .name = "n", .data = d, .size = 1
	};

	assert_true(vaccel_blob_valid(&b));
	b.size = 0;
	assert_false(vaccel_blob_valid(&b)); /* no size, no path */
	b.size = 1;
	b.data = NULL;
	assert_false(vaccel_blob_valid(&b));
	b.path = "/some/file";
	assert_true(vaccel_blob_valid(&b)); /* a path is enough */
	b.name = NULL;
	assert_false(vaccel_blob_valid(&b));
	b.name = "n";
	b.type = VACCEL_BLOB_MAX;
	assert_false(vaccel_blob_valid(&b));
	b.type = (vaccel_blob_type_t)77;
	assert_false(vaccel_blob_valid(&b));
	assert_false(vaccel_blob_valid(NULL));
}

static void test_release_invalid(void **state)
{
	struct vaccel_blob b;
	memset(&b, 0, sizeof(b));
	b.type = VACCEL_BLOB_MAX;
	assert_int_equal(vaccel_blob_release(&b), VACCEL_EINVAL);
	assert_int_equal(vaccel_blob_release(NULL), VACCEL_EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_file),
		T(test_new_delete),
		T(test_buffer_owned_and_ref),
		T(test_persist_from_buf),
		T(test_persist),
		T(test_read_data),
		T(test_valid),
		T(test_release_invalid),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
