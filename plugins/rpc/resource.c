// SPDX-License-Identifier: Apache-2.0
/* Remote resources: the agent's twin of a local resource, per connection.
 * Resources are uploaded by content hash (protocol.md §5.3): the agent asks
 * only for what it lacks. */

#include "rpc.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The remote twin of a local resource, on one connection. Kept in a list
 * (not in res->plugin_priv, which the resource's other plugins may use). */
struct twin {
	const struct vaccel_resource *res;
	vaccel_id_t local_id;
	uint64_t gen;
	uint64_t remote_id;
	unsigned nsess;
	struct twin *next;
};

static struct {
	pthread_mutex_t lock;
	struct twin *list;
} twins = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct twin *twin_find(const struct vaccel_resource *res, uint64_t gen)
{
	for (struct twin *t = twins.list; t; t = t->next)
		if (t->res == res && t->local_id == res->id && t->gen == gen)
			return t;
	return NULL;
}

/* The name a blob has on the agent: for a directory, its path inside it. */
static const char *blob_name(const struct vaccel_resource *res,
			     const struct vaccel_blob *b)
{
	if (res->path_type == VACCEL_PATH_LOCAL_DIR && res->nr_paths &&
	    b->path) {
		size_t n = strlen(res->paths[0]);
		while (n && res->paths[0][n - 1] == '/')
			n--;
		if (!strncmp(b->path, res->paths[0], n) && b->path[n] == '/')
			return b->path + n + 1;
	}
	return b->name ? b->name : "blob";
}

static int describe_blobs(const struct vaccel_resource *res,
			  struct vrpc_res_create *rc, struct vrpc_blobdesc *d)
{
	bool buffers = false;
	for (size_t i = 0; i < res->nr_blobs; i++) {
		struct vaccel_blob *b = res->blobs[i];
		size_t size = 0;
		const uint8_t *data = vaccel_blob_data(b, &size);
		if (!data || !size) {
			rpc_err("resource %" PRId64 ": blob %zu has no data",
				res->id, i);
			return VACCEL_EINVAL;
		}
		d[i] = (struct vrpc_blobdesc){
			.name = (char *)blob_name(res, b),
			.kind = b->type == VACCEL_BLOB_BUFFER ? VRPC_BLOB_BUFFER
							      : VRPC_BLOB_FILE,
			.size = size,
		};
		vrpc_sha256(data, size, d[i].sha);
		buffers |= b->type == VACCEL_BLOB_BUFFER;
	}
	rc->type = (uint8_t)res->type;
	rc->layout = buffers ? VRPC_LAYOUT_BUFFERS
		     : res->path_type == VACCEL_PATH_LOCAL_DIR
			     ? VRPC_LAYOUT_DIR
			     : VRPC_LAYOUT_FILES;
	rc->blobs = d;
	rc->nr_blobs = (uint32_t)res->nr_blobs;
	return 0;
}

static int upload(struct rpc_link *l, struct vaccel_blob *b,
		  const struct vrpc_blobdesc *d)
{
	struct rpc_ctx x;
	size_t size;
	int ret = rpc_begin_link(&x, VRPC_T_BLOB_PUT, l);
	if (ret)
		return ret;
	memcpy(x.req.u.put.sha, d->sha, sizeof(d->sha));
	x.req.u.put.data = rpc_in(vaccel_blob_data(b, &size), d->size);
	ret = rpc_simple(&x);
	rpc_end(&x);
	return ret;
}

/* RES_CREATE, uploading what the agent does not have (at most 3 rounds:
 * an entry could be evicted between an upload and the next try). */
static int create_twin(struct vaccel_resource *res, uint64_t sess_id,
		       uint64_t gen, uint64_t *remote_id)
{
	struct vrpc_blobdesc *d = calloc(res->nr_blobs, sizeof(*d));
	struct vrpc_res_create rc;
	int ret = d ? describe_blobs(res, &rc, d) : VACCEL_ENOMEM;
	for (int round = 0; !ret && round < 3; round++) {
		struct rpc_ctx x;
		ret = rpc_begin(&x, VRPC_T_RES_CREATE, gen);
		if (ret)
			break;
		x.req.u.rc = rc;
		x.req.session = sess_id;
		ret = rpc_call(&x);
		if (!ret)
			ret = rpc_finish(&x);
		if (!ret && x.rep.status == VRPC_E_NEED_UPLOAD) {
			for (uint32_t i = 0; !ret && i < x.rep.u.rc.nr_missing;
			     i++) {
				uint32_t k = x.rep.u.rc.missing[i];
				ret = k < res->nr_blobs
					      ? upload(x.link, res->blobs[k],
						       &d[k])
					      : VACCEL_EIO;
			}
			rpc_end(&x);
			ret = ret ? ret : VACCEL_EAGAIN;
			if (ret == VACCEL_EAGAIN && round < 2)
				ret = 0;
			continue;
		}
		if (!ret)
			ret = rpc_status(&x);
		if (!ret)
			*remote_id = x.rep.resource;
		rpc_end(&x);
		break;
	}
	free(d);
	return ret;
}

int rpc_res_register(struct vaccel_resource *res, struct vaccel_session *sess)
{
	uint64_t gen = rpc_sess_gen(sess);
	pthread_mutex_lock(&twins.lock);
	struct twin *t = twin_find(res, gen);
	uint64_t remote = t ? t->remote_id : 0;
	pthread_mutex_unlock(&twins.lock);
	int ret;
	if (remote) {
		struct rpc_ctx x;
		ret = rpc_begin(&x, VRPC_T_RES_REGISTER, gen);
		if (!ret) {
			x.req.resource = remote;
			x.req.session = (uint64_t)sess->remote_id;
			ret = rpc_simple(&x);
		}
		rpc_end(&x);
	} else {
		ret = create_twin(res, (uint64_t)sess->remote_id, gen, &remote);
	}
	if (ret)
		return ret;
	pthread_mutex_lock(&twins.lock);
	if (!(t = twin_find(res, gen)) && (t = calloc(1, sizeof(*t)))) {
		*t = (struct twin){ res, res->id, gen, remote, 0, twins.list };
		twins.list = t;
	}
	if (t)
		t->nsess++;
	pthread_mutex_unlock(&twins.lock);
	res->remote_id = (vaccel_id_t)remote;
	return t ? 0 : VACCEL_ENOMEM;
}

int rpc_res_unregister(struct vaccel_resource *res, struct vaccel_session *sess)
{
	uint64_t gen = rpc_sess_gen(sess);
	bool last = false;
	uint64_t remote = 0;
	pthread_mutex_lock(&twins.lock);
	for (struct twin **p = &twins.list; *p; p = &(*p)->next) {
		struct twin *t = *p;
		if (t->res != res || t->local_id != res->id || t->gen != gen)
			continue;
		remote = t->remote_id;
		if (--t->nsess == 0) {
			last = true;
			*p = t->next;
			free(t);
		}
		break;
	}
	pthread_mutex_unlock(&twins.lock);
	if (last)
		res->remote_id = 0;
	if (!remote)
		return VACCEL_OK;
	struct rpc_ctx x;
	int ret = rpc_begin(&x, VRPC_T_RES_UNREGISTER, gen);
	if (!ret) {
		x.req.resource = remote;
		x.req.session = (uint64_t)sess->remote_id;
		x.req.flags = last ? VRPC_UNREG_DESTROY_UNUSED : 0;
		ret = rpc_simple(&x);
	}
	rpc_end(&x);
	/* the local registration is gone already; a lost connection took
	 * the remote one with it */
	if (ret && ret != VACCEL_ESESS)
		rpc_warn("resource %" PRId64 ": remote unregister failed: %s",
			 res->id, vaccel_strerror(ret));
	return VACCEL_OK;
}

int rpc_res_sync(struct vaccel_resource *res, struct vaccel_session *sess)
{
	struct rpc_ctx x;
	void **got = NULL;
	int ret = rpc_begin(&x, VRPC_T_RES_SYNC, rpc_sess_gen(sess));
	if (!ret) {
		x.req.resource = (uint64_t)res->remote_id;
		x.req.session = (uint64_t)sess->remote_id;
		ret = rpc_call(&x);
	}
	struct vrpc_bufs *b = &x.rep.u.bufs;
	if (!ret && !x.rep.status && !(got = calloc(b->nr + 1, sizeof(*got))))
		ret = VACCEL_ENOMEM;
	for (uint32_t i = 0; !ret && !x.rep.status && i < b->nr; i++)
		ret = rpc_out_alloc(&x, &b->bufs[i], &got[i]);
	if (!ret)
		ret = rpc_finish(&x);
	if (!ret)
		ret = rpc_status(&x);
	/* copy only what changed: an application's buffer may be read-only
	 * (vaccel_resource_init_from_buf takes a const buffer) */
	for (uint32_t i = 0; !ret && i < b->nr && i < res->nr_blobs; i++) {
		struct vaccel_blob *blob = res->blobs[i];
		size_t n = (size_t)b->bufs[i].len;
		if (!got[i] || blob->type != VACCEL_BLOB_BUFFER)
			continue;
		n = n < blob->size ? n : blob->size;
		if (memcmp(blob->data, got[i], n))
			memcpy(blob->data, got[i], n);
	}
	rpc_end(&x);
	free(got);
	return ret;
}
