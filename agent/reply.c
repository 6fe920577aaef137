// SPDX-License-Identifier: Apache-2.0
/* Replies: an error status with its reason, or the handler's fields,
 * encoded and written as one frame under the connection's send lock and
 * the send deadline. */

#include "serve.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint32_t reply_err(struct req *r, uint32_t code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->rep.status = code;
	r->rep.message = vrpc_pool_alloc(&r->rpool, strlen(msg) + 1);
	if (r->rep.message)
		strcpy(r->rep.message, msg);
	adebug("conn %" PRIu64 ": %s: %s (%s)", conn_id(r->c),
	       vrpc_type_name(r->hdr.type) ? vrpc_type_name(r->hdr.type) : "?",
	       vrpc_err_name(code), msg);
	return code;
}

/* The reason libvaccel recorded for the failed call of this thread (a
 * backend's vaccel_fail(), or its first error line), else the code's
 * text. */
void reply_ret(struct req *r, int ret)
{
	if (!ret)
		return;
	const char *why = vaccel_last_error();
	reply_err(r, vrpc_err_to_wire(ret), "%s",
		  why && *why ? why : vaccel_strerror(ret));
}

/* Encode r->rep; a reply that cannot be encoded becomes an error saying
 * so. 0 or a VRPC_E_* code. */
static uint32_t encode(struct req *r, struct vrpc_io *io, struct iovec **iov,
		       size_t *niov)
{
	r->rep.type = r->hdr.type;
	r->rep.reply = true;
	vrpc_io_init_enc(io);
	uint32_t err = vrpc_msg_io(io, &r->rep);
	if (!err)
		err = vrpc_io_frame(io, r->hdr.type, VRPC_F_REPLY, r->hdr.id,
				    iov, niov);
	if (!err)
		return 0;
	vrpc_io_release(io);
	struct vrpc_msg e = { .type = r->hdr.type,
			      .reply = true,
			      .status = err,
			      .message = "reply too large" };
	vrpc_io_init_enc(io);
	vrpc_msg_io(io, &e);
	return vrpc_io_frame(io, r->hdr.type, VRPC_F_REPLY, r->hdr.id, iov,
			     niov);
}

int reply_send(struct req *r)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	int w = VACCEL_EIO;
	if (!encode(r, &io, &iov, &niov)) {
		for (size_t i = 0; i < niov; i++)
			r->sent += iov[i].iov_len;
		w = conn_write(r->c, iov, niov);
	}
	vrpc_io_release(&io);
	return w;
}
