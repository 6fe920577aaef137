// SPDX-License-Identifier: Apache-2.0
/* Uploads and resources (docs/protocol.md §5.3): blobs into the tenant's
 * cache, resources built over cache entries in their own directory (under
 * sanitised names), registered to sessions, destroyed, synced back. */

#include "control_int.h"
#include "policy.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- uploads --------------------------------------------------------------
 */

void blob_put(struct req *r)
{
	const struct conn_usage *u = conn_usage(r->c);
	struct vrpc_buf *d = &r->msg.u.put.data;
	struct cache_upload up;
	struct cache_upload *p = r->upload;
	if (!p) {
		/* the bytes are in shared memory: copy them out (hashing the
		 * copy, never the client-writable bytes) */
		if (d->kind != VRPC_BUF_SHM || d->len > cfg.lim.max_blob) {
			reply_err(r, VRPC_E_INVAL, "BLOB_PUT without data");
			return;
		}
		if (u->stored + d->len > cfg.lim.max_stored) {
			reply_err(r, VRPC_E_NOSPC, "upload quota exceeded");
			return;
		}
		uint32_t err = cache_upload_begin(cache_of(r), &up, d->len);
		if (err) {
			reply_err(r, err, "%s", cache_begin_why(err));
			return;
		}
		p = &up;
		uint8_t chunk[65536];
		for (uint64_t o = 0; o < d->len; o += sizeof(chunk)) {
			size_t n = d->len - o < sizeof(chunk) ? d->len - o
							      : sizeof(chunk);
			memcpy(chunk, (uint8_t *)d->data + o, n);
			cache_upload_write(p, chunk, n);
		}
	}
	struct cache_entry *e;
	uint32_t err = cache_upload_end(cache_of(r), p, r->msg.u.put.sha, &e);
	if (r->upload) {
		free(r->upload);
		r->upload = NULL;
	}
	if (err) {
		reply_err(r, err, "upload refused");
		return;
	}
	conn_use(r->c, USE_STORED, (int64_t)cache_size(e));
	if (objects_keep_upload(objs(r), e)) {
		cache_put_ref(cache_of(r), e);
		reply_err(r, VRPC_E_NOMEM, "no memory");
	}
}

/* ---- resources ------------------------------------------------------------
 */

/* Hold a cache reference for every blob (preferring this connection's own
 * uploads). If some are missing, say which (NEED_UPLOAD). */
static uint32_t take_refs(struct req *r, struct obj *o)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	uint32_t *missing =
		vrpc_pool_alloc(&r->rpool, rc->nr_blobs * sizeof(uint32_t));
	uint32_t nmiss = 0;
	if (!missing)
		return reply_err(r, VRPC_E_NOMEM, "no memory");
	for (uint32_t i = 0; i < rc->nr_blobs; i++) {
		struct vrpc_blobdesc *b = &rc->blobs[i];
		struct cache_entry *e = objects_take_upload(objs(r), b->sha);
		if (e && cache_size(e) != b->size) {
			objects_keep_upload(objs(r), e);
			e = NULL;
		}
		if (!e && (e = cache_get(cache_of(r), b->sha, b->size)))
			cache_note_hit(cache_of(r));
		o->u.r.refs[i] = e;
		if (!e)
			missing[nmiss++] = i;
	}
	if (!nmiss)
		return 0;
	/* keep what is here until the retry, so it is not evicted */
	for (uint32_t i = 0; i < rc->nr_blobs; i++) {
		if (o->u.r.refs[i] &&
		    !objects_keep_upload(objs(r), o->u.r.refs[i]))
			o->u.r.refs[i] = NULL;
	}
	r->rep.u.rc.missing = missing;
	r->rep.u.rc.nr_missing = nmiss;
	return reply_err(r, VRPC_E_NEED_UPLOAD, "%u blob(s) not cached",
			 (unsigned)nmiss);
}

