// SPDX-License-Identifier: Apache-2.0
/* Resources: models, libraries and data files that ops use. A resource is
 * created from paths, a directory, a URL, a buffer or blobs, and registered
 * with the sessions that use it. */
#pragma once

#include "blob.h"
#include "id.h"
#include "list.h"
#include "utils/enum.h"
#include "utils/path.h"
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
#include <atomic>
#ifndef atomic_uint
typedef std::atomic<unsigned int> atomic_uint;
#endif
#else
#include <stdatomic.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	VACCEL_RESOURCE_LIB = 0,
	VACCEL_RESOURCE_DATA = 1,
	VACCEL_RESOURCE_MODEL = 2,
	VACCEL_RESOURCE_MAX = 3,
} vaccel_resource_type_t;

/* The full name of a value ("VACCEL_..."); "..._MAX" if unknown. */
const char *vaccel_resource_type_name(vaccel_resource_type_t t);

static inline const char *vaccel_resource_type_to_str(vaccel_resource_type_t t)
{
	return vaccel_resource_type_name(t);
}

static inline const char *
vaccel_resource_type_to_base_str(vaccel_resource_type_t t)
{
	return vaccel_enum_base(vaccel_resource_type_to_str(t),
				"VACCEL_RESOURCE_");
}

/* Field order and sizes are ABI (applications allocate this struct). */
struct vaccel_resource {
	vaccel_id_t id;
	/* id of the twin resource on the agent (remote sessions) */
	vaccel_id_t remote_id;
	vaccel_resource_type_t type;
	vaccel_path_type_t path_type;
	/* the paths given at init (NULL for buffer/blob resources) */
	char **paths;
	size_t nr_paths;
	/* the resource's own directory, if it needed one */
	char *rundir;
	/* the files or buffers (built at registration for path resources) */
	struct vaccel_blob **blobs;
	size_t nr_blobs;
	/* library-private links */
	vaccel_list_entry_t entry;
	vaccel_list_t sessions;
	pthread_mutex_t sessions_lock;
	/* number of sessions it is registered with */
	atomic_uint refcount;
	/* for the plugin of the session(s) it is registered with */
	void *plugin_priv;
};

int vaccel_resource_get_by_id(struct vaccel_resource **res, vaccel_id_t id);
int vaccel_resource_get_by_type(struct vaccel_resource **res,
				vaccel_resource_type_t type);
/* `*res` is a new array the caller frees (not its elements). */
int vaccel_resource_get_all_by_type(struct vaccel_resource ***res,
				    size_t *nr_found,
				    vaccel_resource_type_t type);
long int vaccel_resource_refcount(const struct vaccel_resource *res);

/* `path`: a file, a directory, file://PATH or an http(s):// URL. Nothing is
 * read until the resource is registered. */
int vaccel_resource_init(struct vaccel_resource *res, const char *path,
			 vaccel_resource_type_t type);
int vaccel_resource_init_multi(struct vaccel_resource *res, const char **paths,
			       size_t nr_paths, vaccel_resource_type_t type);
/* mem_only: reference `buf` (the caller keeps it alive); otherwise the bytes
 * are written to a file in the resource's directory. */
int vaccel_resource_init_from_buf(struct vaccel_resource *res, const void *buf,
				  size_t nr_bytes, vaccel_resource_type_t type,
				  const char *filename, bool mem_only);
int vaccel_resource_init_from_blobs(struct vaccel_resource *res,
				    const struct vaccel_blob **blobs,
				    size_t nr_blobs,
				    vaccel_resource_type_t type);
int vaccel_resource_release(struct vaccel_resource *res);
int vaccel_resource_new(struct vaccel_resource **res, const char *path,
			vaccel_resource_type_t type);
int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths,
			      size_t nr_paths, vaccel_resource_type_t type);
int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf,
			     size_t nr_bytes, vaccel_resource_type_t type,
			     const char *filename, bool mem_only);
int vaccel_resource_from_blobs(struct vaccel_resource **res,
			       const struct vaccel_blob **blobs,
			       size_t nr_blobs, vaccel_resource_type_t type);
int vaccel_resource_delete(struct vaccel_resource *res);

struct vaccel_session;

int vaccel_resource_sync(struct vaccel_resource *res,
			 struct vaccel_session *sess);
int vaccel_resource_register(struct vaccel_resource *res,
			     struct vaccel_session *sess);
int vaccel_resource_unregister(struct vaccel_resource *res,
			       struct vaccel_session *sess);
/* The directory of a directory resource, copied to `out_path` or, when
 * `alloc_path` is given, to a new string the caller frees. */
int vaccel_resource_directory(struct vaccel_resource *res, char *out_path,
			      size_t out_path_size, char **alloc_path);

#ifdef __cplusplus
}
#endif
