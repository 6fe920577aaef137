// SPDX-License-Identifier: Apache-2.0
/* Whole frames on a link's stream outside of calls: a control message
 * without bulk (HELLO, BYE), and the header and fields of a reply (the
 * handshake's and every call's; a call reads its bulk itself). */

#include "rpc.h"
#include <stdlib.h>

/* Client-side bounds on replies (the agent is trusted, memory is not). */
#define MAX_REPLY_FIELDS (64u << 20)
#define MAX_REPLY_BULK	 (1ull << 40)

int rpc_send_msg(struct rpc_link *l, struct vrpc_msg *m, int64_t deadline)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, m);
	int ret = vrpc_io_frame(&io, m->type, 0, 0, &iov, &niov)
			  ? VACCEL_EINVAL
			  : vrpc_stream_writev(&l->s, iov, niov, -1, deadline);
	vrpc_io_release(&io);
	return ret;
}

void rpc_fields_free(struct rpc_link *l, uint8_t *fields, size_t len)
{
	uint8_t *none = NULL;
	if (!fields || len > RPC_SMALL_FIELDS ||
	    !atomic_compare_exchange_strong(&l->spare_fields, &none, fields))
		free(fields);
}

int rpc_read_frame(struct rpc_link *l, struct vrpc_hdr *h, uint8_t **fields,
		   int64_t deadline)
{
	int ret = vrpc_stream_read_hdr(&l->s, h, deadline);
	if (ret)
		return ret;
	if (vrpc_hdr_check(h, VRPC_MAJOR, MAX_REPLY_FIELDS, MAX_REPLY_BULK) ||
	    !(h->flags & VRPC_F_REPLY))
		return RPC_EPROTO;
	bool small = h->fields_len <= RPC_SMALL_FIELDS;
	*fields = small ? atomic_exchange(&l->spare_fields, NULL) : NULL;
	if (!*fields)
		*fields = malloc(small ? RPC_SMALL_FIELDS : h->fields_len);
	if (!*fields)
		return VACCEL_ENOMEM;
	ret = vrpc_stream_read(&l->s, *fields, h->fields_len, deadline);
	if (ret) {
		rpc_fields_free(l, *fields, h->fields_len);
		*fields = NULL;
	}
	return ret;
}