/* What resources may make in the worker's run directory, which every
 * tenant's worker shares the filesystem of (docs/security.md, "Files and
 * the content cache"): at most RES_MAX_DIRS directories under one
 * resource's own (a TensorFlow SavedModel has 2, a Hugging Face model
 * directory a few), and at most CONN_MAX_ENTRIES files and directories
 * (the resources' own directories included) for all the live resources
 * of one connection, 16 for each of its --max-resources (256) resources.
 * Without them one 1-byte upload, named 1024 times under 8-level paths,
 * made 8192 entries per request. */
#define RES_MAX_DIRS	 64
#define CONN_MAX_ENTRIES 4096

/* Charge one file or directory that `o` made (already there: a refusal
 * removes it with the resource's directory). */
static uint32_t count_entry(struct req *r, struct obj *o)
{
	o->u.r.entries++;
	conn_use(r->c, USE_ENTRIES, 1);
	if (conn_usage(r->c)->entries <= CONN_MAX_ENTRIES)
		return 0;
	return reply_err(r, VRPC_E_USERS,
			 "this connection's resources have %d files and "
			 "directories, the limit: destroy some first",
			 CONN_MAX_ENTRIES);
}

/* Make the parent directories of dir/name, counting those it made. */
static uint32_t mkdirs(struct req *r, struct obj *o, const char *name,
		       unsigned *dirs)
{
	const char *dir = o->u.r.dir;
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return reply_err(r, VRPC_E_INVAL, "blob name too long");
	for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(p, 0700)) {
			if (errno != EEXIST)
				return reply_err(r, VRPC_E_IO,
						 "cannot create files");
		} else if (++*dirs > RES_MAX_DIRS) {
			return reply_err(r, VRPC_E_INVAL,
					 "the blob names make more than %d "
					 "directories (the limit of a "
					 "resource)",
					 RES_MAX_DIRS);
		} else if (count_entry(r, o)) {
			return 1;
		}
		*s = '/';
	}
	return 0;
}

/* Put a cache entry at `path` (a hard link; a symbolic link across
 * filesystems: the entry is referenced, so it stays). */
static int link_entry(struct cache_entry *e, const char *path)
{
	if (!link(cache_path(e), path) || !symlink(cache_path(e), path))
		return 0;
	return errno == EEXIST ? VACCEL_EEXIST : VACCEL_EIO;
}

/* The files of the resource, in its directory, under sanitised names. */
static uint32_t make_files(struct req *r, struct obj *o, char **paths)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	int parts = rc->layout == VRPC_LAYOUT_DIR ? 8 : 1;
	unsigned dirs = 0;
	/* a file for each blob at least: refused before making any */
	if (conn_usage(r->c)->entries + rc->nr_blobs > CONN_MAX_ENTRIES)
		return reply_err(r, VRPC_E_USERS,
				 "%u more files would pass this connection's "
				 "limit of %d files and directories: destroy "
				 "some resources first",
				 (unsigned)rc->nr_blobs, CONN_MAX_ENTRIES);
	for (uint32_t i = 0; i < rc->nr_blobs; i++) {
		char name[PATH_MAX];
		if (policy_sanitize_name(rc->blobs[i].name, parts, name,
					 sizeof(name) - 16))
			return reply_err(r, VRPC_E_INVAL, "bad blob name");
		paths[i] = vrpc_pool_alloc(&r->rpool, PATH_MAX);
		if (!paths[i])
			return reply_err(r, VRPC_E_NOMEM, "no memory");
		if (snprintf(paths[i], PATH_MAX, "%s/%s", o->u.r.dir, name) >=
		    PATH_MAX)
			return reply_err(r, VRPC_E_INVAL, "blob name too long");
		if (mkdirs(r, o, name, &dirs))
			return 1;
		int ret = link_entry(o->u.r.refs[i], paths[i]);
		for (int k = 1; ret == VACCEL_EEXIST && k < 1000; k++) {
			/* two names that sanitise alike */
			if (snprintf(paths[i], PATH_MAX, "%s/%s_%d", o->u.r.dir,
				     name, k) >= PATH_MAX)
				break;
			ret = link_entry(o->u.r.refs[i], paths[i]);
		}
		if (ret)
			return reply_err(r, VRPC_E_IO, "cannot create files");
		if (count_entry(r, o))
			return 1;
	}
	return 0;
}

