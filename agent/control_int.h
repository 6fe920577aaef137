// SPDX-License-Identifier: Apache-2.0
/* Inside the control messages (control.c, their dispatch): what it shares
 * with resources.c. Only those two include it. */
#pragma once

#include "serve.h"

static inline struct cache *cache_of(struct req *r)
{
	return conn_tenant(r->c)->cache;
}

static inline struct objects *objs(struct req *r)
{
	return conn_objects(r->c);
}

/* resources.c: BLOB_PUT, RES_CREATE, RES_REGISTER and RES_UNREGISTER,
 * RES_DESTROY, RES_SYNC */
void blob_put(struct req *r);
void res_create(struct req *r);
void res_register(struct req *r);
void res_destroy(struct req *r);
void res_sync(struct req *r);
