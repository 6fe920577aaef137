// SPDX-License-Identifier: Apache-2.0
/* Resources: creation from paths, directories, URLs, buffers and blobs;
 * their blobs, built at the first registration; lookup. Registration with
 * sessions and release are registration.c's. */

#include "internal.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_RESOURCES 2048

static struct vaccel__id_pool ids;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
/* initialised here too: cleanup after a failed bootstrap walks them */
static vaccel_list_t live[VACCEL_RESOURCE_MAX] = {
	LIST_ENTRY_INIT(live[0]),
	LIST_ENTRY_INIT(live[1]),
	LIST_ENTRY_INIT(live[2]),
};
_Static_assert(VACCEL_RESOURCE_MAX == 3, "initialise every list of live");

int vaccel__resources_bootstrap(void)
{
	for (int t = 0; t < VACCEL_RESOURCE_MAX; t++)
		vaccel__list_init(&live[t]);
	return vaccel__id_pool_init(&ids, MAX_RESOURCES);
}

struct vaccel_resource *vaccel__resource_first_live(void)
{
	struct vaccel_resource *r = NULL;
	pthread_mutex_lock(&live_lock);
	for (int t = 0; t < VACCEL_RESOURCE_MAX && !r; t++)
		if (!vaccel__list_empty(&live[t]))
			r = vaccel__container_of(live[t].next,
						 struct vaccel_resource, entry);
	pthread_mutex_unlock(&live_lock);
	return r;
}

void vaccel__resources_forget(void)
{
	/* as vaccel__sessions_forget() */
	for (int t = 0; t < VACCEL_RESOURCE_MAX; t++)
		vaccel__list_init(&live[t]);
	vaccel__id_pool_release(&ids);
}

static int check_ready(void)
{
	return vaccel_is_initialized() ? VACCEL_OK : VACCEL_EPERM;
}

/* ---- creation ---- */

/* Classify one path: URL, file://PATH or a plain path (file or dir). The
 * parsed path (prefix stripped) goes to *out. */
static int parse_path(const char *in, vaccel_path_type_t *type, char **out)
{
	if (strlen(in) >= PATH_MAX)
		return VACCEL_ENAMETOOLONG;
	if (vaccel__net_is_url(in)) {
		*type = VACCEL_PATH_REMOTE_FILE;
		*out = strdup(in);
		return *out ? VACCEL_OK : VACCEL_ENOMEM;
	}
	const char *p = in;
	if (!strncmp(in, "file://", 7)) {
		p = in + 7;
	} else if (strstr(in, "://")) {
		vaccel_error("Unsupported URI prefix in %s", in);
		return VACCEL_EINVAL;
	}
	struct stat st;
	if (stat(p, &st) || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		vaccel_error("Invalid path %s", p);
		return VACCEL_EINVAL;
	}
	*type = S_ISDIR(st.st_mode) ? VACCEL_PATH_LOCAL_DIR
				    : VACCEL_PATH_LOCAL_FILE;
	*out = strdup(p);
	return *out ? VACCEL_OK : VACCEL_ENOMEM;
}