/* A LIB resource whose every blob is the content of an allowlisted
 * library is built from those libraries themselves. */
static bool exec_paths(struct req *r, char **paths)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	for (uint32_t i = 0; i < rc->nr_blobs; i++) {
		paths[i] = vrpc_pool_alloc(&r->rpool, PATH_MAX);
		if (!paths[i] ||
		    policy_exec_by_hash(rc->blobs[i].sha, paths[i], PATH_MAX))
			return false;
	}
	return true;
}

/* BUFFERS layout: each BUFFER blob is a private (copy-on-write) mapping of
 * its cache entry; FILE blobs are files in the resource's directory. */
static int build_buffers(struct req *r, struct obj *o, char **paths)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	uint32_t n = rc->nr_blobs;
	struct vaccel_blob **blobs = calloc(n, sizeof(*blobs));
	o->u.r.maps = calloc(n, sizeof(void *));
	o->u.r.map_sizes = calloc(n, sizeof(size_t));
	int ret = blobs && o->u.r.maps && o->u.r.map_sizes ? 0 : VACCEL_ENOMEM;
	for (uint32_t i = 0; !ret && i < n; i++) {
		if (rc->blobs[i].kind != VRPC_BLOB_BUFFER) {
			ret = vaccel_blob_new(&blobs[i], paths[i]);
			continue;
		}
		size_t size = (size_t)rc->blobs[i].size;
		int fd = open(cache_path(o->u.r.refs[i]), O_RDONLY | O_CLOEXEC);
		void *m = fd < 0 || !size
				  ? MAP_FAILED
				  : mmap(NULL, size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE, fd, 0);
		if (fd >= 0)
			close(fd);
		if (m == MAP_FAILED) {
			ret = VACCEL_EINVAL;
			break;
		}
		o->u.r.maps[i] = m;
		o->u.r.map_sizes[i] = size;
		const char *base = strrchr(paths[i], '/') + 1;
		ret = vaccel_blob_from_buf(&blobs[i], m, size, false, base,
					   NULL, false);
	}
	if (!ret)
		ret = vaccel_resource_init_from_blobs(
			o->u.r.res, (const struct vaccel_blob **)blobs, n,
			(vaccel_resource_type_t)rc->type);
	for (uint32_t i = 0; blobs && i < n; i++)
		if (blobs[i])
			vaccel_blob_delete(blobs[i]);
	free(blobs);
	return ret;
}

/* Create the libvaccel resource of `o` from its files. */
static int build_resource(struct req *r, struct obj *o, char **paths)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	vaccel_resource_type_t type = (vaccel_resource_type_t)rc->type;
	if (!(o->u.r.res = calloc(1, sizeof(*o->u.r.res))))
		return VACCEL_ENOMEM;
	int ret;
	if (rc->layout == VRPC_LAYOUT_BUFFERS)
		ret = build_buffers(r, o, paths);
	else if (rc->layout == VRPC_LAYOUT_DIR && !o->u.r.exec_ok)
		ret = vaccel_resource_init(o->u.r.res, o->u.r.dir, type);
	else
		ret = vaccel_resource_init_multi(
			o->u.r.res, (const char **)paths, rc->nr_blobs, type);
	if (ret) {
		free(o->u.r.res);
		o->u.r.res = NULL;
	}
	return ret;
}