static void free_paths(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

static int parse_paths(struct vaccel_resource *res, const char **in, size_t n)
{
	res->paths = calloc(n, sizeof(char *));
	if (!res->paths)
		return VACCEL_ENOMEM;
	res->nr_paths = n;
	for (size_t i = 0; i < n; i++) {
		vaccel_path_type_t t;
		int ret = parse_path(in[i], &t, &res->paths[i]);
		if (ret)
			return ret;
		if (i > 0 && t == VACCEL_PATH_LOCAL_DIR) {
			vaccel_error("A resource cannot have multiple "
				     "directory paths");
			return VACCEL_ENOTSUP;
		}
		if (i > 0 && t != res->path_type) {
			vaccel_error("The paths of a resource must all be of "
				     "one kind");
			return VACCEL_EINVAL;
		}
		res->path_type = t;
	}
	return VACCEL_OK;
}

/* Common part of every init: id, fields, live list. */
static int resource_setup(struct vaccel_resource *res,
			  vaccel_resource_type_t type)
{
	vaccel_id_t id = vaccel__id_pool_get(&ids);
	if (id < 0) {
		vaccel_error("Could not create a resource: too many resources");
		return (int)-id;
	}
	res->id = id;
	res->remote_id = 0;
	res->type = type;
	res->path_type = VACCEL_PATH_LOCAL_FILE;
	res->paths = NULL;
	res->nr_paths = 0;
	res->rundir = NULL;
	res->blobs = NULL;
	res->nr_blobs = 0;
	res->plugin_priv = NULL;
	atomic_init(&res->refcount, 0);
	vaccel__list_init(&res->sessions);
	vaccel__list_init(&res->entry);
	pthread_mutex_init(&res->sessions_lock, NULL);
	return VACCEL_OK;
}

static void resource_publish(struct vaccel_resource *res)
{
	pthread_mutex_lock(&live_lock);
	vaccel__list_add_tail(&live[res->type], &res->entry);
	pthread_mutex_unlock(&live_lock);
	vaccel_debug("Initialized resource %" PRId64, res->id);
}

static void free_blobs(struct vaccel_resource *res)
{
	for (size_t i = 0; res->blobs && i < res->nr_blobs; i++)
		if (res->blobs[i])
			vaccel_blob_delete(res->blobs[i]);
	free(res->blobs);
	res->blobs = NULL;
	res->nr_blobs = 0;
}

/* Undo resource_setup and whatever a failed init built. */
static void resource_abort(struct vaccel_resource *res)
{
	free_blobs(res);
	free_paths(res->paths, res->nr_paths);
	res->paths = NULL;
	res->nr_paths = 0;
	if (res->rundir) {
		vaccel__fs_rm_rf(res->rundir);
		free(res->rundir);
		res->rundir = NULL;
	}
	pthread_mutex_destroy(&res->sessions_lock);
	vaccel__id_pool_put(&ids, res->id);
	res->id = 0;
}

static int check_init_args(struct vaccel_resource *res,
			   vaccel_resource_type_t type)
{
	int ret = check_ready();
	if (ret)
		return ret;
	if (!res || (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;
	return VACCEL_OK;
}

int vaccel_resource_init_multi(struct vaccel_resource *res, const char **paths,
			       size_t nr_paths, vaccel_resource_type_t type)
{
	vaccel__reason_begin();
	int ret = check_init_args(res, type);
	if (ret)
		return ret;
	if (!paths || !nr_paths)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < nr_paths; i++)
		if (!paths[i])
			return VACCEL_EINVAL;

	ret = resource_setup(res, type);
	if (ret)
		return ret;
	ret = parse_paths(res, paths, nr_paths);
	if (ret) {
		resource_abort(res);
		return ret;
	}
	resource_publish(res);
	return VACCEL_OK;
}

int vaccel_resource_init(struct vaccel_resource *res, const char *path,
			 vaccel_resource_type_t type)
{
	vaccel__reason_begin();
	if (!path)
		return VACCEL_EINVAL;
	return vaccel_resource_init_multi(res, &path, 1, type);
}

static int make_rundir(struct vaccel_resource *res)
{
	if (res->rundir)
		return VACCEL_OK;
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/resource.%" PRId64,
		     vaccel_rundir(), res->id) >= (int)sizeof(path))
		return VACCEL_ENAMETOOLONG;
	int ret = vaccel__fs_mkdir_p(path, 0700, 0700);
	if (ret) {
		vaccel_error("Could not create %s", path);
		return ret;
	}
	res->rundir = strdup(path);
	return res->rundir ? VACCEL_OK : VACCEL_ENOMEM;
}

static int alloc_blobs(struct vaccel_resource *res, size_t n)
{
	res->blobs = calloc(n, sizeof(*res->blobs));
	if (!res->blobs)
		return VACCEL_ENOMEM;
	res->nr_blobs = n;
	return VACCEL_OK;
}

int vaccel_resource_init_from_buf(struct vaccel_resource *res, const void *buf,
				  size_t nr_bytes, vaccel_resource_type_t type,
				  const char *filename, bool mem_only)
{
	vaccel__reason_begin();
	int ret = check_init_args(res, type);
	if (ret)
		return ret;
	if (!buf || !nr_bytes)
		return VACCEL_EINVAL;

	ret = resource_setup(res, type);
	if (!ret)
		ret = alloc_blobs(res, 1);
	if (!ret && !mem_only)
		ret = make_rundir(res);
	if (!ret) {
		/* mem_only: the blob references buf (the caller keeps it
		 * alive); otherwise the bytes are written to a file. */
		ret = vaccel_blob_from_buf(&res->blobs[0], buf, nr_bytes, false,
					   filename ? filename : "file",
					   mem_only ? NULL : res->rundir,
					   !filename);
	}
	if (ret) {
		resource_abort(res);
		return ret;
	}
	resource_publish(res);
	return VACCEL_OK;
}

/* A new blob of `res` made from the caller's `src` (see init_from_blobs). */
static int copy_blob(struct vaccel_resource *res, const struct vaccel_blob *src,
		     struct vaccel_blob **dst)
{
	switch (src->type) {
	case VACCEL_BLOB_FILE:
		return vaccel_blob_new(dst, src->path);
	case VACCEL_BLOB_BUFFER:
		return vaccel_blob_from_buf(dst, src->data, src->size,
					    src->data_owned, src->name, NULL,
					    false);
	case VACCEL_BLOB_MAPPED:
		return vaccel_blob_from_buf(dst, src->data, src->size, false,
					    src->name, res->rundir, false);
	default:
		return VACCEL_EINVAL;
	}
}

int vaccel_resource_init_from_blobs(struct vaccel_resource *res,
				    const struct vaccel_blob **blobs,
				    size_t nr_blobs,
				    vaccel_resource_type_t type)
{
	vaccel__reason_begin();
	int ret = check_init_args(res, type);
	if (ret)
		return ret;
	if (!blobs || !nr_blobs)
		return VACCEL_EINVAL;
	bool need_dir = false;
	for (size_t i = 0; i < nr_blobs; i++) {
		if (!vaccel_blob_valid(blobs[i]))
			return VACCEL_EINVAL;
		need_dir |= blobs[i]->type == VACCEL_BLOB_MAPPED;
	}

	ret = resource_setup(res, type);
	if (!ret)
		ret = alloc_blobs(res, nr_blobs);
	if (!ret && need_dir)
		ret = make_rundir(res);
	for (size_t i = 0; !ret && i < nr_blobs; i++)
		ret = copy_blob(res, blobs[i], &res->blobs[i]);
	if (ret) {
		resource_abort(res);
		return ret;
	}
	resource_publish(res);
	return VACCEL_OK;
}

/* ---- blobs: built at the first registration ---- */

struct blob_walk {
	struct vaccel_resource *res;
	size_t cap;
};

static int add_file_blob(const char *path, void *ctx)
{
	struct blob_walk *w = ctx;
	struct vaccel_resource *res = w->res;
	if (res->nr_blobs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		void *p = realloc(res->blobs, cap * sizeof(*res->blobs));
		if (!p)
			return VACCEL_ENOMEM;
		res->blobs = p;
		w->cap = cap;
	}
	int ret = vaccel_blob_new(&res->blobs[res->nr_blobs], path);
	if (!ret)
		res->nr_blobs++;
	return ret;
}

static int download_blobs(struct vaccel_resource *res)
{
	int ret = make_rundir(res);
	if (!ret)
		ret = alloc_blobs(res, res->nr_paths);
	res->nr_blobs = 0;
	for (size_t i = 0; !ret && i < res->nr_paths; i++) {
		const char *url = res->paths[i];
		const char *name = vaccel__fs_basename(url);
		char dest[PATH_MAX];
		if (!*name || !strcmp(name, "..") || !strcmp(name, "."))
			name = "download";
		if (snprintf(dest, sizeof(dest), "%s/%s", res->rundir, name) >=
		    (int)sizeof(dest))
			return VACCEL_ENAMETOOLONG;
		ret = vaccel__net_download(url, dest);
		if (!ret)
			ret = vaccel_blob_new(&res->blobs[i], dest);
		if (!ret) {
			res->blobs[i]->path_owned = true;
			res->nr_blobs++;
		}
	}
	return ret;
}

/* Build the blobs of a path-based resource the first time it is
 * registered. */
static int build_blobs(struct vaccel_resource *res)
{
	if (res->nr_blobs)
		return VACCEL_OK;
	if (!res->nr_paths)
		return VACCEL_EINVAL;

	int ret = VACCEL_OK;
	struct blob_walk w = { .res = res, .cap = 0 };
	switch (res->path_type) {
	case VACCEL_PATH_LOCAL_FILE:
		for (size_t i = 0; !ret && i < res->nr_paths; i++)
			ret = add_file_blob(res->paths[i], &w);
		break;
	case VACCEL_PATH_LOCAL_DIR:
		ret = vaccel__fs_walk(res->paths[0], add_file_blob, &w);
		break;
	case VACCEL_PATH_REMOTE_FILE:
		ret = download_blobs(res);
		break;
	default:
		ret = VACCEL_EINVAL;
	}
	if (ret)
		free_blobs(res);
	return ret;
}

/* Remote sessions send the data: map every blob. */
static int read_blobs(struct vaccel_resource *res)
{
	for (size_t i = 0; i < res->nr_blobs; i++) {
		int ret = vaccel_blob_read(res->blobs[i]);
		if (ret)
			return ret;
	}
	return VACCEL_OK;
}

int vaccel__resource_blobs(struct vaccel_resource *res, bool map)
{
	int ret = build_blobs(res);
	if (!ret && map)
		ret = read_blobs(res);
	return ret;
}

void vaccel__resource_end(struct vaccel_resource *res)
{
	pthread_mutex_lock(&live_lock);
	vaccel__list_del(&res->entry);
	pthread_mutex_unlock(&live_lock);
	vaccel_debug("Released resource %" PRId64, res->id);
	resource_abort(res);
	res->plugin_priv = NULL;
}

/* ---- new/delete, lookup ---- */