static uint32_t check_create(struct req *r)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	if (rc->type >= VACCEL_RESOURCE_MAX ||
	    rc->layout > VRPC_LAYOUT_BUFFERS || !rc->nr_blobs)
		return reply_err(r, VRPC_E_INVAL, "bad resource description");
	if (conn_usage(r->c)->resources >= cfg.lim.max_resources)
		return reply_err(r, VRPC_E_USERS,
				 "resource quota (%" PRIu64 ") reached",
				 cfg.lim.max_resources);
	for (uint32_t i = 0; i < rc->nr_blobs; i++) {
		if (rc->blobs[i].size > cfg.lim.max_blob ||
		    !rc->blobs[i].size || rc->blobs[i].kind > VRPC_BLOB_BUFFER)
			return reply_err(r, VRPC_E_INVAL, "bad blob %u",
					 (unsigned)i);
	}
	return 0;
}

/* Free a resource of the connection that no request holds, with what it
 * made in the run directory (charged to the connection). */
static void free_resource(struct req *r, struct obj *o)
{
	int64_t entries = o->u.r.entries;
	obj_free(o, cache_of(r));
	conn_use(r->c, USE_ENTRIES, -entries);
}

void res_create(struct req *r)
{
	struct vrpc_res_create *rc = &r->msg.u.rc;
	struct obj *s = NULL, *o;
	if (check_create(r) ||
	    (r->msg.session &&
	     req_hold(r, OBJ_SESSION, r->msg.session, true, &s)))
		return;
	char **paths =
		vrpc_pool_alloc(&r->rpool, rc->nr_blobs * sizeof(char *));
	if (!paths || !(o = calloc(1, sizeof(*o)))) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	o->kind = OBJ_RESOURCE;
	o->u.r.nr_refs = rc->nr_blobs;
	o->u.r.refs = calloc(rc->nr_blobs, sizeof(*o->u.r.refs));
	if (!o->u.r.refs || take_refs(r, o))
		goto fail;
	o->id = objects_next_id(objs(r));
	const char *cdir = conn_dir(r->c);
	snprintf(o->u.r.dir, sizeof(o->u.r.dir), "%s/res.%" PRIu64,
		 cdir ? cdir : "/nonexistent", o->id);
	if (!cdir || mkdir(o->u.r.dir, 0700)) {
		o->u.r.dir[0] = 0;
		reply_err(r, VRPC_E_IO, "cannot create the resource directory");
		goto fail;
	}
	if (count_entry(r, o))
		goto fail;
	if (rc->type == VACCEL_RESOURCE_LIB && cfg.nr_exec_dirs &&
	    rc->layout != VRPC_LAYOUT_BUFFERS && exec_paths(r, paths))
		o->u.r.exec_ok = true;
	else if (make_files(r, o, paths))
		goto fail;
	else
		o->u.r.exec_ok = cfg.exec_allow_uploads;
	int ret = build_resource(r, o, paths);
	if (!ret && s)
		ret = vaccel_resource_register(o->u.r.res, s->u.sess);
	if (ret) {
		reply_ret(r, ret);
		goto fail;
	}
	objects_add(objs(r), o);
	conn_use(r->c, USE_RESOURCES, 1);
	r->rep.resource = o->id;
	return;
fail:
	/* obj_free removes the resource's directory and all it made */
	free_resource(r, o);
}

/* Hold the resource and the session of a request; `alone`: no op may
 * use the session meanwhile (a (un)registration changes what its plugins
 * keep for it). */
static bool hold_pair(struct req *r, struct obj **res, struct obj **sess,
		      bool alone)
{
	return !req_hold(r, OBJ_RESOURCE, r->msg.resource, false, res) &&
	       !req_hold(r, OBJ_SESSION, r->msg.session, alone, sess);
}

static void destroy_if_unused(struct req *r)
{
	struct obj *o;
	if (objects_remove(objs(r), OBJ_RESOURCE, r->msg.resource, &o))
		return;
	if (vaccel_resource_refcount(o->u.r.res) > 0) {
		objects_add(objs(r), o);
		return;
	}
	free_resource(r, o);
	conn_use(r->c, USE_RESOURCES, -1);
}