/* new/from: allocate, init, free on failure. */
#define RESOURCE_NEW(out, init_call)                              \
	do {                                                      \
		if (!(out))                                       \
			return VACCEL_EINVAL;                     \
		struct vaccel_resource *r_ = malloc(sizeof(*r_)); \
		if (!r_)                                          \
			return VACCEL_ENOMEM;                     \
		int ret_ = init_call;                             \
		if (ret_) {                                       \
			free(r_);                                 \
			return ret_;                              \
		}                                                 \
		*(out) = r_;                                      \
		return VACCEL_OK;                                 \
	} while (0)

int vaccel_resource_new(struct vaccel_resource **res, const char *path,
			vaccel_resource_type_t type)
{
	RESOURCE_NEW(res, vaccel_resource_init(r_, path, type));
}

int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths,
			      size_t nr_paths, vaccel_resource_type_t type)
{
	RESOURCE_NEW(res,
		     vaccel_resource_init_multi(r_, paths, nr_paths, type));
}

int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf,
			     size_t nr_bytes, vaccel_resource_type_t type,
			     const char *filename, bool mem_only)
{
	RESOURCE_NEW(res, vaccel_resource_init_from_buf(r_, buf, nr_bytes, type,
							filename, mem_only));
}

int vaccel_resource_from_blobs(struct vaccel_resource **res,
			       const struct vaccel_blob **blobs,
			       size_t nr_blobs, vaccel_resource_type_t type)
{
	RESOURCE_NEW(res, vaccel_resource_init_from_blobs(r_, blobs, nr_blobs,
							  type));
}

long int vaccel_resource_refcount(const struct vaccel_resource *res)
{
	if (!res)
		return -VACCEL_EINVAL;
	return (long)atomic_load(&((struct vaccel_resource *)res)->refcount);
}

int vaccel_resource_get_by_id(struct vaccel_resource **res, vaccel_id_t id)
{
	if (check_ready())
		return VACCEL_EPERM;
	if (!res)
		return VACCEL_EINVAL;

	int ret = VACCEL_ENOENT;
	vaccel_list_entry_t *e;
	pthread_mutex_lock(&live_lock);
	for (int t = 0; t < VACCEL_RESOURCE_MAX && ret; t++) {
		vaccel__list_for_each(e, &live[t])
		{
			struct vaccel_resource *r = vaccel__container_of(
				e, struct vaccel_resource, entry);
			if (r->id == id) {
				*res = r;
				ret = VACCEL_OK;
				break;
			}
		}
	}
	pthread_mutex_unlock(&live_lock);
	return ret;
}

int vaccel_resource_get_by_type(struct vaccel_resource **res,
				vaccel_resource_type_t type)
{
	if (check_ready())
		return VACCEL_EPERM;
	if (!res || (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;

	int ret = VACCEL_ENOENT;
	pthread_mutex_lock(&live_lock);
	if (!vaccel__list_empty(&live[type])) {
		*res = vaccel__container_of(live[type].next,
					    struct vaccel_resource, entry);
		ret = VACCEL_OK;
	}
	pthread_mutex_unlock(&live_lock);
	return ret;
}

int vaccel_resource_get_all_by_type(struct vaccel_resource ***res,
				    size_t *nr_found,
				    vaccel_resource_type_t type)
{
	if (check_ready())
		return VACCEL_EPERM;
	if (!res || !nr_found || (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;

	size_t n = 0, i = 0;
	vaccel_list_entry_t *e;
	pthread_mutex_lock(&live_lock);
	vaccel__list_for_each(e, &live[type]) n++;
	*res = n ? malloc(n * sizeof(**res)) : NULL;
	if (*res) {
		vaccel__list_for_each(e, &live[type])(*res)[i++] =
			vaccel__container_of(e, struct vaccel_resource, entry);
	}
	pthread_mutex_unlock(&live_lock);
	*nr_found = i;
	if (!n)
		return VACCEL_ENOENT;
	return *res ? VACCEL_OK : VACCEL_ENOMEM;
}

int vaccel_resource_directory(struct vaccel_resource *res, char *out_path,
			      size_t out_path_size, char **alloc_path)
{
	if (!res || (!alloc_path && (!out_path || !out_path_size)))
		return VACCEL_EINVAL;
	if (res->path_type != VACCEL_PATH_LOCAL_DIR) {
		vaccel_error("Resource %" PRId64 " is not a directory",
			     res->id);
		return VACCEL_ENOTSUP;
	}
	const char *dir = res->rundir ? res->rundir : res->paths[0];
	if (alloc_path) {
		*alloc_path = strdup(dir);
		return *alloc_path ? VACCEL_OK : VACCEL_ENOMEM;
	}
	if (strlen(dir) >= out_path_size)
		return VACCEL_EINVAL;
	strcpy(out_path, dir);
	return VACCEL_OK;
}