void res_register(struct req *r)
{
	struct obj *res, *sess;
	if (!hold_pair(r, &res, &sess, true))
		return;
	if (r->msg.type == VRPC_T_RES_REGISTER) {
		reply_ret(r,
			  vaccel_resource_register(res->u.r.res, sess->u.sess));
		return;
	}
	reply_ret(r, vaccel_resource_unregister(res->u.r.res, sess->u.sess));
	if (r->msg.flags & VRPC_UNREG_DESTROY_UNUSED)
		r->finish = destroy_if_unused;
}

/* Only a resource registered with no session: libvaccel's release of a
 * registered one would run the plugins' unregister hooks of its sessions
 * without holding them, beside ops on them that may be using it (an image
 * op finds the session's models itself, without naming one). No request
 * holds `o` once removed, so none can register it meanwhile. */
void res_destroy(struct req *r)
{
	struct obj *o;
	uint32_t err =
		objects_remove(objs(r), OBJ_RESOURCE, r->msg.resource, &o);
	if (err) {
		reply_err(r, err, "resource %" PRIu64 "%s", r->msg.resource,
			  err == VRPC_E_BUSY ? " is in use by a call in flight"
					     : "");
		return;
	}
	long n = vaccel_resource_refcount(o->u.r.res);
	if (n > 0) {
		objects_add(objs(r), o);
		reply_err(r, VRPC_E_BUSY,
			  "resource %" PRIu64 " is registered with %ld "
			  "session(s): unregister it first",
			  r->msg.resource, n);
		return;
	}
	free_resource(r, o);
	conn_use(r->c, USE_RESOURCES, -1);
}

void res_sync(struct req *r)
{
	struct obj *res, *sess;
	if (!hold_pair(r, &res, &sess, false))
		return;
	struct vaccel_resource *v = res->u.r.res;
	int ret = vaccel_resource_sync(v, sess->u.sess);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	/* the copies, all kept until the reply is written (as long as the
	 * send timeout if the client does not read): charged to the
	 * connection's budget before any is made (a resource may name one
	 * cached blob many times) */
	uint64_t total = 0;
	for (size_t i = 0; i < v->nr_blobs; i++) {
		uint64_t n = v->blobs[i]->type == VACCEL_BLOB_BUFFER
				     ? v->blobs[i]->size
				     : 0;
		total = n > UINT64_MAX - total ? UINT64_MAX : total + n;
	}
	if (total > SIZE_MAX || !conn_charge(r->c, total)) {
		reply_err(r, VRPC_E_TOOBIG,
			  "RES_SYNC would copy %" PRIu64 " bytes of %zu "
			  "blob(s): over this connection's memory budget "
			  "(--max-conn-memory)",
			  total, v->nr_blobs);
		return;
	}
	r->charged += total;
	struct vrpc_bufs *b = &r->rep.u.bufs;
	b->bufs = vrpc_pool_alloc(&r->rpool, v->nr_blobs * sizeof(*b->bufs));
	if (!b->bufs) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	b->nr = (uint32_t)v->nr_blobs;
	for (size_t i = 0; i < v->nr_blobs; i++) {
		struct vaccel_blob *blob = v->blobs[i];
		bool buf = blob->type == VACCEL_BLOB_BUFFER;
		/* a copy: the resource is let go before the reply is sent */
		void *copy =
			buf ? vrpc_pool_alloc(&r->rpool, blob->size) : NULL;
		if (buf && !copy) {
			reply_err(r, VRPC_E_NOMEM, "no memory");
			return;
		}
		if (buf)
			memcpy(copy, blob->data, blob->size);
		b->bufs[i] = (struct vrpc_buf){
			.kind = buf ? VRPC_BUF_INLINE : VRPC_BUF_NONE,
			.len = buf ? blob->size : 0,
			.data = copy,
		};
	}
}
